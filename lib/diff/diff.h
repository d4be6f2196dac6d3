// Comparing one desired object with its live counterpart, and rendering the difference the
// way `gitopsctl app diff` and the API show it. Pure: no I/O, no shared state, safe to call
// from any thread.
//
// compareObjects(key, predicted, live, options):
//   1. managed fields are taken from options.live_managed_fields, or, when that is null, from
//      live.metadata.managedFields;
//   2. both sides are normalised (normalize.h);
//   3. the ignore rules that match key (ignore.h) are applied to both sides;
//   4. rollout-owned fields are stripped (rollout_owned.h);
//   5. modified = the two JSON values differ; unified = the line diff of their YAML forms,
//      "" when not modified.
// predicted is the object a server-side dry-run apply of the desired manifest returned (so
// defaults and webhook mutations are on both sides); null when the object is to be deleted.
// live is null when the object does not exist yet. Both null: not modified. compareObjects
// never fails; a rule that cannot be applied (it should have been refused by
// validateIgnoreRule at config load) is skipped and reported in warnings.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/resource_key.h"
#include "diff/ignore.h"
#include "diff/normalize.h"
#include "diff/rollout_owned.h"

namespace gitopsd::diff {

struct CompareOptions {
  std::vector<IgnoreRule> rules;  // all of the application's rules; filtered by matches()
  RolloutOwnedFields rollout_owned;
  nlohmann::json live_managed_fields;  // live metadata.managedFields; null: read from live
  NormalizeOptions normalize;
};

struct ObjectDiff {
  bool modified = false;
  // "--- live\n+++ desired\n@@ -a,b +c,d @@\n..." over the YAML forms (toYaml) of the
  // normalised sides, 3 lines of context; "" when not modified.
  std::string unified;
  std::vector<std::string> warnings;  // rules that could not be applied
};

ObjectDiff compareObjects(const core::ResourceKey& key, nlohmann::json predicted,
                          nlohmann::json live, const CompareOptions& options);

// Deterministic block-style YAML: keys sorted (byte order), two-space indentation, sequences
// at their key's indentation as kubectl prints them, `{}`/`[]` for empty containers, strings
// quoted whenever a YAML 1.1 or 1.2 reader could take them for anything but a string ("true",
// "on", "1.0", "0x1F", "", "a: b", ...), multi-line strings as literal blocks (|, |-, |+).
// null renders as "" (no lines); any other value ends with a newline.
std::string toYaml(const nlohmann::json& value);

// A unified diff (GNU diff -u layout: "--- from_label", "+++ to_label", hunks with `context`
// lines around changes; a one-line range is written without ",1") of two texts split into
// lines; a final newline does not make an extra empty line. "" when the texts are equal.
std::string unifiedDiff(std::string_view from, std::string_view to, std::string_view from_label,
                        std::string_view to_label, int context = 3);

// Stable content hash of a JSON value: lowercase hex SHA-256 of its compact dump with sorted
// keys (invalid UTF-8 replaced). Equal values (after parsing) hash equally across processes
// and versions of gitopsd; used as the key of the reconciler's dry-run cache.
std::string desiredHash(const nlohmann::json& value);

}  // namespace gitopsd::diff
