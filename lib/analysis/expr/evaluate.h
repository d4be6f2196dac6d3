// The condition-expression engine of AnalysisRun metrics: Argo Rollouts' successCondition and
// failureCondition, written in expr-lang (github.com/expr-lang/expr) and evaluated with its
// semantics, for the subset conditions use (see parser.h for the grammar, builtins.h for the
// functions, value.h for values and equality).
//
//   auto ok = evaluateCondition("all(result.values, {asFloat(.value) >= 9900})", env);
//
// The environment is a JSON object whose members are the names a condition can use (Argo
// gives `result`). Arithmetic follows expr-lang: int op int stays int for + - * % (wrapping on
// overflow as Go does), `/` and `**` always give a float (so 1/0 is +Inf), mixing int and float
// gives a float, + also joins strings and arrays. Member access on a map gives nil for a
// missing key; on nil it is an error unless written `?.`, which makes the rest of the chain
// nil. Array and string indexes may be negative (from the end); out of range is an error.
//
// Errors are kInvalid and their message shows line:column and the source line with a caret:
// syntax errors from compile(), type errors and the like from evaluate(). Nothing throws.
// Bounded work: compile() refuses sources over max_source_bytes and nesting deeper than
// max_depth, and evaluate() stops with an error after max_steps steps (one per node visited,
// plus one per element a range or closure produces), so no input can overflow the stack or
// hang. A Program is immutable after compile; evaluating it from several threads at once is
// safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gitopsd::analysis::expr {

struct Node;

struct Limits {
  std::size_t max_source_bytes = 64 * 1024;
  int max_depth = 200;
  std::int64_t max_steps = 1'000'000;
};

// A compiled condition: the source and its syntax tree. Move-only.
class Program {
 public:
  Program(Program&&) noexcept;
  Program& operator=(Program&&) noexcept;
  ~Program();

  const std::string& source() const { return source_; }

 private:
  friend core::Result<Program> compile(std::string_view, const Limits&);
  friend core::Result<nlohmann::json> evaluate(const Program&, const nlohmann::json&,
                                               const Limits&);
  Program(std::string source, std::unique_ptr<Node> root);

  std::string source_;
  std::unique_ptr<Node> root_;
};

core::Result<Program> compile(std::string_view source, const Limits& limits = {});

// The value of the expression; `env` should be an object (anything else is an empty
// environment).
core::Result<nlohmann::json> evaluate(const Program& program, const nlohmann::json& env,
                                      const Limits& limits = {});

// compile + evaluate, requiring a bool: otherwise kInvalid "expected bool, got <type>" (with the
// position of the whole expression).
core::Result<bool> evaluateCondition(std::string_view source, const nlohmann::json& env,
                                     const Limits& limits = {});

}  // namespace gitopsd::analysis::expr
