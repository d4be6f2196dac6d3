#include "diff/rollout_owned.h"

#include <catch2/catch.hpp>

using gitopsd::core::ResourceKey;
using gitopsd::diff::keepRolloutOwnedLiveValues;
using nlohmann::json;

TEST_CASE("diff: a sync keeps the weights and hashes a rollout is stepping", "[diff]") {
  // Git adds a retry policy to the reviews route while the canary carries 30 %.
  json desired = json::parse(R"({"metadata": {"name": "reviews"}, "spec": {"http": [
      {"name": "primary", "retries": {"attempts": 3}, "route": [
        {"destination": {"host": "reviews", "subset": "stable"}, "weight": 100},
        {"destination": {"host": "reviews", "subset": "canary"}, "weight": 0}]}]}})");
  const json live = json::parse(R"({"metadata": {"name": "reviews"}, "spec": {"http": [
      {"name": "primary", "route": [
        {"destination": {"host": "reviews", "subset": "stable"}, "weight": 70},
        {"destination": {"host": "reviews", "subset": "canary"}, "weight": 30}]}]}})");
  keepRolloutOwnedLiveValues({"networking.istio.io", "VirtualService", "bookinfo", "reviews"},
                             desired, live);
  CHECK(desired["spec"]["http"][0]["route"][0]["weight"] == 70);
  CHECK(desired["spec"]["http"][0]["route"][1]["weight"] == 30);
  CHECK(desired["spec"]["http"][0]["retries"]["attempts"] == 3);  // the Git change stays

  json rule = json::parse(R"({"spec": {"subsets": [
      {"name": "stable", "labels": {"version": "stable"}},
      {"name": "canary", "labels": {"version": "canary"}},
      {"name": "v9", "labels": {"version": "v9"}}]}})");
  const json live_rule = json::parse(R"({"metadata": {"annotations": {
      "argo-rollouts.argoproj.io/managed-by-rollouts": "reviews-rollout"}},
      "spec": {"subsets": [
      {"name": "canary", "labels": {"version": "canary", "rollouts-pod-template-hash": "c1"}},
      {"name": "stable", "labels": {"version": "stable", "rollouts-pod-template-hash": "s1"}}]}})");
  keepRolloutOwnedLiveValues({"networking.istio.io", "DestinationRule", "bookinfo", "reviews"},
                             rule, live_rule);
  CHECK(rule["spec"]["subsets"][0]["labels"]["rollouts-pod-template-hash"] == "s1");
  CHECK(rule["spec"]["subsets"][1]["labels"]["rollouts-pod-template-hash"] == "c1");
  CHECK_FALSE(rule["spec"]["subsets"][2]["labels"].contains("rollouts-pod-template-hash"));
  CHECK(rule["metadata"]["annotations"]["argo-rollouts.argoproj.io/managed-by-rollouts"] ==
        "reviews-rollout");

  // A destination that moved in Git takes Git's weight.
  json moved = desired;
  moved["spec"]["http"][0]["route"][0]["destination"]["subset"] = "blue";
  moved["spec"]["http"][0]["route"][0]["weight"] = 100;
  keepRolloutOwnedLiveValues({"networking.istio.io", "VirtualService", "bookinfo", "reviews"},
                             moved, live);
  CHECK(moved["spec"]["http"][0]["route"][0]["weight"] == 100);
}
