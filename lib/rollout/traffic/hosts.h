// Which Kubernetes Service an Istio host names. Pure; safe from any thread.
//
// Istio resolves a short host ("reviews") in the namespace of the object that spells it (the
// VirtualService or DestinationRule); a qualified host names its namespace. These spellings
// all name Service `reviews` in namespace `bookinfo`, whatever the cluster domain:
//   reviews (written in namespace bookinfo), reviews.bookinfo, reviews.bookinfo.svc,
//   reviews.bookinfo.svc.cluster.local (any domain after ".svc.").
// Any other host (a ServiceEntry's "api.example.com" with more than two labels and no "svc",
// a wildcard) is compared literally. Comparison is case-insensitive (DNS names).
// Argo Rollouts compares only the part before the first dot and ignores the namespace; this
// is stricter: `reviews.other` is not `reviews` of namespace bookinfo.
#pragma once

#include <string>
#include <string_view>

namespace gitopsd::rollout {

struct HostIdentity {
  bool is_service = false;
  std::string service;     // when is_service
  std::string namespace_;  // when is_service
  std::string literal;     // lower-cased host otherwise

  friend bool operator==(const HostIdentity&, const HostIdentity&) = default;
};

// `host` as written in an object of namespace `context_namespace`.
HostIdentity resolveHost(std::string_view host, std::string_view context_namespace);

bool sameHost(std::string_view host_a, std::string_view namespace_a, std::string_view host_b,
              std::string_view namespace_b);

}  // namespace gitopsd::rollout
