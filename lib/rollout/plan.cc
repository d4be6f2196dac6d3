#include "rollout/plan.h"

#include <algorithm>
#include <cmath>

#include "core/time_text.h"

namespace gitopsd::rollout {

using nlohmann::json;
using std::chrono::milliseconds;

namespace {

constexpr const char* kCanaryPauseStep = "CanaryPauseStep";
constexpr const char* kInconclusivePause = "InconclusiveAnalysisRun";

std::string text(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_string()
             ? object[key].get<std::string>()
             : std::string();
}

bool flag(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object[key].is_boolean() &&
         object[key].get<bool>();
}

std::string stepText(const CanaryStep& step) {
  switch (step.kind) {
    case CanaryStep::Kind::kSetWeight:
      return "setWeight: " + std::to_string(step.weight);
    case CanaryStep::Kind::kPause:
      return step.pause_for ? "pause: " + std::to_string(step.pause_for->count()) + "s"
                            : "pause until promoted";
    case CanaryStep::Kind::kAnalysis:
      return "analysis";
    case CanaryStep::Kind::kSetCanaryScale:
      return "setCanaryScale";
    case CanaryStep::Kind::kSetHeaderRoute:
      return "setHeaderRoute";
    case CanaryStep::Kind::kSetMirrorRoute:
      return "setMirrorRoute";
    case CanaryStep::Kind::kExperiment:
      return "experiment";
  }
  return "step";
}

std::string selectorText(const json& selector) {
  std::string out;
  const json labels = selector.value("matchLabels", json::object());
  for (const auto& [key, value] : labels.items()) {
    if (!out.empty()) out += ",";
    out += key + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return out;
}

// One planning pass over a canary Rollout.
class CanaryPlanner {
 public:
  CanaryPlanner(const RolloutSpec& spec, const Observed& observed)
      : spec_(spec),
        canary_(*spec.canary),
        observed_(observed),
        routing_(canary_.traffic_routing.has_value()),
        total_(spec.replicas),
        current_(observed.pod_template_hash) {
    status_ = observed.status.is_object() ? observed.status : json::object();
    for (const auto& rs : observed.replica_sets) {
      max_revision_ = std::max(max_revision_, rs.revision);
    }
  }

  Plan run() {
    noteRevision();
    stable_ = text(status_, "stableRS");
    const ReplicaSetInfo* stable_rs = find(stable_);
    if (stable_.empty() || (stable_rs == nullptr && stable_ != current_)) {
      // First deployment (or a stable ReplicaSet that vanished): the current template becomes
      // stable at once, without steps, as Argo Rollouts does.
      stable_ = current_;
      status_["stableRS"] = stable_;
    }
    if (current_ == stable_) {
      planStable();
    } else if (flag(status_, "abort")) {
      planAborted();
    } else if (spec_.paused) {
      keepCanary();
      setPhase("Paused", "manually paused");
    } else {
      planCanary();
    }
    scaleDownOthers();
    trimHistory();
    finishStatus();
    plan_.status = std::move(status_);
    return std::move(plan_);
  }

 private:
  // --- observation helpers --------------------------------------------------------------------
  const ReplicaSetInfo* find(const std::string& hash) const {
    if (hash.empty()) return nullptr;
    for (const auto& rs : observed_.replica_sets) {
      if (rs.hash == hash) return &rs;
    }
    return nullptr;
  }
  int revisionOf(const std::string& hash) const {
    const ReplicaSetInfo* rs = find(hash);
    return rs != nullptr && rs->revision > 0 ? rs->revision : max_revision_ + 1;
  }
  const AnalysisRunInfo* runNamed(const std::string& name) const {
    for (const auto& run : observed_.analysis_runs) {
      if (run.name == name) return &run;
    }
    return nullptr;
  }
  int stepIndex() const {
    const auto& index = status_["currentStepIndex"];
    const int steps = static_cast<int>(canary_.steps.size());
    return index.is_number_integer() ? std::clamp(index.get<int>(), 0, steps) : 0;
  }
  void requeueIn(milliseconds delay) {
    delay = std::max(delay, milliseconds(0));
    if (!plan_.requeue_after || delay < *plan_.requeue_after) plan_.requeue_after = delay;
  }
  // Adds an action unless the same kind of action on the same ReplicaSet is planned already.
  void act(ReplicaSetAction action) {
    for (const auto& planned : plan_.replica_sets) {
      if (planned.kind == action.kind && planned.name == action.name) return;
    }
    plan_.replica_sets.push_back(std::move(action));
  }
  void event(std::string reason, std::string message, bool warning = false) {
    plan_.events.push_back({std::move(reason), std::move(message), warning});
  }

  // A new template hash resets the steps (a new revision mid-canary starts again from the
  // current stable); the template returning to the stable hash ends an abort.
  void noteRevision() {
    const std::string before = text(status_, "currentPodHash");
    if (before == current_) return;
    for (const char* key :
         {"pauseConditions", "controllerPause", "abort", "abortedAt", "promoteFull"}) {
      status_.erase(key);
    }
    status_["currentStepIndex"] = 0;
    status_["currentPodHash"] = current_;
    if (!before.empty()) {
      event("RolloutUpdated", "Rollout updated to revision " +
                                  std::to_string(revisionOf(current_)) + " (" + current_ + ")");
    }
  }

  // --- replica sets ---------------------------------------------------------------------------
  // Makes hash's ReplicaSet exist with replicas; true when it has them all available.
  bool ensureReplicas(const std::string& hash, int replicas, const std::string& role) {
    const ReplicaSetInfo* rs = find(hash);
    if (rs == nullptr) {
      act({ReplicaSetAction::Kind::kCreate,
           spec_.name + "-" + hash,
           hash,
           replicas,
           role,
           revisionOf(hash),
           {}});
      return replicas == 0;
    }
    if (rs->replicas != replicas || rs->scale_down_deadline) {
      act({ReplicaSetAction::Kind::kScale, rs->name, hash, replicas, role, rs->revision, {}});
      return false;
    }
    return rs->available >= replicas;
  }

  int canaryReplicasAt(int index) const {
    // The last setCanaryScale at or before the step wins until a later setWeight step resets it
    // to follow the weight (Argo Rollouts' matchTrafficWeight default).
    const int weight = weightAt(index);
    for (int i = std::min<int>(index, static_cast<int>(canary_.steps.size()) - 1); i >= 0; --i) {
      const auto& step = canary_.steps[i];
      if (step.kind == CanaryStep::Kind::kSetWeight) break;
      if (step.kind != CanaryStep::Kind::kSetCanaryScale) continue;
      if (step.body.contains("replicas") && step.body["replicas"].is_number_integer()) {
        return step.body["replicas"].get<int>();
      }
      if (step.body.contains("weight") && step.body["weight"].is_number_integer()) {
        return static_cast<int>(std::ceil(total_ * step.body["weight"].get<int>() / 100.0));
      }
      break;  // matchTrafficWeight
    }
    return static_cast<int>(std::ceil(total_ * weight / 100.0));
  }

  int weightAt(int index) const {
    for (int i = std::min<int>(index, static_cast<int>(canary_.steps.size()) - 1); i >= 0; --i) {
      if (canary_.steps[i].kind == CanaryStep::Kind::kSetWeight) return canary_.steps[i].weight;
    }
    return 0;
  }

  int stableReplicasFor(int canary_replicas, int weight) const {
    if (!routing_) return std::max(0, total_ - canary_replicas);
    if (!canary_.dynamic_stable_scale) return total_;
    const int live = observed_.traffic ? observed_.traffic->canary_weight : 0;
    return static_cast<int>(std::ceil(total_ * (100 - std::min(live, weight)) / 100.0));
  }

  // --- traffic --------------------------------------------------------------------------------
  // Steers the routes towards want one safe move at a time; true once they carry it.
  bool steer(const TrafficState& want) {
    if (!routing_) return true;
    if (!observed_.traffic) {
      plan_.traffic = TrafficState{0, want.canary_hash, want.stable_hash};
      return false;
    }
    const TrafficState& now = *observed_.traffic;
    const bool hashes_match =
        now.canary_hash == want.canary_hash && now.stable_hash == want.stable_hash;
    if (hashes_match && now.canary_weight == want.canary_weight) return true;
    if (!hashes_match) {
      plan_.traffic = now.canary_weight != 0 ? TrafficState{0, now.canary_hash, now.stable_hash}
                                             : TrafficState{0, want.canary_hash, want.stable_hash};
      return false;
    }
    plan_.traffic = want;
    return false;
  }

  // --- the three situations -------------------------------------------------------------------
  void planStable() {
    const bool ready = ensureReplicas(current_, total_, "stable");
    const ReplicaSetInfo* rs = find(current_);
    if (rs != nullptr && rs->role != "stable") {
      act({ReplicaSetAction::Kind::kSetRole, rs->name, current_, 0, "stable", rs->revision, {}});
    }
    const bool routed = steer({0, current_, current_});
    status_["currentStepIndex"] = static_cast<int>(canary_.steps.size());
    status_.erase("pauseConditions");
    status_.erase("controllerPause");
    status_.erase("promoteFull");
    status_.erase("abort");
    status_.erase("abortedAt");
    if (!ready) {
      setPhase("Progressing", "updated replicas are still becoming available");
    } else if (!routed) {
      setPhase("Progressing", "waiting for the routes to send all traffic to the stable version");
    } else if (spec_.paused) {
      setPhase("Paused", "manually paused");
    } else {
      setPhase("Healthy", "");
    }
  }

  void planAborted() {
    if (text(status_, "abortedAt").empty()) {
      status_["abortedAt"] = core::formatRfc3339(observed_.now);
      event("RolloutAborted",
            "Rollout aborted update to revision " + std::to_string(revisionOf(current_)), true);
    }
    status_["currentStepIndex"] = 0;
    status_.erase("pauseConditions");
    status_.erase("controllerPause");
    ensureReplicas(stable_, total_, "stable");
    steer({0, current_, stable_});
    terminateRuns();
    // The canary is scaled down abortScaleDownDelaySeconds after the abort (once: the deadline
    // annotation is written once and then only read).
    const ReplicaSetInfo* rs = find(current_);
    if (rs != nullptr && rs->replicas > 0) {
      const int delay = canary_.abort_scale_down_delay_seconds.value_or(routing_ ? 30 : 0);
      const auto aborted = core::parseRfc3339(text(status_, "abortedAt")).value_or(observed_.now);
      scaleDownAt(*rs, aborted + std::chrono::seconds(delay));
    }
    std::string message = "RolloutAborted: Rollout aborted update to revision " +
                          std::to_string(revisionOf(current_));
    for (const auto& run : observed_.analysis_runs) {
      if (run.pod_hash == current_ && (run.phase == "Failed" || run.phase == "Error")) {
        message += ": AnalysisRun " + run.name + " " + run.phase +
                   (run.message.empty() ? "" : ": " + run.message);
        break;
      }
    }
    setPhase("Degraded", message);
  }

  void keepCanary() {
    const int index = stepIndex();
    ensureReplicas(stable_, stableReplicasFor(canaryReplicasAt(index), weightAt(index)), "stable");
    const ReplicaSetInfo* rs = find(current_);
    if (rs == nullptr) ensureReplicas(current_, 0, "canary");
  }

  void planCanary() {
    status_.erase("abortedAt");  // a retry (abort: false) starts the steps again
    int index = stepIndex();
    const int steps = static_cast<int>(canary_.steps.size());
    if (flag(status_, "promoteFull")) index = steps;
    if (planBackgroundAnalysis(index)) return;
    bool waiting = false;
    for (int guard = 0; guard <= steps && !waiting && index < steps; ++guard) {
      const CanaryStep& step = canary_.steps[index];
      if (!holdWeight(index)) {
        waiting = true;
        break;
      }
      bool done = false;
      switch (step.kind) {
        case CanaryStep::Kind::kSetWeight:
        case CanaryStep::Kind::kSetCanaryScale:
        case CanaryStep::Kind::kSetHeaderRoute:
        case CanaryStep::Kind::kSetMirrorRoute:
        case CanaryStep::Kind::kExperiment:
          done = true;
          break;
        case CanaryStep::Kind::kPause:
          done = pauseStep(step);
          break;
        case CanaryStep::Kind::kAnalysis:
          done = analysisStep(step, index);
          break;
      }
      if (flag(status_, "abort")) return planAborted();
      if (!done) {
        waiting = true;
        break;
      }
      event("RolloutStepCompleted", "Rollout step " + std::to_string(index + 1) + "/" +
                                        std::to_string(steps) + " completed (" + stepText(step) +
                                        ")");
      ++index;
      status_["currentStepIndex"] = index;
    }
    collectManagedRoutes(index);
    if (waiting) return;
    promote();
  }

  // Keeps the canary's replicas and weight for the step at index; true once they hold.
  bool holdWeight(int index) {
    const int weight = weightAt(index);
    const int canary_replicas = canaryReplicasAt(index);
    ensureReplicas(stable_, stableReplicasFor(canary_replicas, weight), "stable");
    const bool canary_ready = ensureReplicas(current_, canary_replicas, "canary");
    if (!canary_ready) {
      // Until its pods are available the canary gets no traffic.
      steer({0, current_, stable_});
      setPhase("Progressing", "updated replicas are still becoming available");
      return false;
    }
    if (!routing_) {
      const ReplicaSetInfo* stable_rs = find(stable_);
      const bool stable_ok =
          stable_rs == nullptr || stable_rs->replicas == stableReplicasFor(canary_replicas, weight);
      if (!stable_ok) setPhase("Progressing", "old replicas are pending termination");
      return stable_ok;
    }
    if (!steer({canary_replicas > 0 ? weight : 0, current_, stable_})) {
      setPhase("Progressing",
               "waiting for the routes to carry setWeight " + std::to_string(weight));
      return false;
    }
    return true;
  }

  bool pauseStep(const CanaryStep& step) {
    json& conditions = status_["pauseConditions"];
    if (!conditions.is_array()) conditions = json::array();
    const auto mine = std::find_if(conditions.begin(), conditions.end(), [](const json& c) {
      return text(c, "reason") == kCanaryPauseStep;
    });
    if (mine == conditions.end()) {
      if (flag(status_, "controllerPause")) {  // promoted: the pause condition was cleared
        status_.erase("controllerPause");
        if (conditions.empty()) status_.erase("pauseConditions");
        return true;
      }
      conditions.push_back(
          {{"reason", kCanaryPauseStep}, {"startTime", core::formatRfc3339(observed_.now)}});
      status_["controllerPause"] = true;
      event("RolloutPaused", "Rollout is paused (" + stepText(step) + ")");
      if (step.pause_for) requeueIn(*step.pause_for);
      setPhase("Paused", kCanaryPauseStep);
      return false;
    }
    if (step.pause_for) {
      const auto started = core::parseRfc3339(text(*mine, "startTime")).value_or(observed_.now);
      const auto ends = started + *step.pause_for;
      if (ends <= observed_.now) {
        conditions.erase(mine);
        if (conditions.empty()) status_.erase("pauseConditions");
        status_.erase("controllerPause");
        event("RolloutResumed",
              "Rollout resumed: pause of " + std::to_string(step.pause_for->count()) + "s ended");
        return true;
      }
      requeueIn(std::chrono::duration_cast<milliseconds>(ends - observed_.now));
    }
    setPhase("Paused", kCanaryPauseStep);
    return false;
  }

  // Pauses for a person after an Inconclusive run; true once promoted.
  bool inconclusivePause(const std::string& run_name) {
    json& conditions = status_["pauseConditions"];
    if (!conditions.is_array()) conditions = json::array();
    const bool paused = std::any_of(conditions.begin(), conditions.end(), [](const json& c) {
      return text(c, "reason") == kInconclusivePause;
    });
    if (!paused && flag(status_, "controllerPause")) {
      status_.erase("controllerPause");
      if (conditions.empty()) status_.erase("pauseConditions");
      return true;
    }
    if (!paused) {
      conditions.push_back(
          {{"reason", kInconclusivePause}, {"startTime", core::formatRfc3339(observed_.now)}});
      status_["controllerPause"] = true;
      event("RolloutPaused", "Rollout is paused: AnalysisRun " + run_name +
                                 " is Inconclusive; promote to go on or abort");
    }
    setPhase("Paused", kInconclusivePause);
    return false;
  }

  // Starts or reads a run; true when it allows the rollout to go on.
  bool judgeRun(const std::string& type, int index, const RolloutAnalysis& analysis,
                bool finished_allows) {
    const std::string name = analysisRunName(spec_, current_, revisionOf(current_), type, index);
    const AnalysisRunInfo* run = runNamed(name);
    json summary = {{"name", name}, {"status", run != nullptr ? run->phase : "Pending"}};
    if (run != nullptr && !run->message.empty()) summary["message"] = run->message;
    status_["canary"][type == "Background" ? "currentBackgroundAnalysisRunStatus"
                                           : "currentStepAnalysisRunStatus"] = summary;
    if (run == nullptr) {
      plan_.analysis.push_back({AnalysisAction::Kind::kCreate, name, type, index, analysis});
      event("AnalysisRunCreated", type + " AnalysisRun " + name + " created");
      return false;
    }
    if (run->phase == "Failed" || run->phase == "Error") {
      status_["abort"] = true;
      return false;
    }
    if (run->phase == "Inconclusive") return inconclusivePause(name);
    if (run->phase == "Successful") return finished_allows;
    if (type != "Background") {  // a background run goes on beside the steps
      setPhase("Progressing", "AnalysisRun " + name + " is " +
                                  (run->phase.empty() ? std::string("Pending") : run->phase));
    }
    return false;
  }

  bool analysisStep(const CanaryStep& step, int index) {
    return judgeRun("Step", index, step.analysis, true);
  }

  // Background analysis from its starting step; true when it aborted the rollout.
  bool planBackgroundAnalysis(int index) {
    if (!canary_.background_analysis) return false;
    const int start = canary_.background_analysis->starting_step.value_or(0);
    if (index < start) return false;
    judgeRun("Background", -1, *canary_.background_analysis, true);
    if (flag(status_, "abort")) {
      planAborted();
      return true;
    }
    return false;
  }

  void terminateRuns() {
    for (const auto& run : observed_.analysis_runs) {
      const bool done = run.phase == "Successful" || run.phase == "Failed" ||
                        run.phase == "Error" || run.phase == "Inconclusive";
      if (!done && !run.terminated) {
        plan_.analysis.push_back(
            {AnalysisAction::Kind::kTerminate, run.name, run.type, run.step_index, {}});
      }
    }
  }

  void collectManagedRoutes(int index) {
    // Header and mirror routes stay in effect from their step until the rollout ends.
    for (int i = 0; i < std::min<int>(index + 1, static_cast<int>(canary_.steps.size())); ++i) {
      const auto kind = canary_.steps[i].kind;
      if (kind == CanaryStep::Kind::kSetHeaderRoute || kind == CanaryStep::Kind::kSetMirrorRoute) {
        plan_.managed_routes_through = index;
        return;
      }
    }
  }

  // After the last step: full size, traffic back to 0, stable metadata on the new pods, then the
  // stable subset moves to the new ReplicaSet.
  void promote() {
    terminateBackground();
    ensureReplicas(stable_, total_, "stable");
    if (!ensureReplicas(current_, total_, "canary")) {
      setPhase("Progressing", "updated replicas are still becoming available");
      return;
    }
    const ReplicaSetInfo* rs = find(current_);
    if (rs == nullptr) return;  // a Rollout of 0 replicas: its ReplicaSet is being created
    // Already moved (an earlier pass got this far): the stable subset selects the new pods.
    const bool moved =
        !routing_ || (observed_.traffic && observed_.traffic->stable_hash == current_ &&
                      observed_.traffic->canary_weight == 0);
    if (!moved) {
      if (!steer({0, current_, stable_})) {
        setPhase("Progressing", "sending all traffic to stable before the promotion");
        return;
      }
      if (rs->role != "stable") {
        act({ReplicaSetAction::Kind::kSetRole, rs->name, current_, 0, "stable", rs->revision, {}});
        setPhase("Progressing", "moving the stable metadata to the new pods");
        return;
      }
      steer({0, current_, current_});
      setPhase("Progressing", "moving the stable subset to the new revision");
      return;
    }
    if (rs->role != "stable") {
      act({ReplicaSetAction::Kind::kSetRole, rs->name, current_, 0, "stable", rs->revision, {}});
    }
    stable_ = current_;  // the old stable is scaled down by scaleDownOthers after its delay
    status_["stableRS"] = stable_;
    status_.erase("promoteFull");
    event("RolloutCompleted", "Rollout completed update to revision " +
                                  std::to_string(rs->revision) + " (" + current_ +
                                  "): the new version is stable");
    setPhase("Healthy", "");
  }

  void terminateBackground() {
    for (const auto& run : observed_.analysis_runs) {
      if (run.type != "Background" || run.pod_hash != current_) continue;
      const bool done = run.phase == "Successful" || run.phase == "Failed" ||
                        run.phase == "Error" || run.phase == "Inconclusive";
      if (!done && !run.terminated) {
        plan_.analysis.push_back({AnalysisAction::Kind::kTerminate, run.name, run.type, -1, {}});
      }
    }
  }

  // Scales rs to 0 at deadline: writes the deadline once, then scales when it has passed.
  void scaleDownAt(const ReplicaSetInfo& rs, TimePoint deadline) {
    if (rs.scale_down_deadline) deadline = *rs.scale_down_deadline;
    if (deadline <= observed_.now) {
      act({ReplicaSetAction::Kind::kScale, rs.name, rs.hash, 0, rs.role, rs.revision, {}});
      return;
    }
    if (!rs.scale_down_deadline) {
      act({ReplicaSetAction::Kind::kMarkScaleDown, rs.name, rs.hash, rs.replicas, rs.role,
           rs.revision, deadline});
    }
    requeueIn(std::chrono::duration_cast<milliseconds>(deadline - observed_.now));
  }

  // ReplicaSets that are neither stable nor current: scaled down once no route sends them
  // traffic (an earlier canary at once, a previous stable after its deadline).
  void scaleDownOthers() {
    for (const auto& rs : observed_.replica_sets) {
      if (rs.hash == stable_ || rs.hash == current_ || rs.replicas == 0) continue;
      if (observed_.traffic) {
        const auto& t = *observed_.traffic;
        if (t.stable_hash == rs.hash || (t.canary_hash == rs.hash && t.canary_weight > 0)) {
          continue;  // still routed to: the traffic moves first
        }
      }
      if (rs.scale_down_deadline || rs.role == "stable") {
        const int delay = canary_.scale_down_delay_seconds.value_or(routing_ ? 30 : 0);
        scaleDownAt(rs, observed_.now + std::chrono::seconds(delay));
      } else {
        act({ReplicaSetAction::Kind::kScale, rs.name, rs.hash, 0, rs.role, rs.revision, {}});
      }
    }
  }

  void trimHistory() {
    std::vector<const ReplicaSetInfo*> old;
    for (const auto& rs : observed_.replica_sets) {
      if (rs.hash != stable_ && rs.hash != current_ && rs.replicas == 0) old.push_back(&rs);
    }
    std::sort(old.begin(), old.end(),
              [](const auto* a, const auto* b) { return a->revision > b->revision; });
    for (std::size_t i = static_cast<std::size_t>(std::max(0, spec_.revision_history_limit));
         i < old.size(); ++i) {
      act({ReplicaSetAction::Kind::kDelete,
           old[i]->name,
           old[i]->hash,
           0,
           old[i]->role,
           old[i]->revision,
           {}});
    }
  }

  // --- status ---------------------------------------------------------------------------------
  void setPhase(const std::string& phase, const std::string& message) {
    if (!phase_.empty()) return;  // the first reason found is the one reported
    phase_ = phase;
    message_ = message;
  }

  void setCondition(const std::string& type, const std::string& value, const std::string& reason,
                    const std::string& message) {
    json& conditions = status_["conditions"];
    if (!conditions.is_array()) conditions = json::array();
    const std::string now = core::formatRfc3339(observed_.now);
    for (auto& condition : conditions) {
      if (text(condition, "type") != type) continue;
      if (text(condition, "status") != value) condition["lastTransitionTime"] = now;
      if (text(condition, "status") != value || text(condition, "reason") != reason ||
          text(condition, "message") != message) {
        condition["lastUpdateTime"] = now;
      }
      condition["status"] = value;
      condition["reason"] = reason;
      condition["message"] = message;
      return;
    }
    conditions.push_back({{"type", type},
                          {"status", value},
                          {"reason", reason},
                          {"message", message},
                          {"lastTransitionTime", now},
                          {"lastUpdateTime", now}});
  }

  void finishStatus() {
    if (phase_.empty()) setPhase("Progressing", "waiting for all steps to complete");
    status_["phase"] = phase_;
    status_["message"] = message_;
    status_["observedGeneration"] = std::to_string(spec_.generation);
    status_["currentPodHash"] = current_;
    status_["stableRS"] = stable_;
    status_["selector"] = selectorText(spec_.selector);
    int replicas = 0, ready = 0, available = 0, updated = 0;
    for (const auto& rs : observed_.replica_sets) {
      replicas += rs.replicas;
      ready += rs.ready;
      available += rs.available;
      if (rs.hash == current_) updated = rs.replicas;
    }
    status_["replicas"] = replicas;
    status_["HPAReplicas"] = replicas;
    status_["updatedReplicas"] = updated;
    status_["readyReplicas"] = ready;
    status_["availableReplicas"] = available;
    if (observed_.traffic) {
      const auto& t = *observed_.traffic;
      status_["canary"]["weights"] = {
          {"canary", {{"weight", t.canary_weight}, {"podTemplateHash", t.canary_hash}}},
          {"stable", {{"weight", 100 - t.canary_weight}, {"podTemplateHash", t.stable_hash}}}};
    }
    if (status_.contains("canary") && status_["canary"].is_null()) status_.erase("canary");
    const int revision = revisionOf(current_);
    if (phase_ == "Degraded") {
      setCondition("Progressing", "False", "RolloutAborted",
                   "Rollout aborted update to revision " + std::to_string(revision));
    } else if (phase_ == "Healthy") {
      setCondition(
          "Progressing", "True", "NewReplicaSetAvailable",
          "ReplicaSet \"" + spec_.name + "-" + current_ + "\" has successfully progressed.");
    } else if (phase_ == "Paused") {
      setCondition("Progressing", "Unknown", "RolloutPaused", "Rollout is paused");
    } else {
      setCondition("Progressing", "True", "ReplicaSetUpdated",
                   "ReplicaSet \"" + spec_.name + "-" + current_ + "\" is progressing.");
    }
    setCondition("Paused", phase_ == "Paused" ? "True" : "False",
                 phase_ == "Paused" ? "RolloutPaused" : "RolloutResumed",
                 phase_ == "Paused" ? message_ : "Rollout is not paused");
    setCondition("Available", available >= total_ ? "True" : "False",
                 available >= total_ ? "AvailableReason" : "AvailableReason",
                 available >= total_ ? "Rollout has minimum availability"
                                     : "Rollout does not have minimum availability");
    setCondition("Healthy", phase_ == "Healthy" ? "True" : "False",
                 phase_ == "Healthy" ? "RolloutHealthy" : "RolloutHealthy",
                 phase_ == "Healthy" ? "Rollout is healthy" : "Rollout is not healthy");
    setCondition("Completed", current_ == stable_ ? "True" : "False",
                 current_ == stable_ ? "RolloutCompleted" : "RolloutCompleted",
                 current_ == stable_ ? "Rollout is completed" : "Rollout is not completed");
  }

  const RolloutSpec& spec_;
  const CanaryStrategy& canary_;
  const Observed& observed_;
  const bool routing_;
  const int total_;
  const std::string current_;
  std::string stable_;
  int max_revision_ = 0;
  json status_;
  std::string phase_;
  std::string message_;
  Plan plan_;
};

}  // namespace

Plan planCanary(const RolloutSpec& spec, const Observed& observed) {
  return CanaryPlanner(spec, observed).run();
}

std::string analysisRunName(const RolloutSpec& spec, const std::string& hash, int revision,
                            const std::string& type, int step_index) {
  std::string name = spec.name + "-" + hash + "-" + std::to_string(revision);
  if (type == "Step") name += "-" + std::to_string(step_index);
  if (type == "PrePromotion") name += "-pre";
  if (type == "PostPromotion") name += "-post";
  return name;
}

}  // namespace gitopsd::rollout
