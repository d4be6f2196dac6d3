// Internal to lib/config (not part of its API): typed reading of yaml-cpp nodes with positions.
//
// Every error is kInvalid "FILE:LINE:COL: field.path: what"; every warning is
// "FILE:LINE: field.path: what". yaml-cpp may throw while a node is read; callers run the
// reader inside a try block at the parser edge. Not thread-safe (one reader per parse).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/duration.h"
#include "core/status.h"

namespace gitopsd::config::detail {

// "a.b" + "c" → "a.b.c"; "" + "c" → "c".
std::string joinPath(std::string_view path, std::string_view key);
// "a.b" + 3 → "a.b[3]".
std::string indexPath(std::string_view path, std::size_t index);

// DNS-1123 subdomain (lower-case alphanumerics, '-' and '.', alphanumeric at both ends, at most
// 253 characters) and label (no '.', at most 63).
bool isDnsSubdomain(std::string_view name);
bool isDnsLabel(std::string_view name);

// The parse error of a whole text (from YAML::LoadAll), with tab indentation named.
core::Status yamlSyntaxError(std::string_view file, std::string_view text,
                             const YAML::Exception& e);

class YamlReader {
 public:
  // `budget` bounds the number of nodes visited (alias expansion guard); `warnings` receives
  // the warnings and must outlive the reader.
  YamlReader(std::string_view file, std::size_t budget, std::vector<std::string>& warnings);

  std::string_view file() const { return file_; }
  int lineOf(const YAML::Node& node) const;
  // "FILE:LINE" of a node.
  std::string where(const YAML::Node& node) const;

  // Positions come from `at`, or from the key being read when `at` has none (a null value).
  core::Status error(const YAML::Node& at, std::string_view path, std::string_view what) const;
  void warn(const YAML::Node& at, std::string_view path, std::string_view what);

  // The key whose value a readMapping handler is reading (for messages about the field).
  const YAML::Node& currentKey() const { return current_key_; }

  // Counts one visited node; kInvalid once the budget is spent.
  core::Status charge(const YAML::Node& at);

  static bool isNull(const YAML::Node& node);

  // Scalars. A string field takes any scalar's text as written; the others need a plain
  // (unquoted) scalar of their type, as Kubernetes' YAML decoding does (booleans also in the
  // YAML 1.1 forms yes/no/on/off).
  core::Status readString(const YAML::Node& node, std::string_view path, std::string& out);
  core::Status readBool(const YAML::Node& node, std::string_view path, bool& out);
  core::Status readInt(const YAML::Node& node, std::string_view path, std::int64_t& out);
  core::Status readNumber(const YAML::Node& node, std::string_view path, double& out);
  // A Go duration string, or a bare integer meaning seconds; negative values are kInvalid.
  core::Status readDuration(const YAML::Node& node, std::string_view path, Duration& out);
  core::Status readStringList(const YAML::Node& node, std::string_view path,
                              std::vector<std::string>& out);
  core::Status readStringMap(const YAML::Node& node, std::string_view path,
                             std::map<std::string, std::string>& out);

  // Reads a sequence, calling `item` with each element and its path ("path[i]").
  core::Status readList(
      const YAML::Node& node, std::string_view path,
      const std::function<core::Status(const YAML::Node&, const std::string&)>& item);

  using Handler = std::function<core::Status(const YAML::Node& value, const std::string& path)>;
  struct Field {
    std::string_view key;
    // Called with the value of the key when it is present and not null. No handler: the key
    // is known but not supported, and `note` is the warning.
    Handler handler;
    std::string_view note = {};
    // Call the handler also for a null value.
    bool accept_null = false;
  };
  // Reads a mapping: dispatches each key to its field; unknown keys are warnings naming the
  // key (with `unknown_note` appended); a duplicate key is a warning (the last value wins).
  core::Status readMapping(const YAML::Node& node, std::string_view path,
                           std::initializer_list<Field> fields,
                           std::string_view unknown_note = "unknown field; ignored");

 private:
  YAML::Mark markOf(const YAML::Node& node) const;

  std::string file_;
  std::size_t budget_;
  YAML::Node current_key_;
  std::vector<std::string>& warnings_;
};

// A plain YAML scalar resolved the way Kubernetes' YAML decoding (go-yaml v2) does.
enum class ScalarType { kNull, kBool, kInt, kFloat, kString };
ScalarType resolvePlainScalar(std::string_view text);
// True when a node is a plain scalar (not quoted, no tag).
bool isPlain(const YAML::Node& node);

}  // namespace gitopsd::config::detail
