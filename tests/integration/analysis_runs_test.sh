#!/usr/bin/env bash
# The analysis engine inside gitopsd against a real SkyWalking OAP and the full control plane:
# AnalysisRuns written by hand (the shape the rollout engine creates) are measured with the
# Bookinfo demo's apdex query and decided as Argo Rollouts decides them. Fast traffic →
# Successful (the service name read from a Secret); slow traffic → Failed with Argo's message;
# no traffic → Inconclusive, never 0; an unknown MQE metric → Error carrying OAP's message; a
# missing Secret → Error naming it; a run marked terminate → Successful "Run Terminated".
# Completion Events and gitopsd_analysis_run_total are checked.
source "$(dirname "$0")/lib.sh"
load_sandbox
make_scratch
load_oap

suffix="${SCRATCH##*.}"
suffix="${suffix,,}"
NS="analysis-$suffix"
fast="canary|reviews|bookinfo-$suffix|cluster-1|-"
slow="slow-$suffix"
quiet="quiet-$suffix"

write_config "$SCRATCH/gitopsd.yaml" "rollouts: {enabled: true, installCRDs: true, namespaces: [$NS]}"
start_gitopsd "$SCRATCH/gitopsd.yaml"
kubectl create namespace "$NS" >/dev/null
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete namespace '$NS' --wait=false >/dev/null 2>&1"
kubectl -n "$NS" create secret generic analysis-args --from-literal="service=$fast" >/dev/null

# Traffic in the last complete minute (the window the provider reads) and in the current one (the
# window after the next minute boundary), with at least 15 s of this minute left.
previous="$(oap query minute --offset -1 --settle 15)" || fail "cannot read the OAP's time: $previous"
for ago in 1 0; do
  oap feed --quiet --service "$fast" --count 60 --latency-ms 20 --minutes-ago "$ago" >/dev/null ||
    fail "feeding $fast failed"
  oap feed --quiet --service "$slow:1000" --count 60 --minutes-ago "$ago" >/dev/null ||
    fail "feeding $slow failed"
done
apdex_of() {
  oap query --get data.readMetricsValues.values.values.0.value metrics --name service_apdex \
    --service "$1" --start "$previous"
}
wait_for 30 "the OAP to show the fed minute $previous" eval '[[ "$(apdex_of "$fast")/$(apdex_of "$slow")" == 10000/5000 ]]'
note "fed: $fast apdex 10000, $slow apdex 5000 in minute $previous"
wait_for 120 "the AnalysisRun type to be served" kubectl get crd analysisruns.argoproj.io

query_of() { # SERVICE
  cat <<GRAPHQL
query queryData(\$duration: Duration!) {
  service_apdex: readMetricsValues(
    condition: {name: "service_apdex", entity: {scope: Service, serviceName: "$1", normal: true}},
    duration: \$duration) {
    label
    values { values { value } }
  }
}
GRAPHQL
}
# run NAME ARGS_JSON METRIC_EXTRA_JSON QUERY: creates an AnalysisRun of one apdex metric.
run() {
  python3 - "$@" <<'PY' | kubectl -n "$NS" create -f - >/dev/null
import json, os, sys
name, args, extra, query = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
metric = {"name": "apdex", "interval": "3s", "count": 2,
          "successCondition": "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})",
          "provider": {"skywalking": {"address": os.environ["OAP_URL"], "interval": "1m", "query": query}}}
metric.update(extra)
print(json.dumps({"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
                  "metadata": {"name": name}, "spec": {"args": args, "metrics": [metric]}}))
PY
}
secret_arg='[{"name":"service-name","valueFrom":{"secretKeyRef":{"name":"analysis-args","key":"service"}}}]'
run fast "$secret_arg" '{}' "$(query_of '{{ args.service-name }}')"
run slow "[{\"name\":\"service-name\",\"value\":\"$slow\"}]" '{}' "$(query_of '{{args.service-name}}')"
run quiet '[]' '{}' "$(query_of "$quiet")"
run unknown '[]' '{"consecutiveErrorLimit": 0, "successCondition": "true"}' \
  "query q(\$duration: Duration!) { apdex: execExpression(expression: \"no_such_metric_$suffix\", entity: {serviceName: \"$fast\", normal: true}, duration: \$duration) { type error results { values { id value } } } }"
run nosecret '[{"name":"service-name","valueFrom":{"secretKeyRef":{"name":"missing","key":"service"}}}]' \
  '{}' "$(query_of '{{args.service-name}}')"
run endless '[]' '{"count": 0, "interval": "2s"}' "$(query_of "$fast")"

field() { kubectl -n "$NS" get analysisruns.argoproj.io "$1" -o jsonpath="$2" 2>/dev/null; }
phase_of() { field "$1" '{.status.phase}'; }
wait_phase() { # RUN PHASE SECONDS
  local deadline=$((SECONDS + $3))
  until [[ "$(phase_of "$1")" == "$2" ]]; do
    if ((SECONDS >= deadline)); then
      note "status of $1: $(field "$1" '{.status}')"
      grep -F "$NS/$1" "$SCRATCH/gitopsd.log" | tail -5 >&2
      fail "AnalysisRun $1 is '$(phase_of "$1")', not $2, after $3 s"
    fi
    sleep 0.3
  done
}
expect_field() { # RUN JSONPATH EXPECTED
  local got
  got="$(field "$1" "$2")"
  [[ "$got" == "$3" ]] || fail "AnalysisRun $1 $2 is '$got', expected '$3'"
}

