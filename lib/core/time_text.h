// Timestamps as Kubernetes writes them: RFC 3339 in UTC with whole seconds
// ("2026-12-04T10:00:00Z"). Pure; safe from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gitopsd::core {

// The epoch (a default-constructed time point) formats as "", as Kubernetes leaves unset times
// out.
std::string formatRfc3339(std::chrono::system_clock::time_point time);

// Accepts "YYYY-MM-DDTHH:MM:SS" with optional fractional seconds and "Z" or a "+HH:MM"/"-HH:MM"
// offset; nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parseRfc3339(std::string_view text);

}  // namespace gitopsd::core
