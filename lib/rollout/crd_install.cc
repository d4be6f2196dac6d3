#include "rollout/crd_install.h"

#include "manifest/parse.h"
#include "rollout/crds.h"

namespace gitopsd::rollout {

core::Status installRolloutCrds(kube::KubeClient& client, const core::Logger& logger) {
  const kube::GroupVersionKind crd_type{"apiextensions.k8s.io", "v1", "CustomResourceDefinition"};
  for (const auto& embedded : rolloutCrds()) {
    auto parsed = manifest::parseManifestFile(embedded.name, embedded.text);
    if (!parsed.ok()) return parsed.status();
    for (const auto& document : parsed->manifests) {
      const std::string name = document.object["metadata"]["name"].get<std::string>();
      auto existing = client.get({crd_type, "", name});
      if (existing.ok()) continue;
      if (existing.status().code() != core::StatusCode::kNotFound) {
        return existing.status().withContext("CustomResourceDefinition " + name);
      }
      auto created = client.create(document.object);
      if (!created.ok() && created.status().code() != core::StatusCode::kAlreadyExists) {
        return created.status().withContext("creating CustomResourceDefinition " + name);
      }
      logger.info("installed CustomResourceDefinition", {{"crd", name}});
    }
  }
  return {};
}

}  // namespace gitopsd::rollout
