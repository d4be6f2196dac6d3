// The pure pieces of the event recorder, and its queue and aggregation decisions against a
// recording fake client (the real apiserver is in tests/integration/events_test.cc).
#include "app/events.h"

#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using gitopsd::app::EventAggregationCache;
using gitopsd::app::EventRecorder;
using gitopsd::app::EventRecorderOptions;
using gitopsd::app::EventType;
using gitopsd::app::InvolvedObject;
using gitopsd::core::ManualClock;
using gitopsd::core::Result;
using gitopsd::core::Status;
using gitopsd::core::StatusCode;
using gitopsd::kube::Object;
using gitopsd::kube::ObjectRef;
using namespace std::chrono_literals;
namespace app = gitopsd::app;
namespace kube = gitopsd::kube;

namespace {

// Records creates and patches; can hold every request until released, and can answer patches
// with NotFound.
class RecordingClient final : public kube::KubeClient {
 public:
  struct Call {
    std::string verb;  // "create" or "patch"
    std::string namespace_;
    std::string name;
    Object body;
    std::string kind;  // of the ref (patch)
    bool merge_patch = false;
  };

  Result<Object> create(const Object& object, const kube::WriteOptions&) override {
    hold();
    std::lock_guard lock(mutex_);
    calls_.push_back({"create", object["metadata"]["namespace"].get<std::string>(),
                      object["metadata"]["name"].get<std::string>(), object, "", false});
    return object;
  }
  Result<Object> patch(const ObjectRef& ref, kube::PatchType type, std::string_view body,
                       const kube::WriteOptions&, bool) override {
    hold();
    std::lock_guard lock(mutex_);
    calls_.push_back({"patch", ref.namespace_, ref.name, Object::parse(body), ref.type.kind,
                      type == kube::PatchType::kJsonMerge});
    if (patch_not_found_) return Status(StatusCode::kNotFound, "events \"x\" not found");
    return Object::object();
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  void setPatchNotFound(bool on) {
    std::lock_guard lock(mutex_);
    patch_not_found_ = on;
  }
  void setHolding(bool on) {
    {
      std::lock_guard lock(mutex_);
      holding_ = on;
    }
    changed_.notify_all();
  }
  // Waits until a request is being held.
  bool waitHeld() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [this] { return held_ > 0; });
  }

  Result<Object> get(const ObjectRef&) override { return unimplemented(); }
  Result<kube::ObjectList> list(const kube::GroupVersionKind&, std::string_view,
                                const kube::ListOptions&) override {
    return unimplemented();
  }
  Result<Object> update(const Object&, const kube::WriteOptions&) override {
    return unimplemented();
  }
  Result<Object> updateStatus(const Object&, const kube::WriteOptions&) override {
    return unimplemented();
  }
  Result<Object> apply(const Object&, const kube::ApplyOptions&) override {
    return unimplemented();
  }
  Status remove(const ObjectRef&, const kube::DeleteOptions&) override { return unimplemented(); }
  Status watch(const kube::GroupVersionKind&, std::string_view, const kube::WatchOptions&,
               const std::function<bool(kube::WatchEvent&&)>&, std::stop_token) override {
    return unimplemented();
  }
  Result<kube::ApiResource> resourceFor(const kube::GroupVersionKind&) override {
    return unimplemented();
  }

 private:
  static Status unimplemented() { return {StatusCode::kUnimplemented, "not in this fake"}; }
  void hold() {
    std::unique_lock lock(mutex_);
    ++held_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !holding_; });
    --held_;
  }

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Call> calls_;
  bool patch_not_found_ = false;
  bool holding_ = false;
  int held_ = 0;
};

InvolvedObject configMap(const std::string& name = "settings") {
  return {"v1", "ConfigMap", "shop", name, "uid-1"};
}

EventRecorderOptions testOptions() {
  EventRecorderOptions options;
  options.instance = "test-host";
  return options;
}

gitopsd::core::Logger quietLogger() {
  static gitopsd::core::LogSink sink([](std::string_view) {}, gitopsd::core::LogLevel::kError,
                                     gitopsd::core::LogFormat::kLogfmt,
                                     gitopsd::core::SystemClock::instance());
  return gitopsd::core::Logger(sink);
}

}  // namespace

