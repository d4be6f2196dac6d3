// Watches and the Informer cache against the real sandbox kube-apiserver, including a restart
// of the apiserver and a forced 410 Gone after etcd compaction.
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "kube/informer.h"
#include "support/fault_proxy.h"
#include "support/sandbox.h"

using gitopsd::core::StatusCode;
using gitopsd::kube::CacheEvent;
using gitopsd::kube::CacheEventType;
using gitopsd::kube::GroupVersionKind;
using gitopsd::kube::Informer;
using gitopsd::kube::InformerOptions;
using gitopsd::kube::KubeClient;
using gitopsd::kube::Object;
using gitopsd::kube::ObjectRef;
using gitopsd::kube::WatchEvent;
using gitopsd::kube::WatchOptions;
using namespace gitopsd::test_support;
using namespace std::chrono_literals;

namespace {

const GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};

Object configMap(const std::string& ns, const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", {{"value", value}}}};
}

void setValue(KubeClient& client, const std::string& ns, const std::string& name,
              const std::string& value) {
  auto patched = client.patch({kConfigMap, ns, name}, gitopsd::kube::PatchType::kJsonMerge,
                              Object({{"data", {{"value", value}}}}).dump());
  REQUIRE(patched.ok());
}

// Handler that records what each object last looked like according to the events, and counts
// events per kind, to prove nothing was lost or delivered twice.
class EventLog {
 public:
  void operator()(const CacheEvent& event) {
    std::lock_guard lock(mutex_);
    const std::string name = (*event.object)["metadata"]["name"].get<std::string>();
    const std::string version = (*event.object)["metadata"]["resourceVersion"].get<std::string>();
    switch (event.type) {
      case CacheEventType::kAdded:
        if (seen_.contains(name)) ++duplicates_;
        seen_[name] = version;
        ++added_;
        break;
      case CacheEventType::kUpdated:
        if (!seen_.contains(name)) ++unknown_updates_;
        seen_[name] = version;
        ++updated_;
        break;
      case CacheEventType::kDeleted:
        if (seen_.erase(name) == 0) ++duplicates_;
        ++deleted_;
        break;
    }
  }
  std::map<std::string, std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  int duplicates() const {
    std::lock_guard lock(mutex_);
    return duplicates_ + unknown_updates_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> seen_;  // name → resourceVersion
  int added_ = 0, updated_ = 0, deleted_ = 0, duplicates_ = 0, unknown_updates_ = 0;
};

// name → resourceVersion of what the server lists now.
std::map<std::string, std::string> listedNow(KubeClient& client, const std::string& ns) {
  auto listed = client.list(kConfigMap, ns);
  REQUIRE(listed.ok());
  std::map<std::string, std::string> out;
  for (const auto& item : listed->items) {
    out[item["metadata"]["name"].get<std::string>()] =
        item["metadata"]["resourceVersion"].get<std::string>();
  }
  return out;
}

std::map<std::string, std::string> cachedNow(const Informer& informer) {
  std::map<std::string, std::string> out;
  for (const auto& object : informer.list()) {
    out[(*object)["metadata"]["name"].get<std::string>()] =
        (*object)["metadata"]["resourceVersion"].get<std::string>();
  }
  return out;
}

// Polls until the cache and the handler's view both equal a fresh list, or the deadline.
void requireConverged(KubeClient& client, const Informer& informer, const EventLog& events,
                      const std::string& ns, std::chrono::seconds limit = 30s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::map<std::string, std::string> expected;
  while (std::chrono::steady_clock::now() < deadline) {
    expected = listedNow(client, ns);
    if (cachedNow(informer) == expected && events.seen() == expected) return;
    std::this_thread::sleep_for(100ms);
  }
  CHECK(cachedNow(informer) == expected);
  CHECK(events.seen() == expected);
  FAIL("cache did not converge to the server's list within the deadline");
}

InformerOptions fastRetries(const std::string& ns) {
  InformerOptions options;
  options.namespace_ = ns;
  options.retry_base = 100ms;
  options.retry_cap = 1s;
  return options;
}

}  // namespace

TEST_CASE("kube watch: streams adds, updates, deletes and bookmarks", "[kube][integration]") {
  ScratchNamespace ns("watch");
  auto client = makeClient(sandboxConfig());
  auto start = client->list(kConfigMap, ns.name());
  REQUIRE(start.ok());

  std::vector<std::pair<gitopsd::kube::WatchEventType, std::string>> seen;
  std::jthread writer([&] {
    std::this_thread::sleep_for(200ms);
    REQUIRE(client->create(configMap(ns.name(), "w", "1")).ok());
    REQUIRE(client
                ->patch({kConfigMap, ns.name(), "w"}, gitopsd::kube::PatchType::kJsonMerge,
                        R"({"data":{"value":"2"}})")
                .ok());
    REQUIRE(client->remove({kConfigMap, ns.name(), "w"}).ok());
  });
  WatchOptions options;
  options.resource_version = start->resource_version;
  options.timeout_seconds = 20;
  auto status = client->watch(kConfigMap, ns.name(), options,
                              [&](WatchEvent&& event) {
                                if (event.type == gitopsd::kube::WatchEventType::kBookmark)
                                  return true;
                                seen.emplace_back(event.type,
                                                  event.object["data"]["value"].get<std::string>());
                                return seen.size() < 3;
                              },
                              {});
  REQUIRE(status.ok());
  REQUIRE(seen.size() == 3);
  CHECK(seen[0] == std::make_pair(gitopsd::kube::WatchEventType::kAdded, std::string("1")));
  CHECK(seen[1] == std::make_pair(gitopsd::kube::WatchEventType::kModified, std::string("2")));
  CHECK(seen[2].first == gitopsd::kube::WatchEventType::kDeleted);
}