wait_phase fast Successful 60
expect_field fast '{.status.runSummary.count}/{.status.runSummary.successful}' 1/1
expect_field fast '{.status.metricResults[0].count}/{.status.metricResults[0].successful}' 2/2
expect_field fast '{.status.metricResults[0].measurements[*].phase}' "Successful Successful"
value="$(field fast '{.status.metricResults[0].measurements[0].value}')"
[[ "$value" == *'"value":10000'* ]] || fail "fast measurement value: $value"
[[ -n "$(field fast '{.status.completedAt}')" ]] || fail "fast has no completedAt"
note "fast: Successful, 2 measurements, value $value"

wait_phase slow Failed 60
expect_field slow '{.status.message}' 'Metric "apdex" assessed Failed due to failed (1) > failureLimit (0)'
[[ "$(field slow '{.status.metricResults[0].measurements[0].value}')" == *'"value":5000'* ]] ||
  fail "slow measurement value: $(field slow '{.status.metricResults[0].measurements[0].value}')"
note "slow: $(field slow '{.status.message}')"

wait_phase quiet Inconclusive 60
expect_field quiet '{.status.metricResults[0].measurements[0].phase}' Inconclusive
expect_field quiet '{.status.metricResults[0].measurements[0].message}' "no data in the window"
note "quiet: $(field quiet '{.status.message}')"

wait_phase unknown Error 60
message="$(field unknown '{.status.metricResults[0].measurements[0].message}')"
[[ "$message" == *"no_such_metric_$suffix"* && "$message" == *"$OAP_URL"* ]] ||
  fail "unknown metric: the Error does not carry OAP's message and address: $message"
note "unknown: $message"

wait_phase nosecret Error 30
expect_field nosecret '{.status.message}' \
  "Unable to resolve metric arguments: args.service-name: Secret $NS/missing not found"
note "nosecret: $(field nosecret '{.status.message}')"

wait_for 30 "endless to measure twice" eval '[[ "$(field endless "{.status.metricResults[0].count}")" -ge 2 ]]'
[[ "$(phase_of endless)" == Running ]] || fail "endless is $(phase_of endless) before terminate"
kubectl -n "$NS" patch analysisruns.argoproj.io endless --type merge -p '{"spec":{"terminate":true}}' >/dev/null
wait_phase endless Successful 30
expect_field endless '{.status.message}' "Run Terminated"
count="$(field endless '{.status.metricResults[0].count}')"
sleep 5
[[ "$(field endless '{.status.metricResults[0].count}')" == "$count" ]] ||
  fail "endless was measured after it completed"
note "endless: terminated after $count measurements, then left alone"

reasons="$(kubectl -n "$NS" get events -o jsonpath='{range .items[*]}{.involvedObject.name}={.reason} {end}')"
for expected in fast=AnalysisRunSuccessful slow=AnalysisRunFailed quiet=AnalysisRunInconclusive unknown=AnalysisRunError; do
  [[ " $reasons " == *" $expected "* ]] || fail "no Event $expected; events: $reasons"
done
metrics="$(curl -sf "$API_URL/metrics")" || fail "GET /metrics failed"
for line in 'gitopsd_analysis_run_total{phase="Successful"} 2' 'gitopsd_analysis_run_total{phase="Failed"} 1' \
  'gitopsd_analysis_run_total{phase="Inconclusive"} 1' 'gitopsd_analysis_run_total{phase="Error"} 2'; do
  grep -qxF "$line" <<<"$metrics" || fail "/metrics lacks '$line': $(grep gitopsd_analysis <<<"$metrics")"
done
grep -q '^gitopsd_analysis_measurement_duration_seconds_count{provider="skywalking"} ' <<<"$metrics" ||
  fail "/metrics has no skywalking measurement durations"
note "events and metrics recorded"

# gitopsctl analysis list/get, through gitopsd's API.
ctl() { "$GITOPSD_BIN_DIR/gitopsctl" --server "127.0.0.1:$API_PORT" "$@"; }
list="$(ctl analysis list -n "$NS" -o wide)" || fail "gitopsctl analysis list failed"
for row in "fast +Successful +2 successful" "slow +Failed +1 failed +Metric \"apdex\" assessed Failed" \
  "quiet +Inconclusive +1 inconclusive" "unknown +Error +1 error" "nosecret +Error +none +Unable to resolve" \
  "endless +Successful +[0-9]+ successful +Run Terminated"; do
  grep -qE "^$NS +$row" <<<"$list" || fail "gitopsctl analysis list has no row '$row':"$'\n'"$list"
done
[[ "$(ctl analysis list -o name | grep -c "^$NS/")" == 6 ]] || fail "analysis list -o name: $(ctl analysis list -o name)"
got="$(ctl analysis get "$NS/slow" -o wide)" || fail "gitopsctl analysis get failed"
for expected in "Phase:      Failed" "Measurements of apdex:" '"value":5000'; do
  [[ "$got" == *"$expected"* ]] || fail "analysis get lacks '$expected':"$'\n'"$got"
done
if missing="$(ctl analysis get -n "$NS" nope 2>&1)"; then fail "analysis get of a missing run succeeded"; fi
[[ "$missing" == *"AnalysisRun $NS/nope not found"* ]] || fail "analysis get of a missing run: $missing"
[[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$API_URL/api/v1/analysisruns")" == 405 ]] ||
  fail "POST /api/v1/analysisruns is not 405"
note "gitopsctl analysis list/get show the runs"
