// The edit script comes from Debian's dtl (libdtl-dev, Wu–Manber–Myers O(NP) diff). Hunks are
// grouped here rather than with dtl's composeUnifiedHunks, whose output differs from GNU
// diff -u (interleaved -/+ lines inside a change, no ",0" ranges for an empty side, context
// counted inside the change list), and the layout is what users compare with `diff -u`.
#include <dtl/dtl.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "diff/diff.h"

namespace gitopsd::diff {

namespace {

std::vector<std::string> splitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

struct Op {
  char mark;  // ' ', '-' or '+'
  std::string text;
};

// The edit script with every run of changes written as its deletions, then its additions.
std::vector<Op> editScript(const std::vector<std::string>& from,
                           const std::vector<std::string>& to) {
  dtl::Diff<std::string, std::vector<std::string>> engine(from, to);
  engine.compose();
  std::vector<Op> ops;
  std::vector<Op> added;
  for (const auto& [text, info] : engine.getSes().getSequence()) {
    if (info.type == dtl::SES_DELETE) {
      ops.push_back({'-', text});
    } else if (info.type == dtl::SES_ADD) {
      added.push_back({'+', text});
    } else {
      ops.insert(ops.end(), added.begin(), added.end());
      added.clear();
      ops.push_back({' ', text});
    }
  }
  ops.insert(ops.end(), added.begin(), added.end());
  return ops;
}

std::string range(std::size_t before, std::size_t count) {
  if (count == 1) return std::to_string(before + 1);
  return std::to_string(count == 0 ? before : before + 1) + "," + std::to_string(count);
}

}  // namespace

std::string unifiedDiff(std::string_view from, std::string_view to, std::string_view from_label,
                        std::string_view to_label, int context) {
  if (from == to) return {};
  const auto ctx = static_cast<std::size_t>(context < 0 ? 0 : context);
  const std::vector<Op> ops = editScript(splitLines(from), splitLines(to));
  const std::size_t n = ops.size();

  std::string out;
  out.append("--- ").append(from_label).append("\n+++ ").append(to_label).append("\n");
  std::size_t a_before = 0;  // lines of `from` before ops[i]
  std::size_t b_before = 0;
  std::size_t i = 0;
  while (i < n) {
    if (ops[i].mark == ' ') {
      ++a_before;
      ++b_before;
      ++i;
      continue;
    }
    // A hunk: changes separated by at most 2*ctx common lines, plus ctx lines on each side.
    std::size_t last_change = i;
    std::size_t k = i;
    while (k < n) {
      if (ops[k].mark != ' ') {
        last_change = k++;
        continue;
      }
      std::size_t run_end = k;
      while (run_end < n && ops[run_end].mark == ' ') ++run_end;
      if (run_end == n || run_end - k > 2 * ctx) break;
      k = run_end;
    }
    const std::size_t lead = std::min(ctx, std::min(a_before, b_before));
    const std::size_t start = i - lead;
    const std::size_t end = std::min(n, last_change + 1 + ctx);
    std::size_t a_count = 0;
    std::size_t b_count = 0;
    for (std::size_t j = start; j < end; ++j) {
      if (ops[j].mark != '+') ++a_count;
      if (ops[j].mark != '-') ++b_count;
    }
    out.append("@@ -")
        .append(range(a_before - lead, a_count))
        .append(" +")
        .append(range(b_before - lead, b_count))
        .append(" @@\n");
    for (std::size_t j = start; j < end; ++j) {
      out += ops[j].mark;
      out.append(ops[j].text).append("\n");
    }
    for (std::size_t j = i; j < end; ++j) {
      if (ops[j].mark != '+') ++a_before;
      if (ops[j].mark != '-') ++b_before;
    }
    i = end;
  }
  return out;
}

}  // namespace gitopsd::diff
