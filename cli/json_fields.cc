#include "cli/json_fields.h"

namespace gitopsd::cli::json_fields {

using nlohmann::json;

const json& member(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

const json& path(const json& root, std::initializer_list<std::string_view> keys) {
  const json* value = &root;
  for (const auto key : keys) value = &member(*value, key);
  return *value;
}

std::string text(const json& root, std::initializer_list<std::string_view> keys) {
  const json& value = path(root, keys);
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_number()) return value.dump();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return "";
}

bool flag(const json& root, std::initializer_list<std::string_view> keys) {
  const json& value = path(root, keys);
  return value.is_boolean() && value.get<bool>();
}

const json& array(const json& value) {
  static const json kEmpty = json::array();
  return value.is_array() ? value : kEmpty;
}

long long integer(const json& root, std::initializer_list<std::string_view> keys) {
  const json& value = path(root, keys);
  return value.is_number_integer() ? value.get<long long>() : 0;
}

}  // namespace gitopsd::cli::json_fields
