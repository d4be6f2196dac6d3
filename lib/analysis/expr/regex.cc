#include "analysis/expr/regex.h"

#include <algorithm>
#include <memory>
#include <utility>

namespace gitopsd::analysis::expr {

namespace {

constexpr std::size_t kMaxPatternBytes = 4096;
constexpr int kMaxRepeat = 1000;
constexpr std::size_t kMaxInstructions = 20000;
constexpr int kMaxGroupDepth = 100;
constexpr std::uint32_t kMaxCodePoint = 0x10FFFF;

enum Assertion : std::uint8_t { kBeginText, kEndText, kWordBoundary, kNotWordBoundary };

using Range = Regex::Range;
using Inst = Regex::Inst;

struct Node {
  enum Kind { kEmpty, kClass, kAny, kConcat, kAlternate, kRepeat, kAssert } kind = kEmpty;
  std::vector<Range> ranges;
  bool negate = false;
  bool dot_all = false;
  Assertion assertion = kBeginText;
  int min = 0, max = 0;  // kRepeat; max -1 is unbounded
  std::vector<std::unique_ptr<Node>> kids;
};

std::pair<std::uint32_t, std::size_t> decodeUtf8(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return {b0, 1};
  std::size_t len = (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return {0xFFFD, 1};
  std::uint32_t cp = b0 & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {0xFFFD, 1};
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  return {cp, len};
}

std::vector<Range> normalize(std::vector<Range> ranges) {
  std::sort(ranges.begin(), ranges.end(), [](Range a, Range b) { return a.lo < b.lo; });
  std::vector<Range> out;
  for (Range r : ranges) {
    if (!out.empty() && r.lo <= out.back().hi + 1) {
      out.back().hi = std::max(out.back().hi, r.hi);
    } else {
      out.push_back(r);
    }
  }
  return out;
}

std::vector<Range> complement(const std::vector<Range>& ranges) {
  std::vector<Range> out;
  std::uint32_t next = 0;
  for (Range r : normalize(ranges)) {
    if (r.lo > next) out.push_back({next, r.lo - 1});
    next = r.hi + 1;
  }
  if (next <= kMaxCodePoint) out.push_back({next, kMaxCodePoint});
  return out;
}

void foldCase(std::vector<Range>& ranges) {
  std::vector<Range> extra;
  for (Range r : ranges) {
    std::uint32_t lo = std::max<std::uint32_t>(r.lo, 'a'), hi = std::min<std::uint32_t>(r.hi, 'z');
    if (lo <= hi) extra.push_back({lo - 32, hi - 32});
    lo = std::max<std::uint32_t>(r.lo, 'A');
    hi = std::min<std::uint32_t>(r.hi, 'Z');
    if (lo <= hi) extra.push_back({lo + 32, hi + 32});
  }
  ranges.insert(ranges.end(), extra.begin(), extra.end());
}

const std::vector<Range> kDigit = {{'0', '9'}};
const std::vector<Range> kWord = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
const std::vector<Range> kSpace = {{'\t', '\n'}, {'\f', '\r'}, {' ', ' '}};

bool isWordChar(std::int64_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

class PatternParser {
 public:
  explicit PatternParser(std::string_view p) : p_(p) {}

  core::Result<std::unique_ptr<Node>> run() {
    auto node = alternation(0);
    if (!node) return error_;
    if (pos_ < p_.size()) {
      fail("unexpected )");
      return error_;
    }
    return node;
  }

 private:
  void fail(std::string_view what) {
    if (error_.ok())
      error_ = core::invalidError("invalid regular expression: " + std::string(what));
  }
  bool more() const { return pos_ < p_.size(); }

  std::unique_ptr<Node> alternation(int depth) {
    std::vector<std::unique_ptr<Node>> branches;
    while (true) {
      auto branch = concatenation(depth);
      if (!branch) return nullptr;
      branches.push_back(std::move(branch));
      if (more() && p_[pos_] == '|') {
        ++pos_;
        continue;
      }
      break;
    }
    if (branches.size() == 1) return std::move(branches[0]);
    auto node = std::make_unique<Node>();
    node->kind = Node::kAlternate;
    node->kids = std::move(branches);
    return node;
  }

  std::unique_ptr<Node> concatenation(int depth) {
    auto node = std::make_unique<Node>();
    node->kind = Node::kConcat;
    while (more() && p_[pos_] != '|' && p_[pos_] != ')') {
      auto atom = repetition(depth);
      if (!atom) return nullptr;
      if (atom->kind != Node::kEmpty) node->kids.push_back(std::move(atom));
    }
    return node;
  }

  std::unique_ptr<Node> repetition(int depth) {
    auto atom = this->atom(depth);
    if (!atom) return nullptr;
    bool repeated = false;
    while (more()) {
      char c = p_[pos_];
      int min = 0, max = 0;
      if (c == '*') {
        min = 0, max = -1, ++pos_;
      } else if (c == '+') {
        min = 1, max = -1, ++pos_;
      } else if (c == '?') {
        min = 0, max = 1, ++pos_;
      } else if (c == '{' && repeatCounts(min, max)) {
        if (!error_.ok()) return nullptr;
      } else {
        if (!error_.ok()) return nullptr;
        break;
      }
      if (repeated) {
        fail("invalid nested repetition operator");
        return nullptr;
      }
      repeated = true;
      if (more() && p_[pos_] == '?') ++pos_;  // lazy: same language
      auto node = std::make_unique<Node>();
      node->kind = Node::kRepeat;
      node->min = min;
      node->max = max;
      node->kids.push_back(std::move(atom));
      atom = std::move(node);
    }
    return atom;
  }

  // {n}, {n,}, {n,m}; false (position unchanged) when the brace is not a repeat, so it is a
  // literal as in Go.
  bool repeatCounts(int& min, int& max) {
    std::size_t at = pos_ + 1;
    auto number = [&](int& out) {
      std::size_t start = at;
      long value = 0;
      while (at < p_.size() && p_[at] >= '0' && p_[at] <= '9') {
        value = std::min<long>(value * 10 + (p_[at] - '0'), 100000);
        ++at;
      }
      out = static_cast<int>(value);
      return at > start;
    };
    if (!number(min)) return false;
    max = min;
    if (at < p_.size() && p_[at] == ',') {
      ++at;
      if (!number(max)) max = -1;
    }
    if (at >= p_.size() || p_[at] != '}') return false;
    pos_ = at + 1;
    if (min > kMaxRepeat || max > kMaxRepeat || (max >= 0 && max < min)) {
      fail("invalid repeat count");
    }
    return true;
  }

  std::unique_ptr<Node> classNode(std::vector<Range> ranges, bool negate) {
    auto node = std::make_unique<Node>();
    node->kind = Node::kClass;
    if (fold_case_) foldCase(ranges);
    node->ranges = normalize(std::move(ranges));
    node->negate = negate;
    return node;
  }

  std::unique_ptr<Node> atom(int depth) {
    char c = p_[pos_];
    switch (c) {
      case '*':
      case '+':
      case '?':
        fail("missing argument to repetition operator");
        return nullptr;
      case '(':
        return group(depth);
      case '[':
        return bracket();
      case '.': {
        ++pos_;
        auto node = std::make_unique<Node>();
        node->kind = Node::kAny;
        node->dot_all = dot_all_;
        return node;
      }
      case '^':
      case '$': {
        ++pos_;
        auto node = std::make_unique<Node>();
        node->kind = Node::kAssert;
        node->assertion = c == '^' ? kBeginText : kEndText;
        return node;
      }
      case '\\':
        return escapeAtom();
      default: {
        auto [cp, width] = decodeUtf8(p_, pos_);
        pos_ += width;
        return classNode({{cp, cp}}, false);
      }
    }
  }

  std::unique_ptr<Node> group(int depth) {
    if (depth >= kMaxGroupDepth) {
      fail("groups nested too deeply");
      return nullptr;
    }
    ++pos_;
    bool saved_fold = fold_case_, saved_dot = dot_all_;
    if (more() && p_[pos_] == '?') {
      ++pos_;
      if (more() && (p_[pos_] == 'P' || p_[pos_] == '<')) {
        if (p_[pos_] == 'P') ++pos_;
        std::size_t close = p_.find('>', pos_);
        if (!more() || p_[pos_] != '<' || close == std::string_view::npos || close == pos_ + 1) {
          fail("invalid named capture");
          return nullptr;
        }
        pos_ = close + 1;
      } else {
        bool ended = false;
        while (more()) {
          char f = p_[pos_++];
          if (f == 'i') {
            fold_case_ = true;
          } else if (f == 's') {
            dot_all_ = true;
          } else if (f == ')') {
            // (?flags): they apply to the rest of the enclosing group.
            auto empty = std::make_unique<Node>();
            return empty;
          } else if (f == ':') {
            ended = true;
            break;
          } else {
            fail("invalid or unsupported Perl syntax");
            return nullptr;
          }
        }
        if (!ended) {
          fail("missing closing )");
          return nullptr;
        }
      }
    }
    auto inner = alternation(depth + 1);
    if (!inner) return nullptr;
    if (!more() || p_[pos_] != ')') {
      fail("missing closing )");
      return nullptr;
    }
    ++pos_;
    fold_case_ = saved_fold;
    dot_all_ = saved_dot;
    return inner;
  }

  // After a backslash: a class escape's ranges (returns true with `negate` set), or a single
  // code point in `cp`.
  bool escape(std::vector<Range>& ranges, bool& negate, std::uint32_t& cp, bool& is_class) {
    ++pos_;
    if (!more()) {
      fail("trailing backslash at end of expression");
      return false;
    }
    char e = p_[pos_++];
    is_class = true;
    negate = false;
    switch (e) {
      case 'd':
        ranges = kDigit;
        return true;
      case 'D':
        ranges = kDigit;
        negate = true;
        return true;
      case 'w':
        ranges = kWord;
        return true;
      case 'W':
        ranges = kWord;
        negate = true;
        return true;
      case 's':
        ranges = kSpace;
        return true;
      case 'S':
        ranges = kSpace;
        negate = true;
        return true;
      default:
        break;
    }
    is_class = false;
    switch (e) {
      case 'n':
        cp = '\n';
        return true;
      case 't':
        cp = '\t';
        return true;
      case 'r':
        cp = '\r';
        return true;
      case 'f':
        cp = '\f';
        return true;
      case 'v':
        cp = '\v';
        return true;
      case 'a':
        cp = '\a';
        return true;
      default:
        break;
    }
    if (static_cast<unsigned char>(e) < 0x80 && !isWordChar(e)) {
      cp = static_cast<unsigned char>(e);
      return true;
    }
    fail("invalid escape sequence");
    return false;
  }

  std::unique_ptr<Node> escapeAtom() {
    if (pos_ + 1 < p_.size()) {
      char e = p_[pos_ + 1];
      if (e == 'A' || e == 'z' || e == 'b' || e == 'B') {
        pos_ += 2;
        auto node = std::make_unique<Node>();
        node->kind = Node::kAssert;
        node->assertion = e == 'A'   ? kBeginText
                          : e == 'z' ? kEndText
                          : e == 'b' ? kWordBoundary
                                     : kNotWordBoundary;
        return node;
      }
    }
    std::vector<Range> ranges;
    bool negate = false, is_class = false;
    std::uint32_t cp = 0;
    if (!escape(ranges, negate, cp, is_class)) return nullptr;
    if (!is_class) ranges = {{cp, cp}};
    return classNode(std::move(ranges), negate);
  }

  std::unique_ptr<Node> bracket() {
    ++pos_;
    bool negate = false;
    if (more() && p_[pos_] == '^') {
      negate = true;
      ++pos_;
    }
    std::vector<Range> ranges;
    bool first = true;
    while (true) {
      if (!more()) {
        fail("missing closing ]");
        return nullptr;
      }
      if (p_[pos_] == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      if (p_.substr(pos_, 2) == "[:") {
        fail("character class names are not supported");
        return nullptr;
      }
      std::uint32_t lo = 0;
      if (!classChar(ranges, lo)) {
        if (!error_.ok()) return nullptr;
        continue;  // a class escape, already added
      }
      std::uint32_t hi = lo;
      if (pos_ + 1 < p_.size() && p_[pos_] == '-' && p_[pos_ + 1] != ']') {
        ++pos_;
        if (!classChar(ranges, hi)) {
          if (error_.ok()) fail("invalid character class range");
          return nullptr;
        }
        if (hi < lo) {
          fail("invalid character class range");
          return nullptr;
        }
      }
      ranges.push_back({lo, hi});
    }
    return classNode(std::move(ranges), negate);
  }

  // One member of a bracket class: true with a code point, false after adding a class escape
  // (or on error).
  bool classChar(std::vector<Range>& ranges, std::uint32_t& cp) {
    if (p_[pos_] == '\\') {
      std::vector<Range> escaped;
      bool negate = false, is_class = false;
      if (!escape(escaped, negate, cp, is_class)) return false;
      if (!is_class) return true;
      if (negate) escaped = complement(escaped);
      ranges.insert(ranges.end(), escaped.begin(), escaped.end());
      return false;
    }
    auto [value, width] = decodeUtf8(p_, pos_);
    pos_ += width;
    cp = value;
    return true;
  }

  std::string_view p_;
  std::size_t pos_ = 0;
  bool fold_case_ = false;
  bool dot_all_ = false;
  core::Status error_;
};

Inst makeInst(Inst::Op op, int x = 0) {
  Inst inst;
  inst.op = op;
  inst.x = x;
  return inst;
}

class Compiler {
 public:
  bool emit(const Node& node, std::vector<Inst>& prog) {
    if (prog.size() > kMaxInstructions) return false;
    switch (node.kind) {
      case Node::kEmpty:
        return true;
      case Node::kClass: {
        Inst inst;
        inst.op = Inst::kClass;
        inst.ranges = node.ranges;
        inst.negate = node.negate;
        prog.push_back(std::move(inst));
        return true;
      }
      case Node::kAny: {
        Inst inst;
        inst.op = node.dot_all ? Inst::kAny : Inst::kAnyNotNewline;
        prog.push_back(std::move(inst));
        return true;
      }
      case Node::kAssert: {
        Inst inst;
        inst.op = Inst::kAssert;
        inst.assertion = node.assertion;
        prog.push_back(std::move(inst));
        return true;
      }
      case Node::kConcat:
        for (const auto& kid : node.kids) {
          if (!emit(*kid, prog)) return false;
        }
        return true;
      case Node::kAlternate: {
        std::vector<std::size_t> jumps;
        for (std::size_t i = 0; i < node.kids.size(); ++i) {
          std::size_t split = prog.size();
          bool last = i + 1 == node.kids.size();
          if (!last) prog.push_back(makeInst(Inst::kSplit));
          if (!emit(*node.kids[i], prog)) return false;
          if (!last) {
            jumps.push_back(prog.size());
            prog.push_back(makeInst(Inst::kJump));
            prog[split].x = static_cast<int>(split + 1);
            prog[split].y = static_cast<int>(prog.size());
          }
        }
        for (std::size_t j : jumps) prog[j].x = static_cast<int>(prog.size());
        return true;
      }
      case Node::kRepeat: {
        const Node& kid = *node.kids[0];
        for (int i = 0; i < node.min; ++i) {
          if (!emit(kid, prog)) return false;
        }
        if (node.max < 0) {
          // x*: L: split body, out; body; jump L
          std::size_t split = prog.size();
          prog.push_back(makeInst(Inst::kSplit));
          if (!emit(kid, prog)) return false;
          prog.push_back(makeInst(Inst::kJump, static_cast<int>(split)));
          prog[split].x = static_cast<int>(split + 1);
          prog[split].y = static_cast<int>(prog.size());
          return true;
        }
        std::vector<std::size_t> splits;
        for (int i = node.min; i < node.max; ++i) {
          splits.push_back(prog.size());
          prog.push_back(makeInst(Inst::kSplit));
          if (!emit(kid, prog)) return false;
        }
        for (std::size_t s : splits) {
          prog[s].x = static_cast<int>(s + 1);
          prog[s].y = static_cast<int>(prog.size());
        }
        return true;
      }
    }
    return true;
  }
};

bool classMatches(const Inst& inst, std::uint32_t c) {
  bool in = false;
  for (const Range& r : inst.ranges) {
    if (c < r.lo) break;
    if (c <= r.hi) {
      in = true;
      break;
    }
  }
  return in != inst.negate;
}

bool assertionHolds(std::uint8_t assertion, std::int64_t prev, std::int64_t cur) {
  switch (assertion) {
    case kBeginText:
      return prev < 0;
    case kEndText:
      return cur < 0;
    case kWordBoundary:
      return isWordChar(prev) != isWordChar(cur);
    case kNotWordBoundary:
      return isWordChar(prev) == isWordChar(cur);
    default:
      return false;
  }
}

}  // namespace

core::Result<Regex> Regex::compile(std::string_view pattern) {
  if (pattern.size() > kMaxPatternBytes) {
    return core::invalidError("invalid regular expression: pattern too long");
  }
  auto tree = PatternParser(pattern).run();
  if (!tree.ok()) return tree.status();
  Regex regex;
  if (!Compiler().emit(**tree, regex.program_) || regex.program_.size() > kMaxInstructions) {
    return core::invalidError("invalid regular expression: pattern too large");
  }
  regex.program_.push_back(makeInst(Inst::kMatch));
  return regex;
}

bool Regex::search(std::string_view text) const {
  const std::size_t n = program_.size();
  std::vector<std::uint64_t> stamp(n, 0);
  std::uint64_t generation = 1;
  std::vector<int> current, next, stack;

  // Follows jumps, splits and assertions from pc; true once kMatch is reached.
  auto add = [&](std::vector<int>& list, int start, std::int64_t prev, std::int64_t cur) {
    stack.assign(1, start);
    while (!stack.empty()) {
      int pc = stack.back();
      stack.pop_back();
      if (stamp[static_cast<std::size_t>(pc)] == generation) continue;
      stamp[static_cast<std::size_t>(pc)] = generation;
      const Inst& inst = program_[static_cast<std::size_t>(pc)];
      switch (inst.op) {
        case Inst::kMatch:
          return true;
        case Inst::kJump:
          stack.push_back(inst.x);
          break;
        case Inst::kSplit:
          stack.push_back(inst.y);
          stack.push_back(inst.x);
          break;
        case Inst::kAssert:
          if (assertionHolds(inst.assertion, prev, cur)) stack.push_back(pc + 1);
          break;
        default:
          list.push_back(pc);
          break;
      }
    }
    return false;
  };
  auto charAt = [&](std::size_t i) -> std::pair<std::int64_t, std::size_t> {
    if (i >= text.size()) return {-1, 0};
    auto [cp, width] = decodeUtf8(text, i);
    return {static_cast<std::int64_t>(cp), width};
  };

  std::size_t i = 0;
  std::int64_t prev = -1;
  auto [cur, width] = charAt(0);
  while (true) {
    if (add(current, 0, prev, cur)) return true;
    if (cur < 0) return false;
    ++generation;
    next.clear();
    auto [following, following_width] = charAt(i + width);
    for (int pc : current) {
      const Inst& inst = program_[static_cast<std::size_t>(pc)];
      bool ok = inst.op == Inst::kAny || (inst.op == Inst::kAnyNotNewline && cur != '\n') ||
                (inst.op == Inst::kClass && classMatches(inst, static_cast<std::uint32_t>(cur)));
      if (ok && add(next, pc + 1, cur, following)) return true;
    }
    std::swap(current, next);
    i += width;
    prev = cur;
    cur = following;
    width = following_width;
  }
}

}  // namespace gitopsd::analysis::expr
