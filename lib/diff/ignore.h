// Ignore rules: Argo CD's Application spec.ignoreDifferences (and the system-level
// resource.customizations.ignoreDifferences), applied to both sides of a comparison. Pure.
//
// Matching (matches): group and kind are globs (fnmatch(3), so "*" matches all); an empty
// group is the core API group only. An empty name or namespace_ matches every object. Argo CD
// requires kind; here an empty kind matches nothing.
//
// Applying (applyIgnoreRules): for each rule, in order, and on each side independently:
// - json_pointers (RFC 6901) are removed; a pointer to a missing field removes nothing;
// - jq_path_expressions (see jq_path.h for the supported forms) are evaluated against each
//   side and the selected paths removed (so select() may pick different list items on the two
//   sides);
// - managed_fields_managers: fields owned by those managers in the live object's
//   metadata.managedFields are removed from both sides where they differ (managed_fields.h).
// Removals prune emptied containers (json_path.h). applyIgnoreRules applies every rule it is
// given: callers filter by matches() first. A rule whose pointer or expression does not
// compile is applied as far as it can be, and the first such error is returned (kInvalid,
// naming the expression); config loading should call validateIgnoreRule so it never happens.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/resource_key.h"
#include "core/status.h"

namespace gitopsd::diff {

struct IgnoreRule {
  std::string group;       // "" = core API group; a glob
  std::string kind;        // a glob; "*" = all kinds
  std::string name;        // "" = all names
  std::string namespace_;  // "" = all namespaces
  std::vector<std::string> json_pointers;
  std::vector<std::string> jq_path_expressions;
  std::vector<std::string> managed_fields_managers;
};

bool matches(const IgnoreRule& rule, const core::ResourceKey& key);

// kInvalid naming the first pointer or expression that cannot be used, e.g.
// "ignore rule apps/Deployment: unsupported jq path expression '.a | length': ...".
core::Status validateIgnoreRule(const IgnoreRule& rule);

// Argo CD's RespectIgnoreDifferences=true: before a sync applies `desired`, the fields the
// matching rules ignore keep their live values, so a sync never reverts what the rules say to
// ignore. A JSON pointer that exists in live takes the live value (set where desired has the
// path, else left to the server) and one that does not is removed from desired; a jq path is
// evaluated on desired, and each selected value is replaced by live's value at the same path
// or removed when live has none. managedFieldsManagers rules do not change what is applied.
// Invalid pointers or expressions are kInvalid (validateIgnoreRule checks them beforehand).
core::Status keepIgnoredLiveValues(nlohmann::json& desired, const nlohmann::json& live,
                                   const core::ResourceKey& key,
                                   const std::vector<IgnoreRule>& rules);

// live_managed_fields: the live object's metadata.managedFields array (the watch cache keeps
// objects without it, so the caller passes it separately); null or [] when unknown.
core::Status applyIgnoreRules(nlohmann::json& predicted, nlohmann::json& live,
                              const std::vector<IgnoreRule>& rules,
                              const nlohmann::json& live_managed_fields);

}  // namespace gitopsd::diff
