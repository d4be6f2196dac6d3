// Internal to lib/config: a small block-style YAML writer for the documents lib/config writes
// (Kubernetes layout: two-space indentation, list items at their key's indentation). Strings are
// written plain only when a YAML reader (yaml-cpp, go-yaml v2, YAML 1.2) reads them back as the
// same string; otherwise double-quoted, or as a literal block (|) when they span lines.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gitopsd::config::detail {

class YamlNode {
 public:
  static YamlNode map();
  static YamlNode seq();
  static YamlNode string(std::string value);
  static YamlNode boolean(bool value);
  static YamlNode integer(std::int64_t value);
  static YamlNode stringList(const std::vector<std::string>& values);
  static YamlNode stringMap(const std::map<std::string, std::string>& values);
  static YamlNode fromJson(const nlohmann::json& value);

  // Map: appends a key (keys are written in insertion order). Seq: appends an item.
  void add(std::string key, YamlNode value);
  void push(YamlNode value);
  bool empty() const { return entries_.empty() && items_.empty(); }

  // The node as a YAML document (a map or a seq at indentation 0), ending with a newline.
  std::string render() const;

 private:
  enum class Kind { kMap, kSeq, kString, kRaw };
  explicit YamlNode(Kind kind) : kind_(kind) {}

  void renderEntries(std::string& out, int indent) const;
  void renderItems(std::string& out, int indent) const;

  Kind kind_;
  std::string text_;  // kString: the value; kRaw: the scalar as written
  std::vector<std::pair<std::string, YamlNode>> entries_;
  std::vector<YamlNode> items_;
};

// `value` as a one-line scalar: plain when safe, else double-quoted with escapes.
std::string quoteScalar(std::string_view value);

}  // namespace gitopsd::config::detail
