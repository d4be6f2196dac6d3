#include "diff/diff.h"

#include <catch2/catch.hpp>

#include "diff_fixtures.h"

using gitopsd::core::ResourceKey;
using gitopsd::diff::compareObjects;
using gitopsd::diff::CompareOptions;
using gitopsd::diff::desiredHash;
using gitopsd::diff::groupOf;
using gitopsd::diff::normalizeForDiff;
using gitopsd::diff::NormalizeOptions;
using gitopsd::diff::RolloutOwnedFields;
using gitopsd::diff::stripRolloutOwnedFields;
using gitopsd::diff::toYaml;
using gitopsd::diff::unifiedDiff;
using gitopsd::diff::testing::loadObject;
using gitopsd::diff::testing::loadObjects;
using nlohmann::json;

namespace {

const ResourceKey kReviewsDeployment{"apps", "Deployment", "bookinfo", "reviews"};
const ResourceKey kReviewsVirtualService{"networking.istio.io", "VirtualService", "bookinfo",
                                         "reviews"};
const ResourceKey kReviewsDestinationRule{"networking.istio.io", "DestinationRule", "bookinfo",
                                          "reviews"};

json configMap() {
  return R"({"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "reviews-config", "namespace": "bookinfo",
                          "labels": {"app": "reviews"}},
             "data": {"LOG_DIR": "/tmp/logs", "LEVEL": "info"}})"_json;
}

}  // namespace

TEST_CASE("diff: normalizeForDiff drops server-owned metadata, annotations and status", "[diff]") {
  json obj = R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {
      "name": "reviews", "namespace": "bookinfo", "labels": {"app": "reviews"},
      "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"big\": true}",
                      "deployment.kubernetes.io/revision": "3"},
      "managedFields": [{"manager": "kubectl"}], "resourceVersion": "48213", "generation": 7,
      "uid": "5f0c1a52", "creationTimestamp": "2025-01-08T09:12:44Z",
      "selfLink": "/apis/apps/v1/namespaces/bookinfo/deployments/reviews",
      "deletionGracePeriodSeconds": 30, "finalizers": ["example.com/keep"]},
    "spec": {"replicas": 3},
    "status": {"replicas": 3}})"_json;
  CHECK(normalizeForDiff(obj) == R"({
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "reviews", "namespace": "bookinfo", "labels": {"app": "reviews"},
                 "finalizers": ["example.com/keep"]},
    "spec": {"replicas": 3}})"_json);

  obj["metadata"]["annotations"]["team"] = "books";
  CHECK(normalizeForDiff(obj)["metadata"]["annotations"] == json{{"team", "books"}});
}

TEST_CASE("diff: status is dropped for every kind, CRDs included, unless kept", "[diff]") {
  const json crd = R"({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                       "metadata": {"name": "rollouts.argoproj.io"}, "spec": {},
                       "status": {"storedVersions": ["v1alpha1"]}})"_json;
  CHECK_FALSE(normalizeForDiff(crd).contains("status"));
  NormalizeOptions keep;
  keep.keep_status = {{"apiextensions.k8s.io", "CustomResourceDefinition"}};
  CHECK(normalizeForDiff(crd, keep).contains("status"));
  CHECK(normalizeForDiff(json()).is_null());
  CHECK(normalizeForDiff(json::array({1})) == json::array({1}));
  CHECK(groupOf("apps/v1") == "apps");
  CHECK(groupOf("v1").empty());
}

