// ResourceKey identifies one Kubernetes object: API group, kind, namespace, name. The version is
// deliberately absent: the same object served at v1 and v1beta1 has one key.
//
// Text form (also used in tracking annotations): "<group>/<Kind>:<namespace>/<name>", with an
// empty group for the core API and an empty namespace for cluster-scoped objects, e.g.
// "apps/Deployment:default/reviews-v1", "/Namespace:/bookinfo".
#pragma once

#include <compare>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gitopsd::core {

struct ResourceKey {
  std::string group;
  std::string kind;
  std::string namespace_;
  std::string name;

  std::string toString() const;

  // Parses the text form. Errors (kInvalid) quote the input and say which part is missing.
  static Result<ResourceKey> parse(std::string_view text);

  friend auto operator<=>(const ResourceKey&, const ResourceKey&) = default;
};

}  // namespace gitopsd::core

template <>
struct std::hash<gitopsd::core::ResourceKey> {
  size_t operator()(const gitopsd::core::ResourceKey& key) const noexcept;
};
