#include "analysis/expr/value.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace gitopsd::analysis::expr {

std::string_view typeName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "nil";
    case nlohmann::json::value_t::boolean:
      return "bool";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return isInt(value) ? "int" : "float";
    case nlohmann::json::value_t::number_float:
      return "float";
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::array:
      return "array";
    case nlohmann::json::value_t::object:
      return "map";
    default:
      return "unknown";
  }
}

bool isInt(const nlohmann::json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) return true;
  return value.is_number_unsigned() &&
         value.get<std::uint64_t>() <=
             static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
}

bool isFloat(const nlohmann::json& value) { return value.is_number() && !isInt(value); }

std::int64_t intOf(const nlohmann::json& value) {
  if (value.is_number_unsigned()) return static_cast<std::int64_t>(value.get<std::uint64_t>());
  return value.get<std::int64_t>();
}

double floatOf(const nlohmann::json& value) {
  if (value.is_number_float()) return value.get<double>();
  if (value.is_number_unsigned()) return static_cast<double>(value.get<std::uint64_t>());
  return static_cast<double>(value.get<std::int64_t>());
}

bool valuesEqual(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) {
    if (isInt(a) && isInt(b)) return intOf(a) == intOf(b);
    return floatOf(a) == floatOf(b);
  }
  if (typeName(a) != typeName(b)) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!valuesEqual(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !valuesEqual(it.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

std::string mismatch(std::string_view op, const nlohmann::json& a, const nlohmann::json& b) {
  return "invalid operation: " + std::string(op) + " (mismatched types " +
         std::string(typeName(a)) + " and " + std::string(typeName(b)) + ")";
}

std::optional<int> compareValues(const nlohmann::json& a, const nlohmann::json& b,
                                 std::string_view op, std::string* error) {
  if (a.is_number() && b.is_number()) {
    if (isInt(a) && isInt(b)) {
      std::int64_t x = intOf(a), y = intOf(b);
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    double x = floatOf(a), y = floatOf(b);
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  *error = mismatch(op, a, b);
  return std::nullopt;
}

namespace {

// Go's %v of a float64: the shortest representation that reads back, in exponent form when
// the exponent is below -4 or at least 21.
std::string goFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, end);
  std::size_t e = sci.find('e');
  int exponent = std::stoi(sci.substr(e + 1));
  if (exponent < -4 || exponent >= 21) {
    // Go writes at least two exponent digits: 1e+21, 1e-05.
    std::string mantissa = sci.substr(0, e);
    std::string digits = std::to_string(exponent < 0 ? -exponent : exponent);
    if (digits.size() < 2) digits = "0" + digits;
    return mantissa + "e" + (exponent < 0 ? "-" : "+") + digits;
  }
  auto [fend, fec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, fend);
}

}  // namespace

std::string toText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "<nil>";
  if (isInt(value)) return std::to_string(intOf(value));
  if (value.is_number()) return goFloat(floatOf(value));
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace gitopsd::analysis::expr
