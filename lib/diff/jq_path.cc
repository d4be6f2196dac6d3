// A hand-written recursive-descent parser: Debian packages jq's C library (libjq), but it
// evaluates jq programs rather than returning paths over a caller's document, and it would
// make this pure module depend on a full interpreter for six syntactic forms.
#include "diff/jq_path.h"

#include <cctype>
#include <optional>

namespace gitopsd::diff {

using nlohmann::json;

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  core::Result<std::vector<JqStep>> parseExpression() {
    std::vector<JqStep> steps;
    for (;;) {
      skipSpace();
      if (!parseTerm(steps)) return error_;
      skipSpace();
      if (atEnd()) break;
      if (peek() != '|') return fail("expected '|' or end of expression");
      ++pos_;
    }
    return steps;
  }

 private:
  bool parseTerm(std::vector<JqStep>& steps) {
    if (text_.substr(pos_, 6) == "select") {
      pos_ += 6;
      skipSpace();
      if (!consume('(')) return failed("expected '(' after select");
      skipSpace();
      JqStep step;
      step.kind = JqStep::Kind::kSelect;
      if (!parsePath(step.filter)) return false;
      for (const auto& s : step.filter) {
        if (s.kind != JqStep::Kind::kField && s.kind != JqStep::Kind::kIndex) {
          return failed("select() compares a path of names and indices only");
        }
      }
      skipSpace();
      if (text_.substr(pos_, 2) == "==") {
        step.negate = false;
      } else if (text_.substr(pos_, 2) == "!=") {
        step.negate = true;
      } else {
        return failed("select() supports only '==' and '!=' comparisons");
      }
      pos_ += 2;
      skipSpace();
      auto literal = parseLiteral();
      if (!literal) return false;
      step.literal = std::move(*literal);
      skipSpace();
      if (!consume(')')) return failed("expected ')' to close select(");
      steps.push_back(std::move(step));
      return true;
    }
    if (atEnd() || peek() != '.') return failed("expected a path starting with '.' or select(");
    return parsePath(steps);
  }

  // path := "." [name] suffix*
  bool parsePath(std::vector<JqStep>& steps) {
    if (!consume('.')) return failed("expected '.'");
    if (!atEnd() && peek() == '.') return failed("recursive descent '..' is not supported");
    if (!atEnd() && (isNameStart(peek()) || peek() == '"')) {
      if (!parseName(steps)) return false;
    }
    for (;;) {
      if (atEnd()) return true;
      const char c = peek();
      if (c == '?') {
        ++pos_;  // optional: evaluation is lenient anyway
      } else if (c == '[') {
        if (!parseBracket(steps)) return false;
      } else if (c == '.') {
        ++pos_;
        if (!atEnd() && peek() == '[') {
          if (!parseBracket(steps)) return false;
        } else if (!atEnd() && (isNameStart(peek()) || peek() == '"')) {
          if (!parseName(steps)) return false;
        } else {
          return failed("expected a name after '.'");
        }
      } else {
        return true;
      }
    }
  }

  bool parseName(std::vector<JqStep>& steps) {
    JqStep step;
    step.kind = JqStep::Kind::kField;
    if (peek() == '"') {
      auto name = parseString();
      if (!name) return false;
      step.name = std::move(*name);
    } else {
      const std::size_t start = pos_;
      while (!atEnd() &&
             (isNameStart(peek()) || std::isdigit(static_cast<unsigned char>(peek())))) {
        ++pos_;
      }
      step.name = std::string(text_.substr(start, pos_ - start));
    }
    steps.push_back(std::move(step));
    return true;
  }

  bool parseBracket(std::vector<JqStep>& steps) {
    ++pos_;  // '['
    skipSpace();
    JqStep step;
    if (!atEnd() && peek() == ']') {
      step.kind = JqStep::Kind::kIterate;
    } else if (!atEnd() && peek() == '"') {
      auto name = parseString();
      if (!name) return false;
      step.kind = JqStep::Kind::kField;
      step.name = std::move(*name);
    } else if (!atEnd() && (peek() == '-' || std::isdigit(static_cast<unsigned char>(peek())))) {
      const std::size_t start = pos_;
      if (peek() == '-') ++pos_;
      while (!atEnd() && std::isdigit(static_cast<unsigned char>(peek()))) ++pos_;
      const std::string digits(text_.substr(start, pos_ - start));
      if (digits == "-" || digits.size() > 18) return failed("expected an array index");
      step.kind = JqStep::Kind::kIndex;
      step.index = std::stoll(digits);
    } else {
      return failed("expected ']', an index or a string inside '[...]' (slices are not supported)");
    }
    skipSpace();
    if (!consume(']')) return failed("expected ']'");
    steps.push_back(std::move(step));
    return true;
  }

