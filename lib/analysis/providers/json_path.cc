#include "analysis/providers/json_path.h"

#include <cctype>

namespace gitopsd::analysis {
namespace {

core::Status syntax(std::string_view text, std::size_t at, std::string_view what) {
  return core::invalidError("jsonPath \"" + std::string(text) + "\": " + std::string(what) +
                            " at position " + std::to_string(at + 1));
}

bool nameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '/';
}

}  // namespace

core::Result<JsonPath> JsonPath::parse(std::string_view text) {
  JsonPath path;
  path.text_ = text.empty() ? "{$}" : std::string(text);
  const std::string_view t = path.text_;
  std::size_t i = 0;
  while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i])) != 0) ++i;
  if (i >= t.size() || t[i] != '{') return syntax(t, i, "expected '{'");
  std::size_t end = t.size();
  while (end > 0 && std::isspace(static_cast<unsigned char>(t[end - 1])) != 0) --end;
  if (end == 0 || t[end - 1] != '}' || end - 1 <= i)
    return syntax(t, end, "expected '}' at the end");
  const std::size_t close = end - 1;
  ++i;
  auto skipSpace = [&] {
    while (i < close && std::isspace(static_cast<unsigned char>(t[i])) != 0) ++i;
  };
  skipSpace();
  if (i < close && t[i] == '$') ++i;
  while (true) {
    skipSpace();
    if (i >= close) break;
    if (t[i] == '.') {
      ++i;
      if (i < close && t[i] == '.') return syntax(t, i, "recursive descent '..' is not supported");
      if (i < close && t[i] == '*') {
        path.steps_.push_back({Step::kAll, "", 0});
        ++i;
        continue;
      }
      const std::size_t start = i;
      while (i < close && nameChar(t[i])) ++i;
      if (i == start) {
        if (i >= close) break;  // "{.}" is the whole document
        return syntax(t, i, "expected a field name");
      }
      path.steps_.push_back({Step::kName, std::string(t.substr(start, i - start)), 0});
    } else if (t[i] == '[') {
      ++i;
      skipSpace();
      if (i < close && (t[i] == '\'' || t[i] == '"')) {
        const char quote = t[i++];
        const std::size_t start = i;
        while (i < close && t[i] != quote) ++i;
        if (i >= close) return syntax(t, start, "unterminated quoted name");
        path.steps_.push_back({Step::kName, std::string(t.substr(start, i - start)), 0});
        ++i;
      } else if (i < close && t[i] == '*') {
        path.steps_.push_back({Step::kAll, "", 0});
        ++i;
      } else {
        const std::size_t start = i;
        if (i < close && t[i] == '-') ++i;
        while (i < close && std::isdigit(static_cast<unsigned char>(t[i])) != 0) ++i;
        if (i == start || (i == start + 1 && t[start] == '-') || i - start > 15) {
          return syntax(t, start,
                        "expected an index, '*' or a quoted name (filters and slices "
                        "are not supported)");
        }
        path.steps_.push_back(
            {Step::kIndex, "", std::stoll(std::string(t.substr(start, i - start)))});
      }
      skipSpace();
      if (i >= close || t[i] != ']') return syntax(t, i, "expected ']'");
      ++i;
    } else {
      return syntax(t, i, "unexpected character '" + std::string(1, t[i]) + "'");
    }
  }
  return path;
}

core::Result<std::vector<nlohmann::json>> JsonPath::find(const nlohmann::json& document) const {
  std::vector<const nlohmann::json*> current{&document};
  for (const Step& step : steps_) {
    std::vector<const nlohmann::json*> next;
    for (const nlohmann::json* node : current) {
      switch (step.kind) {
        case Step::kName: {
          if (!node->is_object()) {
            return core::notFoundError("jsonPath " + text_ + ": " + step.name +
                                       " is not found (not an object)");
          }
          const auto found = node->find(step.name);
          if (found == node->end()) {
            return core::notFoundError("jsonPath " + text_ + ": " + step.name + " is not found");
          }
          next.push_back(&*found);
          break;
        }
        case Step::kIndex: {
          if (!node->is_array()) {
            return core::notFoundError("jsonPath " + text_ + ": [" + std::to_string(step.index) +
                                       "] is not found (not a list)");
          }
          const auto size = static_cast<long long>(node->size());
          const long long at = step.index < 0 ? size + step.index : step.index;
          if (at < 0 || at >= size) {
            return core::notFoundError("jsonPath " + text_ + ": index " +
                                       std::to_string(step.index) + " is out of range (" +
                                       std::to_string(size) + " elements)");
          }
          next.push_back(&(*node)[static_cast<std::size_t>(at)]);
          break;
        }
        case Step::kAll:
          if (node->is_array() || node->is_object()) {
            for (const auto& element : *node) next.push_back(&element);
          }
          break;
      }
    }
    current = std::move(next);
  }
  std::vector<nlohmann::json> values;
  values.reserve(current.size());
  for (const nlohmann::json* node : current) values.push_back(*node);
  return values;
}

}  // namespace gitopsd::analysis
