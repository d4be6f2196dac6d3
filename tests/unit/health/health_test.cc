#include "health/health.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "manifest/parse.h"

namespace fs = std::filesystem;

using gitopsd::health::aggregate;
using gitopsd::health::assessHealth;
using gitopsd::health::hasHealthCheck;
using gitopsd::health::Health;
using gitopsd::health::HealthStatus;
using gitopsd::health::healthStatusName;
using gitopsd::health::parseHealthStatus;
using gitopsd::health::worst;
using nlohmann::json;

namespace {

constexpr const char* kExpectedStatus = "test.gitopsd.io/expected-status";
constexpr const char* kExpectedMessage = "test.gitopsd.io/expected-message";

const fs::path& fixtureDir() {
  static const fs::path dir = fs::path(GITOPSD_TESTDATA_DIR) / "health";
  return dir;
}

// Every document of the fixture must have the status (and, when annotated, the exact message)
// it declares; returns how many documents were checked.
std::size_t checkFixture(const std::string& file) {
  std::ifstream in(fixtureDir() / file, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  const auto parsed = gitopsd::manifest::parseManifestFile(file, text.str());
  INFO(parsed.status().toString());
  REQUIRE(parsed.ok());
  REQUIRE_FALSE(parsed->manifests.empty());
  for (const auto& manifest : parsed->manifests) {
    const json& object = manifest.object;
    const json& annotations = object["metadata"]["annotations"];
    INFO(manifest.origin() << " " << object["kind"].get<std::string>() << " "
                           << object["metadata"]["name"].get<std::string>());
    REQUIRE(annotations.contains(kExpectedStatus));
    const auto expected = parseHealthStatus(annotations[kExpectedStatus].get<std::string>());
    REQUIRE(expected.has_value());
    const Health health = assessHealth(object);
    INFO("message: " << health.message);
    CHECK(healthStatusName(health.status) == healthStatusName(*expected));
    if (annotations.contains(kExpectedMessage)) {
      CHECK(health.message == annotations[kExpectedMessage].get<std::string>());
    }
  }
  return parsed->manifests.size();
}

}  // namespace

TEST_CASE("health: Deployment fixtures", "[health]") {
  CHECK(checkFixture("deployment.yaml") == 7);
}

TEST_CASE("health: StatefulSet fixtures", "[health]") {
  CHECK(checkFixture("statefulset.yaml") == 6);
}

TEST_CASE("health: DaemonSet fixtures", "[health]") { CHECK(checkFixture("daemonset.yaml") == 5); }

TEST_CASE("health: ReplicaSet fixtures", "[health]") {
  CHECK(checkFixture("replicaset.yaml") == 3);
}

TEST_CASE("health: Pod fixtures (crash loops, image pulls, hooks, failures)", "[health]") {
  CHECK(checkFixture("pod.yaml") == 14);
}

TEST_CASE("health: Job fixtures", "[health]") { CHECK(checkFixture("job.yaml") == 5); }

TEST_CASE("health: Service fixtures", "[health]") { CHECK(checkFixture("service.yaml") == 3); }

TEST_CASE("health: Ingress fixtures", "[health]") { CHECK(checkFixture("ingress.yaml") == 2); }

TEST_CASE("health: PersistentVolumeClaim fixtures", "[health]") {
  CHECK(checkFixture("persistentvolumeclaim.yaml") == 4);
}

TEST_CASE("health: HorizontalPodAutoscaler fixtures (v1 annotation, v2 conditions)", "[health]") {
  CHECK(checkFixture("horizontalpodautoscaler.yaml") == 8);
}

TEST_CASE("health: Namespace fixtures", "[health]") { CHECK(checkFixture("namespace.yaml") == 3); }

TEST_CASE("health: CustomResourceDefinition fixtures", "[health]") {
  CHECK(checkFixture("customresourcedefinition.yaml") == 6);
}

TEST_CASE("health: Rollout fixtures (phase, observed generations, legacy status)", "[health]") {
  CHECK(checkFixture("rollout.yaml") == 14);
}

TEST_CASE("health: kinds without a check, deletion and malformed objects", "[health]") {
  CHECK(checkFixture("other.yaml") == 4);
}

TEST_CASE("health: every fixture file is checked", "[health]") {
  const std::set<std::string> files = {"customresourcedefinition.yaml",
                                       "daemonset.yaml",
                                       "deployment.yaml",
                                       "horizontalpodautoscaler.yaml",
                                       "ingress.yaml",
                                       "job.yaml",
                                       "namespace.yaml",
                                       "other.yaml",
                                       "persistentvolumeclaim.yaml",
                                       "pod.yaml",
                                       "replicaset.yaml",
                                       "rollout.yaml",
                                       "service.yaml",
                                       "statefulset.yaml"};
  std::set<std::string> on_disk;
  for (const auto& entry : fs::directory_iterator(fixtureDir())) {
    if (entry.path().extension() == ".yaml") on_disk.insert(entry.path().filename().string());
  }
  CHECK(on_disk == files);
}

TEST_CASE("health: a missing object is Missing", "[health]") {
  CHECK(assessHealth(json()).status == HealthStatus::kMissing);
  CHECK(assessHealth(json::array()).status == HealthStatus::kMissing);
}

TEST_CASE("health: status names are Argo CD's and parse back", "[health]") {
  const std::vector<std::pair<HealthStatus, std::string>> names = {
      {HealthStatus::kHealthy, "Healthy"},     {HealthStatus::kProgressing, "Progressing"},
      {HealthStatus::kSuspended, "Suspended"}, {HealthStatus::kDegraded, "Degraded"},
      {HealthStatus::kMissing, "Missing"},     {HealthStatus::kUnknown, "Unknown"}};
  for (const auto& [status, name] : names) {
    CHECK(healthStatusName(status) == name);
    CHECK(parseHealthStatus(name) == status);
  }
  CHECK_FALSE(parseHealthStatus("healthy").has_value());
  CHECK_FALSE(parseHealthStatus("Paused").has_value());
}

TEST_CASE("health: worst follows Argo CD's order", "[health]") {
  // gitops-engine healthOrder: Healthy, Suspended, Progressing, Missing, Degraded, Unknown.
  const std::vector<HealthStatus> order = {HealthStatus::kHealthy,     HealthStatus::kSuspended,
                                           HealthStatus::kProgressing, HealthStatus::kMissing,
                                           HealthStatus::kDegraded,    HealthStatus::kUnknown};
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (std::size_t j = 0; j < order.size(); ++j) {
      CHECK(worst(order[i], order[j]) == order[std::max(i, j)]);
    }
  }
}

