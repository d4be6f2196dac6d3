#include "config/yaml_reader.h"

#include <charconv>
#include <cstdlib>
#include <set>
#include <utility>

namespace gitopsd::config::detail {
namespace {

constexpr std::string_view kBoolTag = "tag:yaml.org,2002:bool";
constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr std::string_view kFloatTag = "tag:yaml.org,2002:float";

bool oneOf(std::string_view text, std::initializer_list<std::string_view> options) {
  for (const auto option : options) {
    if (text == option) return true;
  }
  return false;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLowerAlnum(char c) { return isDigit(c) || (c >= 'a' && c <= 'z'); }

// go-yaml v2's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool isYamlStyleFloat(std::string_view s) {
  std::size_t i = 0;
  const auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && isDigit(s[i])) ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// Go's strconv.ParseInt(s, 0, 64) syntax (sign, 0x/0o/0b prefixes, leading-0 octal, '_').
bool isGoInt(std::string_view s) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  int base = 10;
  if (s.size() >= 2 && s[0] == '0') {
    const char p = s[1];
    if (p == 'x' || p == 'X') {
      base = 16, s.remove_prefix(2);
    } else if (p == 'o' || p == 'O') {
      base = 8, s.remove_prefix(2);
    } else if (p == 'b' || p == 'B') {
      base = 2, s.remove_prefix(2);
    } else {
      base = 8, s.remove_prefix(1);
    }
  }
  bool any = false;
  for (const char c : s) {
    if (c == '_') continue;
    int digit = 0;
    if (isDigit(c)) {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return false;
    }
    if (digit >= base) return false;
    any = true;
  }
  return any;
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "\"" + node.Scalar() + "\"";
    default:
      return "null";
  }
}

// The text of the 0-based line `line` (empty past the end).
std::string_view lineAt(std::string_view content, int line) {
  std::size_t start = 0;
  for (int i = 0; i < line; ++i) {
    start = content.find('\n', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  const std::size_t end = content.find('\n', start);
  return content.substr(start,
                        end == std::string_view::npos ? content.size() - start : end - start);
}

int tabInIndentation(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\t') return static_cast<int>(i);
    if (line[i] != ' ') return -1;
  }
  return -1;
}

}  // namespace

std::string joinPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

