#include "analysis/expr/builtins.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

#include "analysis/expr/value.h"

namespace gitopsd::analysis::expr {

namespace {

constexpr std::array<BuiltinInfo, 24> kBuiltins = {{
    {Builtin::kLen, "len", 1, 1, false},       {Builtin::kAll, "all", 2, 2, true},
    {Builtin::kAny, "any", 2, 2, true},        {Builtin::kNone, "none", 2, 2, true},
    {Builtin::kOne, "one", 2, 2, true},        {Builtin::kFilter, "filter", 2, 2, true},
    {Builtin::kMap, "map", 2, 2, true},        {Builtin::kCount, "count", 1, 2, true},
    {Builtin::kAsInt, "asInt", 1, 1, false},   {Builtin::kAsFloat, "asFloat", 1, 1, false},
    {Builtin::kIsNaN, "isNaN", 1, 1, false},   {Builtin::kIsInf, "isInf", 1, 1, false},
    {Builtin::kIsNil, "isNil", 1, 1, false},   {Builtin::kDefault, "default", 2, 2, false},
    {Builtin::kAbs, "abs", 1, 1, false},       {Builtin::kMax, "max", 1, -1, false},
    {Builtin::kMin, "min", 1, -1, false},      {Builtin::kSum, "sum", 1, 1, false},
    {Builtin::kInt, "int", 1, 1, false},       {Builtin::kFloat, "float", 1, 1, false},
    {Builtin::kString, "string", 1, 1, false}, {Builtin::kUpper, "upper", 1, 1, false},
    {Builtin::kLower, "lower", 1, 1, false},   {Builtin::kTrim, "trim", 1, 2, false},
}};

core::Status argError(Builtin id, std::string_view what, const nlohmann::json& arg) {
  return core::invalidError(std::string(builtinName(id)) + "(): " + std::string(what) + ", got " +
                            std::string(typeName(arg)));
}

// strconv.ParseInt(s, 10, 64): optional sign, decimal digits, nothing else.
std::optional<std::int64_t> parseInt(const std::string& s) {
  std::string_view text = s;
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  if (text.empty() || text[0] == '+') return std::nullopt;
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// strconv.ParseFloat(s, 64) for decimal text, "NaN" and "Inf"/"Infinity" with a sign.
std::optional<double> parseFloat(const std::string& s) {
  std::string_view text = s;
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty() || text[0] == '+' || text[0] == '-') return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ptr != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Go returns ±Inf (or ±0 for underflow) with a range error; treat both as unparsable.
    return std::nullopt;
  }
  if (ec != std::errc()) return std::nullopt;
  return negative ? -value : value;
}

core::Result<std::int64_t> floatToInt(Builtin id, double v) {
  // Go's int64(float) is undefined outside the range; refuse instead of guessing.
  if (!std::isfinite(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) {
    return core::invalidError(std::string(builtinName(id)) + "(): " + toText(v) +
                              " does not fit an int");
  }
  return static_cast<std::int64_t>(v);
}

core::Result<nlohmann::json> extreme(Builtin id, std::vector<nlohmann::json>& args) {
  const std::vector<nlohmann::json>* items = &args;
  std::vector<nlohmann::json> flat;
  if (args.size() == 1 && args[0].is_array()) {
    flat = args[0].get<std::vector<nlohmann::json>>();
    items = &flat;
  }
  if (items->empty()) return nlohmann::json(nullptr);
  const nlohmann::json* best = nullptr;
  for (const auto& item : *items) {
    if (!item.is_number()) return argError(id, "expected numbers", item);
    if (best == nullptr) {
      best = &item;
      continue;
    }
    std::string error;
    auto c = compareValues(item, *best, builtinName(id), &error);
    if ((id == Builtin::kMax && c == 1) || (id == Builtin::kMin && c == -1)) best = &item;
  }
  return *best;
}

std::string asciiCase(std::string s, bool upper) {
  for (char& c : s) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return s;
}

}  // namespace

std::optional<BuiltinInfo> findBuiltin(std::string_view name) {
  for (const auto& info : kBuiltins) {
    if (info.name == name) return info;
  }
  return std::nullopt;
}

std::string_view builtinName(Builtin id) {
  for (const auto& info : kBuiltins) {
    if (info.id == id) return info.name;
  }
  return "?";
}

core::Result<nlohmann::json> callBuiltin(Builtin id, std::vector<nlohmann::json>& args) {
  nlohmann::json& a = args[0];
  switch (id) {
    case Builtin::kLen:
      if (a.is_string())
        return nlohmann::json(static_cast<std::int64_t>(a.get_ref<const std::string&>().size()));
      if (a.is_array() || a.is_object()) return nlohmann::json(static_cast<std::int64_t>(a.size()));
      return argError(id, "expected string, array or map", a);
    case Builtin::kAsInt:
    case Builtin::kInt:
      if (isInt(a)) return nlohmann::json(intOf(a));
      if (a.is_number()) {
        auto v = floatToInt(id, floatOf(a));
        if (!v.ok()) return v.status();
        return nlohmann::json(*v);
      }
      if (a.is_string()) {
        if (auto v = parseInt(a.get<std::string>())) return nlohmann::json(*v);
        return core::invalidError(std::string(builtinName(id)) + "(): cannot parse \"" +
                                  a.get<std::string>() + "\" as an int");
      }
      return argError(id, "expected a number or a numeric string", a);
    case Builtin::kAsFloat:
    case Builtin::kFloat:
      if (a.is_number()) return nlohmann::json(floatOf(a));
      if (a.is_string()) {
        if (auto v = parseFloat(a.get<std::string>())) return nlohmann::json(*v);
        return core::invalidError(std::string(builtinName(id)) + "(): cannot parse \"" +
                                  a.get<std::string>() + "\" as a float");
      }
      return argError(id, "expected a number or a numeric string", a);
    case Builtin::kIsNaN:
      if (!a.is_number()) return argError(id, "expected a number", a);
      return nlohmann::json(isFloat(a) && std::isnan(floatOf(a)));
    case Builtin::kIsInf:
      if (!a.is_number()) return argError(id, "expected a number", a);
      return nlohmann::json(isFloat(a) && std::isinf(floatOf(a)));
    case Builtin::kIsNil:
      return nlohmann::json(a.is_null());
    case Builtin::kDefault:
      return nlohmann::json(a.is_null() ? std::move(args[1]) : std::move(a));
    case Builtin::kAbs:
      if (isInt(a)) {
        std::int64_t v = intOf(a);
        // Wraps for INT64_MIN, as Go does.
        return nlohmann::json(v < 0 ? static_cast<std::int64_t>(0 - static_cast<std::uint64_t>(v))
                                    : v);
      }
      if (a.is_number()) return nlohmann::json(std::fabs(floatOf(a)));
      return argError(id, "expected a number", a);
    case Builtin::kMax:
    case Builtin::kMin:
      return extreme(id, args);
    case Builtin::kSum: {
      if (!a.is_array()) return argError(id, "expected an array", a);
      std::uint64_t int_sum = 0;
      double float_sum = 0;
      bool is_float = false;
      for (const auto& item : a) {
        if (!item.is_number()) return argError(id, "expected an array of numbers", item);
        if (isInt(item)) {
          int_sum += static_cast<std::uint64_t>(intOf(item));
        } else {
          is_float = true;
        }
        float_sum += floatOf(item);
      }
      if (is_float) return nlohmann::json(float_sum);
      return nlohmann::json(static_cast<std::int64_t>(int_sum));
    }
    case Builtin::kString:
      return nlohmann::json(toText(a));
    case Builtin::kUpper:
    case Builtin::kLower:
      if (!a.is_string()) return argError(id, "expected a string", a);
      return nlohmann::json(asciiCase(a.get<std::string>(), id == Builtin::kUpper));
    case Builtin::kTrim: {
      if (!a.is_string()) return argError(id, "expected a string", a);
      std::string cut = " \t\n\r\v\f";
      if (args.size() == 2) {
        if (!args[1].is_string()) return argError(id, "expected a string of characters", args[1]);
        cut = args[1].get<std::string>();
      }
      const std::string& s = a.get_ref<const std::string&>();
      std::size_t first = s.find_first_not_of(cut);
      if (first == std::string::npos) return nlohmann::json(std::string());
      std::size_t last = s.find_last_not_of(cut);
      return nlohmann::json(s.substr(first, last - first + 1));
    }
    default:
      return core::internalError(std::string(builtinName(id)) + "() is a predicate builtin");
  }
}

}  // namespace gitopsd::analysis::expr
