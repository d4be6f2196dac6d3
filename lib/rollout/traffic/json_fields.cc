#include "rollout/traffic/json_fields.h"

#include <cmath>
#include <limits>

namespace gitopsd::rollout::detail {

using nlohmann::json;

const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) {
    return nullptr;
  }
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

core::Result<std::string> optionalString(const json& object, std::string_view key,
                                         std::string_view field) {
  const json* value = member(object, key);
  if (value == nullptr) {
    return std::string();
  }
  if (!value->is_string()) {
    return core::invalidError(std::string(field) + ": must be a string");
  }
  return value->get<std::string>();
}

core::Result<std::string> requiredString(const json& object, std::string_view key,
                                         std::string_view field) {
  auto value = optionalString(object, key, field);
  if (value.ok() && value->empty()) {
    return core::invalidError(std::string(field) + ": required");
  }
  return value;
}

core::Result<const json*> optionalArray(const json& object, std::string_view key,
                                        std::string_view field) {
  const json* value = member(object, key);
  if (value != nullptr && !value->is_array()) {
    return core::invalidError(std::string(field) + ": must be a list");
  }
  return value;
}

core::Result<const json*> optionalObject(const json& object, std::string_view key,
                                         std::string_view field) {
  const json* value = member(object, key);
  if (value != nullptr && !value->is_object()) {
    return core::invalidError(std::string(field) + ": must be an object");
  }
  return value;
}

bool asInteger(const json& value, std::int64_t& out) {
  if (value.is_number_integer()) {
    out = value.get<std::int64_t>();
    return true;
  }
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) < 9.0e15) {
      out = static_cast<std::int64_t>(d);
      return true;
    }
  }
  return false;
}

std::string indexed(std::string_view field, std::size_t index) {
  return std::string(field) + "[" + std::to_string(index) + "]";
}

std::string child(std::string_view field, std::string_view key) {
  return std::string(field) + "." + std::string(key);
}

}  // namespace gitopsd::rollout::detail
