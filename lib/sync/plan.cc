#include "sync/plan.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

#include "sync/internal.h"

namespace gitopsd::sync {

namespace {

constexpr std::string_view kCrdGroup = "apiextensions.k8s.io";

int phaseRank(Phase phase) { return static_cast<int>(phase); }

// Within one step: the CreateNamespace task, prunes, hook deletions, then creations/applies.
int stepRank(const SyncTask& task) {
  if (task.create_namespace) return 0;
  switch (task.action) {
    case Action::kPrune:
      return 1;
    case Action::kDeleteHookBefore:
      return 2;
    case Action::kApply:
    case Action::kCreateHook:
      return 3;
  }
  return 3;
}

bool taskBefore(const SyncTask& a, const SyncTask& b) {
  if (a.phase != b.phase) return phaseRank(a.phase) < phaseRank(b.phase);
  if (a.wave != b.wave) return a.wave < b.wave;
  const int rank_a = stepRank(a);
  const int rank_b = stepRank(b);
  if (rank_a != rank_b) return rank_a < rank_b;
  int kind_a = kindOrder(a.key.kind);
  int kind_b = kindOrder(b.key.kind);
  if (a.action == Action::kPrune) {  // same rank, so both prunes: reverse kind order
    kind_a = knownKindCount() - kind_a;
    kind_b = knownKindCount() - kind_b;
  }
  return std::tie(kind_a, a.key.kind, a.key.name, a.key.namespace_, a.key.group) <
         std::tie(kind_b, b.key.kind, b.key.name, b.key.namespace_, b.key.group);
}

std::string stringAt(const kube::Object& object, std::string_view a, std::string_view b) {
  const auto outer = object.find(a);
  if (outer == object.end() || !outer->is_object()) return {};
  const auto inner = outer->find(b);
  if (inner == outer->end() || !inner->is_string()) return {};
  return inner->get<std::string>();
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// gitops-engine's name for a hook with generateName only.
std::string generatedHookName(const std::string& generate_name, Phase phase,
                              const PlanOptions& options) {
  const std::string revision =
      options.revision.size() >= 8 ? options.revision.substr(0, 7) : options.revision;
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(options.operation_started.time_since_epoch())
          .count();
  return generate_name +
         lower(revision + "-" + std::string(phaseName(phase)) + "-" + std::to_string(seconds));
}

void defaultNamespace(kube::Object& object, bool namespaced, const std::string& destination) {
  if (!namespaced || destination.empty()) return;
  auto& metadata = object["metadata"];
  if (!metadata.is_object()) return;
  const auto it = metadata.find("namespace");
  if (it == metadata.end() || !it->is_string() || it->get<std::string>().empty()) {
    metadata["namespace"] = destination;
  }
}

bool isNamespaceKey(const core::ResourceKey& key) {
  return key.group.empty() && key.kind == "Namespace";
}

// gitops-engine's adjustDeps: a dependency (Namespace, CRD) sorted after the first task that
// needs it moves just before that task and takes its phase and wave. Only desired, non-hook
// objects are dependencies; only applies and hook creations need one.
template <typename DepKey, typename NeedKey>
void adjustDependencies(std::vector<SyncTask>& tasks, DepKey dep_key, NeedKey need_key) {
  std::map<std::string, std::size_t> first_need;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    SyncTask& task = tasks[i];
    if (task.action != Action::kApply && task.action != Action::kCreateHook) continue;
    if (const std::optional<std::string> dep =
            task.action == Action::kApply ? dep_key(task) : std::nullopt) {
      const auto it = first_need.find(*dep);
      if (it == first_need.end()) continue;
      const std::size_t target = it->second;
      task.phase = tasks[target].phase;
      task.wave = tasks[target].wave;
      std::rotate(tasks.begin() + static_cast<std::ptrdiff_t>(target),
                  tasks.begin() + static_cast<std::ptrdiff_t>(i),
                  tasks.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      for (auto& [name, index] : first_need) {
        if (index >= target) ++index;
      }
    } else if (const std::optional<std::string> need = need_key(task)) {
      first_need.emplace(*need, i);
    }
  }
}

struct Planner {
  const PlanOptions& options;
  SyncPlan plan;
  std::vector<SyncTask> tasks;
  std::vector<std::string> errors;
  std::vector<bool> prune_last;  // parallel to tasks while planning

  void add(SyncTask task, bool last = false) {
    tasks.push_back(std::move(task));
    prune_last.push_back(last);
  }

  std::optional<int> wave(const kube::Object& object, const std::string& label) {
    auto wave = internal::syncWave(object, label);
    if (!wave.ok()) {
      errors.push_back(wave.status().message());
      return std::nullopt;
    }
    return *wave;
  }

  bool hooksRun() const { return !options.skip_hooks && options.only.empty(); }

  void planHook(const ResourceState& state, const HookSpec& hook, const std::string& label) {
    const kube::Object& desired = *state.desired;
    if (hook.phases.empty()) {
      plan.skipped.push_back({state.key, hook.not_run_reason});
      return;
    }
    if (!hooksRun()) {
      plan.skipped.push_back(
          {state.key, options.skip_hooks
                          ? "hook not run: hooks are skipped (apply strategy)"
                          : "hook not run: hooks are skipped when syncing a subset of resources"});
      return;
    }
    const auto wave_value = wave(desired, label);
    const std::string name = stringAt(desired, "metadata", "name");
    const std::string generate_name = stringAt(desired, "metadata", "generateName");
    if (name.empty() && generate_name.empty()) {
      errors.push_back(label + ": hook has neither metadata.name nor metadata.generateName");
      return;
    }
    if (!wave_value) return;
    for (const Phase phase : hook.phases) {
      SyncTask task;
      task.key = state.key;
      task.phase = phase;
      task.wave = *wave_value;
      task.object = desired;
      // A generated name is new to this operation: no live object can carry it yet.
      task.live = name.empty() ? nullptr : state.live;
      task.delete_policies = hook.delete_policies;
      defaultNamespace(task.object, state.namespaced, options.destination_namespace);
      if (name.empty()) {
        task.key.name = generatedHookName(generate_name, phase, options);
        task.object["metadata"]["name"] = task.key.name;
      }
      if (task.live && task.hasDeletePolicy(HookDeletePolicy::kBeforeHookCreation)) {
        SyncTask deletion = task;
        deletion.action = Action::kDeleteHookBefore;
        deletion.object = *task.live;
        add(std::move(deletion));
      }
      task.action = Action::kCreateHook;
      add(std::move(task));
    }
  }

  void planDesired(const ResourceState& state) {
    const std::string label = state.key.toString();
    const kube::Object& desired = *state.desired;
    if (!desired.is_object()) {
      errors.push_back(label + ": desired object is not a JSON object");
      return;
    }
    auto hook = internal::hookOf(desired, label);
    if (!hook.ok()) {
      errors.push_back(hook.status().message());
      return;
    }
    if (hook->skip) {
      plan.skipped.push_back({state.key, hook->not_run_reason});
      return;
    }
    if (hook->is_hook) {
      planHook(state, *hook, label);
      return;
    }
    if (!options.only.empty() && options.only.count(state.key) == 0) return;
    if (options.apply_out_of_sync_only && state.live && !state.out_of_sync) {
      plan.skipped.push_back({state.key, "skipped: in sync (ApplyOutOfSyncOnly=true)"});
      return;
    }
    const auto wave_value = wave(desired, label);
    if (!wave_value) return;
    SyncTask task;
    task.key = state.key;
    task.phase = Phase::kSync;
    task.wave = *wave_value;
    task.action = Action::kApply;
    task.object = desired;
    task.live = state.live;
    defaultNamespace(task.object, state.namespaced, options.destination_namespace);
    add(std::move(task));
  }

  bool isCreatedNamespace(const core::ResourceKey& key) const {
    return options.create_namespace && !options.destination_namespace.empty() &&
           isNamespaceKey(key) && key.name == options.destination_namespace;
  }

  void planPrune(const ResourceState& state) {
    const kube::Object& live = *state.live;
    if (looksLikeHook(live)) return;  // hooks are cleaned up by their delete policies
    if (!options.only.empty() && options.only.count(state.key) == 0) return;
    if (!options.prune) {
      plan.prune_pending.push_back({state.key, "ignored (requires pruning)"});
      return;
    }
    if (hasSyncOption(live, "Prune=false")) {
      plan.skipped_prune.push_back({state.key, "ignored (no prune): sync option Prune=false"});
      return;
    }
    if (hasSyncOption(live, "Delete=false")) {
      plan.skipped_prune.push_back({state.key, "ignored (no delete): sync option Delete=false"});
      return;
    }
    if (isCreatedNamespace(state.key)) {
      plan.skipped_prune.push_back(
          {state.key, "ignored: destination namespace of CreateNamespace=true"});
      return;
    }
    const auto wave_value = wave(live, state.key.toString());
    if (!wave_value) return;
    SyncTask task;
    task.key = state.key;
    task.phase = Phase::kSync;
    task.wave = *wave_value;
    task.action = Action::kPrune;
    task.object = live;
    task.live = state.live;
    task.requires_confirmation = hasSyncOption(live, "Prune=confirm");
    add(std::move(task), options.prune_last || hasSyncOption(live, "PruneLast=true"));
  }

  // Reverse the prune waves, then move PruneLast prunes after the last Sync-phase wave.
  void orderPrunes() {
    std::vector<int> waves;
    for (const auto& task : tasks) {
      if (task.action == Action::kPrune) waves.push_back(task.wave);
    }
    std::sort(waves.begin(), waves.end());
    waves.erase(std::unique(waves.begin(), waves.end()), waves.end());
    for (auto& task : tasks) {
      if (task.action != Action::kPrune) continue;
      const auto at = std::lower_bound(waves.begin(), waves.end(), task.wave) - waves.begin();
      task.wave = waves[waves.size() - 1 - static_cast<std::size_t>(at)];
    }
    int last_sync_wave = 0;
    for (const auto& task : tasks) {
      if (task.phase == Phase::kSync) last_sync_wave = std::max(last_sync_wave, task.wave);
    }
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (prune_last[i]) tasks[i].wave = last_sync_wave + 1;
    }
  }

  void addNamespaceTask(const std::vector<ResourceState>& resources) {
    if (!options.create_namespace || options.destination_namespace.empty()) return;
    core::ResourceKey key{"", "Namespace", "", options.destination_namespace};
    std::shared_ptr<const kube::Object> live;
    for (const auto& state : resources) {
      if (state.key != key) continue;
      if (state.desired) return;  // declared by the application itself
      live = state.live;
    }
    int wave = 0;
    for (const auto& task : tasks) {
      if (task.phase == Phase::kPreSync) wave = std::min(wave, task.wave);
    }
    SyncTask task;
    task.key = key;
    task.phase = Phase::kPreSync;
    task.wave = wave;
    task.action = Action::kApply;
    task.object = kube::Object{{"apiVersion", "v1"},
                               {"kind", "Namespace"},
                               {"metadata", {{"name", options.destination_namespace}}}};
    task.live = std::move(live);
    task.create_namespace = true;
    add(std::move(task));
  }
};

}  // namespace

std::string_view actionName(Action action) {
  switch (action) {
    case Action::kApply:
      return "Apply";
    case Action::kPrune:
      return "Prune";
    case Action::kCreateHook:
      return "CreateHook";
    case Action::kDeleteHookBefore:
      return "DeleteHookBefore";
  }
  return "Unknown";
}

bool SyncTask::hasDeletePolicy(HookDeletePolicy policy) const {
  return std::find(delete_policies.begin(), delete_policies.end(), policy) != delete_policies.end();
}

std::vector<std::pair<Phase, int>> SyncPlan::steps() const {
  std::vector<std::pair<Phase, int>> out;
  for (const auto& task : tasks) {
    const std::pair<Phase, int> step{task.phase, task.wave};
    if (out.empty() || out.back() != step) out.push_back(step);
  }
  return out;
}

std::vector<const SyncTask*> SyncPlan::tasksOf(Phase phase, int wave) const {
  std::vector<const SyncTask*> out;
  for (const auto& task : phase == Phase::kSyncFail ? sync_fail : tasks) {
    if (task.phase == phase && task.wave == wave) out.push_back(&task);
  }
  return out;
}

core::Result<SyncPlan> planSync(const std::vector<ResourceState>& resources,
                                const PlanOptions& options) {
  Planner planner{options, {}, {}, {}, {}};
  planner.plan.dry_run = options.dry_run;
  bool any_desired = false;
  for (const auto& state : resources) {
    if (state.desired) {
      any_desired = true;
      planner.planDesired(state);
    } else if (state.live) {
      planner.planPrune(state);
    }
  }

  const bool prunes_something =
      std::any_of(planner.tasks.begin(), planner.tasks.end(),
                  [](const SyncTask& task) { return task.action == Action::kPrune; });
  if (!any_desired && options.prune && prunes_something && !options.allow_empty) {
    return core::invalidError(
        "refusing to prune every resource of the application: the rendered manifests are "
        "empty (set syncPolicy.automated.allowEmpty to allow it)");
  }
  if (!planner.errors.empty()) {
    std::string message = planner.errors.front();
    for (std::size_t i = 1; i < planner.errors.size(); ++i) message += "; " + planner.errors[i];
    return core::invalidError(std::move(message));
  }

  planner.orderPrunes();
  planner.addNamespaceTask(resources);

  std::vector<SyncTask> tasks = std::move(planner.tasks);
  std::sort(tasks.begin(), tasks.end(), taskBefore);
  adjustDependencies(
      tasks,
      [](const SyncTask& task) -> std::optional<std::string> {
        if (!isNamespaceKey(task.key) || task.create_namespace) return std::nullopt;
        return task.key.name;
      },
      [](const SyncTask& task) -> std::optional<std::string> {
        std::string ns = stringAt(task.object, "metadata", "namespace");
        if (ns.empty()) return std::nullopt;
        return ns;
      });
  adjustDependencies(
      tasks,
      [](const SyncTask& task) -> std::optional<std::string> {
        if (task.key.kind != "CustomResourceDefinition" || task.key.group != kCrdGroup) {
          return std::nullopt;
        }
        const std::string group = stringAt(task.object, "spec", "group");
        const auto spec = task.object.find("spec");
        if (group.empty() || spec == task.object.end() || !spec->is_object()) {
          return std::nullopt;
        }
        const std::string kind = stringAt(*spec, "names", "kind");
        if (kind.empty()) return std::nullopt;
        return group + "/" + kind;
      },
      [](const SyncTask& task) -> std::optional<std::string> {
        return task.key.group + "/" + task.key.kind;
      });

  SyncPlan plan = std::move(planner.plan);
  for (auto& task : tasks) {
    (task.phase == Phase::kSyncFail ? plan.sync_fail : plan.tasks).push_back(std::move(task));
  }
  return plan;
}

}  // namespace gitopsd::sync
