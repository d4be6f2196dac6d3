# Prune and bad input, on the full control plane (its garbage collector completes foreground
# deletions, Argo CD's default for pruning) with ConfigMaps: a manifest removed from Git is
# pruned with prune on and stays (OutOfSync, requiresPruning) with it off; a commit with invalid
# YAML is a ComparisonError and changes nothing; a path left without manifests is not pruned
# without allowEmpty; an unknown destination is an InvalidSpecError while the others run; an
# invalid application file is reported and changes nothing; removing an application file with
# the cascade finalizer deletes its objects.
source "$(dirname "$0")/lib.sh"
load_sandbox
load_git
make_scratch

cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: %s\ndata:\n  v: "%s"\n' "$1" "$2"; }
exists() { kubectl -n "$1" get configmap "$2" >/dev/null 2>&1; }
gone() { ! exists "$1" "$2"; }
value_is() { [[ "$(kubectl -n "$1" get configmap "$2" -o jsonpath='{.data.v}' 2>/dev/null)" == "$3" ]]; }

new_repo apps
for app in pruned kept; do
  mkdir -p "$SCRATCH/apps/$app"
  cm a 1 >"$SCRATCH/apps/$app/a.yaml"
  cm b 1 >"$SCRATCH/apps/$app/b.yaml"
done
commit_push apps "two apps" >/dev/null
url="$(repo_url apps)"
write_config "$SCRATCH/gitopsd.yaml"
write_app "$APPS_DIR/pruned.yaml" pruned "$url" pruned prune-on \
  "{automated: {prune: true}, syncOptions: [CreateNamespace=true]}"
write_app "$APPS_DIR/kept.yaml" kept "$url" kept prune-off \
  "{automated: {prune: false}, syncOptions: [CreateNamespace=true]}"
start_gitopsd "$SCRATCH/gitopsd.yaml"
wait_app pruned Synced Healthy 60
wait_app kept Synced Healthy 60
exists prune-on b && exists prune-off b || fail "objects not created"

# Removed from Git: pruned with prune on, kept and reported with it off.
rm "$SCRATCH/apps/pruned/b.yaml" "$SCRATCH/apps/kept/b.yaml"
commit_push apps "remove b" >/dev/null
wait_for 30 "b pruned in prune-on" gone prune-on b
wait_app pruned Synced Healthy 30
wait_app kept OutOfSync - 30
exists prune-off b || fail "b was pruned although prune is off"
[[ "$(app_field kept '[r["name"] for r in s["resources"] if r.get("requiresPruning")]')" == "['b']" ]] ||
  fail "kept does not report b as requiring pruning"

# Invalid YAML in a commit that also changes a: nothing applied, nothing pruned.
cm a 2 >"$SCRATCH/apps/pruned/a.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: [broken\n' >"$SCRATCH/apps/pruned/c.yaml"
commit_push apps "invalid yaml" >/dev/null
wait_for 30 "ComparisonError on pruned" has_condition pruned ComparisonError
message="$(app_field pruned '[c["message"] for c in s["conditions"]][0]')"
[[ "$message" == *"pruned/c.yaml:4"* ]] || fail "the error does not name the file and line: $message"
sleep 3
value_is prune-on a 1 || fail "a was changed by a commit that does not render"
exists prune-on a || fail "a was pruned after an invalid commit"

# No manifests left in the path (a README only), prune on, allowEmpty off: nothing pruned.
rm "$SCRATCH/apps/pruned/"*.yaml
echo "nothing here" >"$SCRATCH/apps/pruned/README"
commit_push apps "empty the path" >/dev/null
wait_for 30 "SyncError refusing to prune everything" has_condition pruned SyncError
[[ "$(app_field pruned '[c["message"] for c in s["conditions"]][0]')" == *allowEmpty* ]] ||
  fail "the refusal does not mention allowEmpty"
sleep 2
exists prune-on a || fail "everything was pruned without allowEmpty"

# An unknown destination: InvalidSpecError, the others keep running.
cat >"$APPS_DIR/lost.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: lost}
spec:
  source: {repoURL: '$url', path: kept}
  destination: {name: nowhere, namespace: x}
YAML
wait_for 30 "InvalidSpecError on lost" has_condition lost InvalidSpecError
# An application file that does not parse: reported with file and line, nothing else changes.
printf 'apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: [x\n' >"$APPS_DIR/broken.yaml"
wait_for 30 "the broken file reported with its line" grep -qE "application file rejected.*broken.yaml:[0-9]+" "$SCRATCH/gitopsd.log"
cm b 3 >"$SCRATCH/apps/kept/b.yaml"
commit_push apps "b back in kept" >/dev/null
wait_app kept Synced Healthy 30

