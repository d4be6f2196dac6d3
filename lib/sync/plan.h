// The sync plan of one application, with Argo CD's (gitops-engine's) semantics: which objects
// to apply, which hooks to create, which live objects to prune, in which phase and wave, in
// which order. Pure: planSync does no I/O, keeps no state and is safe from any thread.
//
// The plan is recomputed from the current desired and live state on every call (level
// triggered). The executor runs the lowest step (phase, wave) it has not finished, waits for
// health, and calls planSync again; it remembers which (key, phase) tasks it already ran in this
// operation, as gitops-engine's sync results do, because a finished hook still appears in the
// next plan. Within a step it runs the tasks in order: prunes, then deletions of hooks
// (BeforeHookCreation), then applies and hook creations.
//
// Order of `tasks`: phase (PreSync, Sync, PostSync) → wave → within a step: the CreateNamespace
// task, prunes, BeforeHookCreation deletions, then applies/hook creations → kind order
// (kindOrder(); kinds without a position alphabetically) → name → namespace → group. Prunes of
// one step go in reverse kind order (dependents before what they depend on). Then, as
// gitops-engine does, a desired Namespace that comes after the first task in that namespace is
// moved just before it and takes its phase and wave, and likewise a desired CRD before the
// first object of its group/kind.
//
// Rules (Argo CD):
// - Desired objects that are hooks (see hookOf) are never applied as resources: each phase of
//   the hook becomes a kCreateHook task (SyncFail ones go to `sync_fail`); a hook without
//   metadata.name gets "<generateName><first 7 of revision>-<phase>-<unix seconds of
//   operation_started>" in lower case, so every plan of one operation names it alike (and its
//   `live` is ignored: no live object has that name before the operation creates it). A hook
//   whose live object exists and that has the BeforeHookCreation policy (the default) gets a
//   kDeleteHookBefore task just before its creation in the same step. Hooks are not run with
//   skip_hooks or a resources subset (`only`), as Argo CD skips hooks in a partial sync.
// - Other desired objects become kApply tasks in the Sync phase, at their wave.
// - Live objects with no desired counterpart (and not hooks themselves) are prune candidates:
//   without options.prune they are listed in `prune_pending`; with it, Prune=false or
//   Delete=false in their argocd.argoproj.io/sync-options lists them in `skipped_prune`, else
//   they become kPrune tasks in the Sync phase. Prune waves are mirrored: the distinct waves of
//   the prune tasks are reversed (the highest pruned first, in the slot of the lowest). With
//   options.prune_last or the object's PruneLast=true they move to one wave after the last
//   Sync-phase wave (at least 1). Prune=confirm sets requires_confirmation.
// - apply_out_of_sync_only skips kApply of objects that exist live and are in sync (listed in
//   `skipped`); hooks and prunes are never skipped by it. `only` keeps resources whose key is
//   listed (desired or prune candidates); the CreateNamespace task is kept regardless.
// - create_namespace with a destination_namespace that no desired object (hook or not) declares
//   adds a kApply task for that Namespace, first of all tasks, in the PreSync phase at
//   min(0, lowest PreSync wave); the live Namespace of that name is then never pruned.
// - Namespaced desired objects without metadata.namespace get destination_namespace in the
//   task's object (the key is left as given).
//
// Errors (kInvalid, every offending object named by its key, all of them in one message): a
// hook annotation of a desired object that does not parse (see annotations.h); a wave that does
// not parse on an object the plan would act on (objects left out by `only`, by
// apply_out_of_sync_only or as hooks that do not run are not checked); a hook with neither name
// nor generateName; a desired value that is not a JSON object. And the allowEmpty guard: no
// desired object at all, options.prune, at least one kPrune task and !allow_empty (checked
// first).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/resource_key.h"
#include "core/status.h"
#include "kube/types.h"
#include "sync/annotations.h"

