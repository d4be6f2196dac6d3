// The subset of jq that Argo CD users write in ignoreDifferences.jqPathExpressions, compiled
// into a small path program and evaluated to the concrete paths it selects in one document.
// Argo CD runs each expression through gojq as del(EXPR); deleting the paths returned by
// evaluateJqPath (removePaths) does the same for the supported forms. Pure.
//
// Supported grammar (whitespace allowed between tokens):
//   expr    := term ( "|" term )*
//   term    := path | "select(" path ( "==" | "!=" ) literal ")"
//   path    := "." [ name ] suffix*            "." alone is the identity
//   name    := identifier | string             .a   ."x.y"
//   suffix  := "." name | "[" "]" | "[" integer "]" | "[" string "]" | "?"
//   literal := JSON string | number | true | false | null
// e.g. `.a.b`, `.a.b[]`, `.a.b[]?`, `.a["x.y"]`, `.a[0]`, `.a[-1]`,
// `.a[] | select(.name == "x") | .b`.
//
// Evaluation is lenient where jq would raise an error, because a missing field is never an
// error for an ignore rule: a name or index on a missing value or a value of the wrong type
// selects nothing, and `[]` behaves as `[]?` (iterating a non-container selects nothing).
// `[]` over an object selects each value, as in jq. A select() path that is missing reads as
// null. Anything else (other functions, operators, recursion `..`, slices, variables) is
// kInvalid from compileJqPath, naming the expression and the column.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "diff/json_path.h"

namespace gitopsd::diff {

struct JqStep {
  enum class Kind { kField, kIndex, kIterate, kSelect };
  Kind kind = Kind::kField;
  std::string name;            // kField
  std::int64_t index = 0;      // kIndex; negative counts from the end
  std::vector<JqStep> filter;  // kSelect: the relative path compared (fields and indices only)
  bool negate = false;         // kSelect: != instead of ==
  nlohmann::json literal;      // kSelect
};

struct JqPath {
  std::string expression;
  std::vector<JqStep> steps;
};

core::Result<JqPath> compileJqPath(std::string_view expression);

// The paths the program selects in document, in document order. A program that selects the
// whole document (e.g. ".") yields the empty path, which removePath ignores.
std::vector<JsonPath> evaluateJqPath(const JqPath& program, const nlohmann::json& document);

}  // namespace gitopsd::diff
