# /metrics of a running gitopsd that syncs an application: valid for `promtool check metrics`,
# and scraped by a real Prometheus, whose queries then show the application's info series, its
# syncs by phase, its reconcile histogram, the Git and Kubernetes request counters and the watch
# cache's objects. The same syncs and a self-heal show as Kubernetes Events.
source "$(dirname "$0")/lib.sh"
load_sandbox
load_git
make_scratch
command -v prometheus >/dev/null || fail "prometheus is not installed (scripts/bootstrap installs it)"
command -v promtool >/dev/null || fail "promtool is not installed (scripts/bootstrap installs it)"

new_repo apps
mkdir -p "$SCRATCH/apps/web"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "web"\ndata:\n  v: "1"\n' >"$SCRATCH/apps/web/web.yaml"
commit_push apps "web" >/dev/null
write_config "$SCRATCH/gitopsd.yaml"
write_app "$APPS_DIR/web.yaml" web "$(repo_url apps)" web metrics-web \
  "{automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}"
start_gitopsd "$SCRATCH/gitopsd.yaml"
wait_app web Synced Healthy 60

curl -sf "$API_URL/metrics" >"$SCRATCH/metrics.txt" || fail "GET /metrics failed"
promtool check metrics <"$SCRATCH/metrics.txt" || fail "promtool check metrics rejected /metrics"
for name in gitopsd_app_info gitopsd_app_sync_total gitopsd_app_reconcile_duration_seconds_bucket \
  gitopsd_git_requests_total gitopsd_kube_requests_total gitopsd_watch_cache_objects; do
  grep -q "^$name" "$SCRATCH/metrics.txt" || fail "/metrics has no $name"
done

prom_port="$(free_port)"
cat >"$SCRATCH/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: gitopsd
    static_configs: [{targets: ['127.0.0.1:$API_PORT']}]
YAML
prometheus --config.file="$SCRATCH/prometheus.yml" --storage.tsdb.path="$SCRATCH/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$SCRATCH/prometheus.log" 2>&1 &
prom_pid=$!
on_exit "kill $prom_pid 2>/dev/null; wait $prom_pid 2>/dev/null"

# query PROMQL: the values of the result, one "labels value" line per series.
query() {
  curl -sf --get "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$1" |
    python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; [print(x["metric"], x["value"][1]) for x in r]'
}
scraped() { [[ "$(query 'up{job="gitopsd"}')" == *" 1" ]]; }
wait_for 60 "Prometheus to scrape gitopsd" scraped || { tail -20 "$SCRATCH/prometheus.log" >&2; exit 1; }

info="$(query 'gitopsd_app_info{name="web"}')"
[[ "$info" == *"'sync_status': 'Synced'"* && "$info" == *"'health_status': 'Healthy'"* &&
   "$info" == *"'autosync_enabled': 'true'"* ]] || fail "gitopsd_app_info: $info"
syncs="$(query 'gitopsd_app_sync_total{name="web",phase="Succeeded"}')"
[[ "${syncs##* }" -ge 1 ]] || fail "gitopsd_app_sync_total: $syncs"
[[ "$(query 'gitopsd_app_reconcile_duration_seconds_count{name="web"}')" =~ \ [1-9] ]] ||
  fail "no reconcile durations"
[[ "$(query 'sum(gitopsd_kube_requests_total{verb="apply"})')" =~ \ [1-9] ]] || fail "no apply requests counted"
[[ "$(query 'gitopsd_watch_cache_objects{kind="ConfigMap"}')" =~ \ [1-9] ]] || fail "no cached ConfigMaps counted"

# Self-heal shows in its counter.
kubectl -n metrics-web patch configmap web --type merge -p '{"data":{"v":"drift"}}' >/dev/null
healed() { [[ "$(query 'gitopsd_app_self_heal_total{name="web"}')" =~ \ [1-9] ]]; }
wait_for 30 "the self-heal counted in Prometheus" healed

# Events: on the application (SyncStarted, SyncSucceeded, SelfHeal) and on the ConfigMap.
has_event() { # REASON KIND NAME
  kubectl -n metrics-web get events -o jsonpath='{range .items[*]}{.reason} {.involvedObject.kind} {.involvedObject.name} {.source.component}{"\n"}{end}' |
    grep -qx "$1 $2 $3 gitopsd"
}
for expected in "SyncStarted Application web" "SyncSucceeded Application web" \
  "SelfHeal Application web" "ResourceCreated ConfigMap web" "ResourceUpdated ConfigMap web"; do
  wait_for 20 "event $expected" has_event $expected
done
note "ok"
