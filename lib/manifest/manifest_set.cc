#include "manifest/manifest_set.h"

#include <algorithm>

#include "kube/types.h"

namespace gitopsd::manifest {

core::Result<ManifestSet> collectManifests(std::vector<ParsedFile> files) {
  ManifestSet set;
  for (auto& file : files) {
    for (auto& warning : file.warnings) set.warnings.push_back(std::move(warning));
    for (auto& manifest : file.manifests) {
      auto ref = kube::ObjectRef::of(manifest.object, /*accept_generate_name=*/true);
      if (!ref.ok()) return ref.status().withContext(manifest.origin());
      set.entries.push_back({ref->key(), std::move(manifest)});
    }
  }
  // Stable: among equal keys the first file (and first document) comes first.
  std::stable_sort(set.entries.begin(), set.entries.end(),
                   [](const auto& a, const auto& b) { return a.key < b.key; });
  std::string duplicates;
  for (std::size_t i = 1; i < set.entries.size(); ++i) {
    const auto& first = set.entries[i - 1];
    const auto& second = set.entries[i];
    if (first.key != second.key) continue;
    if (!duplicates.empty()) duplicates += "; ";
    duplicates += "duplicate object " + second.key.toString() + " in " + first.manifest.origin() +
                  " and " + second.manifest.origin();
  }
  if (!duplicates.empty()) return core::invalidError(duplicates);
  return set;
}

}  // namespace gitopsd::manifest
