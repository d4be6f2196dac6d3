// The kinds of application source (Argo CD's status.sourceType). Pure.
#pragma once

#include <string_view>

namespace gitopsd::manifest {

enum class SourceType { kDirectory, kKustomize, kHelm };

// "Directory", "Kustomize", "Helm".
std::string_view sourceTypeName(SourceType type);

}  // namespace gitopsd::manifest
