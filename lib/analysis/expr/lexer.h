// The lexer of condition expressions: source text → tokens, each with its byte offset.
//
// Tokens: integers (decimal, 0x hex, 0o octal, 0b binary, `_` separators) that fit int64;
// floats (`1.5`, `1e3`, `2.5e-1`; `1..3` stays a range); strings in '…', "…" (escapes \n \t
// \r \0 \a \b \f \v \\ \' \" \xHH \uHHHH \UHHHHHHHH, emitted as UTF-8) and `…` (raw); names;
// operators and punctuation. Word operators (and, or, not, in, matches, ...) and the literals
// true/false/nil are names; the parser gives them their meaning.
//
// Errors (kInvalid, with position and caret): an unknown character, an unterminated string, a
// bad escape, an integer out of range. Pure; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gitopsd::analysis::expr {

enum class TokenKind { kInt, kFloat, kString, kName, kPunct, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::size_t offset = 0;  // of the first byte in the source
  std::string text;        // name, punctuation, or the decoded string
  std::int64_t int_value = 0;
  double float_value = 0;
};

// The tokens of `source`, always ending with one kEnd token.
core::Result<std::vector<Token>> lex(std::string_view source);

}  // namespace gitopsd::analysis::expr
