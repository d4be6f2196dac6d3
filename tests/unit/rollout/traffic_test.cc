// The rollout engine's Istio traffic module (lib/rollout/traffic/), pure: the Rollout's
// trafficRouting parsed, DestinationRule subsets following the ReplicaSet hashes, VirtualService
// weights, and what is left alone (other subsets, foreign destinations, other routes).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "rollout/traffic/destination_rule.h"
#include "rollout/traffic/traffic_spec.h"
#include "rollout/traffic/virtual_service.h"

namespace {

using namespace gitopsd::rollout;
using gitopsd::core::StatusCode;
using nlohmann::json;

// The Bookinfo demo's reviews Rollout (examples/bookinfo/rollout), trafficRouting only.
json bookinfoRollout() {
  return json::parse(R"({
    "metadata": {"name": "reviews-rollout", "namespace": "bookinfo"},
    "spec": {"strategy": {"canary": {"trafficRouting": {"istio": {
      "virtualService": {"name": "reviews", "routes": ["primary"]},
      "destinationRule": {"name": "reviews", "canarySubsetName": "canary",
                          "stableSubsetName": "stable"}}}}}}})");
}

json reviewsDestinationRule() {
  return json::parse(R"({
    "apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
    "metadata": {"name": "reviews", "namespace": "bookinfo"},
    "spec": {"host": "reviews",
             "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}},
             "subsets": [{"name": "v1", "labels": {"version": "v1"}},
                         {"name": "stable", "labels": {"app": "reviews"}},
                         {"name": "canary", "labels": {"app": "reviews"}}]}})");
}

json reviewsVirtualService() {
  return json::parse(R"({
    "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
    "metadata": {"name": "reviews", "namespace": "bookinfo"},
    "spec": {"hosts": ["reviews"], "http": [
      {"name": "pinned", "match": [{"headers": {"x-v1": {"exact": "yes"}}}],
       "route": [{"destination": {"host": "reviews", "subset": "v1"}}]},
      {"name": "primary", "route": [
        {"destination": {"host": "reviews", "subset": "stable"}, "weight": 100},
        {"destination": {"host": "reviews.bookinfo.svc.cluster.local", "subset": "canary"},
         "weight": 0}]}]}})");
}

TrafficRouting routing() {
  auto parsed = parseTrafficRouting(bookinfoRollout());
  REQUIRE(parsed.ok());
  return *parsed;
}

}  // namespace

TEST_CASE("rollout traffic: the demo's trafficRouting parses to its objects", "[rollout]") {
  const TrafficRouting r = routing();
  CHECK(r.istio());
  CHECK(r.subsetLevel());
  REQUIRE(r.virtual_services.size() == 1);
  CHECK(r.virtual_services[0].object.toString() == "bookinfo/reviews");
  CHECK(r.virtual_services[0].http_routes == std::vector<std::string>{"primary"});
  CHECK(r.destination_rule->object.toString() == "bookinfo/reviews");
  CHECK(r.destination_rule->canary_subset == "canary");

  json dotted = bookinfoRollout();
  dotted["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"]["name"] =
      "reviews.mesh";
  auto other_namespace = parseTrafficRouting(dotted);
  REQUIRE(other_namespace.ok());
  CHECK(other_namespace->virtual_services[0].object.toString() == "mesh/reviews");
}

TEST_CASE("rollout traffic: bad trafficRouting is refused naming the field", "[rollout]") {
  json nameless = bookinfoRollout();
  nameless["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"].erase("name");
  auto missing = parseTrafficRouting(nameless);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kInvalid);
  CHECK(missing.status().message().rfind(
            "spec.strategy.canary.trafficRouting.istio.virtualService.name", 0) == 0);

  json same = bookinfoRollout();
  same["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["destinationRule"]
      ["stableSubsetName"] = "canary";
  CHECK_FALSE(parseTrafficRouting(same).ok());

  json nginx = bookinfoRollout();
  nginx["spec"]["strategy"]["canary"]["trafficRouting"]["nginx"] = {{"stableIngress", "x"}};
  auto unsupported = parseTrafficRouting(nginx);
  REQUIRE_FALSE(unsupported.ok());
  CHECK(unsupported.status().code() == StatusCode::kUnimplemented);
}