TEST_CASE("events: an Application event names the Application in its destination namespace",
          "[app][events]") {
  const auto app = InvolvedObject::forApplication("bookinfo", "bookinfo-ns");
  CHECK(app ==
        InvolvedObject{"argoproj.io/v1alpha1", "Application", "bookinfo-ns", "bookinfo", ""});
  CHECK(InvolvedObject::forApplication("web", "").namespace_ == "default");

  const Object deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "reviews"}, {"namespace", "bookinfo"}, {"uid", "u-1"}}}};
  CHECK(InvolvedObject::forObject(deployment) ==
        InvolvedObject{"apps/v1", "Deployment", "bookinfo", "reviews", "u-1"});
  const kube::ObjectRef ref{{"rbac.authorization.k8s.io", "v1", "ClusterRole"}, "", "view"};
  const auto role = InvolvedObject::forRef(ref);
  CHECK(role.api_version == "rbac.authorization.k8s.io/v1");
  CHECK(app::eventNamespace(role) == "default");
  CHECK(app::eventNamespace(app) == "bookinfo-ns");
}

TEST_CASE("events: messages are cut at 1024 bytes without splitting a character", "[app][events]") {
  CHECK(app::truncateEventMessage("short") == "short");
  CHECK(app::truncateEventMessage(std::string(2000, 'x')).size() == 1024);
  // 1023 ASCII bytes, then a 2-byte character straddling the limit: it goes entirely.
  const std::string straddling = std::string(1023, 'a') + "\xC3\xA9" + "tail";
  CHECK(app::truncateEventMessage(straddling) == std::string(1023, 'a'));
  // A 3-byte character ending exactly at the limit stays.
  const std::string ending = std::string(1021, 'a') + "\xE2\x82\xAC" + "tail";
  CHECK(app::truncateEventMessage(ending) == std::string(1021, 'a') + "\xE2\x82\xAC");
}

TEST_CASE("events: names are the involved name, a dot and 16 hex digits, a valid subdomain",
          "[app][events]") {
  CHECK(app::eventObjectName("reviews", 0xabcULL) == "reviews.0000000000000abc");
  CHECK(app::eventObjectName("system:Controller:X", 1) == "system-controller-x.0000000000000001");
  CHECK(app::eventObjectName("::", 2) == "object.0000000000000002");
  const std::string long_name = app::eventObjectName(std::string(300, 'n'), ~0ULL);
  CHECK(long_name.size() == 253);
  CHECK(long_name.ends_with(".ffffffffffffffff"));
}

