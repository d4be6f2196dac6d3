#include "manifest/yaml_write.h"

#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>

namespace gitopsd::manifest {
namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// The escape for a YAML 1.1 line break (NEL, LS, PS) or a byte order mark starting at `i`, or
// "" when there is none there. A reader folds or drops these even inside quotes, so they are
// never written raw.
std::string_view unicodeBreakEscape(std::string_view s, std::size_t i) {
  const std::string_view rest = s.substr(i);
  if (rest.starts_with("\xC2\x85")) return "\\N";
  if (rest.starts_with("\xE2\x80\xA8")) return "\\L";
  if (rest.starts_with("\xE2\x80\xA9")) return "\\P";
  if (rest.starts_with("\xEF\xBB\xBF")) return "\\uFEFF";
  return {};
}

std::size_t unicodeBreakLength(std::string_view escape) { return escape == "\\N" ? 2 : 3; }

bool hasUnicodeBreak(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!unicodeBreakEscape(s, i).empty()) return true;
  }
  return false;
}

// Would a YAML 1.1 or 1.2 reader resolve this plain scalar to null, a bool or a number?
bool resolvesToNonString(std::string_view s) {
  static constexpr std::array<std::string_view, 17> kWords = {
      "null", "~",    "true",  "false", "yes",  "no", "on", "off", "y",
      "n",    ".inf", "-.inf", "+.inf", ".nan", "<<", "=",  ""};
  for (const auto word : kWords) {
    if (equalsIgnoreCase(s, word)) return true;
  }
  // YAML 1.1 timestamps (2025-01-10, 2025-01-10T09:40:00Z): a reader may make them dates.
  const auto digits = [&](std::size_t from, std::size_t count) {
    if (from + count > s.size()) return false;
    for (std::size_t i = from; i < from + count; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return true;
  };
  if (digits(0, 4) && s.size() >= 8 && s[4] == '-' &&
      std::isdigit(static_cast<unsigned char>(s[5]))) {
    return true;
  }
  // Numbers in every base and notation, sexagesimal included, are made only of these
  // characters and start with a digit, or with a sign or '.' followed by a digit. Quoting a
  // few strings that are not numbers ("1.16.4") is harmless.
  std::size_t first = 0;
  if (first < s.size() && (s[first] == '+' || s[first] == '-')) ++first;
  if (first < s.size() && s[first] == '.') ++first;
  if (first >= s.size() || !std::isdigit(static_cast<unsigned char>(s[first]))) return false;
  return s.find_first_not_of("0123456789abcdefABCDEFxXoO_.:+-") == std::string_view::npos;
}

bool canBePlain(std::string_view s) {
  if (s.empty() || resolvesToNonString(s)) return false;
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string_view::npos) {
    return false;
  }
  // "..." (like "---", already excluded above) ends a document when it starts a line.
  if (s.starts_with("...")) return false;
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return false;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) {
    return false;
  }
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return !hasUnicodeBreak(s);
}

void appendQuoted(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out += '"';
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
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
        if (u < 0x20 || u == 0x7f) {
          out += "\\x";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else if (const auto escape = unicodeBreakEscape(s, i); !escape.empty()) {
          out += escape;
          i += unicodeBreakLength(escape) - 1;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void appendString(std::string& out, std::string_view s) {
  if (canBePlain(s)) {
    out += s;
  } else {
    appendQuoted(out, s);
  }
}

// A literal block keeps a multi-line string readable line by line. Only used when the text
// round-trips: printable, no carriage returns, not only newlines, and a first non-empty line
// that does not start with a space (block indentation is detected from it).
bool fitsLiteralBlock(std::string_view s) {
  if (s.find('\n') == std::string_view::npos) return false;
  if (s.find_first_not_of('\n') == std::string_view::npos) return false;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) return false;
  }
  if (hasUnicodeBreak(s)) return false;
  const std::size_t first = s.find_first_not_of('\n');
  return s[first] != ' ' && s[first] != '\t';
}

void appendLiteralBlock(std::string& out, std::string_view s, int indent) {
  std::size_t trailing = 0;
  while (trailing < s.size() && s[s.size() - 1 - trailing] == '\n') ++trailing;
  out += trailing == 0 ? "|-" : trailing == 1 ? "|" : "|+";
  out += '\n';
  const std::string_view body = s.substr(0, s.size() - trailing);
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = body.find('\n', start);
    const std::string_view line =
        body.substr(start, end == std::string_view::npos ? end : end - start);
    if (!line.empty()) out.append(static_cast<std::size_t>(indent), ' ').append(line);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  for (std::size_t i = 1; i < trailing; ++i) out += '\n';
}

template <typename Json>
void appendNumber(std::string& out, const Json& v) {
  if (v.is_number_integer()) {
    out += v.is_number_unsigned() ? std::to_string(v.template get<std::uint64_t>())
                                  : std::to_string(v.template get<std::int64_t>());
    return;
  }
  const double d = v.template get<double>();
  if (d != d) {
    out += ".nan";
    return;
  }
  if (d == std::numeric_limits<double>::infinity()) {
    out += ".inf";
    return;
  }
  if (d == -std::numeric_limits<double>::infinity()) {
    out += "-.inf";
    return;
  }
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), d);
  std::string text(buffer.data(), result.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  out += text;
}

