#!/usr/bin/env bash
# The Bookinfo canary of examples/bookinfo, synced from Git by gitopsd and stepped by its rollout
# engine on the full control plane (kwok makes the pods Ready), with the official Istio CRDs and
# gitopsd's own argoproj.io CRDs (installed by gitopsd itself: rollouts.installCRDs), gated by
# its analysis engine reading the canary's apdex from a real SkyWalking OAP, which the test feeds
# with trace segments as the mesh would. A test overlay shortens the pauses, delays and analysis
# intervals and points the apdex template at the test's OAP. Checked: the three applications
# Synced/Healthy; the first revision stable at once; a new reviews image with fast canary
# traffic released through 10→20→40→60→80 %, with the VirtualService weights, DestinationRule
# subset hashes and ReplicaSet sizes checked at every step, the background analysis measuring
# from step 2 and Successful at the end, and the new revision stable with the old ReplicaSet
# scaled down after the delay; a second release whose canary traffic is slow and erroring fails
# its analysis (failureLimit 3) and aborts back to 100 % stable, scaling the canary down.
source "$(dirname "$0")/lib.sh"
load_sandbox
load_git
make_scratch
install_istio_crds
load_oap

NS=bookinfo
suffix="${SCRATCH##*.}"
cluster_name="c-${suffix,,}"  # this run's SkyWalking service names
canary_service="canary|reviews|bookinfo|$cluster_name|-"
new_repo bookinfo
for part in application istio rollout; do
  cp -r "$GITOPSD_SOURCE_DIR/examples/bookinfo/$part" "$SCRATCH/bookinfo/"
done
# The demo's overlay with test timings: pauses of 20 s (the background analysis waits a minute
# before its first measurement), the analysis every 5 s on this test's OAP and canary service,
# short scale-down delays.
rollout_file="$SCRATCH/bookinfo/rollout/reviews-rollout.yaml"
"$GITOPSD_SOURCE_DIR/examples/bookinfo/demo-overlay" "$SCRATCH/bookinfo" --oap "$OAP_URL" \
  --pause 20s --interval 5s --service "$canary_service" --scale-down-delay 3 ||
  fail "the demo overlay did not apply"
# The demo's traffic generator: the mesh's telemetry, split by the VirtualService's weights.
KUBECONFIG="$KUBECONFIG" "$GITOPSD_SOURCE_DIR/examples/bookinfo/traffic" --oap "$OAP_URL" \
  --kubectl "$KUBECTL" --cluster "$cluster_name" --rate 10 >"$SCRATCH/traffic.log" 2>&1 &
traffic_pid=$!
on_exit "kill $traffic_pid 2>/dev/null; cp '$SCRATCH/traffic.log' '${GITOPSD_TEST_TMP:-/tmp}/logs/rollout_bookinfo_test.traffic.log' 2>/dev/null"
# apdex_in OFFSET SERVICE: the service's service_apdex in the OAP's current minute plus OFFSET.
apdex_in() {
  oap query --get data.readMetricsValues.values.values.0.value metrics --name service_apdex \
    --service "$2" --start "$(oap query minute --offset "$1")"
}
first="$(commit_push bookinfo "Bookinfo demo")"

write_config "$SCRATCH/gitopsd.yaml" "rollouts: {enabled: true, installCRDs: true, namespaces: [$NS]}"
url="$(repo_url bookinfo)"
write_app "$APPS_DIR/bookinfo-app.yaml" bookinfo-app "$url" application "$NS" \
  "{automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}"
write_app "$APPS_DIR/bookinfo-istio-conf.yaml" bookinfo-istio-conf "$url" istio "$NS" \
  "{automated: {prune: true, selfHeal: true}}"
write_app "$APPS_DIR/reviews-rollout.yaml" reviews-rollout "$url" rollout "$NS" \
  "{automated: {prune: true, selfHeal: true}}"
start_gitopsd "$SCRATCH/gitopsd.yaml"

