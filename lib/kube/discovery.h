// Discovery: which groups, versions and resources the server serves, and whether each is
// namespaced. Maps GroupVersionKind → ApiResource for building request paths.
//
// Uses aggregated discovery (apidiscovery.k8s.io/v2, one request each for /api and /apis)
// and falls back to per-group-version documents on servers without it. The result is cached;
// a lookup that misses refreshes the cache once (a CRD may just have been installed) before
// answering kNotFound, and refreshes are rate-limited to one per min_refresh_interval.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "kube/http.h"
#include "kube/types.h"

namespace gitopsd::kube {

class Discovery {
 public:
  Discovery(HttpTransport& transport, const core::Clock& clock,
            std::chrono::milliseconds min_refresh_interval = std::chrono::milliseconds(500));

  // The resource serving exactly this group, version and kind.
  core::Result<ApiResource> resourceFor(const GroupVersionKind& type);

  // Fetches everything again now.
  core::Status refresh();

  // True when the server answered aggregated discovery on the last refresh.
  bool aggregated() const;

 private:
  core::Status refreshLocked();
  core::Status ensureLoadedLocked();
  bool refreshAllowedLocked() const;

  HttpTransport& transport_;
  const core::Clock& clock_;
  const std::chrono::milliseconds min_refresh_interval_;
  mutable std::mutex mutex_;
  bool loaded_ = false;
  bool aggregated_ = false;
  core::Clock::SteadyTime last_refresh_{};
  std::map<GroupVersionKind, ApiResource> by_type_;
};

}  // namespace gitopsd::kube
