#!/usr/bin/env bash
# Argo Rollouts' own kubectl plugin (tests/argo/build-cli) against the official v1.8.5 CRDs in
# the sandbox apiserver, with no rollouts controller running: `get rollout` and `status` draw a
# canary Rollout and the ReplicaSets it owns from the status fields and labels written here by
# hand, and each command that changes a Rollout patches exactly the fields it is known to.
source "$(dirname "$0")/lib.sh"
load_sandbox
cli="${GITOPSD_ARGO_CLI_DIR:-}/kubectl-argo-rollouts"
[[ -x "$cli" ]] ||
  fail "kubectl-argo-rollouts not found at $cli (configure with -DGITOPSD_ARGO_CLI_DIR=\$(tests/argo/build-cli --print-dir))"
argo() { "$cli" --kubeconfig "$KUBECONFIG" "$@"; }
make_scratch

# The plugin reports the version it was built from.
version="$(argo version)"
[[ "$(head -n1 <<<"$version")" =~ ^kubectl-argo-rollouts:\ v1\.8\.5(\+|$) ]] ||
  fail "unexpected version output: $version"
grep -q '^  GitTreeState: clean$' <<<"$version" || fail "version is not stamped clean: $version"

crds_dir="$("$GITOPSD_SOURCE_DIR/scripts/fetch-crds" --print-dir 2>"$SCRATCH/fetch-crds.log")" ||
  fail "scripts/fetch-crds failed: $(tail -n1 "$SCRATCH/fetch-crds.log")"
kubectl apply --server-side -f "$crds_dir/argo-rollouts/crds/" >/dev/null
established() {
  [[ "$(kubectl get crd "$1" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" == True ]]
}
for crd in rollouts analysisruns analysistemplates clusteranalysistemplates experiments; do
  wait_for 60 "$crd.argoproj.io to be Established" established "$crd.argoproj.io"
done
wait_for 30 "Rollouts in discovery" kubectl get rollouts.argoproj.io -A

ns="argo-cli-test-$RANDOM"
kubectl create namespace "$ns" >/dev/null
on_exit 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true'
k() { kubectl -n "$ns" "$@"; }
field() { k get rollouts.argoproj.io demo -o jsonpath="{$1}"; }
status_patch() { k patch rollouts.argoproj.io demo --subresource=status --type=merge -p "$1" >/dev/null; }
expect_field() { # JSONPATH WANT
  local got
  got="$(field "$1")"
  [[ "$got" == "$2" ]] || fail "Rollout $1 is '$got', expected '$2'"
}

k apply -f - >/dev/null <<'YAML'
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
spec:
  replicas: 2
  selector:
    matchLabels: {app: demo}
  template:
    metadata:
      labels: {app: demo}
    spec:
      containers:
      - name: demo
        image: registry.invalid/demo:2
  strategy:
    canary:
      steps:
      - setWeight: 20
      - pause: {}
      - setWeight: 50
      - pause: {duration: 10s}
YAML
uid="$(field .metadata.uid)"
[[ -n "$uid" ]] || fail "the Rollout has no uid"

# Before any status exists the plugin computes the phase from spec and status alone.
out="$(argo get rollout demo -n "$ns" --no-color)"
grep -qE '^Status: +◌ Progressing$' <<<"$out" || fail "a fresh Rollout is not Progressing: $out"
grep -qE '^Message: +more replicas need to be updated$' <<<"$out" || fail "unexpected message: $out"
grep -qE '^Strategy: +Canary$' <<<"$out" || fail "not drawn as a canary: $out"
grep -qE '^  SetWeight: +20$' <<<"$out" || fail "the first step's weight is not shown: $out"

# The two ReplicaSets a controller would have made: revision 1 (stable) and 2 (canary), found
# by owner reference and told apart by their rollouts-pod-template-hash label.
replicaset() { # HASH REVISION IMAGE
  k apply -f - >/dev/null <<YAML
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: demo-$1
  labels: {app: demo, rollouts-pod-template-hash: "$1"}
  annotations: {rollout.argoproj.io/revision: "$2", rollout.argoproj.io/desired-replicas: "2"}
  ownerReferences:
  - {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: demo, uid: $uid, controller: true, blockOwnerDeletion: true}
spec:
  replicas: 1
  selector:
    matchLabels: {app: demo, rollouts-pod-template-hash: "$1"}
  template:
    metadata:
      labels: {app: demo, rollouts-pod-template-hash: "$1"}
    spec:
      containers:
      - name: demo
        image: $3
YAML
}
stable=5d8f9c7b4
canary=7c6b5d9f8
replicaset "$stable" 1 registry.invalid/demo:1
replicaset "$canary" 2 registry.invalid/demo:2

# Paused at the canary's pause step, as the controller leaves it.
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
generation="$(field .metadata.generation)"
status_patch "{\"status\": {\"observedGeneration\": \"$generation\", \"stableRS\": \"$stable\",
  \"currentPodHash\": \"$canary\", \"currentStepIndex\": 1, \"controllerPause\": true,
  \"pauseConditions\": [{\"reason\": \"CanaryPauseStep\", \"startTime\": \"$now\"}],
  \"phase\": \"Paused\", \"message\": \"CanaryPauseStep\",
  \"replicas\": 2, \"updatedReplicas\": 1, \"readyReplicas\": 2, \"availableReplicas\": 2,
  \"selector\": \"app=demo\"}}"
