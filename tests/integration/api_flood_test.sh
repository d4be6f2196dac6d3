# A request flood against the API (wrk, 30 s, authenticated reads and probes) does not stop
# reconciles or grow memory without bound: self-heal of a ConfigMap still happens during the
# flood within a few seconds, the daemon stays up and answers afterwards, and its RSS grows by
# less than 64 MiB. Prints the request rate and the heal latencies before and during the flood.
source "$(dirname "$0")/lib.sh"
load_sandbox
load_git
make_scratch
command -v wrk >/dev/null || fail "wrk is not installed (scripts/bootstrap installs it)"
probe="$GITOPSD_SOURCE_DIR/tests/support/cm_probe.py"

new_repo apps
mkdir -p "$SCRATCH/apps/web"
for i in $(seq 0 14); do
  printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "web-%s"\ndata:\n  v: "1"\n' "$i" >"$SCRATCH/apps/web/web-$i.yaml"
done
commit_push apps "web" >/dev/null
printf 'flood-admin-token,ops,admin\n' >"$SCRATCH/tokens"
LISTEN_EXTRA="tokensFile: $SCRATCH/tokens" write_config "$SCRATCH/gitopsd.yaml"
# Under AddressSanitizer (the asan preset) freed memory waits in a quarantine of up to 256 MiB
# before reuse, which would read as growth here; a small quarantine keeps the RSS check about
# gitopsd. Release builds ignore the variable.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4:thread_local_quarantine_size_kb=64"
write_app "$APPS_DIR/flood.yaml" flood "$(repo_url apps)" web flood-web \
  "{automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}"
start_gitopsd "$SCRATCH/gitopsd.yaml"
wait_app flood Synced Healthy 60

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$GITOPSD_PID/status"; }
heal_summary() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["summary"]); sys.exit(0 if all(x is not None and x < float(sys.argv[2]) for x in d["ms"]) else 1)' "$1" "$2"; }

before="$(python3 "$probe" heal flood-web web-{0..4})"
note "heal before the flood: $(heal_summary "$before" 100000)"
rss_before="$(rss_kib)"

cat >"$SCRATCH/flood.lua" <<'LUA'
-- Alternates an authenticated application read and the liveness probe.
local paths = {"/api/v1/applications/flood", "/api/v1/applications", "/healthz", "/metrics"}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {["Authorization"] = "Bearer flood-admin-token"})
end
LUA
wrk -t 2 -c 64 -d 30s -s "$SCRATCH/flood.lua" "$API_URL" >"$SCRATCH/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 5
during="$(python3 "$probe" heal flood-web web-{5..14})"
wait "$wrk_pid" || fail "wrk failed: $(cat "$SCRATCH/wrk.txt")"
rss_after="$(rss_kib)"

kill -0 "$GITOPSD_PID" || fail "gitopsd died during the flood"
note "wrk: $(grep -E 'Requests/sec|requests in|Non-2xx|Socket errors' "$SCRATCH/wrk.txt" | tr -s ' ' | tr '\n' ';')"
note "heal during the flood: $(heal_summary "$during" 100000)"
note "RSS: $((rss_before / 1024)) MiB before, $((rss_after / 1024)) MiB after"
heal_summary "$during" 5000 >/dev/null || fail "self-heal during the flood took over 5 s (or never happened): $during"
grep -q "Non-2xx" "$SCRATCH/wrk.txt" && fail "the flood got error answers: $(cat "$SCRATCH/wrk.txt")"
((rss_after - rss_before < 64 * 1024)) || fail "RSS grew by $(((rss_after - rss_before) / 1024)) MiB during the flood"
curl -sf -H "Authorization: Bearer flood-admin-token" "$API_URL/api/v1/applications/flood" >/dev/null ||
  fail "the API does not answer after the flood"
wait_app flood Synced Healthy 30
note "ok"
