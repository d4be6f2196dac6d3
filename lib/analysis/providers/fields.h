// Reading a provider object's fields, for the providers' .cc files: every error is kInvalid and
// names the provider type and the field.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace gitopsd::analysis {

// provider[type] when it is an object.
core::Result<nlohmann::json> providerFields(const nlohmann::json& provider, std::string_view type);

// A string field; "" when absent and not required.
core::Result<std::string> stringField(const nlohmann::json& fields, std::string_view type,
                                      std::string_view key, bool required);

// An integer field (a number, or a string of digits as argument substitution leaves it).
core::Result<std::optional<long long>> integerField(const nlohmann::json& fields,
                                                    std::string_view type, std::string_view key);

// A boolean field (true/false, or "true"/"false"); false when absent.
core::Result<bool> boolField(const nlohmann::json& fields, std::string_view type,
                             std::string_view key);

// A Go duration field ("3m"); nullopt when absent or empty.
core::Result<std::optional<std::chrono::milliseconds>> durationField(const nlohmann::json& fields,
                                                                     std::string_view type,
                                                                     std::string_view key);

// `headers: [{key, value}]`.
core::Result<std::vector<std::pair<std::string, std::string>>> headersField(
    const nlohmann::json& fields, std::string_view type);

// The first `limit` bytes of a body for an error message, on one line.
std::string excerpt(std::string_view body, std::size_t limit = 300);

}  // namespace gitopsd::analysis