TEST_CASE("rollout traffic: the DestinationRule's subsets follow the hashes; the rest stays",
          "[rollout]") {
  const TrafficRouting r = routing();
  const json live = reviewsDestinationRule();
  auto desired =
      desiredDestinationRule(live, *r.destination_rule, "reviews-rollout", "c4n4ry", "s74b1e");
  REQUIRE(desired.ok());
  const json& subsets = (*desired)["spec"]["subsets"];
  REQUIRE(subsets.size() == 3);
  CHECK(subsets[0] == live["spec"]["subsets"][0]);  // another client's subset, untouched
  CHECK(subsets[1]["labels"] == json{{"app", "reviews"}, {"rollouts-pod-template-hash", "s74b1e"}});
  CHECK(subsets[2]["labels"] == json{{"app", "reviews"}, {"rollouts-pod-template-hash", "c4n4ry"}});
  CHECK((*desired)["spec"]["trafficPolicy"] == live["spec"]["trafficPolicy"]);
  CHECK((*desired)["metadata"]["annotations"][std::string(kManagedByAnnotation)] ==
        "reviews-rollout");
  auto hashes = readSubsetHashes(*desired, *r.destination_rule);
  REQUIRE(hashes.ok());
  CHECK(*hashes == SubsetHashes{"c4n4ry", "s74b1e"});

  // Idempotent: nothing to write a second time.
  auto again =
      desiredDestinationRule(*desired, *r.destination_rule, "reviews-rollout", "c4n4ry", "s74b1e");
  REQUIRE(again.ok());
  CHECK_FALSE(needsWrite(*desired, *again));

  // An empty hash removes the label.
  auto cleared =
      desiredDestinationRule(*desired, *r.destination_rule, "reviews-rollout", "", "s74b1e");
  REQUIRE(cleared.ok());
  CHECK_FALSE((*cleared)["spec"]["subsets"][2]["labels"].contains("rollouts-pod-template-hash"));

  // Released only by the rollout that manages it.
  CHECK(releasedDestinationRule(*desired, "another-rollout") == *desired);
  const json released = releasedDestinationRule(*desired, "reviews-rollout");
  CHECK_FALSE(released["spec"]["subsets"][1]["labels"].contains("rollouts-pod-template-hash"));
  CHECK_FALSE(released["metadata"]
                  .value("annotations", json::object())
                  .contains(std::string(kManagedByAnnotation)));

  json without_canary = live;
  without_canary["spec"]["subsets"].erase(2);
  auto missing =
      desiredDestinationRule(without_canary, *r.destination_rule, "reviews-rollout", "c", "s");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "DestinationRule bookinfo/reviews has no subset canary");
}

TEST_CASE("rollout traffic: the named route gets the weights; other routes stay", "[rollout]") {
  const TrafficRouting r = routing();
  const json dr = reviewsDestinationRule();
  auto targets = routeTargets(r, &dr);
  REQUIRE(targets.ok());
  const json live = reviewsVirtualService();
  auto desired = desiredVirtualService(live, r.virtual_services[0], r, *targets, 30, {});
  REQUIRE(desired.ok());
  const json& http = (*desired)["spec"]["http"];
  REQUIRE(http.size() == 2);
  CHECK(http[0] == live["spec"]["http"][0]);  // "pinned" is not a canary route
  CHECK(http[1]["route"][0]["weight"] == 70);
  CHECK(http[1]["route"][1]["weight"] == 30);
  // The FQDN spelling of the canary host is the same Service.
  CHECK(http[1]["route"][1]["destination"]["host"] == "reviews.bookinfo.svc.cluster.local");

  auto weights = readWeights(*desired, r.virtual_services[0], r, *targets);
  REQUIRE(weights.ok());
  REQUIRE(weights->routes.size() == 1);
  CHECK(weights->routes[0].name == "primary");
  CHECK(weights->canaryWeight() == 30);

  auto again = desiredVirtualService(*desired, r.virtual_services[0], r, *targets, 30, {});
  REQUIRE(again.ok());
  CHECK_FALSE(needsWrite(*desired, *again));
}

TEST_CASE(
    "rollout traffic: foreign destinations keep their weight; canary and stable share the "
    "rest",
    "[rollout]") {
  CHECK(splitWeight(30, 0) == WeightSplit{30, 70});
  CHECK(splitWeight(0, 0) == WeightSplit{0, 100});
  CHECK(splitWeight(100, 0) == WeightSplit{100, 0});
  CHECK(splitWeight(30, 20) == WeightSplit{30, 50});
  CHECK(splitWeight(90, 20) == WeightSplit{80, 0});
  CHECK(splitWeight(50, 150) == WeightSplit{0, 0});  // foreign capped at 100

  const TrafficRouting r = routing();
  const json dr = reviewsDestinationRule();
  auto targets = routeTargets(r, &dr);
  REQUIRE(targets.ok());
  json live = reviewsVirtualService();
  live["spec"]["http"][1]["route"][0]["weight"] = 80;
  live["spec"]["http"][1]["route"].push_back(
      {{"destination", {{"host", "reviews"}, {"subset", "v1"}}}, {"weight", 20}});
  auto desired = desiredVirtualService(live, r.virtual_services[0], r, *targets, 30, {});
  REQUIRE(desired.ok());
  const json& route = (*desired)["spec"]["http"][1]["route"];
  REQUIRE(route.size() == 3);
  CHECK(route[0]["weight"] == 50);
  CHECK(route[1]["weight"] == 30);
  CHECK(route[2]["weight"] == 20);
}

TEST_CASE("rollout traffic: a route without the canary destination is refused naming it",
          "[rollout]") {
  const TrafficRouting r = routing();
  const json dr = reviewsDestinationRule();
  auto targets = routeTargets(r, &dr);
  REQUIRE(targets.ok());
  json live = reviewsVirtualService();
  live["spec"]["http"][1]["route"].erase(1);
  auto desired = desiredVirtualService(live, r.virtual_services[0], r, *targets, 10, {});
  REQUIRE_FALSE(desired.ok());
  CHECK(desired.status().code() == StatusCode::kInvalid);
  CHECK(desired.status().message() ==
        "VirtualService bookinfo/reviews http route \"primary\" has no destination for subset "
        "canary of host reviews");
}
