#include "rollout/plan.h"

#include <catch2/catch.hpp>

#include "core/time_text.h"

using gitopsd::rollout::AnalysisAction;
using gitopsd::rollout::AnalysisRunInfo;
using gitopsd::rollout::Observed;
using gitopsd::rollout::parseRollout;
using gitopsd::rollout::Plan;
using gitopsd::rollout::planCanary;
using gitopsd::rollout::ReplicaSetAction;
using gitopsd::rollout::ReplicaSetInfo;
using gitopsd::rollout::RolloutSpec;
using gitopsd::rollout::TrafficState;
using nlohmann::json;
using Kind = ReplicaSetAction::Kind;

namespace {

const auto kStart = *gitopsd::core::parseRfc3339("2026-12-04T10:00:00Z");

// The Bookinfo demo's reviews Rollout: 5 replicas, Istio subset routing, 10→20 with pauses.
json demoRollout() {
  return json::parse(R"({
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
    "metadata": {"name": "reviews-rollout", "namespace": "bookinfo", "uid": "u1", "generation": 2},
    "spec": {
      "replicas": 5,
      "selector": {"matchLabels": {"app": "reviews"}},
      "workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "reviews"},
      "strategy": {"canary": {
        "canaryMetadata": {"labels": {"version": "canary"}},
        "stableMetadata": {"labels": {"version": "stable"}},
        "trafficRouting": {"istio": {
          "virtualService": {"name": "reviews"},
          "destinationRule": {"name": "reviews", "canarySubsetName": "canary",
                              "stableSubsetName": "stable"}}},
        "steps": [{"setWeight": 10}, {"pause": {"duration": "1m"}}, {"setWeight": 20},
                  {"pause": {}}]
      }}}})");
}

RolloutSpec spec(const json& rollout = demoRollout()) {
  auto parsed = parseRollout(rollout);
  INFO(parsed.status().toString());
  REQUIRE(parsed.ok());
  return *parsed;
}

ReplicaSetInfo rs(const std::string& hash, int replicas, int available, int revision,
                  const std::string& role) {
  ReplicaSetInfo info;
  info.name = "reviews-rollout-" + hash;
  info.hash = hash;
  info.replicas = replicas;
  info.ready = available;
  info.available = available;
  info.revision = revision;
  info.role = role;
  return info;
}

// A Rollout that finished revision 1 ("old"): stable, all traffic to it.
Observed stableAt(const std::string& hash) {
  Observed observed;
  observed.now = kStart;
  observed.pod_template_hash = hash;
  observed.status = {{"stableRS", hash}, {"currentPodHash", hash}, {"currentStepIndex", 4}};
  observed.replica_sets = {rs(hash, 5, 5, 1, "stable")};
  observed.traffic = TrafficState{0, hash, hash};
  return observed;
}

// Applies what a cooperative cluster would do with the plan: ReplicaSets created/scaled and
// instantly available, routes written, status stored.
void settle(Observed& observed, const Plan& plan) {
  for (const auto& action : plan.replica_sets) {
    auto found = std::find_if(observed.replica_sets.begin(), observed.replica_sets.end(),
                              [&](const ReplicaSetInfo& r) { return r.name == action.name; });
    switch (action.kind) {
      case Kind::kCreate:
        observed.replica_sets.push_back(
            rs(action.hash, action.replicas, action.replicas, action.revision, action.role));
        break;
      case Kind::kScale:
        found->replicas = found->ready = found->available = action.replicas;
        found->scale_down_deadline.reset();
        break;
      case Kind::kSetRole:
        found->role = action.role;
        break;
      case Kind::kMarkScaleDown:
        found->scale_down_deadline = action.deadline;
        break;
      case Kind::kDelete:
        observed.replica_sets.erase(found);
        break;
    }
  }
  if (plan.traffic) observed.traffic = *plan.traffic;
  for (const auto& action : plan.analysis) {
    if (action.kind != AnalysisAction::Kind::kCreate) continue;
    AnalysisRunInfo run;
    run.name = action.name;
    run.type = action.type;
    run.step_index = action.step_index;
    run.pod_hash = plan.status["currentPodHash"];
    run.phase = "Running";
    observed.analysis_runs.push_back(run);
  }
  observed.status = plan.status;
}

int replicasOf(const Observed& observed, const std::string& hash) {
  for (const auto& r : observed.replica_sets) {
    if (r.hash == hash) return r.replicas;
  }
  return -1;
}