  std::optional<std::string> parseString() {
    const std::size_t start = pos_;
    ++pos_;  // opening quote
    while (!atEnd() && peek() != '"') {
      if (peek() == '\\') ++pos_;
      ++pos_;
    }
    if (atEnd()) {
      failed("unterminated string");
      return std::nullopt;
    }
    ++pos_;  // closing quote
    const json parsed = json::parse(text_.substr(start, pos_ - start), nullptr, false);
    if (!parsed.is_string()) {
      pos_ = start;
      failed("invalid string literal");
      return std::nullopt;
    }
    return parsed.get<std::string>();
  }

  std::optional<json> parseLiteral() {
    if (atEnd()) {
      failed("expected a literal");
      return std::nullopt;
    }
    if (peek() == '"') {
      auto text = parseString();
      if (!text) return std::nullopt;
      return json(std::move(*text));
    }
    const std::size_t start = pos_;
    while (!atEnd() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '-' ||
                        peek() == '+' || peek() == '.')) {
      ++pos_;
    }
    const json parsed = json::parse(text_.substr(start, pos_ - start), nullptr, false);
    if (pos_ == start || parsed.is_discarded() || parsed.is_structured()) {
      pos_ = start;
      failed("expected a string, number, true, false or null");
      return std::nullopt;
    }
    return parsed;
  }

  static bool isNameStart(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
  }
  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void skipSpace() {
    while (!atEnd() && std::isspace(static_cast<unsigned char>(peek()))) ++pos_;
  }
  bool consume(char c) {
    if (atEnd() || peek() != c) return false;
    ++pos_;
    return true;
  }
  bool failed(std::string_view reason) {
    if (error_.ok()) {
      error_ = core::invalidError("unsupported jq path expression '" + std::string(text_) + "': " +
                                  std::string(reason) + " at column " + std::to_string(pos_ + 1));
    }
    return false;
  }
  core::Status fail(std::string_view reason) {
    failed(reason);
    return error_;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  core::Status error_;
};

const json* stepInto(const json& node, const JqStep& step) {
  if (step.kind == JqStep::Kind::kField) {
    if (!node.is_object()) return nullptr;
    const auto it = node.find(step.name);
    return it == node.end() ? nullptr : &*it;
  }
  if (!node.is_array()) return nullptr;
  const auto size = static_cast<std::int64_t>(node.size());
  const std::int64_t index = step.index < 0 ? size + step.index : step.index;
  if (index < 0 || index >= size) return nullptr;
  return &node[static_cast<std::size_t>(index)];
}

}  // namespace

core::Result<JqPath> compileJqPath(std::string_view expression) {
  Parser parser(expression);
  auto steps = parser.parseExpression();
  if (!steps.ok()) return steps.status();
  return JqPath{std::string(expression), std::move(steps).value()};
}

std::vector<JsonPath> evaluateJqPath(const JqPath& program, const json& document) {
  struct Selected {
    JsonPath path;
    const json* value;
  };
  std::vector<Selected> current{{{}, &document}};
  for (const auto& step : program.steps) {
    std::vector<Selected> next;
    for (auto& selected : current) {
      const json& node = *selected.value;
      switch (step.kind) {
        case JqStep::Kind::kField:
          if (const json* child = stepInto(node, step)) {
            JsonPath path = selected.path;
            path.emplace_back(step.name);
            next.push_back({std::move(path), child});
          }
          break;
        case JqStep::Kind::kIndex:
          if (const json* child = stepInto(node, step)) {
            JsonPath path = selected.path;
            path.emplace_back(static_cast<std::size_t>(child - &node[0]));
            next.push_back({std::move(path), child});
          }
          break;
        case JqStep::Kind::kIterate:
          if (node.is_array()) {
            for (std::size_t i = 0; i < node.size(); ++i) {
              JsonPath path = selected.path;
              path.emplace_back(i);
              next.push_back({std::move(path), &node[i]});
            }
          } else if (node.is_object()) {
            for (const auto& [key, value] : node.items()) {
              JsonPath path = selected.path;
              path.emplace_back(key);
              next.push_back({std::move(path), &value});
            }
          }
          break;
        case JqStep::Kind::kSelect: {
          const json* value = &node;
          for (const auto& filter_step : step.filter) {
            value = value == nullptr ? nullptr : stepInto(*value, filter_step);
          }
          const bool equal = value == nullptr ? step.literal.is_null() : *value == step.literal;
          if (equal != step.negate) next.push_back(std::move(selected));
          break;
        }
      }
    }
    current = std::move(next);
  }
  std::vector<JsonPath> paths;
  paths.reserve(current.size());
  for (auto& selected : current) paths.push_back(std::move(selected.path));
  return paths;
}

}  // namespace gitopsd::diff
