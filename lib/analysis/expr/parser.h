// The parser: tokens → syntax tree, with expr-lang's grammar and precedence (lowest first):
// `a ? b : c`; `||`/`or`; `&&`/`and`; comparisons, `in`, `not in`, `matches`, `contains`,
// `startsWith`, `endsWith`; `..`; `+ -`; `* / %`; unary `not ! - +` (`not`/`!` bind tighter than
// comparisons, `-` tighter than `*`); `**` and `^` (right-associative); `??`; postfix `.`, `?.`,
// `[ ]`, `[a:b]`, calls. Closures `{…}` (with `#` and `.field`) are only allowed as the second
// argument of a predicate builtin, elsewhere `{` starts a map literal.
//
// Compile-time errors (kInvalid, with position and caret): syntax errors, an unknown function
// or wrong argument count, `#` outside a closure, an invalid literal regex after `matches`, and
// nesting deeper than `max_depth` (both the parser's recursion and the tree's height), so
// neither parsing nor evaluation can overflow the stack. Pure; safe from any thread.
#pragma once

#include <memory>
#include <string_view>

#include "analysis/expr/ast.h"
#include "core/status.h"

namespace gitopsd::analysis::expr {

core::Result<std::unique_ptr<Node>> parse(std::string_view source, int max_depth);

}  // namespace gitopsd::analysis::expr