TEST_CASE("kube watch: a compacted resourceVersion is Gone", "[kube][integration]") {
  ScratchNamespace ns("gone-watch");
  auto client = makeClient(sandboxConfig());
  auto listed = client->list(kConfigMap, ns.name());
  REQUIRE(listed.ok());
  REQUIRE(client->create(configMap(ns.name(), "newer", "1")).ok());
  // After compaction and a restart, neither etcd nor the apiserver's fresh watch cache holds
  // history from before now.
  compactEtcd();
  restartComponent("kube-apiserver");
  WatchOptions options;
  options.resource_version = listed->resource_version;
  options.timeout_seconds = 10;
  auto status =
      client->watch(kConfigMap, ns.name(), options, [](WatchEvent&&) { return true; }, {});
  INFO(status.toString());
  CHECK(status.code() == StatusCode::kGone);
}

TEST_CASE("kube informer: cache and handlers follow every change", "[kube][integration]") {
  ScratchNamespace ns("informer");
  auto client = makeClient(sandboxConfig());
  REQUIRE(client->create(configMap(ns.name(), "before", "0")).ok());

  EventLog events;
  Informer informer(*client, kConfigMap, fastRetries(ns.name()), testLogger());
  informer.addHandler(std::ref(events));
  informer.start();
  REQUIRE(informer.waitForSync(30s));
  CHECK(informer.get(ns.name(), "before") != nullptr);

  for (int i = 0; i < 5; ++i) {
    REQUIRE(client->create(configMap(ns.name(), "cm-" + std::to_string(i), "1")).ok());
  }
  setValue(*client, ns.name(), "cm-1", "changed");
  REQUIRE(client->remove({kConfigMap, ns.name(), "cm-2"}).ok());
  REQUIRE(client->remove({kConfigMap, ns.name(), "before"}).ok());
  requireConverged(*client, informer, events, ns.name());
  CHECK(events.duplicates() == 0);
  auto changed = informer.get(ns.name(), "cm-1");
  REQUIRE(changed != nullptr);
  CHECK((*changed)["data"]["value"] == "changed");
  CHECK_FALSE((*changed)["metadata"].contains("managedFields"));
  CHECK(informer.get(ns.name(), "cm-2") == nullptr);
}

TEST_CASE("kube informer: survives a kube-apiserver restart", "[kube][integration]") {
  ScratchNamespace ns("restart");
  auto client = makeClient(sandboxConfig());
  EventLog events;
  Informer informer(*client, kConfigMap, fastRetries(ns.name()), testLogger());
  informer.addHandler(std::ref(events));
  informer.start();
  REQUIRE(informer.waitForSync(30s));
  REQUIRE(client->create(configMap(ns.name(), "a", "1")).ok());
  requireConverged(*client, informer, events, ns.name());

  restartComponent("kube-apiserver", /*down_for_seconds=*/2);
  REQUIRE(client->create(configMap(ns.name(), "b", "1")).ok());
  setValue(*client, ns.name(), "a", "2");
  requireConverged(*client, informer, events, ns.name(), 60s);
  CHECK(events.duplicates() == 0);
  CHECK(informer.watchRestarts() >= 1);
}

TEST_CASE("kube informer: relists after 410 Gone without losing or repeating events",
          "[kube][integration]") {
  ScratchNamespace ns("gone");
  auto direct = makeClient(sandboxConfig());
  // The informer reaches the apiserver through a proxy the test can cut, so changes can
  // happen while it is away.
  auto config = sandboxConfig();
  const auto port_start = config.server.rfind(':');
  gitopsd::test_support::FaultProxy proxy(
      "127.0.0.1", static_cast<uint16_t>(std::stoi(config.server.substr(port_start + 1))));
  config.server = "https://127.0.0.1:" + std::to_string(proxy.port());
  auto proxied = makeClient(config);

  for (const char* name : {"keep", "change", "remove"}) {
    REQUIRE(direct->create(configMap(ns.name(), name, "1")).ok());
  }
  EventLog events;
  Informer informer(*proxied, kConfigMap, fastRetries(ns.name()), testLogger());
  informer.addHandler(std::ref(events));
  informer.start();
  REQUIRE(informer.waitForSync(30s));
  requireConverged(*direct, informer, events, ns.name());
  const int lists_before = informer.relists();

  proxy.setResetNewConnections(true);
  proxy.resetAll();
  setValue(*direct, ns.name(), "change", "2");
  REQUIRE(direct->remove({kConfigMap, ns.name(), "remove"}).ok());
  REQUIRE(direct->create(configMap(ns.name(), "new", "1")).ok());
  compactEtcd();
  // A restarted apiserver's watch cache starts after the compaction, so the informer's
  // resourceVersion is too old for it as well: the next watch must answer 410.
  restartComponent("kube-apiserver");
  proxy.setResetNewConnections(false);

  requireConverged(*direct, informer, events, ns.name(), 60s);
  CHECK(events.duplicates() == 0);
  CHECK(informer.relists() > lists_before);
}
