#!/usr/bin/env bash
# Asking for a port that another apiserver already listens on is refused before anything
# starts, with one line naming the port and who holds it.
source "$(dirname "$0")/lib.sh"
load_sandbox
make_scratch
dir="$SCRATCH/sandbox"
on_exit '"$CLUSTER/down" --dir "$dir" >/dev/null 2>&1 || true'

rc=0
out="$("$CLUSTER/up" --profile api --dir "$dir" --apiserver-port "$APISERVER_PORT" 2>&1)" || rc=$?
((rc != 0)) || fail "up succeeded on a port in use"
expect_error_line "$out" "port $APISERVER_PORT" "already in use" "kube-apiserver"
[[ -z "$(processes_under "$dir")" ]] || fail "stray processes left behind"
note "port in use: refused clearly"
