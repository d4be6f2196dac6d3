// Argo CD's per-object sync annotations, read as gitops-engine reads them, plus the kind order
// that sorts the tasks of one sync step. Pure: no I/O, no shared state, safe from any thread.
//
// Annotation values are comma-separated lists (gitops-engine GetAnnotationCSVs): items are
// trimmed, empty items dropped, duplicates removed. An annotation whose value is not a JSON
// string is kInvalid (the apiserver only stores strings). Every error names the object as
// "<group>/<Kind>:<namespace>/<name>" (generateName followed by "*" when it has no name).
//
// Deliberate differences from gitops-engine, which silently ignores bad values:
// - a sync-wave (or helm.sh/hook-weight) that is not an integer is kInvalid, not wave 0;
// - an unknown argocd.argoproj.io/hook type or hook-delete-policy is kInvalid, not ignored
//   (a typo such as "Presync" would otherwise leave the object unapplied without a word).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "kube/types.h"

namespace gitopsd::sync {

inline constexpr std::string_view kSyncWaveAnnotation = "argocd.argoproj.io/sync-wave";
inline constexpr std::string_view kHookAnnotation = "argocd.argoproj.io/hook";
inline constexpr std::string_view kHookDeletePolicyAnnotation =
    "argocd.argoproj.io/hook-delete-policy";
inline constexpr std::string_view kSyncOptionsAnnotation = "argocd.argoproj.io/sync-options";
inline constexpr std::string_view kHelmHookAnnotation = "helm.sh/hook";
inline constexpr std::string_view kHelmHookWeightAnnotation = "helm.sh/hook-weight";
inline constexpr std::string_view kHelmHookDeletePolicyAnnotation = "helm.sh/hook-delete-policy";

// Sync phases in execution order. SyncFail runs only when the sync fails.
enum class Phase { kPreSync, kSync, kPostSync, kSyncFail };
// "PreSync", "Sync", "PostSync", "SyncFail".
std::string_view phaseName(Phase phase);

// argocd.argoproj.io/hook-delete-policy values (helm.sh/hook-delete-policy maps onto the first
// three: before-hook-creation, hook-succeeded, hook-failed). kNever (Argo CD 3) keeps the hook.
enum class HookDeletePolicy { kBeforeHookCreation, kHookSucceeded, kHookFailed, kNever };
// "BeforeHookCreation", "HookSucceeded", "HookFailed", "Never".
std::string_view hookDeletePolicyName(HookDeletePolicy policy);

// Position of a kind in gitops-engine's kind order (Helm's install order): Namespace = 0,
// NetworkPolicy = 1, ... APIService = 34; every other kind gets 35 (callers order those
// alphabetically by kind). Only the kind is looked at, not the group.
int kindOrder(std::string_view kind);
// How many kinds have a fixed position (35); kindOrder of any other kind.
int knownKindCount();

// The object's wave: argocd.argoproj.io/sync-wave, else helm.sh/hook-weight, else 0. The value
// is a decimal integer with an optional sign (Go's strconv.Atoi) that fits in an int; anything
// else is kInvalid naming the object, the annotation and the value.
core::Result<int> syncWave(const kube::Object& object);

// The trimmed, de-duplicated items of a comma-separated annotation; empty when absent. kInvalid
// when the annotation is not a string.
core::Result<std::vector<std::string>> annotationList(const kube::Object& object,
                                                      std::string_view annotation);

// Whether argocd.argoproj.io/sync-options lists `option` exactly (e.g. "Prune=false"). A
// malformed annotation lists nothing.
bool hasSyncOption(const kube::Object& object, std::string_view option);

// What the hook annotations of a desired object ask for.
struct HookSpec {
  // A hook is never applied as a normal resource: it runs in `phases` (possibly none).
  bool is_hook = false;
  // argocd.argoproj.io/hook: Skip (alone): the object is neither applied nor a hook.
  bool skip = false;
  // Distinct, in execution order. Empty for Skip, for PreDelete/PostDelete hooks (they run when
  // the application is deleted) and for Helm hooks of unsupported events (pre-delete, test...).
  std::vector<Phase> phases;
  // Hooks only; never empty for a hook: BeforeHookCreation when nothing is set. Argo and Helm
  // policies are merged, distinct, in enum order.
  std::vector<HookDeletePolicy> delete_policies;
  // Why a Skip object or a hook with no phase is not run during a sync; empty otherwise.
  std::string not_run_reason;
};

// Reads argocd.argoproj.io/hook (types PreSync, Sync, PostSync, SyncFail, Skip, PreDelete,
// PostDelete; "Skip" with other types is ignored, as gitops-engine does) or, only when that
// annotation is absent, helm.sh/hook (pre-install/pre-upgrade → PreSync, post-install/
// post-upgrade → PostSync, crd-install is not a hook, other Helm events are hooks that never
// run). kInvalid for unknown Argo hook types or delete policies, naming the object.
core::Result<HookSpec> hookOf(const kube::Object& object);

// Lenient check for live objects (no validation): has a hook annotation that makes it a hook
// (argocd.argoproj.io/hook other than exactly "Skip", or helm.sh/hook other than crd-install).
// Live hooks are never pruned; their delete policies clean them up.
bool looksLikeHook(const kube::Object& object);

// "<group>/<Kind>:<namespace>/<name>" of an object from its own fields, for messages.
std::string describeObject(const kube::Object& object);

}  // namespace gitopsd::sync
