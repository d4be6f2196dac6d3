#!/usr/bin/env bash
# A component that dies on start gives one error line naming it, the cause and its log; up
# exits non-zero and leaves no process behind (the etcd it had started is stopped too).
source "$(dirname "$0")/lib.sh"
make_scratch
dir="$SCRATCH/sandbox"
on_exit '"$CLUSTER/down" --dir "$dir" >/dev/null 2>&1 || true'

rc=0
out="$(GITOPSD_CLUSTER_APISERVER_EXTRA_FLAGS=--no-such-flag "$CLUSTER/up" --profile api --dir "$dir" 2>&1)" || rc=$?
((rc != 0)) || fail "up succeeded although kube-apiserver cannot start"
expect_error_line "$out" "kube-apiserver exited during start" "no-such-flag" "log: $dir/logs/kube-apiserver.log"
[[ -f "$dir/logs/kube-apiserver.log" ]] || fail "the named log file was not kept"
left="$(processes_under "$dir")"
[[ -z "$left" ]] || fail "stray processes left behind: $left"
note "component dies: reported with cause and log, nothing left running"