template <typename Json>
bool isInline(const Json& v) {
  return !v.is_structured() || v.empty();
}

// An inline value after "key:" or "-": a scalar, {} or [], or a literal block whose lines are
// indented to `indent`.
template <typename Json>
void appendInline(std::string& out, const Json& v, int indent) {
  out += ' ';
  switch (v.type()) {
    case Json::value_t::null:
      out += "null";
      break;
    case Json::value_t::boolean:
      out += v.template get<bool>() ? "true" : "false";
      break;
    case Json::value_t::object:
      out += "{}";
      break;
    case Json::value_t::array:
      out += "[]";
      break;
    case Json::value_t::string: {
      const auto& s = v.template get_ref<const std::string&>();
      if (fitsLiteralBlock(s)) {
        appendLiteralBlock(out, s, indent);
        return;
      }
      appendString(out, s);
      break;
    }
    case Json::value_t::binary:
      out += "\"<binary>\"";
      break;
    case Json::value_t::discarded:
      out += "null";
      break;
    default:
      appendNumber(out, v);
      break;
  }
  out += '\n';
}

template <typename Json>
void appendNode(std::string& out, const Json& v, int indent, bool continues_line);

// A non-empty mapping whose keys start at column `indent`; when continues_line, the first key
// goes on the current line (after "- ").
template <typename Json>
void appendMapping(std::string& out, const Json& obj, int indent, bool continues_line) {
  bool first = true;
  for (const auto& [key, value] : obj.items()) {
    if (!(first && continues_line)) out.append(static_cast<std::size_t>(indent), ' ');
    first = false;
    appendString(out, key);
    out += ':';
    if (isInline(value)) {
      appendInline(out, value, indent + 2);
    } else {
      out += '\n';
      // kubectl style: a sequence's dashes align with its key.
      appendNode(out, value, value.is_array() ? indent : indent + 2, false);
    }
  }
}

template <typename Json>
void appendSequence(std::string& out, const Json& list, int indent, bool continues_line) {
  bool first = true;
  for (const auto& item : list) {
    if (!(first && continues_line)) out.append(static_cast<std::size_t>(indent), ' ');
    first = false;
    out += '-';
    if (isInline(item)) {
      appendInline(out, item, indent + 2);
    } else {
      out += ' ';
      appendNode(out, item, indent + 2, true);
    }
  }
}

template <typename Json>
void appendNode(std::string& out, const Json& v, int indent, bool continues_line) {
  if (v.is_object()) {
    appendMapping(out, v, indent, continues_line);
  } else {
    appendSequence(out, v, indent, continues_line);
  }
}

template <typename Json>
std::string render(const Json& value) {
  std::string out;
  if (isInline(value)) {
    appendInline(out, value, 2);
    out.erase(0, 1);  // no leading space at the top level
    return out;
  }
  appendNode(out, value, 0, false);
  return out;
}

}  // namespace

std::string toBlockYaml(const nlohmann::json& value) { return render(value); }

std::string toBlockYaml(const nlohmann::ordered_json& value) { return render(value); }

std::string quoteYamlScalar(std::string_view value) {
  std::string out;
  appendString(out, value);
  return out;
}

}  // namespace gitopsd::manifest