TEST_CASE("health: aggregate keeps the worst status and its first message", "[health]") {
  CHECK(aggregate({}) == Health{HealthStatus::kHealthy, ""});
  const Health result = aggregate({{HealthStatus::kHealthy, ""},
                                   {HealthStatus::kProgressing, "waiting for reviews"},
                                   {HealthStatus::kDegraded, "reviews crashed"},
                                   {HealthStatus::kSuspended, "paused"},
                                   {HealthStatus::kDegraded, "ratings crashed"}});
  CHECK(result == Health{HealthStatus::kDegraded, "reviews crashed"});
  CHECK(aggregate({{HealthStatus::kSuspended, "paused"}, {HealthStatus::kMissing, ""}}).status ==
        HealthStatus::kMissing);
}

TEST_CASE("health: hasHealthCheck lists the kinds with a check", "[health]") {
  CHECK(hasHealthCheck("apps", "Deployment"));
  CHECK(hasHealthCheck("", "Pod"));
  CHECK(hasHealthCheck("argoproj.io", "Rollout"));
  CHECK(hasHealthCheck("networking.k8s.io", "Ingress"));
  CHECK_FALSE(hasHealthCheck("", "ConfigMap"));
  CHECK_FALSE(hasHealthCheck("networking.istio.io", "VirtualService"));
  CHECK_FALSE(hasHealthCheck("extensions", "Deployment"));
}
