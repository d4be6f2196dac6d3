// Installs gitopsd's own argoproj.io CRDs (manifests/crds, embedded in the binary) into a
// cluster where they are missing, for `rollouts.installCRDs: true`. A CRD that exists already —
// gitopsd's or the official Argo Rollouts one — is left as it is. Blocks (network I/O).
#pragma once

#include "core/log.h"
#include "core/status.h"
#include "kube/client.h"

namespace gitopsd::rollout {

// kInvalid when an embedded manifest does not parse (a build problem); the apiserver's error,
// naming the CRD, when a create fails.
core::Status installRolloutCrds(kube::KubeClient& client, const core::Logger& logger);

}  // namespace gitopsd::rollout
