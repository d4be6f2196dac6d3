// The syntax tree the parser builds and the evaluator walks. Owned top-down by unique_ptr; the
// parser bounds its height (Limits::max_depth), so walking and destroying it never recurses
// deeper than that.
#pragma once

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "analysis/expr/builtins.h"
#include "analysis/expr/regex.h"

namespace gitopsd::analysis::expr {

enum class NodeKind {
  kLiteral,  // literal
  kName,     // name: a variable of the environment
  kElement,  // `#`: the element a closure is called with
  kMember,   // kids[0].name; optional for ?.
  kIndex,    // kids[0][kids[1]]; optional for ?.[
  kSlice,    // kids[0][kids[1]:kids[2]], either bound may be null
  kUnary,    // op kids[0]
  kBinary,   // kids[0] op kids[1]
  kTernary,  // kids[0] ? kids[1] : kids[2]
  kCall,     // builtin(kids...)
  kArray,    // [kids...]
  kMap,      // {kids[0]: kids[1], ...}; keys are kLiteral strings
  kClosure,  // {kids[0]}
};

enum class Op {
  kNone,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kIn,
  kNotIn,
  kMatches,
  kContains,
  kStartsWith,
  kEndsWith,
  kRange,
  kCoalesce,
  kNot,
  kNegate,
  kPlus,
};

struct Node {
  NodeKind kind = NodeKind::kLiteral;
  std::size_t offset = 0;  // where errors about this node point
  Op op = Op::kNone;
  bool optional = false;
  int height = 1;
  nlohmann::json literal;
  std::string name;
  Builtin builtin = Builtin::kLen;
  std::unique_ptr<Regex> regex;  // kBinary kMatches with a literal pattern, compiled once
  std::vector<std::unique_ptr<Node>> kids;  // may hold null for an absent slice bound
};

// The operator as written in messages: "+", "&&", "not in", "matches", ...
std::string_view opText(Op op);

}  // namespace gitopsd::analysis::expr
