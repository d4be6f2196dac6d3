// Helpers shared by the files of lib/sync; not part of the module's contract. `label` is the
// object's name as error messages show it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "kube/types.h"
#include "sync/annotations.h"

namespace gitopsd::sync::internal {

// The annotation's value; nullopt when absent; kInvalid when not a string.
core::Result<std::optional<std::string>> annotation(const kube::Object& object,
                                                    std::string_view name, std::string_view label);
core::Result<std::vector<std::string>> annotationList(const kube::Object& object,
                                                      std::string_view name,
                                                      std::string_view label);
core::Result<int> syncWave(const kube::Object& object, std::string_view label);
core::Result<HookSpec> hookOf(const kube::Object& object, std::string_view label);

}  // namespace gitopsd::sync::internal