// Plans and settles until nothing is left to do; returns the last plan.
Plan converge(const RolloutSpec& s, Observed& observed) {
  Plan plan = planCanary(s, observed);
  for (int i = 0; i < 20 && plan.hasActions(); ++i) {
    settle(observed, plan);
    plan = planCanary(s, observed);
  }
  REQUIRE_FALSE(plan.hasActions());
  settle(observed, plan);
  return plan;
}

}  // namespace

TEST_CASE("rollout plan: a stable rollout in sync has nothing to do", "[rollout]") {
  const auto s = spec();
  Observed observed = stableAt("old");
  Plan first = planCanary(s, observed);
  settle(observed, first);
  const Plan again = planCanary(s, observed);
  CHECK_FALSE(again.hasActions());
  CHECK(again.events.empty());
  CHECK(again.status == observed.status);
  CHECK(again.status["phase"] == "Healthy");
  CHECK(again.status["observedGeneration"] == "2");
  CHECK(again.status["selector"] == "app=reviews");
}

TEST_CASE("rollout plan: the first revision becomes stable at once, without steps", "[rollout]") {
  const auto s = spec();
  Observed observed;
  observed.now = kStart;
  observed.pod_template_hash = "first";
  Plan plan = planCanary(s, observed);
  REQUIRE(plan.replica_sets.size() == 1);
  CHECK(plan.replica_sets[0].kind == Kind::kCreate);
  CHECK(plan.replica_sets[0].replicas == 5);
  CHECK(plan.replica_sets[0].role == "stable");
  CHECK(plan.status["stableRS"] == "first");
  CHECK(plan.status["phase"] == "Progressing");
  REQUIRE(plan.traffic);
  CHECK(plan.traffic->canary_weight == 0);
  CHECK(plan.traffic->stable_hash == "first");
  converge(s, observed);
  CHECK(observed.status["phase"] == "Healthy");
  CHECK(observed.status["currentStepIndex"] == 4);
}

TEST_CASE("rollout plan: a new revision steps 10% with a ready canary, then pauses", "[rollout]") {
  const auto s = spec();
  Observed observed = stableAt("old");
  observed.pod_template_hash = "new";
  Plan plan = planCanary(s, observed);
  // The canary ReplicaSet first: ceil(10% of 5) = 1 pod; no traffic until it is available.
  REQUIRE(plan.replica_sets.size() == 1);
  CHECK(plan.replica_sets[0].kind == Kind::kCreate);
  CHECK(plan.replica_sets[0].name == "reviews-rollout-new");
  CHECK(plan.replica_sets[0].replicas == 1);
  CHECK(plan.replica_sets[0].role == "canary");
  CHECK(plan.replica_sets[0].revision == 2);
  REQUIRE(plan.traffic);
  CHECK(plan.traffic->canary_weight == 0);
  CHECK(plan.traffic->canary_hash == "new");
  CHECK(plan.traffic->stable_hash == "old");

  // Created but not yet available: still no traffic.
  observed.replica_sets.push_back(rs("new", 1, 0, 2, "canary"));
  observed.traffic = TrafficState{0, "new", "old"};
  plan = planCanary(s, observed);
  CHECK_FALSE(plan.traffic);
  CHECK(plan.status["message"] == "updated replicas are still becoming available");

  // Available: the weight goes to 10, then the step completes and the pause starts.
  observed.replica_sets.back().available = 1;
  plan = planCanary(s, observed);
  REQUIRE(plan.traffic);
  CHECK(plan.traffic->canary_weight == 10);
  settle(observed, plan);
  plan = planCanary(s, observed);
  CHECK_FALSE(plan.hasActions());
  CHECK(plan.status["currentStepIndex"] == 1);
  CHECK(plan.status["phase"] == "Paused");
  CHECK(plan.status["message"] == "CanaryPauseStep");
  CHECK(plan.status["controllerPause"] == true);
  CHECK(plan.status["pauseConditions"][0]["reason"] == "CanaryPauseStep");
  CHECK(plan.status["pauseConditions"][0]["startTime"] == "2026-12-04T10:00:00Z");
  REQUIRE(plan.requeue_after);
  CHECK(*plan.requeue_after == std::chrono::minutes(1));
  CHECK(plan.status["canary"]["weights"]["canary"]["weight"] == 10);
  CHECK(plan.status["canary"]["weights"]["stable"]["weight"] == 90);
  CHECK(replicasOf(observed, "old") == 5);  // stable stays full with traffic routing
}

