// KubeClient: everything gitopsd does to a cluster, on unstructured objects. RestClient is the
// real implementation over HttpTransport + Discovery; reconcilers take a KubeClient& so they can
// be unit-tested with a fake.
//
// Errors: the apiserver's Status decoded into codes (see api_error.h), with the object named.
// Retryable failures (429 honouring Retry-After, 5xx, connection failures, timeouts) are
// retried with jittered exponential backoff up to max_retries for idempotent requests (GET,
// LIST, server-side apply, DELETE, and any request with dry run); the rest come back at once.
//
// Thread-safe; calls block (use worker threads, never the Asio I/O thread). Requests are paced
// by a token bucket of config.qps / config.burst.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "core/status.h"
#include "kube/config.h"
#include "kube/types.h"

namespace gitopsd::kube {

struct ListOptions {
  std::string label_selector;
  std::string field_selector;
  int page_size = 500;  // limit per request; pages are followed with `continue`
  // Leave metadata.managedFields out of the result (skipped while parsing each page).
  bool drop_managed_fields = false;
};

struct ObjectList {
  std::vector<Object> items;
  std::string resource_version;  // of the list, for a following watch
};

struct WriteOptions {
  bool dry_run = false;
  std::string field_manager;  // empty: the client's default ("gitopsd")
};

struct ApplyOptions {
  std::string field_manager;  // empty: the client's default ("gitopsd")
  bool force = false;         // take ownership of conflicting fields
  bool dry_run = false;
  bool status_subresource = false;
};

enum class PatchType { kJsonMerge, kStrategicMerge, kJsonPatch };

struct DeleteOptions {
  std::string propagation_policy;  // "", "Foreground", "Background" or "Orphan"
  std::string precondition_uid;
  std::string precondition_resource_version;
  bool dry_run = false;
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type;
  Object object;
};

struct WatchOptions {
  // Start after this version; empty: from "now" (current state first).
  std::string resource_version;
  bool allow_bookmarks = true;
  int timeout_seconds = 300;  // server ends the stream after this; callers then resume
  std::string label_selector;
  std::string field_selector;
  bool drop_managed_fields = false;  // as in ListOptions
};

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  virtual core::Result<Object> get(const ObjectRef& ref) = 0;
  // All pages. namespace_ empty: all namespaces (or a cluster-scoped type).
  virtual core::Result<ObjectList> list(const GroupVersionKind& type, std::string_view namespace_,
                                        const ListOptions& options = {}) = 0;
  virtual core::Result<Object> create(const Object& object, const WriteOptions& options = {}) = 0;
  // Replaces the object (optimistic concurrency on metadata.resourceVersion when set).
  virtual core::Result<Object> update(const Object& object, const WriteOptions& options = {}) = 0;
  virtual core::Result<Object> updateStatus(const Object& object,
                                            const WriteOptions& options = {}) = 0;
  virtual core::Result<Object> patch(const ObjectRef& ref, PatchType type, std::string_view body,
                                     const WriteOptions& options = {},
                                     bool status_subresource = false) = 0;
  // Server-side apply (application/apply-patch+yaml; JSON is valid YAML).
  virtual core::Result<Object> apply(const Object& desired, const ApplyOptions& options = {}) = 0;
  // kNotFound when the object is already gone, so callers can tell.
  virtual core::Status remove(const ObjectRef& ref, const DeleteOptions& options = {}) = 0;

  // Streams events to on_event until the server ends the stream (OK), on_event returns false
  // (OK), stop is requested (kCancelled), or the resourceVersion is too old (kGone: relist).
  virtual core::Status watch(const GroupVersionKind& type, std::string_view namespace_,
                             const WatchOptions& options,
                             const std::function<bool(WatchEvent&&)>& on_event,
                             std::stop_token stop) = 0;

  // The resource (path, scope) serving a type; refreshes discovery on a miss.
  virtual core::Result<ApiResource> resourceFor(const GroupVersionKind& type) = 0;
};

struct RestClientOptions {
  std::string default_field_manager = "gitopsd";
  int max_retries = 5;
  std::chrono::milliseconds retry_base{200};
  std::chrono::milliseconds retry_cap{10'000};
};

// Builds the real client for config: credentials, transport, discovery, rate limit.
core::Result<std::unique_ptr<KubeClient>> makeRestClient(const ClusterConfig& config,
                                                         const core::Clock& clock,
                                                         core::Logger logger,
                                                         RestClientOptions options = {});

}  // namespace gitopsd::kube
