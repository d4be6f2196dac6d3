#!/usr/bin/env bash
# up starts one OAP (java) listening on 127.0.0.1 only, writes skywalking.env, refuses a second
# start in the same folder; down stops exactly that process and removes the folder; down again
# is harmless.
source "$(dirname "$0")/lib.sh"
make_scratch
dir="$SCRATCH/skywalking"
on_exit '"$OAP_HARNESS/down" --dir "$dir" >/dev/null 2>&1 || true'

"$OAP_HARNESS/up" --dir "$dir" 2>"$SCRATCH/up.log" || fail "up failed: $(cat "$SCRATCH/up.log")"
grep -q "ready in" "$SCRATCH/up.log" || fail "up printed no ready line: $(cat "$SCRATCH/up.log")"
load_oap_env "$dir/skywalking.env"
for key in OAP_URL OAP_REST_PORT OAP_GRPC_PORT OAP_PID OAP_LOG; do
  [[ -n "${!key:-}" ]] || fail "skywalking.env lacks $key"
done
[[ "$OAP_URL" == "http://127.0.0.1:$OAP_REST_PORT" ]] || fail "OAP_URL $OAP_URL"
pids="$(processes_under "$dir" | sort)"
[[ "$pids" == "$OAP_PID" ]] || fail "processes under $dir ($pids) differ from OAP_PID ($OAP_PID)"
[[ "$(readlink "/proc/$OAP_PID/exe")" == "$(java_bin)" ]] || fail "OAP_PID $OAP_PID is not java"
listeners="$(ss -Hltnp | grep "pid=$OAP_PID," | awk '{print $4}' | sed 's/^\[::ffff:\(.*\)\]/\1/' | sort -u)"
[[ "$listeners" == "$(printf '127.0.0.1:%s\n' "$OAP_GRPC_PORT" "$OAP_REST_PORT" | sort -u)" ]] ||
  fail "OAP listens on: $(echo $listeners)"
expect_json 5 "getTimeInfo timezone" '"+0000"' --get data.getTimeInfo.timezone time-info

rc=0; out="$("$OAP_HARNESS/up" --dir "$dir" 2>&1)" || rc=$?
((rc != 0)) || fail "a second up in the same folder succeeded"
expect_error_line "$out" "already runs in $dir"

"$OAP_HARNESS/down" --dir "$dir" 2>/dev/null || fail "down failed"
state="$(awk '{print $3}' "/proc/$OAP_PID/stat" 2>/dev/null || true)"
[[ -z "$state" || "$state" == Z ]] || fail "pid $OAP_PID still runs after down (state $state)"
[[ -z "$(processes_under "$dir")" ]] || fail "processes under $dir remain after down"
[[ ! -e "$dir" ]] || fail "down left $dir behind"
"$OAP_HARNESS/down" --dir "$dir" 2>/dev/null || fail "down of a stopped OAP failed"
note "lifecycle: up on loopback, refused double start, down stops exactly what it started"
