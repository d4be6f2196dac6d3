#include "diff/managed_fields.h"

#include <catch2/catch.hpp>

#include "diff/diff.h"
#include "diff_fixtures.h"

using gitopsd::core::ResourceKey;
using gitopsd::diff::compareObjects;
using gitopsd::diff::CompareOptions;
using gitopsd::diff::IgnoreRule;
using gitopsd::diff::removeFieldsOfManagers;
using gitopsd::diff::removeOwnedFields;
using gitopsd::diff::testing::loadObject;
using gitopsd::diff::testing::readFixture;
using nlohmann::json;

namespace {

const ResourceKey kReviews{"apps", "Deployment", "bookinfo", "reviews"};

// What a server-side dry-run apply of Git's reviews Deployment (replicas: 1) returns: the live
// object with gitopsd's fields applied over it (forced), a new generation and managedFields.
json predictedFrom(const json& live) {
  json predicted = live;
  predicted["spec"]["replicas"] = 1;
  predicted["metadata"]["generation"] = 8;
  auto& entries = predicted["metadata"]["managedFields"];
  entries[0]["fieldsV1"]["f:spec"]["f:replicas"] = json::object();
  entries.erase(1);  // the forced apply took spec.replicas from kube-controller-manager
  return predicted;
}

IgnoreRule managersRule(std::vector<std::string> managers) {
  return {"apps", "Deployment", "", "", {}, {}, std::move(managers)};
}

}  // namespace

TEST_CASE("diff: an HPA-owned spec.replicas is drift without a managedFieldsManagers rule",
          "[diff]") {
  const json live = loadObject("reviews-live.yaml");
  const auto diff = compareObjects(kReviews, predictedFrom(live), live, {});
  CHECK(diff.modified);
  CHECK(diff.unified == readFixture("reviews-replicas.diff"));
}

TEST_CASE("diff: managedFieldsManagers ignores what kube-controller-manager owns", "[diff]") {
  const json live = loadObject("reviews-live.yaml");
  CompareOptions options;
  options.rules = {managersRule({"kube-controller-manager"})};
  const auto diff = compareObjects(kReviews, predictedFrom(live), live, options);
  CHECK_FALSE(diff.modified);
  CHECK(diff.unified.empty());
  CHECK(diff.warnings.empty());
}

TEST_CASE("diff: managed fields can be passed apart from a live object without them", "[diff]") {
  json live = loadObject("reviews-live.yaml");
  CompareOptions options;
  options.rules = {managersRule({"kube-controller-manager"})};
  options.live_managed_fields = live["metadata"]["managedFields"];
  const json predicted = predictedFrom(live);
  live["metadata"].erase("managedFields");  // as the watch cache keeps objects
  CHECK_FALSE(compareObjects(kReviews, predicted, live, options).modified);
}

TEST_CASE("diff: a field owned by the ignored manager and by gitopsd is still ignored", "[diff]") {
  json live = loadObject("reviews-live.yaml");
  // Both applied spec.replicas at some point: shared ownership.
  live["metadata"]["managedFields"][0]["fieldsV1"]["f:spec"]["f:replicas"] = json::object();
  CompareOptions options;
  options.rules = {managersRule({"kube-controller-manager"})};
  CHECK_FALSE(compareObjects(kReviews, predictedFrom(live), live, options).modified);
}

TEST_CASE("diff: ignoring a manager keeps real drift in the fields it does not own", "[diff]") {
  const json live = loadObject("reviews-live.yaml");
  json predicted = predictedFrom(live);
  predicted["spec"]["template"]["spec"]["containers"][0]["image"] =
      "docker.io/istio/examples-bookinfo-reviews-v2:1.16.4";
  CompareOptions options;
  options.rules = {managersRule({"kube-controller-manager", "kubectl-rollout"})};
  const auto diff = compareObjects(kReviews, predicted, live, options);
  CHECK(diff.modified);
  CHECK(diff.unified == readFixture("reviews-image.diff"));
}

TEST_CASE("diff: a rule for another object or a manager not in managedFields does nothing",
          "[diff]") {
  const json live = loadObject("reviews-live.yaml");
  CompareOptions options;
  options.rules = {managersRule({"hpa-controller"}),
                   {"apps", "Deployment", "ratings", "", {}, {}, {"kube-controller-manager"}}};
  CHECK(compareObjects(kReviews, predictedFrom(live), live, options).modified);
}

