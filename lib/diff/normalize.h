// Normalising an object before comparison: drop what the server owns, so that only content a
// Git manifest can express is compared. Pure.
//
// gitopsd compares the object predicted by a server-side dry-run apply of the desired
// manifest with the live object, so API defaults and mutating-webhook changes are already on
// both sides; normalisation only removes bookkeeping that differs between a dry-run result and
// the stored object (or that no manifest should be judged by):
// - metadata: managedFields, resourceVersion, generation, uid, creationTimestamp, selfLink,
//   deletionGracePeriodSeconds;
// - metadata.annotations: kubectl.kubernetes.io/last-applied-configuration (client-side apply
//   bookkeeping) and deployment.kubernetes.io/revision (the Deployment controller's counter);
//   an annotations map left empty is removed;
// - status, for every kind (CustomResourceDefinitions included) unless its group and kind are
//   listed in NormalizeOptions::keep_status (empty by default).
// Anything that is not an object is returned unchanged.
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace gitopsd::diff {

struct NormalizeOptions {
  // {group, kind} pairs whose status is desired content and is compared.
  std::set<std::pair<std::string, std::string>> keep_status;
};

nlohmann::json normalizeForDiff(nlohmann::json obj, const NormalizeOptions& options = {});

// The API group of an object's apiVersion: "apps/v1" → "apps", "v1" → "".
std::string groupOf(std::string_view api_version);

}  // namespace gitopsd::diff
