#include "manifest/parse.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <utility>

namespace gitopsd::manifest {
namespace {

using kube::Object;

constexpr int kMaxDepth = 1000;
constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";
constexpr std::string_view kNullTag = "tag:yaml.org,2002:null";
constexpr std::string_view kBoolTag = "tag:yaml.org,2002:bool";
constexpr std::string_view kIntTag = "tag:yaml.org,2002:int";
constexpr std::string_view kFloatTag = "tag:yaml.org,2002:float";

bool endsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool oneOf(std::string_view text, std::initializer_list<std::string_view> options) {
  for (const auto option : options) {
    if (text == option) return true;
  }
  return false;
}

std::string at(std::string_view file, int line, int column) {
  return std::string(file) + ":" + std::to_string(line) + ":" + std::to_string(column);
}

// A double with an integral value in int64 range becomes an integer, as Go's JSON encoding
// of a float64 followed by the apiserver's unstructured decoding does.
Object normalizedNumber(double value) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (value >= -kTwo63 && value < kTwo63 &&
      static_cast<double>(static_cast<std::int64_t>(value)) == value) {
    return Object(static_cast<std::int64_t>(value));
  }
  return Object(value);
}

// go-yaml v2's yamlStyleFloat: ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool isYamlStyleFloat(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
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

// Go's strconv.ParseInt(s, 0, 64) magnitude: optional sign, 0x/0o/0b prefixes, leading-0 octal.
struct ParsedInt {
  bool negative = false;
  std::uint64_t magnitude = 0;
};
std::optional<ParsedInt> parseGoInt(std::string_view s) {
  ParsedInt out;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    out.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  unsigned base = 10;
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
  if (s.empty()) return std::nullopt;
  for (const char c : s) {
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (digit >= base) return std::nullopt;
    if (out.magnitude > (std::numeric_limits<std::uint64_t>::max() - digit) / base) {
      return std::nullopt;
    }
    out.magnitude = out.magnitude * base + digit;
  }
  return out;
}

enum class Resolved { kNull, kBool, kInt, kFloat, kString, kSpecialFloat };

// Resolves a plain scalar like go-yaml v2 (YAML 1.1 core schema as Kubernetes sees it).
Resolved resolvePlain(const std::string& text, Object& out) {
  if (oneOf(text, {"", "~", "null", "Null", "NULL"})) {
    out = nullptr;
    return Resolved::kNull;
  }
  if (oneOf(text, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    out = true;
    return Resolved::kBool;
  }
  if (oneOf(text, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    out = false;
    return Resolved::kBool;
  }
  if (oneOf(text, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                   ".nan", ".NaN", ".NAN"})) {
    return Resolved::kSpecialFloat;
  }
  const char first = text[0];
  const bool numeric_hint =
      (first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.';
  if (numeric_hint) {
    std::string plain;
    plain.reserve(text.size());
    for (const char c : text) {
      if (c != '_') plain.push_back(c);
    }
    if (first != '.') {
      if (const auto parsed = parseGoInt(plain)) {
        constexpr auto kMaxInt64 =
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        if (!parsed->negative && parsed->magnitude <= kMaxInt64) {
          out = static_cast<std::int64_t>(parsed->magnitude);
          return Resolved::kInt;
        }
        if (parsed->negative && parsed->magnitude <= kMaxInt64 + 1) {
          out = parsed->magnitude == kMaxInt64 + 1 ? std::numeric_limits<std::int64_t>::min()
                                                   : -static_cast<std::int64_t>(parsed->magnitude);
          return Resolved::kInt;
        }
        if (!parsed->negative) {  // a uint64: a float after Kubernetes' JSON round trip
          out = static_cast<double>(parsed->magnitude);
          return Resolved::kFloat;
        }
      }
    } else {
      plain = text;  // go-yaml parses ".5" without removing underscores
    }
    if (isYamlStyleFloat(plain)) {
      out = normalizedNumber(std::strtod(plain.c_str(), nullptr));
      return out.is_number_integer() ? Resolved::kInt : Resolved::kFloat;
    }
  }
  out = text;
  return Resolved::kString;
}

struct Position {
  int line = 0;  // 1-based
  int column = 0;
};

Position positionOf(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

class YamlConverter {
 public:
  YamlConverter(std::string_view file, int document, std::size_t& budget,
                std::vector<std::string>& warnings)
      : file_(file), document_(document), budget_(budget), warnings_(warnings) {}

  core::Status convert(const YAML::Node& node, Object& out, int depth) {
    if (depth > kMaxDepth) return error(node, "nesting deeper than 1000 levels (recursive alias?)");
    if (budget_ == 0) {
      return error(node, "document " + std::to_string(document_) +
                             " expands to more values than the file could hold; "
                             "alias expansion is limited");
    }
    --budget_;
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out = node.Tag() == kStrTag ? Object("") : Object(nullptr);
        return {};
      case YAML::NodeType::Scalar:
        return scalar(node, out);
      case YAML::NodeType::Sequence: {
        out = Object::array();
        for (const auto& item : node) {
          Object value;
          if (auto status = convert(item, value, depth + 1); !status.ok()) return status;
          out.push_back(std::move(value));
        }
        return {};
      }
      case YAML::NodeType::Map:
        return mapping(node, out, depth);
    }
    return {};
  }

 private:
  core::Status error(const YAML::Node& node, const std::string& what) const {
    const Position p = positionOf(node.Mark());
    return core::invalidError(at(file_, p.line, p.column) + ": " + what);
  }

  core::Status scalar(const YAML::Node& node, Object& out) const {
    const std::string& text = node.Scalar();
    const std::string& tag = node.Tag();
    if (tag == "?" || tag.empty()) {
      if (resolvePlain(text, out) == Resolved::kSpecialFloat) {
        return error(node, "\"" + text + "\" (infinity or NaN) cannot be represented in JSON");
      }
      return {};
    }
    if (tag == kNullTag || tag == kBoolTag || tag == kIntTag || tag == kFloatTag) {
      const Resolved resolved = resolvePlain(text, out);
      const bool fits =
          (tag == kNullTag && resolved == Resolved::kNull) ||
          (tag == kBoolTag && resolved == Resolved::kBool) ||
          (tag == kIntTag && resolved == Resolved::kInt) ||
          (tag == kFloatTag && (resolved == Resolved::kInt || resolved == Resolved::kFloat));
      if (!fits) return error(node, "cannot read \"" + text + "\" as " + tag);
      return {};
    }
    // "!" (quoted or non-specific), !!str, !!binary, !!timestamp and unknown tags: a string.
    out = text;
    return {};
  }

  core::Status key(const YAML::Node& node, std::string& out) const {
    if (node.IsNull()) {
      out = "null";
      return {};
    }
    if (!node.IsScalar()) return error(node, "a mapping key must be a scalar");
    if (node.Tag() != "?") {
      out = node.Scalar();
      return {};
    }
    Object resolved;
    switch (resolvePlain(node.Scalar(), resolved)) {
      case Resolved::kNull:
        out = "null";
        break;
      case Resolved::kBool:
        out = resolved.get<bool>() ? "true" : "false";
        break;
      case Resolved::kInt:
        out = resolved.dump();
        break;
      default:
        out = node.Scalar();
    }
    return {};
  }

  core::Status mapping(const YAML::Node& node, Object& out, int depth) {
    out = Object::object();
    std::vector<YAML::Node> merges;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key_node = it->first;
      if (key_node.IsScalar() && key_node.Tag() == "?" && key_node.Scalar() == "<<") {
        merges.push_back(it->second);
        continue;
      }
      std::string name;
      if (auto status = key(key_node, name); !status.ok()) return status;
      Object value;
      if (auto status = convert(it->second, value, depth + 1); !status.ok()) return status;
      auto [slot, inserted] = out.emplace(name, nullptr);
      if (!inserted) {
        const Position p = positionOf(key_node.Mark());
        warnings_.push_back(at(file_, p.line, p.column) + ": duplicate key \"" + name +
                            "\" in document " + std::to_string(document_) +
                            "; the last value is used");
      }
      *slot = std::move(value);
    }
    for (const auto& merge : merges) {
      std::vector<YAML::Node> sources;
      if (merge.IsSequence()) {
        for (const auto& item : merge) sources.push_back(item);
      } else {
        sources.push_back(merge);
      }
      for (const auto& source : sources) {
        if (!source.IsMap()) return error(source, "a merge key (<<) needs a mapping");
        Object merged;
        if (auto status = convert(source, merged, depth + 1); !status.ok()) return status;
        for (auto& [name, value] : merged.items()) {
          if (!out.contains(name)) out[name] = std::move(value);
        }
      }
    }
    return {};
  }

  std::string_view file_;
  int document_;
  std::size_t& budget_;  // values left for the whole file
  std::vector<std::string>& warnings_;
};

std::string stringField(const Object& object, const char* name, bool& present, bool& is_string) {
  const auto it = object.find(name);
  present = it != object.end() && !it->is_null();
  is_string = present && it->is_string();
  return is_string ? it->get<std::string>() : std::string();
}

// A hook (Argo CD's or Helm's hook annotation) named by metadata.generateName alone: the sync
// names it per operation (lib/sync/plan.h).
bool generatedHook(const Object& object) {
  const auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return false;
  bool present = false, is_string = false;
  if (stringField(*metadata, "generateName", present, is_string).empty()) return false;
  const auto annotations = metadata->find("annotations");
  return annotations != metadata->end() && annotations->is_object() &&
         (annotations->contains("argocd.argoproj.io/hook") ||
          annotations->contains("helm.sh/hook"));
}

class DocumentSink {
 public:
  DocumentSink(std::string_view file, ParsedFile& out) : file_(file), out_(out) {}

  // Adds one top-level document; `item_positions` are the List items' positions if known.
  core::Status add(Object object, int document, Position position,
                   const std::vector<Position>& item_positions) {
    const std::string where = at(file_, position.line, position.column);
    const std::string doc = "document " + std::to_string(document);
    if (object.is_array())
      return core::invalidError(where + ": " + doc + " is a list, expected a mapping");
    if (!object.is_object()) {
      return core::invalidError(where + ": " + doc + " is a scalar, expected a mapping");
    }
    bool has_version = false, version_string = false, has_kind = false, kind_string = false;
    stringField(object, "apiVersion", has_version, version_string);
    const std::string kind = stringField(object, "kind", has_kind, kind_string);
    if (!has_version || !has_kind) {
      out_.warnings.push_back(std::string(file_) + ": " + doc + " (line " +
                              std::to_string(position.line) +
                              ") is not a Kubernetes object (no apiVersion/kind); ignored");
      return {};
    }
    const auto items = object.find("items");
    const bool is_list =
        kind == "List" || (endsWith(kind, "List") && items != object.end() && items->is_array());
    if (!is_list) return addObject(std::move(object), where, doc, document, position.line);
    if (items == object.end() || items->is_null()) return {};
    if (!items->is_array())
      return core::invalidError(where + ": " + doc + ": List items is not a list");
    int index = 0;
    for (auto& item : *items) {
      const Position p = static_cast<std::size_t>(index) < item_positions.size()
                             ? item_positions[static_cast<std::size_t>(index)]
                             : position;
      const std::string item_where = at(file_, p.line, p.column);
      const std::string what = "item " + std::to_string(index + 1) + " of " + kind + " in " + doc;
      ++index;
      if (!item.is_object())
        return core::invalidError(item_where + ": " + what + " is not a mapping");
      bool item_has_version = false, item_has_kind = false, unused = false;
      stringField(item, "apiVersion", item_has_version, unused);
      stringField(item, "kind", item_has_kind, unused);
      if (!item_has_version || !item_has_kind) {
        return core::invalidError(item_where + ": " + what + " has no apiVersion/kind");
      }
      if (auto status = addObject(std::move(item), item_where, what, document, p.line);
          !status.ok()) {
        return status;
      }
    }
    return {};
  }

 private:
  core::Status addObject(Object object, const std::string& where, const std::string& what,
                         int document, int line) {
    bool present = false, is_string = false;
    const std::string api_version = stringField(object, "apiVersion", present, is_string);
    if (!is_string || api_version.empty()) {
      return core::invalidError(where + ": " + what + ": apiVersion must be a non-empty string");
    }
    const std::string kind = stringField(object, "kind", present, is_string);
    if (!is_string || kind.empty()) {
      return core::invalidError(where + ": " + what + ": kind must be a non-empty string");
    }
    const auto metadata = object.find("metadata");
    if (metadata != object.end() && !metadata->is_null() && !metadata->is_object()) {
      return core::invalidError(where + ": " + kind + " in " + what +
                                ": metadata is not a mapping");
    }
    std::string name;
    if (metadata != object.end() && metadata->is_object()) {
      name = stringField(*metadata, "name", present, is_string);
      bool ns_present = false, ns_string = false;
      stringField(*metadata, "namespace", ns_present, ns_string);
      if (ns_present && !ns_string) {
        return core::invalidError(where + ": " + kind + " in " + what +
                                  ": metadata.namespace is not a string");
      }
    }
    if (name.empty() && !generatedHook(object)) {
      return core::invalidError(where + ": " + kind + " in " + what +
                                " has no metadata.name (generateName alone is accepted for "
                                "hooks only)");
    }
    out_.manifests.push_back(Manifest{std::move(object), std::string(file_), line, document});
    return {};
  }

  std::string_view file_;
  ParsedFile& out_;
};

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

// 0-based column of a tab in the line's leading whitespace, or -1.
int tabInIndentation(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\t') return static_cast<int>(i);
    if (line[i] != ' ') return -1;
  }
  return -1;
}

core::Status yamlError(std::string_view file, std::string_view content, const YAML::Exception& e) {
  if (e.mark.is_null()) return core::invalidError(std::string(file) + ": " + e.msg);
  // yaml-cpp reports tab indentation under several messages ("illegal map value", "illegal
  // tab when looking for indentation"), at the tab's line or the token after it: name it.
  for (const int line : {e.mark.line, e.mark.line - 1}) {
    if (line < 0) continue;
    const int column = tabInIndentation(lineAt(content, line));
    if (column >= 0) {
      return core::invalidError(at(file, line + 1, column + 1) +
                                ": tabs are not allowed for indentation in YAML; use spaces (" +
                                e.msg + ")");
    }
  }
  return core::invalidError(at(file, e.mark.line + 1, e.mark.column + 1) + ": " + e.msg);
}

core::Result<ParsedFile> parseYaml(std::string_view file, std::string_view content) {
  ParsedFile parsed;
  parsed.file = std::string(file);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(content));
  } catch (const YAML::Exception& e) {
    return yamlError(file, content, e);
  }
  std::size_t budget = 2 * content.size() + 1024;
  DocumentSink sink(file, parsed);
  int index = 0;
  try {
    for (const auto& document : documents) {
      ++index;
      if (document.IsNull() || !document.IsDefined()) continue;
      const Position position = positionOf(document.Mark());
      std::vector<Position> item_positions;
      if (document.IsMap()) {
        const YAML::Node items = document["items"];
        if (items && items.IsSequence()) {
          for (const auto& item : items) item_positions.push_back(positionOf(item.Mark()));
        }
      }
      Object object;
      YamlConverter converter(file, index, budget, parsed.warnings);
      if (auto status = converter.convert(document, object, 0); !status.ok()) return status;
      if (auto status = sink.add(std::move(object), index, position, item_positions);
          !status.ok()) {
        return status;
      }
    }
  } catch (const YAML::Exception& e) {
    return yamlError(file, content, e);
  }
  return parsed;
}

