// The functions conditions may call. Predicate functions (all, any, none, one, filter, map,
// count) take an array and a closure and are run by the evaluator; the others are plain
// functions of values, run by callBuiltin.
//
// Argo Rollouts' own functions: asInt/asFloat convert a number or a numeric string (anything
// else is an error), isNaN/isInf test a number, isNil tests for nil, default(value, fallback)
// is the fallback when value is nil. Argo's isNil and default look at the metric result
// whatever their first argument is; here they look at their argument, which is the same for
// the way they are written in practice (`isNil(result)`, `default(result, 0)`).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gitopsd::analysis::expr {

enum class Builtin {
  kLen,
  kAll,
  kAny,
  kNone,
  kOne,
  kFilter,
  kMap,
  kCount,
  kAsInt,
  kAsFloat,
  kIsNaN,
  kIsInf,
  kIsNil,
  kDefault,
  kAbs,
  kMax,
  kMin,
  kSum,
  kInt,
  kFloat,
  kString,
  kUpper,
  kLower,
  kTrim,
};

struct BuiltinInfo {
  Builtin id;
  std::string_view name;
  int min_args;
  int max_args;    // -1: any number
  bool predicate;  // argument 2 is a closure
};

// nullopt for a name that is no builtin.
std::optional<BuiltinInfo> findBuiltin(std::string_view name);
std::string_view builtinName(Builtin id);

// A plain (non-predicate) builtin on evaluated arguments, whose count the parser checked.
// Errors are kInvalid with a message naming the function; the caller adds the position.
core::Result<nlohmann::json> callBuiltin(Builtin id, std::vector<nlohmann::json>& args);

}  // namespace gitopsd::analysis::expr