TEST_CASE("rollout plan: a timed pause ends by itself, an endless one when promoted", "[rollout]") {
  const auto s = spec();
  Observed observed = stableAt("old");
  observed.pod_template_hash = "new";
  converge(s, observed);
  REQUIRE(observed.status["currentStepIndex"] == 1);

  observed.now = kStart + std::chrono::seconds(59);
  CHECK_FALSE(planCanary(s, observed).hasActions());
  CHECK(planCanary(s, observed).status["currentStepIndex"] == 1);

  observed.now = kStart + std::chrono::seconds(60);
  converge(s, observed);
  CHECK(observed.status["currentStepIndex"] == 3);  // setWeight 20 done, paused at step 4
  CHECK(observed.traffic->canary_weight == 20);
  CHECK(replicasOf(observed, "new") == 1);  // ceil(20% of 5)
  CHECK(observed.status["phase"] == "Paused");
  CHECK_FALSE(planCanary(s, observed).requeue_after);  // no duration: waits for a person

  // `kubectl argo rollouts promote` clears the pause conditions.
  observed.status.erase("pauseConditions");
  converge(s, observed);
  CHECK(observed.status["stableRS"] == "new");
  CHECK(observed.status["phase"] == "Healthy");
  CHECK(observed.traffic->canary_weight == 0);
  CHECK(observed.traffic->stable_hash == "new");
  CHECK(observed.traffic->canary_hash == "new");
  CHECK(replicasOf(observed, "new") == 5);
  // The old stable ReplicaSet waits scaleDownDelaySeconds (30 s with traffic routing).
  CHECK(replicasOf(observed, "old") == 5);
  observed.now += std::chrono::seconds(30);
  converge(s, observed);
  CHECK(replicasOf(observed, "old") == 0);
}

TEST_CASE("rollout plan: promotion moves traffic and metadata in a safe order", "[rollout]") {
  json rollout = demoRollout();
  rollout["spec"]["strategy"]["canary"]["steps"] = json::parse(R"([{"setWeight": 40}])");
  const auto s = spec(rollout);
  Observed observed = stableAt("old");
  observed.pod_template_hash = "new";
  std::vector<std::string> order;
  Plan plan = planCanary(s, observed);
  for (int i = 0; i < 20 && plan.hasActions(); ++i) {
    for (const auto& a : plan.replica_sets) {
      if (a.kind == Kind::kSetRole) order.push_back("role " + a.role);
      if (a.kind == Kind::kScale || a.kind == Kind::kCreate) {
        order.push_back("scale " + a.hash + "=" + std::to_string(a.replicas));
      }
    }
    if (plan.traffic) {
      order.push_back("traffic " + std::to_string(plan.traffic->canary_weight) + " " +
                      plan.traffic->canary_hash + "/" + plan.traffic->stable_hash);
    }
    settle(observed, plan);
    plan = planCanary(s, observed);
  }
  const std::vector<std::string> expected = {
      "scale new=2",       "traffic 0 new/old", "traffic 40 new/old", "scale new=5",
      "traffic 0 new/old", "role stable",       "traffic 0 new/new",
  };
  CHECK(order == expected);
  CHECK(observed.status["stableRS"] == "new");
}

TEST_CASE("rollout plan: an abort sends all traffic to stable and scales the canary down later",
          "[rollout]") {
  const auto s = spec();
  Observed observed = stableAt("old");
  observed.pod_template_hash = "new";
  converge(s, observed);
  observed.status["abort"] = true;
  Plan plan = planCanary(s, observed);
  REQUIRE(plan.traffic);
  CHECK(plan.traffic->canary_weight == 0);
  CHECK(plan.status["phase"] == "Degraded");
  CHECK(plan.status["message"] == "RolloutAborted: Rollout aborted update to revision 2");
  CHECK(plan.status["abortedAt"] == "2026-12-04T10:00:00Z");
  CHECK(plan.status["currentStepIndex"] == 0);
  REQUIRE(plan.events.size() == 1);
  CHECK(plan.events[0].reason == "RolloutAborted");
  converge(s, observed);
  CHECK(replicasOf(observed, "new") == 1);  // abortScaleDownDelaySeconds: 30 by default
  observed.now += std::chrono::seconds(30);
  converge(s, observed);
  CHECK(replicasOf(observed, "new") == 0);
  CHECK(replicasOf(observed, "old") == 5);
  const Plan quiet = planCanary(s, observed);
  CHECK_FALSE(quiet.hasActions());
  CHECK(quiet.events.empty());

  // Retry (`kubectl argo rollouts retry rollout`): abort cleared, the steps start again.
  observed.status["abort"] = false;
  converge(s, observed);
  CHECK(observed.status["currentStepIndex"] == 1);
  CHECK(observed.traffic->canary_weight == 10);
  CHECK(observed.status["phase"] == "Paused");
}

