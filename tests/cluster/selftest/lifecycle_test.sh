#!/usr/bin/env bash
# up starts etcd and kube-apiserver, refuses a second start in the same folder, and down stops
# exactly those processes and removes the folder; down again is harmless.
source "$(dirname "$0")/lib.sh"
make_scratch
dir="$SCRATCH/sandbox"
on_exit '"$CLUSTER/down" --dir "$dir" >/dev/null 2>&1 || true'

"$CLUSTER/up" --profile api --dir "$dir" 2>"$dir.log" || fail "up failed: $(cat "$dir.log")"
pids="$(processes_under "$dir" | sort)"
[[ "$(wc -w <<<"$pids")" == 2 ]] || fail "expected 2 processes (etcd, kube-apiserver), found: $pids"
source "$dir/cluster.env"
curl -fsS --cacert "$CA_FILE" -H "Authorization: Bearer $ADMIN_TOKEN" "$APISERVER_URL/readyz" >/dev/null ||
  fail "apiserver not ready after up returned"

rc=0; out="$("$CLUSTER/up" --profile api --dir "$dir" 2>&1)" || rc=$?
((rc != 0)) || fail "a second up in the same folder succeeded"
expect_error_line "$out" "already runs in $dir"

"$CLUSTER/down" --dir "$dir" 2>/dev/null || fail "down failed"
for pid in $pids; do ! kill -0 "$pid" 2>/dev/null || fail "pid $pid still runs after down"; done
[[ ! -e "$dir" ]] || fail "down left $dir behind"
"$CLUSTER/down" --dir "$dir" 2>/dev/null || fail "down of a stopped sandbox failed"
note "lifecycle: up, refused double start, down stops exactly what it started"
