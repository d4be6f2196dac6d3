#!/usr/bin/env bash
# up starts git daemon, lighttpd and sshd, refuses a second start in the same folder, new-repo
# adds a repository every server serves, and down stops exactly those processes and removes
# the folder; down again is harmless.
source "$(dirname "$0")/lib.sh"
make_scratch
dir="$SCRATCH/git-servers"
on_exit '"$GIT_HARNESS/down" --dir "$dir" >/dev/null 2>&1 || true'

"$GIT_HARNESS/up" --dir "$dir" 2>"$SCRATCH/up.log" || fail "up failed: $(cat "$SCRATCH/up.log")"
grep -q "ready in" "$SCRATCH/up.log" || fail "up printed no ready line: $(cat "$SCRATCH/up.log")"
pids="$(processes_under "$dir" | sort)"
recorded="$(for f in "$dir"/pids/*; do head -n1 "$f"; done | sort)"
[[ "$(wc -w <<<"$recorded")" == 3 ]] || fail "expected 3 recorded processes, found: $(ls "$dir/pids")"
[[ "$pids" == "$recorded" ]] || fail "processes under $dir ($pids) differ from the recorded ones ($recorded)"
load_git_env "$dir/git.env"
for port in "$GIT_DAEMON_PORT" "$GIT_HTTP_PORT" "$GIT_HTTPS_PORT" "$GIT_SSH_PORT"; do
  listeners="$(ss -Hltn "sport = :$port" | awk '{print $4}' | sort -u)"
  [[ "$listeners" == "127.0.0.1:$port" ]] || fail "port $port: listeners '$listeners', expected 127.0.0.1 only"
done
secret_hits="$(grep -rlF -- "$GIT_HTTP_PASSWORD" "$SCRATCH/up.log" "$dir/logs" || true)"
[[ -z "$secret_hits" ]] || fail "the HTTP password appears in: $secret_hits"

must "new-repo" "$GIT_HARNESS/new-repo" fresh --dir "$dir"
must_fail "new-repo of an existing name" "already exists" "$GIT_HARNESS/new-repo" fresh --dir "$dir"
[[ -z "$(git ls-remote "$GIT_DAEMON_URL/fresh.git")" ]] || fail "the new repository is not empty"
must "ls-remote of the probe over git://" git ls-remote "$GIT_DAEMON_URL/$GIT_PROBE_REPO.git"

rc=0; out="$("$GIT_HARNESS/up" --dir "$dir" 2>&1)" || rc=$?
((rc != 0)) || fail "a second up in the same folder succeeded"
expect_error_line "$out" "already run in $dir"

"$GIT_HARNESS/down" --dir "$dir" 2>/dev/null || fail "down failed"
for pid in $pids; do
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ -z "$state" || "$state" == Z ]] || fail "pid $pid still runs after down (state $state)"
done
[[ -z "$(processes_under "$dir")" ]] || fail "processes under $dir remain after down"
[[ ! -e "$dir" ]] || fail "down left $dir behind"
"$GIT_HARNESS/down" --dir "$dir" 2>/dev/null || fail "down of stopped servers failed"
note "lifecycle: up, refused double start, new-repo, down stops exactly what it started"