TEST_CASE("rollout plan: a new revision mid-canary starts over from the current stable",
          "[rollout]") {
  const auto s = spec();
  Observed observed = stableAt("old");
  observed.pod_template_hash = "second";
  converge(s, observed);
  REQUIRE(observed.traffic->canary_weight == 10);
  observed.pod_template_hash = "third";
  Plan plan = planCanary(s, observed);
  // Traffic leaves the replaced canary before its subset changes.
  REQUIRE(plan.traffic);
  CHECK(plan.traffic->canary_weight == 0);
  CHECK(plan.traffic->canary_hash == "second");
  CHECK(plan.status["currentStepIndex"] == 0);
  CHECK_FALSE(plan.status.contains("pauseConditions"));
  converge(s, observed);
  CHECK(replicasOf(observed, "second") == 0);
  CHECK(replicasOf(observed, "third") == 1);
  CHECK(observed.traffic->canary_hash == "third");
  CHECK(observed.traffic->canary_weight == 10);
  CHECK(observed.status["stableRS"] == "old");
}

TEST_CASE("rollout plan: an analysis step waits for its run and aborts when it fails",
          "[rollout]") {
  json rollout = demoRollout();
  rollout["spec"]["strategy"]["canary"]["steps"] = json::parse(
      R"([{"setWeight": 20}, {"analysis": {"templates": [{"templateName": "apdex"}]}},
          {"setWeight": 50}])");
  const auto s = spec(rollout);
  Observed observed = stableAt("old");
  observed.pod_template_hash = "new";
  Plan plan = converge(s, observed);
  REQUIRE(observed.status["currentStepIndex"] == 1);
  REQUIRE(observed.analysis_runs.size() == 1);
  // The run was asked for once; the cluster now has it, still running.
  AnalysisRunInfo run;
  run.name = "reviews-rollout-new-2-1";
  run.type = "Step";
  run.step_index = 1;
  run.pod_hash = "new";
  run.phase = "Running";
  observed.analysis_runs = {run};
  plan = planCanary(s, observed);
  CHECK(plan.analysis.empty());
  CHECK(plan.status["canary"]["currentStepAnalysisRunStatus"]["status"] == "Running");

  SECTION("Successful: the next step") {
    observed.analysis_runs[0].phase = "Successful";
    converge(s, observed);
    CHECK(observed.status["stableRS"] == "new");
  }
  SECTION("Failed: aborted, with the run's message") {
    observed.analysis_runs[0].phase = "Failed";
    observed.analysis_runs[0].message =
        "Metric \"apdex\" assessed Failed due to failed (4) > failureLimit (3)";
    plan = planCanary(s, observed);
    CHECK(plan.status["abort"] == true);
    CHECK(plan.status["phase"] == "Degraded");
    CHECK(plan.status["message"] ==
          "RolloutAborted: Rollout aborted update to revision 2: AnalysisRun "
          "reviews-rollout-new-2-1 Failed: Metric \"apdex\" assessed Failed due to failed (4) > "
          "failureLimit (3)");
    converge(s, observed);
    CHECK(observed.traffic->canary_weight == 0);
  }
  SECTION("Inconclusive: paused for a person") {
    observed.analysis_runs[0].phase = "Inconclusive";
    converge(s, observed);
    CHECK(observed.status["phase"] == "Paused");
    CHECK(observed.status["pauseConditions"][0]["reason"] == "InconclusiveAnalysisRun");
    observed.status.erase("pauseConditions");  // promoted
    converge(s, observed);
    CHECK(observed.status["stableRS"] == "new");
  }
}

TEST_CASE("rollout plan: background analysis starts at its step and aborts on failure",
          "[rollout]") {
  json rollout = demoRollout();
  rollout["spec"]["strategy"]["canary"]["analysis"] =
      json::parse(R"({"templates": [{"templateName": "apdex"}], "startingStep": 2})");
  const auto s = spec(rollout);
  Observed observed = stableAt("old");
  observed.pod_template_hash = "new";
  Plan plan = converge(s, observed);
  CHECK(plan.analysis.empty());  // paused at step 1: before the starting step
  observed.now += std::chrono::minutes(1);
  plan = planCanary(s, observed);
  settle(observed, plan);
  plan = planCanary(s, observed);
  REQUIRE(plan.analysis.size() == 1);
  CHECK(plan.analysis[0].kind == AnalysisAction::Kind::kCreate);
  CHECK(plan.analysis[0].name == "reviews-rollout-new-2");
  CHECK(plan.analysis[0].type == "Background");
  AnalysisRunInfo run;
  run.name = "reviews-rollout-new-2";
  run.type = "Background";
  run.pod_hash = "new";
  run.phase = "Failed";
  observed.analysis_runs = {run};
  plan = planCanary(s, observed);
  CHECK(plan.status["phase"] == "Degraded");
  CHECK(plan.status["abort"] == true);
}

