// Values of the expression engine are nlohmann::json values, read with expr-lang's rules:
// null is nil, integers (signed or unsigned JSON numbers that fit int64) are int, other numbers
// are float, and arrays and objects are arrays and maps. An unsigned number above INT64_MAX
// reads as a float.
//
// Equality follows expr-lang: numbers compare by value across int and float, other values are
// equal only when they have the same type and contents (values of different types are simply
// not equal, never an error). Ordering (<, <=, >, >=) is defined for two numbers or two
// strings; anything else is an error naming the operator and both types. Pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gitopsd::analysis::expr {

// "nil", "bool", "int", "float", "string", "array", "map".
std::string_view typeName(const nlohmann::json& value);

bool isInt(const nlohmann::json& value);    // an integer that fits int64
bool isFloat(const nlohmann::json& value);  // any other number
inline bool isNumber(const nlohmann::json& value) { return value.is_number(); }

// Preconditions: isInt / isNumber.
std::int64_t intOf(const nlohmann::json& value);
double floatOf(const nlohmann::json& value);

bool valuesEqual(const nlohmann::json& a, const nlohmann::json& b);

// -1, 0 or 1 (NaN compares as unordered: nullopt); nullopt with `error` set when the types
// cannot be ordered ("invalid operation: < (mismatched types string and int)").
std::optional<int> compareValues(const nlohmann::json& a, const nlohmann::json& b,
                                 std::string_view op, std::string* error);

// The text `string(value)` gives: strings as they are, numbers as Go prints them (`%v`),
// nil as "<nil>", arrays and maps as JSON.
std::string toText(const nlohmann::json& value);

// "invalid operation: OP (mismatched types A and B)".
std::string mismatch(std::string_view op, const nlohmann::json& a, const nlohmann::json& b);

}  // namespace gitopsd::analysis::expr
