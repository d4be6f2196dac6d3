// Error messages of the expression engine: every syntax and runtime error points at a place in
// the source, in the style of expr-lang's messages:
//
//   unexpected token ")" (1:5)
//    | len())
//    | ....^
//
// Line and column are 1-based; the column counts characters (UTF-8 code points), not bytes.
// Pure functions, safe to call from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gitopsd::analysis::expr {

// "message (line:column)" followed by the source line and a caret under the offset. An offset
// past the end points just after the last character.
std::string formatDiagnostic(std::string_view source, std::size_t offset, std::string_view message);

// kInvalid with formatDiagnostic's text.
core::Status errorAt(std::string_view source, std::size_t offset, std::string_view message);

}  // namespace gitopsd::analysis::expr
