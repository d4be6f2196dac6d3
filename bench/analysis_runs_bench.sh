#!/usr/bin/env bash
# The analysis engine under load: RUNS (default 1,000) AnalysisRuns at once, each one SkyWalking
# metric (the demo's apdex query) measured every 10 s without end, against one real OAP fed
# with traffic. After every run has measured once, a steady window of WINDOW seconds (default
# 60) gives gitopsd's CPU (share of one core) and RSS, the OAP's query rate (measurements per
# second, from gitopsd_analysis_measurement_duration_seconds_count) and how far the runs keep
# to their 10 s interval. The runs are terminated at the end.
#
#   bench/analysis_runs_bench.sh CLUSTER_ENV OAP_ENV BIN_DIR [RUNS] [WINDOW]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SANDBOX_ENV="$1" SKYWALKING_ENV="$2" GITOPSD_BIN_DIR="$3" GITOPSD_SOURCE_DIR="$root"
runs="${4:-1000}" window="${5:-60}"
export GITOPSD_TEST_TMP="$root/build/bench-tmp"
source "$root/tests/integration/lib.sh"
load_sandbox
load_oap
make_scratch
NS="analysis-bench-${SCRATCH##*.}"
NS="${NS,,}"
service="bench|reviews|bookinfo|cluster-1|-"

write_config "$SCRATCH/gitopsd.yaml" "rollouts: {enabled: true, installCRDs: true, namespaces: [$NS], analysisWorkers: 4}"
# The runs write their status after every measurement: lift the client's rate limit so the
# figures show the engine, not the default 50 requests/s.
sed -i "s|^cluster: {kubeconfig: \(.*\)}|cluster: {kubeconfig: \1, qps: 1000, burst: 2000}|" "$SCRATCH/gitopsd.yaml"
grep -q "qps: 1000" "$SCRATCH/gitopsd.yaml" || fail "could not lift the client rate limit"
start_gitopsd "$SCRATCH/gitopsd.yaml"
kubectl create namespace "$NS" >/dev/null
on_exit "'$KUBECTL' --kubeconfig '$KUBECONFIG' delete namespace '$NS' --wait=false >/dev/null 2>&1"
oap feed --quiet --service "$service" --rate 5 --duration 3600 >"$SCRATCH/feed.log" 2>&1 &
on_exit "kill $! 2>/dev/null"
oap feed --quiet --service "$service" --count 300 --minutes-ago 1 >/dev/null || fail "feeding the OAP failed"
# The first measurements read the last complete minute: wait until the OAP shows it.
previous="$(oap query minute --offset -1)"
wait_for 30 "the OAP to show minute $previous" eval '[[ "$(oap query --get data.readMetricsValues.values.values.0.value metrics --name service_apdex --service "$service" --start "$previous")" == 10000 ]]'
wait_for 120 "the AnalysisRun type to be served" kubectl get crd analysisruns.argoproj.io

python3 - "$runs" "$service" "$OAP_URL" >"$SCRATCH/runs.json" <<'PY'
import json, sys
runs, service, oap = int(sys.argv[1]), sys.argv[2], sys.argv[3]
query = ('query q($duration: Duration!) { service_apdex: readMetricsValues(condition: {name: '
         '"service_apdex", entity: {scope: Service, serviceName: "%s", normal: true}}, '
         'duration: $duration) { label values { values { value } } } }' % service)
items = [{"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun",
          "metadata": {"name": "run-%04d" % i},
          "spec": {"metrics": [{"name": "apdex", "interval": "10s",
                                "successCondition":
                                    "all(result.service_apdex.values.values, {asFloat(.value) >= 9900})",
                                "provider": {"skywalking": {"address": oap, "interval": "1m",
                                                            "query": query}}}]}}
         for i in range(runs)]
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
PY
note "creating $runs AnalysisRuns in $NS"
created_at=$SECONDS
kubectl -n "$NS" create -f "$SCRATCH/runs.json" >/dev/null
measured() { # runs with at least N measurements
  kubectl -n "$NS" get analysisruns.argoproj.io -o json | python3 -c '
import json, sys
n = int(sys.argv[1])
runs = json.load(sys.stdin)["items"]
print(sum(1 for r in runs if sum(m.get("count", 0) + m.get("error", 0) for m in r.get("status", {}).get("metricResults", [])) >= n))' "$1"
}
wait_for 300 "every run's first measurement" eval '[[ "$(measured 1)" == "$runs" ]]'
note "all $runs runs measured once, $((SECONDS - created_at)) s after they were created"

metric_count() {
  curl -sf "$API_URL/metrics" | awk '/^gitopsd_analysis_measurement_duration_seconds_count\{provider="skywalking"\}/ { print $2 }'
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$GITOPSD_PID/stat"; }
before_count="$(metric_count)" before_ticks="$(cpu_ticks)" before_s=$SECONDS
sleep "$window"
after_count="$(metric_count)" after_ticks="$(cpu_ticks)" elapsed=$((SECONDS - before_s))
rss_kib="$(awk '/^VmRSS:/ { print $2 }' "/proc/$GITOPSD_PID/status")"
hz="$(getconf CLK_TCK)"
statuses="$(kubectl -n "$NS" get analysisruns.argoproj.io -o json | python3 -c '
import json, sys
runs = json.load(sys.stdin)["items"]
phases = {}
for r in runs:
    p = r.get("status", {}).get("phase", "") or "(none)"
    phases[p] = phases.get(p, 0) + 1
print(", ".join(f"{k} {v}" for k, v in sorted(phases.items())))')"
python3 - "$runs" "$elapsed" "$before_count" "$after_count" "$before_ticks" "$after_ticks" "$hz" "$rss_kib" "$statuses" <<'PY'
import sys
runs, elapsed = int(sys.argv[1]), float(sys.argv[2])
count = float(sys.argv[4]) - float(sys.argv[3])
cpu = (float(sys.argv[6]) - float(sys.argv[5])) / float(sys.argv[7]) / elapsed
rss_mib = int(sys.argv[8]) / 1024
rate = count / elapsed
print(f"{runs} AnalysisRuns, one SkyWalking metric each every 10 s, over {elapsed:.0f} s:")
print(f"  OAP queries {rate:.1f}/s (ideal {runs / 10:.1f}/s: {100 * rate / (runs / 10):.0f} % kept to the interval)")
print(f"  gitopsd CPU {100 * cpu:.1f} % of a core, RSS {rss_mib:.1f} MiB")
print(f"  run phases: {sys.argv[9]}")
PY