# A PreSync hook (a ConfigMap here) and a wave: the hook runs at every sync (re-created,
# BeforeHookCreation), is never tracked, compared or pruned. A second hook has generateName
# only and gets a new name at each sync.
mkdir -p "$SCRATCH/apps/hooked"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: gen-\n  annotations: {argocd.argoproj.io/hook: PreSync}\ndata: {v: "1"}\n' \
  >"$SCRATCH/apps/hooked/generated.yaml"
generated_hooks() { kubectl -n hooks get configmaps -o name | grep -c '^configmap/gen-' || true; }
cm late 1 | sed 's/^metadata:/metadata:\n  annotations: {argocd.argoproj.io\/sync-wave: "1"}/' >"$SCRATCH/apps/hooked/late.yaml"
cm pre 1 | sed 's/^metadata:/metadata:\n  annotations: {argocd.argoproj.io\/hook: PreSync}/' >"$SCRATCH/apps/hooked/pre.yaml"
commit_push apps "hooked" >/dev/null
write_app "$APPS_DIR/hooked.yaml" hooked "$url" hooked hooks \
  "{automated: {prune: true}, syncOptions: [CreateNamespace=true]}"
wait_app hooked Synced Healthy 60
exists hooks pre && exists hooks late || fail "hook or wave-1 object missing"
hook_uid() { kubectl -n hooks get configmap pre -o jsonpath='{.metadata.uid}'; }
first_uid="$(hook_uid)"
[[ -z "$(kubectl -n hooks get configmap pre -o jsonpath='{.metadata.annotations.gitopsd\.io/tracking-id}')" ]] ||
  fail "the hook carries a tracking annotation"
cm late 2 | sed 's/^metadata:/metadata:\n  annotations: {argocd.argoproj.io\/sync-wave: "1"}/' >"$SCRATCH/apps/hooked/late.yaml"
commit_push apps "hooked: late 2" >/dev/null
wait_for 30 "late updated" value_is hooks late 2
[[ "$(hook_uid)" != "$first_uid" ]] || fail "the PreSync hook was not re-created for the new sync"
[[ "$(generated_hooks)" == 2 ]] || fail "expected one generateName hook per sync, found $(generated_hooks)"
wait_app hooked Synced Healthy 30

# ignoreDifferences with RespectIgnoreDifferences=true: a hand change to an ignored field is
# not drift, and a later sync of a new revision keeps it.
mkdir -p "$SCRATCH/apps/respect"
cm r 1 >"$SCRATCH/apps/respect/r.yaml"
commit_push apps "respect" >/dev/null
cat >"$APPS_DIR/respect.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: respect}
spec:
  source: {repoURL: '$url', path: respect}
  destination: {server: https://kubernetes.default.svc, namespace: respect}
  syncPolicy: {automated: {selfHeal: true}, syncOptions: [CreateNamespace=true, RespectIgnoreDifferences=true]}
  ignoreDifferences: [{kind: ConfigMap, jsonPointers: [/data/v]}]
YAML
wait_app respect Synced Healthy 60
kubectl -n respect patch configmap r --type merge -p '{"data":{"v":"by hand"}}' >/dev/null
sleep 3
value_is respect r "by hand" || fail "an ignored field was reverted"
app_is respect Synced - || fail "an ignored field counts as drift"
cm s 1 >"$SCRATCH/apps/respect/s.yaml"
commit_push apps "respect: add s" >/dev/null
wait_for 30 "s created by the new revision's sync" exists respect s
value_is respect r "by hand" || fail "the sync overwrote an ignored field"

# Removing an application file with the cascade finalizer deletes its objects.
cat >"$APPS_DIR/cascade.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: cascade, finalizers: [resources-finalizer.argocd.argoproj.io]}
spec:
  source: {repoURL: '$url', path: kept}
  destination: {server: https://kubernetes.default.svc, namespace: cascade}
  syncPolicy: {automated: {}, syncOptions: [CreateNamespace=true]}
YAML
wait_app cascade Synced - 60
exists cascade a || fail "cascade app not synced"
rm "$APPS_DIR/cascade.yaml"
wait_for 30 "cascade's objects deleted" gone cascade a
exists prune-off a || fail "another application's objects were deleted"
note "ok"