rollout() { kubectl -n "$NS" get rollouts.argoproj.io reviews-rollout -o jsonpath="$1" 2>/dev/null; }
vs_weights() {
  kubectl -n "$NS" get virtualservices.networking.istio.io reviews \
    -o jsonpath='{.spec.http[0].route[0].weight}/{.spec.http[0].route[1].weight}'
}
dr_hashes() {
  kubectl -n "$NS" get destinationrules.networking.istio.io reviews \
    -o jsonpath='{.spec.subsets[0].labels.rollouts-pod-template-hash}/{.spec.subsets[1].labels.rollouts-pod-template-hash}'
}
rs_replicas() {
  kubectl -n "$NS" get replicaset "reviews-rollout-$1" -o jsonpath='{.spec.replicas}/{.status.availableReplicas}' 2>/dev/null
}
phase_is() { [[ "$(rollout '{.status.phase}')" == "$1" ]]; }

for app in bookinfo-app bookinfo-istio-conf reviews-rollout; do wait_app "$app" Synced Healthy 240; done
stable="$(rollout '{.status.stableRS}')"
[[ -n "$stable" ]] || fail "no stableRS after the first sync"
wait_for 30 "the generator's stable reviews traffic in the OAP" eval \
  '[[ "$(apdex_in 0 "stable|reviews|bookinfo|$cluster_name|-")" == 10000 ]]'

wait_for 60 "5 available pods of the first revision" eval '[[ "$(rs_replicas "$stable")" == 5/5 ]]'
wait_for 30 "all traffic on stable" eval '[[ "$(vs_weights)" == 100/0 ]]'
[[ "$(dr_hashes)" == "$stable/$stable" ]] || fail "DestinationRule subsets carry $(dr_hashes), not $stable"
pod_version="$(kubectl -n "$NS" get pods -l "rollouts-pod-template-hash=$stable" \
  -o jsonpath='{.items[0].metadata.labels.version}')"
[[ "$pod_version" == stable ]] || fail "stable pods are labelled version=$pod_version"
note "first revision $stable stable at once with 5 pods, weights 100/0"

# A new reviews image: stepped through the canary.
sed -i 's/examples-bookinfo-reviews-v1:1.20.2/examples-bookinfo-reviews-v2:1.20.2/' \
  "$SCRATCH/bookinfo/application/reviews.yaml"
commit_push bookinfo "reviews v2" >/dev/null
wait_for 60 "a canary revision" eval '[[ -n "$(rollout "{.status.currentPodHash}")" && "$(rollout "{.status.currentPodHash}")" != "$stable" ]]'
canary="$(rollout '{.status.currentPodHash}')"
# weight → canary replicas (ceil of weight × 5 / 100)
declare -A replicas_at=([10]=1 [20]=1 [40]=2 [60]=3 [80]=4)
for weight in 10 20 40 60 80; do
  wait_for 60 "weight $weight on the canary" eval '[[ "$(vs_weights)" == "$((100 - weight))/$weight" ]]'
  [[ "$(dr_hashes)" == "$stable/$canary" ]] || fail "at $weight % the subsets carry $(dr_hashes)"
  got="$(rs_replicas "$canary")"
  [[ "$got" == "${replicas_at[$weight]}/${replicas_at[$weight]}" ]] ||
    fail "at $weight % the canary ReplicaSet is $got, expected ${replicas_at[$weight]} available"
  [[ "$(rs_replicas "$stable")" == 5/5 ]] || fail "at $weight % the stable ReplicaSet is $(rs_replicas "$stable")"
  note "step: weight $weight, canary ${replicas_at[$weight]} pods, stable 5"
