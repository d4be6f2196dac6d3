// EventRecorder: Kubernetes Events (core/v1) about applications and the objects gitopsd
// changes, as client-go's event recorder writes them, so `kubectl get events` and
// `kubectl describe` show what gitopsd did.
//
//   // One recorder per cluster, beside its KubeClient, outliving every caller:
//   EventRecorder events(*client, clock, logger.with({{"cluster", cluster_name}}));
//   // About an application (spec is its config::Application):
//   events.record(InvolvedObject::forApplication(spec.name, spec.destination.namespace_),
//                 EventType::kNormal, event_reason::kSyncStarted, "sync to " + commit);
//   // About an object it applied (the apiserver's answer carries the uid):
//   events.record(InvolvedObject::forObject(applied), EventType::kNormal,
//                 event_reason::kResourceUpdated, "applied by application " + spec.name);
//
// Contract:
// - record() never blocks on the network and never fails: it copies the event into a bounded
//   queue (options.queue_capacity, 1,000 by default) that one background thread, owned by the
//   recorder, sends. When the queue is full the event is dropped; the first drop of a burst
//   logs one warning, the end of the burst logs how many were dropped.
// - Aggregation: an event identical to an earlier one (same involved object including uid,
//   type, reason and message) whose previous occurrence was at most options.aggregation_window
//   (10 minutes) ago PATCHes that Event's count and lastTimestamp instead of creating a new
//   one; if that Event is gone (deleted, expired by the apiserver's --event-ttl) a new one is
//   created. The memory of earlier events is an LRU of options.cache_capacity (4,096) entries.
// - Events live in the involved object's namespace, or "default" for cluster-scoped objects.
//   Names are "<involved name>.<16 hex digits>" (random; the name part lower-cased and reduced
//   to a DNS subdomain, at most 236 characters). Messages are cut to 1,024 bytes (at a UTF-8
//   character boundary), reasons to 128; an empty reason is logged and ignored.
// - Timestamps (firstTimestamp, lastTimestamp, eventTime) come from the Clock at record() time.
//   source.component and reportingComponent are options.component ("gitopsd");
//   reportingInstance and source.host are options.instance, by default this host's name (the
//   pod name in a cluster); action is the reason.
// - Failures (RBAC, a missing namespace, an unreachable apiserver) are logged, never thrown nor
//   returned: events are best effort. A streak of failures logs a warning for its first and
//   every 100th failure.
// - stop() (also the destructor) stops accepting events, keeps sending what is queued until the
//   queue is empty or options.drain_timeout has passed on the Clock, then joins the thread. A
//   request in flight is not interrupted (the client's own timeout bounds it).
//
// Thread safety: record(), flush() and stats() may be called from any thread; stop() from one
// thread (normally through the destructor). The KubeClient, Clock and the logger's sink must
// outlive the recorder.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "core/clock.h"
#include "core/log.h"
#include "kube/client.h"
#include "kube/types.h"

namespace gitopsd::app {

enum class EventType { kNormal, kWarning };

// "Normal" or "Warning".
std::string_view eventTypeName(EventType type);

// The reasons gitopsd records.
namespace event_reason {
inline constexpr std::string_view kSyncStarted = "SyncStarted";
inline constexpr std::string_view kSyncSucceeded = "SyncSucceeded";
inline constexpr std::string_view kSyncFailed = "SyncFailed";
inline constexpr std::string_view kSelfHeal = "SelfHeal";
inline constexpr std::string_view kResourceCreated = "ResourceCreated";
inline constexpr std::string_view kResourceUpdated = "ResourceUpdated";
inline constexpr std::string_view kResourceDeleted = "ResourceDeleted";
}  // namespace event_reason

// What an event is about: the fields of a core/v1 ObjectReference that gitopsd fills.
struct InvolvedObject {
  std::string api_version;  // "apps/v1"
  std::string kind;
  std::string namespace_;  // empty for cluster-scoped objects
  std::string name;
  std::string uid;  // optional

  // The Argo CD Application `app` (argoproj.io/v1alpha1), in its destination namespace or
  // "default" when it has none.
  static InvolvedObject forApplication(std::string_view app,
                                       std::string_view destination_namespace);
  // apiVersion, kind, metadata.namespace/name/uid of an object (fields it lacks stay empty).
  static InvolvedObject forObject(const kube::Object& object);
  static InvolvedObject forRef(const kube::ObjectRef& ref, std::string uid = {});