TEST_CASE("diff: no diff when only server fields differ", "[diff]") {
  const json live = loadObject("reviews-live.yaml");
  json predicted = live;
  predicted["metadata"]["resourceVersion"] = "48299";
  predicted["metadata"]["generation"] = 8;
  predicted["metadata"]["managedFields"] = json::array();
  predicted["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}";
  predicted["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "4";
  predicted["status"] = {{"replicas", 1}};
  predicted["metadata"]["uid"] = "other";
  predicted["metadata"]["creationTimestamp"] = "2025-01-10T00:00:00Z";
  const auto diff = compareObjects(kReviewsDeployment, predicted, live, {});
  CHECK_FALSE(diff.modified);
  CHECK(diff.unified.empty());
}

TEST_CASE("diff: the canary's VirtualService weights are not drift", "[diff]") {
  const auto desired = loadObjects("reviews-traffic-desired.yaml");
  const auto live = loadObjects("reviews-traffic-live.yaml");
  REQUIRE(desired.size() == 2);
  REQUIRE(live.size() == 2);
  CHECK_FALSE(compareObjects(kReviewsVirtualService, desired[1], live[1], {}).modified);

  // Anything else in the VirtualService still is.
  json changed = live[1];
  changed["spec"]["http"][0]["route"][1]["destination"]["subset"] = "v3";
  const auto diff = compareObjects(kReviewsVirtualService, desired[1], changed, {});
  CHECK(diff.modified);
  CHECK(diff.unified ==
        "--- live\n"
        "+++ desired\n"
        "@@ -20,4 +20,4 @@\n"
        "         subset: stable\n"
        "     - destination:\n"
        "         host: reviews\n"
        "-        subset: v3\n"
        "+        subset: canary\n");
}

TEST_CASE("diff: the canary's DestinationRule hash labels are not drift", "[diff]") {
  const auto desired = loadObjects("reviews-traffic-desired.yaml");
  const auto live = loadObjects("reviews-traffic-live.yaml");
  CHECK_FALSE(compareObjects(kReviewsDestinationRule, desired[0], live[0], {}).modified);

  json stray = live[0];
  stray["spec"]["subsets"][0]["labels"]["version"] = "v1";
  CHECK(compareObjects(kReviewsDestinationRule, desired[0], stray, {}).modified);
}

TEST_CASE("diff: a workloadRef Deployment's replicas are the rollout engine's", "[diff]") {
  json live = loadObject("reviews-live.yaml");
  live["spec"]["replicas"] = 0;  // scaled down once the Rollout took over
  live["metadata"]["managedFields"] = json::array();
  json predicted = live;
  predicted["spec"]["replicas"] = 1;
  CompareOptions options;
  CHECK(compareObjects(kReviewsDeployment, predicted, live, options).modified);
  options.rollout_owned.workload_ref_deployments = {kReviewsDeployment};
  CHECK_FALSE(compareObjects(kReviewsDeployment, predicted, live, options).modified);
  const ResourceKey other{"apps", "Deployment", "bookinfo", "ratings"};
  CHECK(compareObjects(other, predicted, live, options).modified);
}

TEST_CASE("diff: rollout-owned Service selector, Rollout annotations and tcp/tls weights",
          "[diff]") {
  RolloutOwnedFields none;
  json svc_predicted =
      R"({"metadata": {"name": "reviews"}, "spec": {"selector": {"app": "reviews"}}})"_json;
  json svc_live = R"({"metadata": {"name": "reviews",
      "annotations": {"argo-rollouts.argoproj.io/managed-by-rollouts": "reviews-rollout"}},
      "spec": {"selector": {"app": "reviews", "rollouts-pod-template-hash": "7c5d8b9f6"}}})"_json;
  stripRolloutOwnedFields({"", "Service", "bookinfo", "reviews"}, svc_predicted, svc_live, none);
  CHECK(svc_predicted == svc_live);

  json ro_predicted = R"({"metadata": {"name": "reviews-rollout"}})"_json;
  json ro_live = R"({"metadata": {"name": "reviews-rollout", "annotations": {
      "rollout.argoproj.io/revision": "3", "rollout.argoproj.io/workload-generation": "4"}}})"_json;
  stripRolloutOwnedFields({"argoproj.io", "Rollout", "bookinfo", "reviews-rollout"}, ro_predicted,
                          ro_live, none);
  CHECK(ro_predicted == ro_live);

  json vs_predicted =
      R"({"spec": {"tcp": [{"route": [{"destination": {"host": "db"}, "weight": 100}]}],
                                   "tls": [{"route": [{"destination": {"host": "db"}}]}]}})"_json;
  json vs_live = R"({"spec": {"tcp": [{"route": [{"destination": {"host": "db"}, "weight": 90}]}],
                              "tls": [{"route": [{"destination": {"host": "db"}, "weight": 5}]}]}})"_json;
  stripRolloutOwnedFields(kReviewsVirtualService, vs_predicted, vs_live, none);
  CHECK(vs_predicted == vs_live);
}

