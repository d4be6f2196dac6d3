// app::EventRecorder against the real sandbox kube-apiserver: Events are created, identical
// ones aggregated by count, listed back with their involved object; refused ones only logged.
#include "app/events.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "support/sandbox.h"

using gitopsd::app::EventRecorder;
using gitopsd::app::EventRecorderOptions;
using gitopsd::app::EventType;
using gitopsd::app::InvolvedObject;
using gitopsd::kube::GroupVersionKind;
using gitopsd::kube::ListOptions;
using gitopsd::kube::Object;
using namespace gitopsd::test_support;
using namespace std::chrono_literals;
namespace event_reason = gitopsd::app::event_reason;

namespace {

const GroupVersionKind kEvent{"", "v1", "Event"};
const auto& kClock = gitopsd::core::SystemClock::instance();

// The Events in namespace_ about the object named involved_name.
std::vector<Object> eventsAbout(gitopsd::kube::KubeClient& client, const std::string& namespace_,
                                const std::string& involved_name) {
  ListOptions options;
  options.field_selector = "involvedObject.name=" + involved_name;
  auto listed = client.list(kEvent, namespace_, options);
  REQUIRE(listed.ok());
  return listed->items;
}

std::string randomSuffix() { return std::to_string(std::random_device{}() % 1000000); }

}  // namespace

TEST_CASE("events: two identical records become one Event with count 2", "[events][integration]") {
  ScratchNamespace ns("events");
  auto client = makeClient(sandboxConfig());
  auto created = client->create({{"apiVersion", "v1"},
                                 {"kind", "ConfigMap"},
                                 {"metadata", {{"name", "settings"}, {"namespace", ns.name()}}},
                                 {"data", {{"k", "v"}}}});
  REQUIRE(created.ok());
  const InvolvedObject involved = InvolvedObject::forObject(*created);
  REQUIRE_FALSE(involved.uid.empty());

  EventRecorderOptions options;
  options.instance = "events-test";
  EventRecorder recorder(*client, kClock, testLogger(), options);
  recorder.record(involved, EventType::kNormal, event_reason::kResourceCreated,
                  "created by application demo");
  recorder.record(involved, EventType::kNormal, event_reason::kResourceCreated,
                  "created by application demo");
  recorder.record(involved, EventType::kNormal, event_reason::kResourceUpdated,
                  "updated by application demo");
  REQUIRE(recorder.flush(30s));
  const auto stats = recorder.stats();
  CHECK(stats.created == 2);
  CHECK(stats.patched == 1);
  CHECK(stats.failed == 0);

  const auto events = eventsAbout(*client, ns.name(), "settings");
  REQUIRE(events.size() == 2);
  const Object* aggregated = nullptr;
  for (const auto& event : events) {
    if (event["reason"] == "ResourceCreated") aggregated = &event;
  }
  REQUIRE(aggregated != nullptr);
  const Object& event = *aggregated;
  INFO(event.dump(2));
  CHECK(event["count"] == 2);
  CHECK(event["type"] == "Normal");
  CHECK(event["message"] == "created by application demo");
  CHECK(event["involvedObject"]["apiVersion"] == "v1");
  CHECK(event["involvedObject"]["kind"] == "ConfigMap");
  CHECK(event["involvedObject"]["namespace"] == ns.name());
  CHECK(event["involvedObject"]["name"] == "settings");
  CHECK(event["involvedObject"]["uid"] == involved.uid);
  CHECK(event["source"]["component"] == "gitopsd");
  CHECK(event["reportingComponent"] == "gitopsd");
  CHECK(event["reportingInstance"] == "events-test");
  CHECK(event["metadata"]["name"].get<std::string>().starts_with("settings."));
  CHECK(event["firstTimestamp"].get<std::string>() <= event["lastTimestamp"].get<std::string>());
  CHECK(event["eventTime"].is_string());

  // kubectl shows it as any other Event.
  const std::string shown =
      kubectl("get events -n " + ns.name() +
              " --field-selector reason=ResourceCreated"
              " -o jsonpath={.items[*].count}/{.items[*].involvedObject.kind}");
  CHECK(shown == "2/ConfigMap");
}