namespace gitopsd::sync {

// One object of the application: desired (from Git), live (from the cluster) or both.
struct ResourceState {
  core::ResourceKey key;
  std::optional<kube::Object> desired;       // rendered, with the tracking annotation already set
  std::shared_ptr<const kube::Object> live;  // null when missing
  bool out_of_sync = false;                  // from the diff (desired vs live)
  bool namespaced = true;
};

struct PlanOptions {
  bool prune = false;
  bool dry_run = false;     // carried to SyncPlan::dry_run; the tasks are the same
  bool prune_last = false;  // app-level PruneLast=true
  bool apply_out_of_sync_only = false;
  bool allow_empty = false;
  std::set<core::ResourceKey> only;  // resources subset; empty = all
  bool create_namespace = false;
  std::string destination_namespace;
  bool skip_hooks = false;  // syncStrategy.apply: no hooks at all
  // Name seed of generateName hooks: the synced revision and the operation's start time.
  std::string revision;
  std::chrono::system_clock::time_point operation_started{};
};

enum class Action {
  kApply,             // server-side apply `object`
  kPrune,             // delete the live `object`
  kCreateHook,        // create (apply) the hook `object`; wait for it to complete
  kDeleteHookBefore,  // delete the live hook `object` (BeforeHookCreation); wait until gone
};
// "Apply", "Prune", "CreateHook", "DeleteHookBefore".
std::string_view actionName(Action action);

struct SyncTask {
  core::ResourceKey key;  // as given; for a generateName hook with the generated name
  Phase phase = Phase::kSync;
  int wave = 0;
  Action action = Action::kApply;
  // kApply/kCreateHook: the desired object (namespace defaulted, hook name generated);
  // kPrune/kDeleteHookBefore: a copy of the live object.
  kube::Object object;
  std::shared_ptr<const kube::Object> live;  // null when missing
  // Hooks (kCreateHook, kDeleteHookBefore): the hook's delete policies; empty otherwise.
  std::vector<HookDeletePolicy> delete_policies;
  bool requires_confirmation = false;  // kPrune of an object with Prune=confirm
  bool create_namespace = false;       // the task CreateNamespace=true added

  bool isHook() const {
    return action == Action::kCreateHook || action == Action::kDeleteHookBefore;
  }
  bool hasDeletePolicy(HookDeletePolicy policy) const;
};

// A resource the plan leaves alone, and why.
struct SkippedResource {
  core::ResourceKey key;
  std::string reason;

  friend bool operator==(const SkippedResource&, const SkippedResource&) = default;
};

struct SyncPlan {
  std::vector<SyncTask> tasks;      // PreSync, Sync and PostSync tasks, in execution order
  std::vector<SyncTask> sync_fail;  // SyncFail hooks, same order; run only when the sync fails
                                    // (Argo CD starts them all at once, whatever their wave)
  // With options.prune: kept by Prune=false / Delete=false (or the CreateNamespace
  // destination), reason e.g. "ignored (no prune): sync option Prune=false".
  std::vector<SkippedResource> skipped_prune;
  // Without options.prune: every prune candidate, reason "ignored (requires pruning)"; the
  // application stays OutOfSync.
  std::vector<SkippedResource> prune_pending;
  // Skip hooks, hooks that do not run in a sync, hooks left out by skip_hooks/only, and objects
  // in sync under apply_out_of_sync_only.
  std::vector<SkippedResource> skipped;
  bool dry_run = false;

  // Distinct (phase, wave) of `tasks`, in order: the steps the executor runs one by one.
  std::vector<std::pair<Phase, int>> steps() const;
  // The tasks of one step, in order (phase kSyncFail looks in `sync_fail`).
  std::vector<const SyncTask*> tasksOf(Phase phase, int wave) const;
};

core::Result<SyncPlan> planSync(const std::vector<ResourceState>& resources,
                                const PlanOptions& options);

}  // namespace gitopsd::sync