TEST_CASE("diff: toYaml is sorted block YAML with strings quoted when they would change type",
          "[diff]") {
  const json value = R"({
    "zeta": "last", "alpha": {"nested": {"deep": 1}, "empty": {}, "none": []},
    "list": [{"b": 2, "a": 1}, "plain", ["x", "y"], {}, 3.5, null, true],
    "strings": ["true", "on", "Yes", "null", "~", "", "123", "1.0", "0x1F", "1e3", "-5",
                ".inf", "a: b", "x #y", "- item", "#c", " lead", "trail ", "k:", "@at",
                "tab\there", "100Mi", "cpu=500m", "docker.io/istio/reviews:1.16.4",
                "2025-01-10T09:40:00Z", "quote\"s", "=", "<<"],
    "numbers": [0, -7, 18446744073709551615, 0.1, 2.5e-05, 1e+300],
    "text": "line one\n  indented\n\nlast\n",
    "text-no-newline": "a\nb",
    "text-keep": "a\n\n\n",
    "text-leading-space": " a\nb",
    "key with: colon": "v",
    "true": "key that is a bool"
  })"_json;
  CHECK(toYaml(value) ==
        "alpha:\n"
        "  empty: {}\n"
        "  nested:\n"
        "    deep: 1\n"
        "  none: []\n"
        "\"key with: colon\": v\n"
        "list:\n"
        "- a: 1\n"
        "  b: 2\n"
        "- plain\n"
        "- - x\n"
        "  - \"y\"\n"
        "- {}\n"
        "- 3.5\n"
        "- null\n"
        "- true\n"
        "numbers:\n"
        "- 0\n"
        "- -7\n"
        "- 18446744073709551615\n"
        "- 0.1\n"
        "- 2.5e-05\n"
        "- 1e+300\n"
        "strings:\n"
        "- \"true\"\n"
        "- \"on\"\n"
        "- \"Yes\"\n"
        "- \"null\"\n"
        "- \"~\"\n"
        "- \"\"\n"
        "- \"123\"\n"
        "- \"1.0\"\n"
        "- \"0x1F\"\n"
        "- \"1e3\"\n"
        "- \"-5\"\n"
        "- \".inf\"\n"
        "- \"a: b\"\n"
        "- \"x #y\"\n"
        "- \"- item\"\n"
        "- \"#c\"\n"
        "- \" lead\"\n"
        "- \"trail \"\n"
        "- \"k:\"\n"
        "- \"@at\"\n"
        "- \"tab\\there\"\n"
        "- 100Mi\n"
        "- cpu=500m\n"
        "- docker.io/istio/reviews:1.16.4\n"
        "- \"2025-01-10T09:40:00Z\"\n"
        "- quote\"s\n"
        "- \"=\"\n"
        "- \"<<\"\n"
        "text: |\n"
        "  line one\n"
        "    indented\n"
        "\n"
        "  last\n"
        "text-keep: |+\n"
        "  a\n"
        "\n"
        "\n"
        "text-leading-space: \" a\\nb\"\n"
        "text-no-newline: |-\n"
        "  a\n"
        "  b\n"
        "\"true\": key that is a bool\n"
        "zeta: last\n");
  CHECK(toYaml(json()).empty());
  CHECK(toYaml(json("on")) == "\"on\"\n");
  CHECK(toYaml(json::array()) == "[]\n");
  CHECK(toYaml(json::array({json::array({json::object({{"a", 1}})})})) == "- - a: 1\n");
}