TEST_CASE("events: an Event object carries the reference, source and Clock timestamps",
          "[app][events]") {
  const auto time = gitopsd::core::Clock::WallTime{} + std::chrono::seconds(1'700'000'000) + 1234us;
  CHECK(app::eventTimestamp(time) == "2023-11-14T22:13:20Z");
  CHECK(app::eventMicroTimestamp(time) == "2023-11-14T22:13:20.001234Z");

  const Object event = app::makeEvent(configMap(), EventType::kWarning, "SyncFailed", "boom",
                                      "settings.0000000000000001", time, {"gitopsd", "pod-1"});
  CHECK(event["apiVersion"] == "v1");
  CHECK(event["kind"] == "Event");
  CHECK(event["metadata"]["name"] == "settings.0000000000000001");
  CHECK(event["metadata"]["namespace"] == "shop");
  CHECK(event["involvedObject"] == Object{{"apiVersion", "v1"},
                                          {"kind", "ConfigMap"},
                                          {"namespace", "shop"},
                                          {"name", "settings"},
                                          {"uid", "uid-1"}});
  CHECK(event["type"] == "Warning");
  CHECK(event["reason"] == "SyncFailed");
  CHECK(event["action"] == "SyncFailed");
  CHECK(event["message"] == "boom");
  CHECK(event["count"] == 1);
  CHECK(event["firstTimestamp"] == "2023-11-14T22:13:20Z");
  CHECK(event["lastTimestamp"] == "2023-11-14T22:13:20Z");
  CHECK(event["eventTime"] == "2023-11-14T22:13:20.001234Z");
  CHECK(event["source"] == Object{{"component", "gitopsd"}, {"host", "pod-1"}});
  CHECK(event["reportingComponent"] == "gitopsd");
  CHECK(event["reportingInstance"] == "pod-1");
  CHECK(Object::parse(app::eventAggregationPatch(3, time)) ==
        Object{{"count", 3}, {"lastTimestamp", "2023-11-14T22:13:20Z"}});
}

TEST_CASE("events: aggregation keys differ in every field", "[app][events]") {
  const auto base = app::eventAggregationKey(configMap(), EventType::kNormal, "R", "m");
  CHECK(base == app::eventAggregationKey(configMap(), EventType::kNormal, "R", "m"));
  auto other_uid = configMap();
  other_uid.uid = "uid-2";
  CHECK(base != app::eventAggregationKey(other_uid, EventType::kNormal, "R", "m"));
  CHECK(base != app::eventAggregationKey(configMap(), EventType::kWarning, "R", "m"));
  CHECK(base != app::eventAggregationKey(configMap(), EventType::kNormal, "S", "m"));
  CHECK(base != app::eventAggregationKey(configMap(), EventType::kNormal, "R", "n"));
  // A separator inside a field cannot shift text between fields.
  CHECK(app::eventAggregationKey(configMap(), EventType::kNormal, "a:b", "c") !=
        app::eventAggregationKey(configMap(), EventType::kNormal, "a", "b:c"));
}

TEST_CASE("events: the aggregation cache forgets after the window and evicts the least used",
          "[app][events]") {
  ManualClock clock;
  EventAggregationCache cache(2, 10min);
  cache.put("a", {"ns", "a.1", 1, clock.now()});
  clock.advance(10min);
  REQUIRE(cache.find("a", clock.now()) != nullptr);  // exactly at the window: still aggregated
  clock.advance(1s);
  CHECK(cache.find("a", clock.now()) == nullptr);  // past it: a new Event
  CHECK(cache.size() == 0);

  cache.put("a", {"ns", "a.2", 1, clock.now()});
  cache.put("b", {"ns", "b.1", 1, clock.now()});
  REQUIRE(cache.find("a", clock.now()) != nullptr);  // "a" is now the most recently used
  cache.put("c", {"ns", "c.1", 1, clock.now()});     // evicts "b"
  CHECK(cache.size() == 2);
  CHECK(cache.find("b", clock.now()) == nullptr);
  CHECK(cache.find("a", clock.now())->name == "a.2");
  CHECK(cache.find("c", clock.now()) != nullptr);
  cache.erase("c");
  CHECK(cache.size() == 1);
}

TEST_CASE("events: identical events within 10 minutes patch count, later ones create anew",
          "[app][events]") {
  RecordingClient client;
  ManualClock clock;
  EventRecorder recorder(client, clock, quietLogger(), testOptions());
  const auto start = clock.wallNow();
  recorder.record(configMap(), EventType::kNormal, "ResourceUpdated", "applied");
  clock.advance(5min);
  recorder.record(configMap(), EventType::kNormal, "ResourceUpdated", "applied");
  clock.advance(9min);  // 9 min after the previous occurrence: still the same Event
  recorder.record(configMap(), EventType::kNormal, "ResourceUpdated", "applied");
  recorder.record(configMap(), EventType::kNormal, "ResourceUpdated", "other message");
  clock.advance(11min);
  recorder.record(configMap(), EventType::kNormal, "ResourceUpdated", "applied");
  REQUIRE(recorder.flush(10s));

  const auto calls = client.calls();
  REQUIRE(calls.size() == 5);
  CHECK(calls[0].verb == "create");
  CHECK(calls[0].namespace_ == "shop");
  CHECK(calls[0].name.starts_with("settings."));
  CHECK(calls[0].name.size() == std::string("settings.").size() + 16);
  CHECK(calls[1].verb == "patch");
  CHECK(calls[1].name == calls[0].name);
  CHECK(calls[1].kind == "Event");
  CHECK(calls[1].merge_patch);
  CHECK(calls[1].body["count"] == 2);
  CHECK(calls[1].body["lastTimestamp"] == app::eventTimestamp(start + 5min));
  CHECK(calls[0].body["firstTimestamp"] == app::eventTimestamp(start));
  CHECK(calls[2].verb == "patch");
  CHECK(calls[2].body["count"] == 3);
  CHECK(calls[3].verb == "create");  // another message: another Event
  CHECK(calls[3].name != calls[0].name);
  CHECK(calls[4].verb == "create");  // 11 min later: a new Event
  CHECK(calls[4].name != calls[0].name);
  const auto stats = recorder.stats();
  CHECK(stats.recorded == 5);
  CHECK(stats.created == 3);
  CHECK(stats.patched == 2);
  CHECK(stats.failed == 0);
}

TEST_CASE("events: an aggregated Event that is gone is created again", "[app][events]") {
  RecordingClient client;
  ManualClock clock;
  EventRecorder recorder(client, clock, quietLogger(), testOptions());
  recorder.record(configMap(), EventType::kWarning, "SyncFailed", "boom");
  REQUIRE(recorder.flush(10s));
  client.setPatchNotFound(true);
  recorder.record(configMap(), EventType::kWarning, "SyncFailed", "boom");
  REQUIRE(recorder.flush(10s));
  const auto calls = client.calls();
  REQUIRE(calls.size() == 3);
  CHECK(calls[1].verb == "patch");
  CHECK(calls[2].verb == "create");
  CHECK(calls[2].body["count"] == 1);
  CHECK(calls[2].name != calls[0].name);
}

TEST_CASE("events: record never waits for the apiserver, and a full queue drops", "[app][events]") {
  RecordingClient client;
  ManualClock clock;
  auto options = testOptions();
  options.queue_capacity = 3;
  EventRecorder recorder(client, clock, quietLogger(), options);
  client.setHolding(true);
  recorder.record(configMap("first"), EventType::kNormal, "ResourceCreated", "m");
  REQUIRE(client.waitHeld());  // the sender is stuck in its request
  for (int i = 0; i < 5; ++i) {
    recorder.record(configMap("queued-" + std::to_string(i)), EventType::kNormal, "ResourceCreated",
                    "m");
  }
  CHECK(recorder.stats().dropped == 2);
  CHECK_FALSE(recorder.flush(50ms));
  client.setHolding(false);
  REQUIRE(recorder.flush(10s));
  const auto calls = client.calls();
  REQUIRE(calls.size() == 4);
  CHECK(calls[0].name.starts_with("first."));
  CHECK(calls[3].name.starts_with("queued-2."));
  const auto stats = recorder.stats();
  CHECK(stats.recorded == 4);
  CHECK(stats.created == 4);

  // Room again: accepted.
  recorder.record(configMap("later"), EventType::kNormal, "ResourceCreated", "m");
  REQUIRE(recorder.flush(10s));
  CHECK(client.calls().size() == 5);
}

TEST_CASE("events: stop sends what is queued and ignores later records", "[app][events]") {
  RecordingClient client;
  ManualClock clock;
  {
    EventRecorder recorder(client, clock, quietLogger(), testOptions());
    client.setHolding(true);
    recorder.record(configMap("a"), EventType::kNormal, "ResourceCreated", "m");
    REQUIRE(client.waitHeld());
    recorder.record(configMap("b"), EventType::kNormal, "ResourceCreated", "m");
    client.setHolding(false);
    recorder.stop();
    recorder.record(configMap("c"), EventType::kNormal, "ResourceCreated", "m");
    CHECK(recorder.stats().recorded == 2);
  }
  REQUIRE(client.calls().size() == 2);
  CHECK(client.calls()[1].name.starts_with("b."));
}

TEST_CASE("events: stop gives up on the queue after the drain timeout", "[app][events]") {
  RecordingClient client;
  ManualClock clock;
  auto options = testOptions();
  options.drain_timeout = 2s;
  options.queue_capacity = 2;
  EventRecorder recorder(client, clock, quietLogger(), options);
  client.setHolding(true);
  recorder.record(configMap("a"), EventType::kNormal, "ResourceCreated", "m");
  REQUIRE(client.waitHeld());
  recorder.record(configMap("b"), EventType::kNormal, "ResourceCreated", "m");
  recorder.record(configMap("c"), EventType::kNormal, "ResourceCreated", "m");
  std::thread stopper([&recorder] { recorder.stop(); });
  // The queue is full, so a probe is dropped (counted) until stop() has set its deadline;
  // from then on it is ignored (not counted). Then time passes the deadline.
  while (true) {
    const auto before = recorder.stats();
    recorder.record(configMap("probe"), EventType::kNormal, "ResourceCreated", "m");
    const auto after = recorder.stats();
    if (after.dropped == before.dropped && after.recorded == before.recorded) break;
    std::this_thread::yield();
  }
  const auto probes_dropped = recorder.stats().dropped;
  clock.advance(3s);
  client.setHolding(false);
  stopper.join();
  CHECK(client.calls().size() == 1);
  const auto stats = recorder.stats();
  CHECK(stats.recorded == 3);
  CHECK(stats.dropped == probes_dropped + 2);
}