  friend bool operator==(const InvolvedObject&, const InvolvedObject&) = default;
};

// --- Pure pieces of the recorder, exposed for tests -----------------------------------------

// The identity under which identical events aggregate.
std::string eventAggregationKey(const InvolvedObject& involved, EventType type,
                                std::string_view reason, std::string_view message);

// At most max_bytes of message, cut before an incomplete UTF-8 sequence.
std::string truncateEventMessage(std::string_view message, std::size_t max_bytes = 1024);

// "<involved name>.<suffix as 16 hex digits>", the name part lower-cased, characters outside
// [a-z0-9.-] replaced by '-', trimmed to start and end alphanumeric and to 236 characters.
std::string eventObjectName(std::string_view involved_name, std::uint64_t suffix);

// The namespace an event about `involved` lives in: its namespace, or "default".
std::string eventNamespace(const InvolvedObject& involved);

// "2026-11-26T10:00:00Z" and, for eventTime, "2026-11-26T10:00:00.123456Z".
std::string eventTimestamp(core::Clock::WallTime time);
std::string eventMicroTimestamp(core::Clock::WallTime time);

struct EventSource {
  std::string component;
  std::string instance;
};

// A new core/v1 Event with count 1.
kube::Object makeEvent(const InvolvedObject& involved, EventType type, std::string_view reason,
                       std::string_view message, std::string_view name, core::Clock::WallTime time,
                       const EventSource& source);

// The JSON merge patch that aggregates one more occurrence into an existing Event.
std::string eventAggregationPatch(std::int64_t count, core::Clock::WallTime time);

// Which Event an occurrence aggregates into: an LRU map from aggregation key to the Event last
// written for it. Not thread-safe (the recorder's thread owns it).
class EventAggregationCache {
 public:
  struct Entry {
    std::string namespace_;
    std::string name;  // of the Event object
    std::int64_t count = 1;
    core::Clock::SteadyTime last_seen{};
  };

  EventAggregationCache(std::size_t capacity, std::chrono::nanoseconds window);

  // The entry for key when its last occurrence is at most `window` before now, made the most
  // recently used; nullptr otherwise (an expired entry is dropped). The pointer stays valid
  // until the next put() or erase().
  Entry* find(const std::string& key, core::Clock::SteadyTime now);
  // Inserts or replaces key as the most recently used; evicts the least recently used entry
  // beyond capacity.
  void put(const std::string& key, Entry entry);
  void erase(const std::string& key);
  std::size_t size() const { return index_.size(); }

 private:
  using Item = std::pair<std::string, Entry>;
  std::size_t capacity_;
  std::chrono::nanoseconds window_;
  std::list<Item> items_;  // most recently used first
  std::unordered_map<std::string, std::list<Item>::iterator> index_;
};

struct EventRecorderOptions {
  std::string component = "gitopsd";  // source.component and reportingComponent
  std::string instance;               // reportingInstance and source.host; "" = host name
  std::size_t queue_capacity = 1000;
  std::size_t cache_capacity = 4096;
  std::chrono::milliseconds aggregation_window{std::chrono::minutes(10)};
  std::chrono::milliseconds drain_timeout{std::chrono::seconds(2)};
};

struct EventRecorderStats {
  std::uint64_t recorded = 0;  // accepted by record()
  std::uint64_t dropped = 0;   // queue full, or still queued when stop() gave up
  std::uint64_t created = 0;   // Events created
  std::uint64_t patched = 0;   // aggregated into an existing Event
  std::uint64_t failed = 0;    // requests the apiserver refused or that did not reach it
};

class EventRecorder {
 public:
  // Starts the sending thread.
  EventRecorder(kube::KubeClient& client, const core::Clock& clock, core::Logger logger,
                EventRecorderOptions options = {});
  ~EventRecorder();  // stop()
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void record(const InvolvedObject& involved, EventType type, std::string_view reason,
              std::string_view message);

  // Waits until the queue is empty and nothing is being sent; false when `timeout` (real time)
  // passed first. For tests and orderly shutdowns.
  bool flush(std::chrono::milliseconds timeout);

  void stop();

  EventRecorderStats stats() const;

 private:
  struct Pending {
    InvolvedObject involved;
    EventType type;
    std::string reason;
    std::string message;
    core::Clock::WallTime wall;
    core::Clock::SteadyTime steady;
  };

  void run();
  void send(const Pending& event);
  void noteSuccess(bool created);
  void noteFailure(const Pending& event, std::string_view what, const core::Status& status);

  kube::KubeClient& client_;
  const core::Clock& clock_;
  core::Logger logger_;
  EventRecorderOptions options_;

  mutable std::mutex mutex_;  // guards everything below up to the thread
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Pending> queue_;
  bool sending_ = false;
  bool stopping_ = false;
  core::Clock::SteadyTime drain_deadline_{};
  std::uint64_t dropped_in_burst_ = 0;
  EventRecorderStats stats_;

  // Owned by the sending thread.
  EventAggregationCache cache_;
  std::mt19937_64 random_;
  std::uint64_t failure_streak_ = 0;

  std::mutex stop_mutex_;
  std::thread worker_;
};

}  // namespace gitopsd::app