TEST_CASE("diff: FieldsV1 k: items owned with '.' are removed where only one side has them",
          "[diff]") {
  // A sidecar container added to the pod template by another manager.
  json live = R"({"spec": {"template": {"spec": {"containers": [
      {"name": "reviews", "image": "reviews:v1"},
      {"name": "proxy", "image": "proxyv2:1.22", "args": ["sidecar"]}]}}}})"_json;
  json predicted = R"({"spec": {"template": {"spec": {"containers": [
      {"name": "reviews", "image": "reviews:v1"}]}}}})"_json;
  const json owned = R"({"f:spec": {"f:template": {"f:spec": {"f:containers": {
      "k:{\"name\":\"proxy\"}": {".": {}, "f:args": {}, "f:image": {}, "f:name": {}}}}}}})"_json;
  removeOwnedFields(owned, predicted, live);
  CHECK(predicted == live);

  // Present on both sides, only the owned child that differs goes.
  json a = R"({"spec": {"containers": [{"name": "proxy", "image": "p:1", "args": ["a"]}]}})"_json;
  json b = R"({"spec": {"containers": [{"name": "proxy", "image": "p:2", "args": ["b"]}]}})"_json;
  removeOwnedFields(R"({"f:spec": {"f:containers": {
      "k:{\"name\":\"proxy\"}": {".": {}, "f:image": {}}}}})"_json,
                    a, b);
  CHECK(a == R"({"spec": {"containers": [{"name": "proxy", "args": ["a"]}]}})"_json);
  CHECK(b == R"({"spec": {"containers": [{"name": "proxy", "args": ["b"]}]}})"_json);
}

TEST_CASE("diff: FieldsV1 k: keys with several fields match on all of them", "[diff]") {
  json predicted = R"({"spec": {"ports": [{"port": 80, "protocol": "TCP", "nodePort": 30001},
                                          {"port": 80, "protocol": "UDP", "nodePort": 30002}]}})"_json;
  json live = R"({"spec": {"ports": [{"port": 80, "protocol": "TCP", "nodePort": 31111},
                                     {"port": 80, "protocol": "UDP", "nodePort": 32222}]}})"_json;
  removeOwnedFields(R"({"f:spec": {"f:ports": {
      "k:{\"port\":80,\"protocol\":\"UDP\"}": {".": {}, "f:nodePort": {}}}}})"_json,
                    predicted, live);
  CHECK(predicted["spec"]["ports"][0]["nodePort"] == 30001);
  CHECK(live["spec"]["ports"][0]["nodePort"] == 31111);
  CHECK_FALSE(predicted["spec"]["ports"][1].contains("nodePort"));
  CHECK_FALSE(live["spec"]["ports"][1].contains("nodePort"));
}

TEST_CASE("diff: FieldsV1 v: set items and i: positions", "[diff]") {
  json predicted = R"({"metadata": {"finalizers": ["a.example.com/keep"]}})"_json;
  json live =
      R"({"metadata": {"finalizers": ["a.example.com/keep", "b.example.com/protect"]}})"_json;
  removeOwnedFields(R"({"f:metadata": {"f:finalizers": {".": {},
      "v:\"b.example.com/protect\"": {}}}})"_json,
                    predicted, live);
  CHECK(predicted == live);

  json x = R"({"spec": {"args": ["--a", "--b=1", "--c"]}})"_json;
  json y = R"({"spec": {"args": ["--a", "--b=2", "--c"]}})"_json;
  removeOwnedFields(R"({"f:spec": {"f:args": {"i:1": {}, "i:0": {}, "i:9": {}}}})"_json, x, y);
  CHECK(x == R"({"spec": {"args": ["--a", "--c"]}})"_json);
  CHECK(y == x);
}

TEST_CASE("diff: FieldsV1 leaves that are equal stay; '.' on a map keeps its other keys",
          "[diff]") {
  json predicted = R"({"metadata": {"labels": {"app": "reviews", "team": "books"}},
                       "spec": {"replicas": 3}})"_json;
  json live = R"({"metadata": {"labels": {"app": "reviews", "team": "store"}},
                  "spec": {"replicas": 3}})"_json;
  removeOwnedFields(R"({"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                        "f:spec": {"f:replicas": {}}})"_json,
                    predicted, live);
  CHECK(predicted["spec"]["replicas"] == 3);
  CHECK(predicted["metadata"]["labels"] == json{{"app", "reviews"}, {"team", "books"}});
  CHECK(live["metadata"]["labels"]["team"] == "store");
}

TEST_CASE("diff: malformed managedFields entries are skipped", "[diff]") {
  json predicted = R"({"spec": {"replicas": 1, "list": [1]}})"_json;
  json live = R"({"spec": {"replicas": 4, "list": [2]}})"_json;
  const json entries = R"([
      "not an entry",
      {"manager": 7},
      {"manager": "hpa", "fieldsType": "FieldsV2", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
      {"manager": "hpa", "fieldsV1": {"f:spec": {"f:list": {"k:not json": {}, "i:x": {}}}}},
      {"manager": "hpa", "fieldsV1": {"f:spec": {"f:replicas": {"f:nested": {}}}}}])"_json;
  const json before_predicted = predicted;
  const json before_live = live;
  removeFieldsOfManagers(entries, {"hpa"}, predicted, live);
  CHECK(predicted == before_predicted);
  CHECK(live == before_live);
  removeFieldsOfManagers(json::object(), {"hpa"}, predicted, live);
  CHECK(predicted == before_predicted);
}