std::string indexPath(std::string_view path, std::size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

bool isDnsSubdomain(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  if (!isLowerAlnum(name.front()) || !isLowerAlnum(name.back())) return false;
  for (const char c : name) {
    if (!isLowerAlnum(c) && c != '-' && c != '.') return false;
  }
  return true;
}

bool isDnsLabel(std::string_view name) {
  return name.size() <= 63 && name.find('.') == std::string_view::npos && isDnsSubdomain(name);
}

core::Status yamlSyntaxError(std::string_view file, std::string_view text,
                             const YAML::Exception& e) {
  const std::string prefix = std::string(file) + ":";
  if (e.mark.is_null()) return core::invalidError(std::string(file) + ": " + e.msg);
  for (const int line : {e.mark.line, e.mark.line - 1}) {
    if (line < 0) continue;
    const int column = tabInIndentation(lineAt(text, line));
    if (column >= 0) {
      return core::invalidError(
          prefix + std::to_string(line + 1) + ":" + std::to_string(column + 1) +
          ": tabs are not allowed for indentation in YAML; use spaces (" + e.msg + ")");
    }
  }
  return core::invalidError(prefix + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": " + e.msg);
}

ScalarType resolvePlainScalar(std::string_view text) {
  if (oneOf(text, {"", "~", "null", "Null", "NULL"})) return ScalarType::kNull;
  if (oneOf(text,
            {"y", "Y", "yes", "Yes", "YES", "true",  "True",  "TRUE",  "on",  "On",  "ON",
             "n", "N", "no",  "No",  "NO",  "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return ScalarType::kBool;
  }
  if (oneOf(text, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                   ".nan", ".NaN", ".NAN"})) {
    return ScalarType::kFloat;
  }
  const char first = text[0];
  if (isDigit(first) || first == '+' || first == '-' || first == '.') {
    if (first != '.' && isGoInt(text)) return ScalarType::kInt;
    std::string plain;
    for (const char c : text) {
      if (c != '_' || first == '.') plain.push_back(c);
    }
    if (isYamlStyleFloat(plain)) return ScalarType::kFloat;
  }
  return ScalarType::kString;
}

bool isPlain(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "?"; }

YamlReader::YamlReader(std::string_view file, std::size_t budget,
                       std::vector<std::string>& warnings)
    : file_(file), budget_(budget), warnings_(warnings) {}

YAML::Mark YamlReader::markOf(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() && current_key_.IsDefined() && !current_key_.IsNull()) {
    return current_key_.Mark();
  }
  return mark;
}

int YamlReader::lineOf(const YAML::Node& node) const {
  const YAML::Mark mark = markOf(node);
  return mark.is_null() ? 0 : mark.line + 1;
}

std::string YamlReader::where(const YAML::Node& node) const {
  return file_ + ":" + std::to_string(lineOf(node));
}

core::Status YamlReader::error(const YAML::Node& at, std::string_view path,
                               std::string_view what) const {
  const YAML::Mark mark = markOf(at);
  std::string message = file_;
  if (!mark.is_null()) {
    message += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  message += ": ";
  if (!path.empty()) message += std::string(path) + ": ";
  message += what;
  return core::invalidError(std::move(message));
}

void YamlReader::warn(const YAML::Node& at, std::string_view path, std::string_view what) {
  std::string message = where(at) + ": ";
  if (!path.empty()) message += std::string(path) + ": ";
  message += what;
  warnings_.push_back(std::move(message));
}

core::Status YamlReader::charge(const YAML::Node& at) {
  if (budget_ == 0) {
    return error(at, "",
                 "the document expands to more values than the file could hold; alias "
                 "expansion is limited");
  }
  --budget_;
  return {};
}

bool YamlReader::isNull(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return true;
  return isPlain(node) && resolvePlainScalar(node.Scalar()) == ScalarType::kNull;
}

core::Status YamlReader::readString(const YAML::Node& node, std::string_view path,
                                    std::string& out) {
  if (auto status = charge(node); !status.ok()) return status;
  if (!node.IsScalar()) return error(node, path, "expected a string, got " + describe(node));
  out = node.Scalar();
  return {};
}

core::Status YamlReader::readBool(const YAML::Node& node, std::string_view path, bool& out) {
  if (auto status = charge(node); !status.ok()) return status;
  const bool typed = node.IsScalar() && (node.Tag() == "?" || node.Tag() == kBoolTag);
  if (!typed || resolvePlainScalar(node.Scalar()) != ScalarType::kBool) {
    return error(node, path, "expected a boolean (true or false), got " + describe(node));
  }
  out = oneOf(node.Scalar(),
              {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"});
  return {};
}

core::Status YamlReader::readInt(const YAML::Node& node, std::string_view path, std::int64_t& out) {
  if (auto status = charge(node); !status.ok()) return status;
  const bool typed = node.IsScalar() && (node.Tag() == "?" || node.Tag() == kIntTag);
  if (typed) {
    std::string_view text = node.Scalar();
    if (!text.empty() && text[0] == '+') text.remove_prefix(1);
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    if (ec == std::errc() && ptr == end && !text.empty()) return {};
    if (ec == std::errc::result_out_of_range) return error(node, path, "integer out of range");
  }
  return error(node, path, "expected an integer, got " + describe(node));
}

core::Status YamlReader::readNumber(const YAML::Node& node, std::string_view path, double& out) {
  if (auto status = charge(node); !status.ok()) return status;
  const bool typed =
      node.IsScalar() && (node.Tag() == "?" || node.Tag() == kIntTag || node.Tag() == kFloatTag);
  if (typed) {
    const std::string& text = node.Scalar();
    const ScalarType type = resolvePlainScalar(text);
    if ((type == ScalarType::kInt || type == ScalarType::kFloat) &&
        text.find_first_of("xXoObB_") == std::string::npos) {
      char* end = nullptr;
      out = std::strtod(text.c_str(), &end);
      if (end == text.c_str() + text.size()) return {};
    }
  }
  return error(node, path, "expected a number, got " + describe(node));
}

core::Status YamlReader::readDuration(const YAML::Node& node, std::string_view path,
                                      Duration& out) {
  std::string text;
  if (auto status = readString(node, path, text); !status.ok()) return status;
  const auto parsed = parseDuration(text);
  if (!parsed.ok()) return error(node, path, parsed.status().message());
  if (parsed->count() < 0) return error(node, path, "a duration must not be negative");
  out = *parsed;
  return {};
}

core::Status YamlReader::readList(
    const YAML::Node& node, std::string_view path,
    const std::function<core::Status(const YAML::Node&, const std::string&)>& item) {
  if (auto status = charge(node); !status.ok()) return status;
  if (!node.IsSequence()) return error(node, path, "expected a list, got " + describe(node));
  std::size_t index = 0;
  for (const auto& element : node) {
    if (auto status = item(element, indexPath(path, index)); !status.ok()) return status;
    ++index;
  }
  return {};
}

core::Status YamlReader::readStringList(const YAML::Node& node, std::string_view path,
                                        std::vector<std::string>& out) {
  std::vector<std::string> values;
  auto status = readList(node, path, [&](const YAML::Node& element, const std::string& at) {
    std::string value;
    if (isNull(element)) return error(element, at, "expected a string, got null");
    if (auto s = readString(element, at, value); !s.ok()) return s;
    values.push_back(std::move(value));
    return core::Status();
  });
  if (!status.ok()) return status;
  out = std::move(values);
  return {};
}

core::Status YamlReader::readStringMap(const YAML::Node& node, std::string_view path,
                                       std::map<std::string, std::string>& out) {
  if (auto status = charge(node); !status.ok()) return status;
  if (!node.IsMap()) return error(node, path, "expected a mapping, got " + describe(node));
  std::map<std::string, std::string> values;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) return error(key, path, "a key must be a string");
    const std::string at = joinPath(path, key.Scalar());
    std::string value;
    if (isNull(it->second)) {
      value.clear();  // Kubernetes reads a null label/annotation value as ""
    } else if (auto status = readString(it->second, at, value); !status.ok()) {
      return status;
    }
    if (values.count(key.Scalar()) != 0) warn(key, at, "duplicate key; the last value is used");
    values[key.Scalar()] = std::move(value);
  }
  out = std::move(values);
  return {};
}

core::Status YamlReader::readMapping(const YAML::Node& node, std::string_view path,
                                     std::initializer_list<Field> fields,
                                     std::string_view unknown_note) {
  if (auto status = charge(node); !status.ok()) return status;
  if (!node.IsMap()) return error(node, path, "expected a mapping, got " + describe(node));
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) return error(key, path, "a key must be a string");
    const std::string& name = key.Scalar();
    const std::string at = joinPath(path, name);
    if (!seen.insert(name).second) warn(key, at, "duplicate key; the last value is used");
    const Field* field = nullptr;
    for (const auto& candidate : fields) {
      if (candidate.key == name) field = &candidate;
    }
    if (field == nullptr) {
      warn(key, at, unknown_note);
      continue;
    }
    if (!field->handler) {
      warn(key, at, field->note);
      continue;
    }
    if (isNull(value) && !field->accept_null) continue;
    YAML::Node saved(current_key_);
    current_key_.reset(key);
    auto status = field->handler(value, at);
    current_key_.reset(saved);
    if (!status.ok()) return status;
  }
  return {};
}

}  // namespace gitopsd::config::detail