TEST_CASE("events: Application events are in the destination namespace, long messages cut",
          "[events][integration]") {
  ScratchNamespace ns("events-app");
  auto client = makeClient(sandboxConfig());
  EventRecorder recorder(*client, kClock, testLogger());
  const auto application = InvolvedObject::forApplication("demo", ns.name());
  recorder.record(application, EventType::kNormal, event_reason::kSyncStarted, "sync to abc123");
  recorder.record(application, EventType::kWarning, event_reason::kSyncFailed,
                  "failed: " + std::string(3000, 'x'));
  REQUIRE(recorder.flush(30s));
  CHECK(recorder.stats().failed == 0);

  const auto events = eventsAbout(*client, ns.name(), "demo");
  REQUIRE(events.size() == 2);
  for (const auto& event : events) {
    INFO(event.dump(2));
    CHECK(event["involvedObject"]["apiVersion"] == "argoproj.io/v1alpha1");
    CHECK(event["involvedObject"]["kind"] == "Application");
    CHECK(event["involvedObject"]["namespace"] == ns.name());
    CHECK(event["count"] == 1);
    if (event["reason"] == "SyncFailed") {
      CHECK(event["type"] == "Warning");
      CHECK(event["message"].get<std::string>().size() == 1024);
    } else {
      CHECK(event["reason"] == "SyncStarted");
      CHECK(event["type"] == "Normal");
    }
  }
}

TEST_CASE("events: a cluster-scoped object's Events are in default, whatever its name",
          "[events][integration]") {
  auto client = makeClient(sandboxConfig());
  EventRecorder recorder(*client, kClock, testLogger());
  const std::string role = "system:gitopsd-events-" + randomSuffix();
  const auto involved =
      InvolvedObject::forRef({{"rbac.authorization.k8s.io", "v1", "ClusterRole"}, "", role});
  recorder.record(involved, EventType::kNormal, event_reason::kResourceDeleted, "pruned");
  REQUIRE(recorder.flush(30s));
  CHECK(recorder.stats().failed == 0);
  const auto events = eventsAbout(*client, "default", role);
  REQUIRE(events.size() == 1);
  CHECK_FALSE(events[0]["involvedObject"].contains("namespace"));
  CHECK(events[0]["involvedObject"]["kind"] == "ClusterRole");
  kubectl("delete event -n default " + events[0]["metadata"]["name"].get<std::string>());
}

TEST_CASE("events: an aggregated Event deleted meanwhile is created again",
          "[events][integration]") {
  ScratchNamespace ns("events-gone");
  auto client = makeClient(sandboxConfig());
  EventRecorder recorder(*client, kClock, testLogger());
  const auto application = InvolvedObject::forApplication("demo", ns.name());
  recorder.record(application, EventType::kNormal, event_reason::kSelfHeal, "reverted drift");
  REQUIRE(recorder.flush(30s));
  auto first = eventsAbout(*client, ns.name(), "demo");
  REQUIRE(first.size() == 1);
  kubectl("delete event -n " + ns.name() + " " + first[0]["metadata"]["name"].get<std::string>());

  recorder.record(application, EventType::kNormal, event_reason::kSelfHeal, "reverted drift");
  REQUIRE(recorder.flush(30s));
  const auto again = eventsAbout(*client, ns.name(), "demo");
  REQUIRE(again.size() == 1);
  CHECK(again[0]["count"] == 1);
  CHECK(again[0]["metadata"]["name"] != first[0]["metadata"]["name"]);
  const auto stats = recorder.stats();
  CHECK(stats.created == 2);
  CHECK(stats.failed == 0);
}

TEST_CASE("events: Events the apiserver refuses are counted and logged, never thrown",
          "[events][integration]") {
  // The limited token may only read ConfigMaps in "limited".
  auto client = makeClient(sandboxConfig("sandbox-limited"));
  EventRecorder recorder(*client, kClock, testLogger());
  for (int i = 0; i < 3; ++i) {
    recorder.record(InvolvedObject::forApplication("demo", "limited"), EventType::kNormal,
                    event_reason::kSyncStarted, "attempt " + std::to_string(i));
  }
  REQUIRE(recorder.flush(30s));
  const auto stats = recorder.stats();
  CHECK(stats.failed == 3);
  CHECK(stats.created == 0);
}