done
background="$(kubectl -n "$NS" get analysisruns.argoproj.io -l "rollout-type=Background,rollouts-pod-template-hash=$canary" -o name)"
[[ -n "$background" ]] || fail "no background AnalysisRun for $canary"
wait_for 90 "the canary to become stable" eval '[[ "$(rollout "{.status.stableRS}")" == "$canary" ]]'
run_field() { kubectl -n "$NS" get "$1" -o jsonpath="$2"; }
wait_for 30 "the background analysis to end" eval '[[ "$(run_field "$background" "{.status.phase}")" == Successful ]]'
measured="$(run_field "$background" '{.status.metricResults[0].successful}')"
[[ "${measured:-0}" -ge 1 && "$(run_field "$background" '{.status.metricResults[0].failed}')" == "" ]] ||
  fail "the background analysis: $(run_field "$background" '{.status}')"
value="$(run_field "$background" '{.status.metricResults[0].measurements[0].value}')"
[[ "$value" == *'"value":10000'* ]] || fail "the background analysis measured $value"
note "background analysis Successful after $measured good apdex measurements ($value)"
wait_for 30 "the rollout Healthy" phase_is Healthy
[[ "$(vs_weights)" == 100/0 ]] || fail "after the promotion the weights are $(vs_weights)"
[[ "$(dr_hashes)" == "$canary/$canary" ]] || fail "after the promotion the subsets carry $(dr_hashes)"
[[ "$(rs_replicas "$canary")" == 5/5 ]] || fail "the new stable has $(rs_replicas "$canary")"
pod_version="$(kubectl -n "$NS" get pods -l "rollouts-pod-template-hash=$canary" \
  -o jsonpath='{.items[*].metadata.labels.version}')"
[[ "$pod_version" != *canary* ]] || fail "promoted pods still labelled canary: $pod_version"
wait_for 30 "the old stable scaled down" eval '[[ "$(rs_replicas "$stable")" == 0/ ]]'
wait_app reviews-rollout Synced Healthy 60
wait_app bookinfo-istio-conf Synced Healthy 60
note "release complete: $canary stable, old ReplicaSet scaled down"

# A bad release: a version whose requests take 2 s and half fail (its pod annotations tell the
# traffic generator), the analysis fails, the rollout aborts back to stable. (Pauses of 60 s:
# the analysis needs its initial delay of 1 minute and 4 failed measurements, 5 s apart.)
stable="$canary"
sed -i -e 's/examples-bookinfo-reviews-v2:1.20.2/examples-bookinfo-reviews-v3:1.20.2/' \
  -e 's/latency-ms: "20"/latency-ms: "2000"/' -e 's/error-rate: "0"/error-rate: "0.5"/' \
  "$SCRATCH/bookinfo/application/reviews.yaml"
grep -q 'latency-ms: "2000"' "$SCRATCH/bookinfo/application/reviews.yaml" || fail "the slow version did not apply"
sed -i 's/duration: 20s/duration: 60s/' "$rollout_file"
commit_push bookinfo "reviews v3" >/dev/null
wait_for 60 "the bad canary revision" eval '[[ "$(rollout "{.status.currentPodHash}")" != "$stable" ]]'
bad="$(rollout '{.status.currentPodHash}')"
wait_for 240 "the rollout aborted" phase_is Degraded
message="$(rollout '{.status.message}')"
[[ "$message" == *"RolloutAborted"*'Metric "apdex" assessed Failed due to failed (4) > failureLimit (3)'* ]] ||
  fail "abort message: $message"
run="$(kubectl -n "$NS" get analysisruns.argoproj.io -l "rollout-type=Background,rollouts-pod-template-hash=$bad" -o name)"
[[ "$(run_field "$run" '{.status.phase}')" == Failed ]] || fail "the bad canary's analysis: $(run_field "$run" '{.status}')"
wait_for 30 "all traffic back on stable" eval '[[ "$(vs_weights)" == 100/0 ]]'
[[ "$(rs_replicas "$stable")" == 5/5 ]] || fail "stable during the abort: $(rs_replicas "$stable")"
wait_for 30 "the aborted canary scaled down" eval '[[ "$(rs_replicas "$bad")" == 0/ ]]'
[[ "$(rollout '{.status.stableRS}')" == "$stable" ]] || fail "the aborted revision became stable"
note "bad release aborted: $message"