TEST_CASE("diff: unifiedDiff uses GNU diff -u hunks with 3 lines of context", "[diff]") {
  std::string from;
  std::string to;
  for (int i = 1; i <= 20; ++i) {
    from += "line " + std::to_string(i) + "\n";
    to += (i == 2    ? "changed 2"
           : i == 17 ? "changed 17"
                     : "line " + std::to_string(i)) +
          std::string("\n");
  }
  to += "line 21\n";
  CHECK(unifiedDiff(from, to, "a", "b") ==
        "--- a\n"
        "+++ b\n"
        "@@ -1,5 +1,5 @@\n"
        " line 1\n"
        "-line 2\n"
        "+changed 2\n"
        " line 3\n"
        " line 4\n"
        " line 5\n"
        "@@ -14,7 +14,8 @@\n"
        " line 14\n"
        " line 15\n"
        " line 16\n"
        "-line 17\n"
        "+changed 17\n"
        " line 18\n"
        " line 19\n"
        " line 20\n"
        "+line 21\n");
  // Changes 6 common lines apart share one hunk.
  CHECK(unifiedDiff("a\n1\n2\n3\n4\n5\n6\nb\n", "A\n1\n2\n3\n4\n5\n6\nB\n", "x", "y") ==
        "--- x\n+++ y\n@@ -1,8 +1,8 @@\n-a\n+A\n 1\n 2\n 3\n 4\n 5\n 6\n-b\n+B\n");
  CHECK(unifiedDiff("", "a\nb\n", "live", "desired") ==
        "--- live\n+++ desired\n@@ -0,0 +1,2 @@\n+a\n+b\n");
  CHECK(unifiedDiff("a\n", "", "live", "desired") == "--- live\n+++ desired\n@@ -1 +0,0 @@\n-a\n");
  CHECK(unifiedDiff("same\n", "same\n", "a", "b").empty());
  CHECK(unifiedDiff("x\ny\n", "x\nz\n", "a", "b", 0) == "--- a\n+++ b\n@@ -2 +2 @@\n-y\n+z\n");
}

TEST_CASE("diff: compareObjects renders creation and deletion", "[diff]") {
  const ResourceKey key{"", "ConfigMap", "bookinfo", "reviews-config"};
  const auto created = compareObjects(key, configMap(), json(), {});
  CHECK(created.modified);
  CHECK(created.unified ==
        "--- live\n"
        "+++ desired\n"
        "@@ -0,0 +1,10 @@\n"
        "+apiVersion: v1\n"
        "+data:\n"
        "+  LEVEL: info\n"
        "+  LOG_DIR: /tmp/logs\n"
        "+kind: ConfigMap\n"
        "+metadata:\n"
        "+  labels:\n"
        "+    app: reviews\n"
        "+  name: reviews-config\n"
        "+  namespace: bookinfo\n");
  const auto deleted = compareObjects(key, json(), configMap(), {});
  CHECK(deleted.modified);
  CHECK_THAT(deleted.unified, Catch::StartsWith("--- live\n+++ desired\n@@ -1,10 +0,0 @@\n"));
  CHECK_FALSE(compareObjects(key, json(), json(), {}).modified);
}

TEST_CASE("diff: a string and a number with the same text differ visibly", "[diff]") {
  json live = configMap();
  live["data"]["LEVEL"] = 3;
  json predicted = configMap();
  predicted["data"]["LEVEL"] = "3";
  const auto diff =
      compareObjects({"", "ConfigMap", "bookinfo", "reviews-config"}, predicted, live, {});
  CHECK(diff.modified);
  CHECK_THAT(diff.unified, Catch::Contains("-  LEVEL: 3\n+  LEVEL: \"3\"\n"));
}

TEST_CASE("diff: an unusable rule is skipped with a warning", "[diff]") {
  json live = configMap();
  live["data"]["LEVEL"] = "debug";
  CompareOptions options;
  options.rules = {{"", "ConfigMap", "", "", {"/data/LEVEL"}, {".data | keys"}, {}}};
  const auto diff =
      compareObjects({"", "ConfigMap", "bookinfo", "reviews-config"}, configMap(), live, options);
  CHECK_FALSE(diff.modified);
  REQUIRE(diff.warnings.size() == 1);
  CHECK_THAT(diff.warnings[0], Catch::Contains("'.data | keys'"));
}

TEST_CASE("diff: desiredHash is the SHA-256 of the sorted compact JSON", "[diff]") {
  // printf '%s' '{"a":1,"b":[true,null,"x"]}' | sha256sum
  const json value = R"({"b": [true, null, "x"], "a": 1})"_json;
  CHECK(desiredHash(value) == "eca8cfb31ab74533e1eb2f4c74d2d55dfe3c79ac704787e54be8647ea7777eb1");
  CHECK(desiredHash(R"({"a": 1, "b": [true, null, "x"]})"_json) == desiredHash(value));
  CHECK(desiredHash(R"({"a": 2, "b": [true, null, "x"]})"_json) != desiredHash(value));
  CHECK(desiredHash(configMap()).size() == 64);
}
