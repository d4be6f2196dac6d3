#include "config/yaml_emit.h"

#include <nlohmann/json.hpp>

#include "config/yaml_reader.h"

namespace gitopsd::config::detail {
namespace {

bool isAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool plainSafe(std::string_view s) {
  if (s.empty()) return false;
  if (!isAlpha(s[0]) && s[0] != '/' && s[0] != '_') return false;
  if (s.back() == ' ' || s.back() == ':') return false;
  constexpr std::string_view kAllowed = "-._/:=@+~,()%$^ ";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!isAlpha(c) && !isDigit(c) && kAllowed.find(c) == std::string_view::npos) return false;
    if (c == ':' && i + 1 < s.size() && s[i + 1] == ' ') return false;
  }
  return resolvePlainScalar(s) == ScalarType::kString;
}

std::string doubleQuoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  for (const char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          out += "\\x";
          out += kHex[byte >> 4];
          out += kHex[byte & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// A literal block (|) can hold it: several lines, printable, some non-space content.
bool literalOk(std::string_view s) {
  if (s.find('\n') == std::string_view::npos) return false;
  bool content = false;
  for (const char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') continue;
    if (byte < 0x20 || byte == 0x7f) return false;
    if (c != ' ') content = true;
  }
  return content;
}

void pad(std::string& out, int indent) { out.append(static_cast<std::size_t>(indent), ' '); }

// Writes " |-" (with header) and the lines of `s` at `indent`.
void literal(std::string& out, std::string_view s, int indent) {
  std::size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  const std::string_view body = s.substr(0, s.size() - trailing);
  const std::size_t first = body.find_first_not_of('\n');
  out += " |";
  if (first != std::string_view::npos && body[first] == ' ') out += "2";
  out += trailing == 0 ? "-" : trailing == 1 ? "" : "+";
  out += "\n";
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view line = body.substr(start, end - start);
    if (!line.empty()) {
      pad(out, indent);
      out += line;
    }
    out += "\n";
    start = end + 1;
  }
  for (std::size_t i = 1; i < trailing; ++i) out += "\n";
}

}  // namespace

std::string quoteScalar(std::string_view value) {
  return plainSafe(value) ? std::string(value) : doubleQuoted(value);
}

YamlNode YamlNode::map() { return YamlNode(Kind::kMap); }
YamlNode YamlNode::seq() { return YamlNode(Kind::kSeq); }

YamlNode YamlNode::string(std::string value) {
  YamlNode node(Kind::kString);
  node.text_ = std::move(value);
  return node;
}

YamlNode YamlNode::boolean(bool value) {
  YamlNode node(Kind::kRaw);
  node.text_ = value ? "true" : "false";
  return node;
}

YamlNode YamlNode::integer(std::int64_t value) {
  YamlNode node(Kind::kRaw);
  node.text_ = std::to_string(value);
  return node;
}

YamlNode YamlNode::stringList(const std::vector<std::string>& values) {
  YamlNode node = seq();
  for (const auto& value : values) node.push(string(value));
  return node;
}

YamlNode YamlNode::stringMap(const std::map<std::string, std::string>& values) {
  YamlNode node = map();
  for (const auto& [key, value] : values) node.add(key, string(value));
  return node;
}

YamlNode YamlNode::fromJson(const nlohmann::json& value) {
  if (value.is_object()) {
    YamlNode node = map();
    for (const auto& [key, item] : value.items()) node.add(key, fromJson(item));
    return node;
  }
  if (value.is_array()) {
    YamlNode node = seq();
    for (const auto& item : value) node.push(fromJson(item));
    return node;
  }
  if (value.is_string()) return string(value.get<std::string>());
  YamlNode node(Kind::kRaw);
  node.text_ = value.is_null() ? "null" : value.dump();
  return node;
}

void YamlNode::add(std::string key, YamlNode value) {
  entries_.emplace_back(std::move(key), std::move(value));
}

void YamlNode::push(YamlNode value) { items_.push_back(std::move(value)); }

std::string YamlNode::render() const {
  std::string out;
  if (kind_ == Kind::kMap) {
    if (entries_.empty()) return "{}\n";
    renderEntries(out, 0);
  } else if (kind_ == Kind::kSeq) {
    if (items_.empty()) return "[]\n";
    renderItems(out, 0);
  } else {
    out = (kind_ == Kind::kString ? quoteScalar(text_) : text_) + "\n";
  }
  return out;
}

void YamlNode::renderEntries(std::string& out, int indent) const {
  for (const auto& [key, value] : entries_) {
    pad(out, indent);
    out += quoteScalar(key);
    out += ":";
    switch (value.kind_) {
      case Kind::kString:
        if (literalOk(value.text_)) {
          literal(out, value.text_, indent + 2);
        } else {
          out += " " + quoteScalar(value.text_) + "\n";
        }
        break;
      case Kind::kRaw:
        out += " " + value.text_ + "\n";
        break;
      case Kind::kMap:
        if (value.entries_.empty()) {
          out += " {}\n";
        } else {
          out += "\n";
          value.renderEntries(out, indent + 2);
        }
        break;
      case Kind::kSeq:
        if (value.items_.empty()) {
          out += " []\n";
        } else {
          out += "\n";
          value.renderItems(out, indent);
        }
        break;
    }
  }
}

void YamlNode::renderItems(std::string& out, int indent) const {
  for (const auto& item : items_) {
    switch (item.kind_) {
      case Kind::kString:
      case Kind::kRaw:
        pad(out, indent);
        out += "- ";
        out += item.kind_ == Kind::kString ? quoteScalar(item.text_) : item.text_;
        out += "\n";
        break;
      case Kind::kMap:
      case Kind::kSeq: {
        if (item.empty()) {
          pad(out, indent);
          out += item.kind_ == Kind::kMap ? "- {}\n" : "- []\n";
          break;
        }
        std::string nested;
        if (item.kind_ == Kind::kMap) {
          item.renderEntries(nested, indent + 2);
        } else {
          item.renderItems(nested, indent + 2);
        }
        // The first line's indentation becomes "- " at this level.
        std::string prefix;
        pad(prefix, indent);
        prefix += "- ";
        out += prefix;
        out += nested.substr(static_cast<std::size_t>(indent) + 2);
        break;
      }
    }
  }
}

}  // namespace gitopsd::config::detail
