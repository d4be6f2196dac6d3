// gitopsd's own argoproj.io CustomResourceDefinitions (manifests/crds/*.yaml), embedded in the
// binary at build time, for installing them where they are missing (crd_install.h).
#pragma once

#include <span>
#include <string_view>

namespace gitopsd::rollout {

struct EmbeddedText {
  std::string_view name;  // the file name, e.g. "rollout-crd.yaml"
  std::string_view text;
};

// The CRD manifests in file-name order; the texts live as long as the program.
std::span<const EmbeddedText> rolloutCrds();

}  // namespace gitopsd::rollout