out="$(argo get rollout demo -n "$ns" --no-color)"
grep -qE '^Status: +॥ Paused$' <<<"$out" || fail "not shown as Paused: $out"
grep -qE '^Message: +CanaryPauseStep$' <<<"$out" || fail "the pause reason is not shown: $out"
grep -qE '^  Step: +1/4$' <<<"$out" || fail "the step is not 1/4: $out"
grep -qE '^  SetWeight: +20$' <<<"$out" || fail "SetWeight is not 20: $out"
grep -qE "demo-$canary +ReplicaSet .*canary" <<<"$out" || fail "the canary ReplicaSet is not tagged: $out"
grep -qE "demo-$stable +ReplicaSet .*stable" <<<"$out" || fail "the stable ReplicaSet is not tagged: $out"
# Revisions are drawn newest first, each with its ReplicaSets under it.
tree="$(grep -E 'revision:|ReplicaSet' <<<"$out" | sed -E 's/^[^a-z]*//; s/ .*//')"
[[ "$tree" == $'revision:2\ndemo-'"$canary"$'\nrevision:1\ndemo-'"$stable" ]] ||
  fail "unexpected revision tree: $tree"
[[ "$(argo status demo -n "$ns" --watch=false)" == "Paused - CanaryPauseStep" ]] ||
  fail "status --watch=false is: $(argo status demo -n "$ns" --watch=false)"

# pause: spec.paused=true. The spec change bumps the generation, which no controller observes.
argo pause demo -n "$ns" >/dev/null
expect_field .spec.paused true
out="$(argo get rollout demo -n "$ns" --no-color)"
grep -qE '^Message: +waiting for rollout spec update to be observed$' <<<"$out" ||
  fail "an unobserved spec change is not reported: $out"

# promote with pause conditions: status.pauseConditions=null on /status, then spec.paused=false;
# the step index and controllerPause are left for the controller.
argo promote demo -n "$ns" >/dev/null
expect_field .spec.paused false
expect_field .status.pauseConditions ""
expect_field .status.currentStepIndex 1
expect_field .status.controllerPause true
status_patch "{\"status\": {\"observedGeneration\": \"$(field .metadata.generation)\"}}"
out="$(argo get rollout demo -n "$ns" --no-color)"
grep -qE '^Message: +waiting for rollout to unpause$' <<<"$out" ||
  fail "a controller pause without conditions is not 'unpausing': $out"

# promote without pause conditions skips the current step: status.currentStepIndex+1.
argo promote demo -n "$ns" >/dev/null
expect_field .status.currentStepIndex 2
expect_field .spec.paused false

# promote --full while the canary differs from stable: status.promoteFull=true.
argo promote demo -n "$ns" --full >/dev/null
expect_field .status.promoteFull true

# abort and retry: status.abort true, then false.
argo abort demo -n "$ns" >/dev/null
expect_field .status.abort true
argo retry rollout demo -n "$ns" >/dev/null
expect_field .status.abort false

# restart: spec.restartAt, an RFC 3339 UTC time close to now.
before=$(date -u +%s)
argo restart demo -n "$ns" >/dev/null
restart_at="$(field .spec.restartAt)"
[[ "$restart_at" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ||
  fail "spec.restartAt is '$restart_at'"
delta=$(($(date -u -d "$restart_at" +%s) - before))
((delta >= -2 && delta <= 5)) || fail "spec.restartAt $restart_at is $delta s from now"

# set image: the named container's image in spec.template.
argo set image demo demo=registry.invalid/demo:3 -n "$ns" >/dev/null
expect_field '.spec.template.spec.containers[0].image' registry.invalid/demo:3

# undo: spec.template becomes the previous revision's ReplicaSet template without its hash label.
argo undo demo -n "$ns" >/dev/null
expect_field '.spec.template.spec.containers[0].image' registry.invalid/demo:1
expect_field '.spec.template.metadata.labels' '{"app":"demo"}'

# status waits for Healthy: a fully promoted, observed and available Rollout returns at once.
generation="$(field .metadata.generation)"
status_patch "{\"status\": {\"observedGeneration\": \"$generation\", \"stableRS\": \"$stable\",
  \"currentPodHash\": \"$stable\", \"currentStepIndex\": 4, \"controllerPause\": null,
  \"promoteFull\": null, \"phase\": \"Healthy\", \"message\": null, \"replicas\": 2,
  \"updatedReplicas\": 2, \"readyReplicas\": 2, \"availableReplicas\": 2}}"
k patch rollouts.argoproj.io demo --type=merge -p '{"spec": {"restartAt": null}}' >/dev/null
status_patch "{\"status\": {\"observedGeneration\": \"$(field .metadata.generation)\"}}"
out="$(argo status demo -n "$ns" --timeout 20s)" || fail "status of a healthy Rollout failed: $out"
[[ "$out" == Healthy ]] || fail "status printed: $out"
out="$(argo get rollout demo -n "$ns" --no-color)"
grep -qE '^Status: +✔ Healthy$' <<<"$out" || fail "not shown as Healthy: $out"
note "argo cli: get/status drawn from hand-written status; pause, promote, promote --full, abort, retry, restart, set image and undo patch the expected fields"