Position positionOfOffset(std::string_view content, std::size_t offset) {
  offset = std::min(offset, content.size());
  Position p{1, 1};
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (content[i] == '\n') {
      ++p.line;
      line_start = i + 1;
    }
  }
  p.column = static_cast<int>(offset - line_start) + 1;
  return p;
}

core::Result<ParsedFile> parseJson(std::string_view file, std::string_view content) {
  ParsedFile parsed;
  parsed.file = std::string(file);
  const std::size_t first = content.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return parsed;  // an empty file holds no objects
  Object value;
  try {
    value = Object::parse(content);
  } catch (const Object::parse_error& e) {
    const Position p = positionOfOffset(content, e.byte == 0 ? 0 : e.byte - 1);
    std::string message = e.what();
    // Drop nlohmann's "[json.exception.parse_error.101] parse error at line 1, column 2: ".
    if (const auto column = message.find(", column "); column != std::string::npos) {
      if (const auto colon = message.find(": ", column); colon != std::string::npos) {
        message = message.substr(colon + 2);
      }
    }
    return core::invalidError(at(file, p.line, p.column) + ": " + message);
  } catch (const std::exception& e) {
    return core::invalidError(std::string(file) + ": " + e.what());
  }
  DocumentSink sink(file, parsed);
  if (auto status = sink.add(std::move(value), 1, positionOfOffset(content, first), {});
      !status.ok()) {
    return status;
  }
  return parsed;
}

}  // namespace

FileType fileTypeOf(std::string_view file_name) {
  if (endsWith(file_name, ".yaml") || endsWith(file_name, ".yml")) return FileType::kYaml;
  if (endsWith(file_name, ".json")) return FileType::kJson;
  return FileType::kUnknown;
}

core::Result<ParsedFile> parseManifestFile(std::string_view file_name, std::string_view content,
                                           const ParseLimits& limits) {
  if (content.size() > limits.max_file_bytes) {
    return core::invalidError(std::string(file_name) + ": " + std::to_string(content.size()) +
                              " bytes exceeds the limit of " +
                              std::to_string(limits.max_file_bytes) + " bytes");
  }
  try {
    switch (fileTypeOf(file_name)) {
      case FileType::kYaml:
        return parseYaml(file_name, content);
      case FileType::kJson:
        return parseJson(file_name, content);
      case FileType::kUnknown:
        break;
    }
  } catch (const std::exception& e) {
    return core::internalError(std::string(file_name) + ": " + e.what());
  }
  return core::invalidError(std::string(file_name) +
                            ": not a manifest file (expected .yaml, .yml or .json)");
}

}  // namespace gitopsd::manifest
