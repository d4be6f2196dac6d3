// Reading fields of the API's JSON answers without throwing: a missing member or a value of
// another type reads as null, "" or an empty array. Pure; safe from any thread.
#pragma once

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace gitopsd::cli::json_fields {

// The member `key` of `object`; null when `object` is not an object or has no such member.
const nlohmann::json& member(const nlohmann::json& object, std::string_view key);
// The value at the path of member names; null when any step is missing.
const nlohmann::json& path(const nlohmann::json& root,
                           std::initializer_list<std::string_view> keys);
// The value at `keys` as text: strings as they are, numbers and booleans printed, else "".
std::string text(const nlohmann::json& root, std::initializer_list<std::string_view> keys);
// The value at `keys` is the boolean true.
bool flag(const nlohmann::json& root, std::initializer_list<std::string_view> keys);
// `value` when it is an array, else an empty array.
const nlohmann::json& array(const nlohmann::json& value);
// The value at `keys` as an integer (0 when it is not one).
long long integer(const nlohmann::json& root, std::initializer_list<std::string_view> keys);

}  // namespace gitopsd::cli::json_fields
