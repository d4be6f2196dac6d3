// Internal to gitopsd_rollout: typed reads of JSON members that report a wrong type as
// kInvalid naming the field path. Not part of the module's API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gitopsd::rollout::detail {

// The member, or nullptr when `object` is not an object or lacks it (null counts as absent).
const nlohmann::json* member(const nlohmann::json& object, std::string_view key);

// "" when absent; kInvalid "FIELD: must be a string" for another type.
core::Result<std::string> optionalString(const nlohmann::json& object, std::string_view key,
                                         std::string_view field);

// kInvalid "FIELD: required" when absent or empty.
core::Result<std::string> requiredString(const nlohmann::json& object, std::string_view key,
                                         std::string_view field);

// Null when absent; kInvalid unless an array.
core::Result<const nlohmann::json*> optionalArray(const nlohmann::json& object,
                                                  std::string_view key, std::string_view field);

// Null when absent; kInvalid unless an object.
core::Result<const nlohmann::json*> optionalObject(const nlohmann::json& object,
                                                   std::string_view key, std::string_view field);

// An integral number (a float with an integral value counts, as JSON readers may give 100.0).
bool asInteger(const nlohmann::json& value, std::int64_t& out);

std::string indexed(std::string_view field, std::size_t index);   // "FIELD[INDEX]"
std::string child(std::string_view field, std::string_view key);  // "FIELD.KEY"

}  // namespace gitopsd::rollout::detail