TEST_CASE("rollout plan: promote --full skips the remaining steps", "[rollout]") {
  const auto s = spec();
  Observed observed = stableAt("old");
  observed.pod_template_hash = "new";
  converge(s, observed);
  observed.status["promoteFull"] = true;
  converge(s, observed);
  CHECK(observed.status["stableRS"] == "new");
  CHECK_FALSE(observed.status.contains("promoteFull"));
}

TEST_CASE("rollout plan: revision history beyond the limit is deleted", "[rollout]") {
  json rollout = demoRollout();
  rollout["spec"]["revisionHistoryLimit"] = 1;
  const auto s = spec(rollout);
  Observed observed = stableAt("c");
  observed.replica_sets.push_back(rs("a", 0, 0, 1, "stable"));
  observed.replica_sets.push_back(rs("b", 0, 0, 2, "stable"));
  observed.replica_sets[0].revision = 3;
  const Plan plan = planCanary(s, observed);
  REQUIRE(plan.replica_sets.size() == 1);
  CHECK(plan.replica_sets[0].kind == Kind::kDelete);
  CHECK(plan.replica_sets[0].name == "reviews-rollout-a");
}

TEST_CASE("rollout spec: invalid Rollouts name the field", "[rollout]") {
  const auto error = [](const std::function<void(json&)>& edit) {
    json rollout = demoRollout();
    edit(rollout);
    auto parsed = parseRollout(rollout);
    REQUIRE_FALSE(parsed.ok());
    return parsed.status().message();
  };
  CHECK(error([](json& r) { r["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = 120; }) ==
        "spec.strategy.canary.steps[0].setWeight: must be an integer from 0 to 100");
  CHECK(error([](json& r) {
          r["spec"]["strategy"]["canary"]["steps"][0]["pause"] = json::object();
        }) == "spec.strategy.canary.steps[0]: a step has exactly one kind; found 2");
  CHECK(error([](json& r) { r["spec"]["template"] = json::object(); }) ==
        "spec: set either template or workloadRef, not both");
  CHECK(error([](json& r) {
          r["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["destinationRule"].erase(
              "canarySubsetName");
        }) ==
        "spec.strategy.canary.trafficRouting.istio.destinationRule.canarySubsetName: required");
  CHECK(error([](json& r) {
          r["spec"]["strategy"]["canary"]["steps"][1]["pause"]["duration"] = "ten minutes";
        }).rfind("spec.strategy.canary.steps[1].pause.duration: invalid duration", 0) == 0);
  CHECK(error([](json& r) { r["spec"]["workloadRef"]["scaleDown"] = "sometimes"; }) ==
        "spec.workloadRef.scaleDown: must be never, onsuccess or progressively, not "
        "\"sometimes\"");
  CHECK(error([](json& r) {
          r["spec"].erase("workloadRef");
          r["spec"]["template"] = {{"metadata", {{"labels", {{"app", "other"}}}}}};
        }) == "spec.selector: does not match the labels of spec.template");
}

TEST_CASE("rollout hash: a template copied back from its ReplicaSet is the same revision",
          "[rollout]") {
  const auto s = spec();
  const json pod_template = json::parse(R"({"metadata": {"labels": {"app": "reviews"}},
      "spec": {"containers": [{"name": "reviews", "image": "reviews:v1"}]}})");
  const std::string hash = gitopsd::rollout::revisionHash(s, pod_template, {});
  // The ReplicaSet as the apiserver keeps it: defaults added, stable metadata and the hash label.
  json rs = gitopsd::rollout::buildReplicaSet(s, pod_template, hash, 5, 1, "stable");
  rs["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent";
  rs["spec"]["template"]["spec"]["dnsPolicy"] = "ClusterFirst";
  CHECK(rs["spec"]["template"]["metadata"]["labels"]["version"] == "stable");
  // `kubectl argo rollouts undo` copies that template (without the hash label) into the Rollout.
  json undone = rs["spec"]["template"];
  undone["metadata"]["labels"].erase("rollouts-pod-template-hash");
  CHECK(gitopsd::rollout::revisionHash(s, undone, {rs}) == hash);
  CHECK(gitopsd::rollout::revisionHash(s, pod_template, {rs}) == hash);
  json changed = pod_template;
  changed["spec"]["containers"][0]["image"] = "reviews:v2";
  CHECK(gitopsd::rollout::revisionHash(s, changed, {rs}) != hash);
}
