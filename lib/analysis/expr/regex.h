// The regular expressions of the `matches` operator: a small matcher written for this module
// rather than std::regex, whose backtracking recurses once per input character (a long metric
// value can overflow the stack) and can take exponential time on patterns like `(a*)*b`.
// Patterns compile to an NFA that is simulated over the input in one pass (a Pike VM without
// captures), so matching costs O(pattern × input) time and O(pattern) memory, never recursion.
//
// Syntax, a subset of RE2/Go's (what expr-lang uses): literals, `.`, classes `[a-z]` `[^…]`,
// escapes \d \D \w \W \s \S \n \t \r \f \v and escaped punctuation, anchors ^ $ \A \z, word
// boundaries \b \B, groups (…) (?:…) (?P<name>…) (?<name>…), alternation |, quantifiers
// * + ? {n} {n,} {n,m} (each optionally lazy with ?, which does not change whether it matches),
// and the flags (?i) and (?s) applying to the rest of the pattern. Text is read as UTF-8 code
// points; case folding is ASCII only. Unsupported syntax (backreferences, lookaround,
// [[:classes:]], \p{…}) is an error. Search semantics: a match anywhere in the text, as Go's
// MatchString.
//
// Limits: pattern length 4,096 bytes, repeat counts up to 1,000 and a compiled program of at
// most 20,000 instructions (as RE2 bounds its programs); over that is an error. A compiled
// Regex is immutable and safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gitopsd::analysis::expr {

class Regex {
 public:
  // kInvalid "invalid regular expression: ..." (no position; the caller adds it).
  static core::Result<Regex> compile(std::string_view pattern);

  bool search(std::string_view text) const;

  struct Range {
    std::uint32_t lo, hi;
  };
  struct Inst {
    enum Op : std::uint8_t { kClass, kAny, kAnyNotNewline, kSplit, kJump, kAssert, kMatch };
    Op op = kMatch;
    bool negate = false;
    std::uint8_t assertion = 0;
    int x = 0, y = 0;           // jump targets (kSplit: both; kJump: x)
    std::vector<Range> ranges;  // kClass
  };

 private:
  std::vector<Inst> program_;
};

}  // namespace gitopsd::analysis::expr
