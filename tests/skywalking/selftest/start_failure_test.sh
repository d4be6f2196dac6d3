#!/usr/bin/env bash
# When the OAP cannot start, up says so in one line naming the cause and the log, and leaves no
# process behind: a configuration OAP rejects (a metrics TTL under its 2-day minimum), and a
# REST port already taken.
source "$(dirname "$0")/lib.sh"
make_scratch
dir="$SCRATCH/skywalking"
on_exit '"$OAP_HARNESS/down" --dir "$dir" >/dev/null 2>&1 || true'

cp -r "$OAP_HARNESS/config" "$SCRATCH/config"
sed -i 's/^\( *metricsDataTTL:\).*/\1 1/' "$SCRATCH/config/application.yml"
grep -q 'metricsDataTTL: 1$' "$SCRATCH/config/application.yml" || fail "could not edit the test config"
rc=0; out="$("$OAP_HARNESS/up" --dir "$dir" --config "$SCRATCH/config" 2>&1)" || rc=$?
((rc != 0)) || fail "up succeeded with metricsDataTTL 1"
expect_error_line "$out" "OAP exited during start" "TTL" "log: $dir/logs/oap.log"
[[ -z "$(processes_under "$dir")" ]] || fail "processes under $dir remain after the failed start"
[[ -s "$dir/logs/oap.log" ]] || fail "the OAP log was not kept"

# A port taken by another process.
python3 -c 'import socket,time,sys
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1); print(s.getsockname()[1], flush=True); time.sleep(60)' \
  >"$SCRATCH/port" &
holder=$!
on_exit "kill $holder 2>/dev/null || true"
for _ in $(seq 50); do [[ -s "$SCRATCH/port" ]] && break; sleep 0.1; done
port="$(cat "$SCRATCH/port")"
rc=0; out="$("$OAP_HARNESS/up" --dir "$dir" --rest-port "$port" 2>&1)" || rc=$?
((rc != 0)) || fail "up succeeded on a taken port"
expect_error_line "$out" "REST port $port on 127.0.0.1 is already in use"
[[ -z "$(processes_under "$dir")" ]] || fail "processes under $dir remain after the refused start"
note "start failures: reported in one line, nothing left running"
