// Block-style YAML writer shared by lib/config (Application files) and lib/diff (diff text).
//
// Hand-written rather than built on yaml-cpp's YAML::Emitter (Debian's 0.7): that emitter leaves
// strings such as "true", "on", "123" and "0x1F" unquoted (so a string and a number render
// identically), writes shortest-but-not-round-trip doubles (0.1 → 0.10000000000000001) and puts
// empty containers of a block mapping on their own line. This writer covers the JSON data model.
//
// Layout (Kubernetes / kubectl style): two-space indentation, sequences at their key's
// indentation, `{}`/`[]` for empty containers. Strings are written plain only when a YAML 1.1 or
// 1.2 reader (yaml-cpp, go-yaml v2) reads them back as the same string; otherwise
// double-quoted with escapes, or as a literal block (|, |-, |+) when they span lines.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace gitopsd::manifest {

// `value` as a YAML document ending with a newline; object keys in the order the value holds
// them (nlohmann::json: sorted by bytes; nlohmann::ordered_json: insertion order).
std::string toBlockYaml(const nlohmann::json& value);
std::string toBlockYaml(const nlohmann::ordered_json& value);

// `value` as a one-line scalar: plain when safe, else double-quoted with escapes.
std::string quoteYamlScalar(std::string_view value);

}  // namespace gitopsd::manifest
