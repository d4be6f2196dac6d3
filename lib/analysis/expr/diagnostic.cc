#include "analysis/expr/diagnostic.h"

#include <algorithm>

namespace gitopsd::analysis::expr {

namespace {

bool isContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string formatDiagnostic(std::string_view source, std::size_t offset,
                             std::string_view message) {
  offset = std::min(offset, source.size());
  std::size_t line_start = 0;
  if (offset > 0) {
    std::size_t newline = source.rfind('\n', offset - 1);
    if (newline != std::string_view::npos) line_start = newline + 1;
  }
  std::size_t line_end = source.find('\n', line_start);
  if (line_end == std::string_view::npos) line_end = source.size();
  std::size_t line =
      1 + static_cast<std::size_t>(std::count(source.begin(), source.begin() + line_start, '\n'));
  std::size_t column = 1;
  for (std::size_t i = line_start; i < offset; ++i) {
    if (!isContinuationByte(source[i])) ++column;
  }
  std::string text(message);
  text += " (" + std::to_string(line) + ":" + std::to_string(column) + ")\n | ";
  text += source.substr(line_start, line_end - line_start);
  text += "\n | ";
  text.append(column - 1, '.');
  text += '^';
  return text;
}

core::Status errorAt(std::string_view source, std::size_t offset, std::string_view message) {
  return core::invalidError(formatDiagnostic(source, offset, message));
}

}  // namespace gitopsd::analysis::expr
