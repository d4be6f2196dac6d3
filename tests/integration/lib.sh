# Helpers for integration test scripts. Sourced by each test; sets -euo pipefail.
set -euo pipefail

fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
note() { printf '%s\n' "$*" >&2; }

# load_sandbox: reads the cluster.env of the fixture's control plane (KUBECTL, APISERVER_URL,
# tokens...). A test that needs a cluster fails loudly when none is there.
load_sandbox() {
  [[ -n "${SANDBOX_ENV:-}" && -f "$SANDBOX_ENV" ]] ||
    fail "no sandbox control plane: ${SANDBOX_ENV:-SANDBOX_ENV unset} missing (did cluster.*.up fail?)"
  set -a; source "$SANDBOX_ENV"; set +a
  kubectl() { "$KUBECTL" --kubeconfig "$KUBECONFIG" "$@"; }
}

# load_oap: reads the skywalking.env of the OAP fixture (OAP_URL ...); a test that needs the OAP
# fails loudly when none is there. oap TOOL ARGS runs tests/skywalking/TOOL (feed, query).
load_oap() {
  [[ -n "${SKYWALKING_ENV:-}" && -f "$SKYWALKING_ENV" ]] ||
    fail "no SkyWalking OAP: ${SKYWALKING_ENV:-SKYWALKING_ENV unset} missing (did skywalking.oap.up fail?)"
  set -a; source "$SKYWALKING_ENV"; set +a
}
oap() { "$GITOPSD_SOURCE_DIR/tests/skywalking/$1" "${@:2}"; }

# official_crds SUBPATH: a file or folder of the official CRDs (scripts/fetch-crds), e.g.
# `official_crds istio/crds.yaml`; fails loudly when the folder was not given to the build.
official_crds() {
  [[ -n "${GITOPSD_CRDS_DIR:-}" && -f "$GITOPSD_CRDS_DIR/complete" ]] ||
    fail "no official CRDs: GITOPSD_CRDS_DIR='${GITOPSD_CRDS_DIR:-}' (configure with -DGITOPSD_CRDS_DIR=\$(scripts/fetch-crds --print-dir))"
  [[ -e "$GITOPSD_CRDS_DIR/$1" ]] || fail "$1 missing from $GITOPSD_CRDS_DIR"
  echo "$GITOPSD_CRDS_DIR/$1"
}

# install_istio_crds: the 15 official Istio CRDs, installed and Established.
install_istio_crds() {
  kubectl apply --server-side -f "$(official_crds istio/crds.yaml)" >/dev/null
  local crd
  for crd in virtualservices.networking.istio.io destinationrules.networking.istio.io gateways.networking.istio.io; do
    wait_for 60 "$crd to be Established" crd_established "$crd"
  done
}
# Polled: `kubectl wait` errors out on a CRD whose status has no conditions yet.
crd_established() {
  [[ "$(kubectl get crd "$1" -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" == True ]]
}

# wait_for SECONDS DESCRIPTION CMD...: polls CMD every 0.2 s until it succeeds or the deadline.
wait_for() {
  local limit="$1" what="$2"; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || fail "timed out after ${limit} s waiting for $what"
    sleep 0.2
  done
}

# on_exit CMD: runs CMD when the test exits, after any registered later (last in, first out).
_exit_actions=()
on_exit() { _exit_actions+=("$1"); }
_run_exit_actions() {
  local i
  for ((i = ${#_exit_actions[@]} - 1; i >= 0; i--)); do eval "${_exit_actions[i]}" || true; done
}
trap _run_exit_actions EXIT

# make_scratch: sets SCRATCH to a new per-test folder, removed on exit.
make_scratch() {
  mkdir -p "${GITOPSD_TEST_TMP:-/tmp}"
  SCRATCH="$(mktemp -d "${GITOPSD_TEST_TMP:-/tmp}/test.XXXXXX")"
  on_exit "chmod -R u+w '$SCRATCH' 2>/dev/null; rm -rf '$SCRATCH'"
}

# --- gitopsd end-to-end helpers ------------------------------------------------------------

# load_git: reads git.env of the git_servers fixture (GIT_DAEMON_URL, GIT_SERVERS_DIR ...) and
# clears the machine's git settings so the git CLI talks to the test servers plainly.
load_git() {
  [[ -n "${GIT_ENV:-}" && -f "$GIT_ENV" ]] ||
    fail "no test Git servers: ${GIT_ENV:-GIT_ENV unset} missing (did git.servers.up fail?)"
  set -a; source "$GIT_ENV"; set +a
  unset GIT_SSL_CAINFO GIT_SSL_CAPATH GIT_CONFIG_GLOBAL GIT_CONFIG_SYSTEM
}

# new_repo NAME: a bare repository on the test servers, named NAME plus this test's scratch
# suffix (tests share the servers), and a work tree $SCRATCH/NAME to commit from. Its URL is
# "$(repo_url NAME)".
new_repo() {
  "$GITOPSD_SOURCE_DIR/tests/git/new-repo" "$(repo_name "$1")" --dir "$GIT_SERVERS_DIR" >/dev/null
  mkdir -p "$SCRATCH/$1"
  git -C "$SCRATCH/$1" init -q -b main
}
repo_name() { echo "$1-${SCRATCH##*.}"; }
repo_url() { echo "$GIT_DAEMON_URL/$(repo_name "$1").git"; }

# commit_push NAME MESSAGE: commits everything in the work tree and pushes main; prints the id.
commit_push() {
  local name="$1" message="$2"
  git -C "$SCRATCH/$name" add -A
  git -C "$SCRATCH/$name" -c user.name=test -c user.email=test@localhost commit -q --allow-empty \
    -m "$message"
  git -C "$SCRATCH/$name" push -q "$GIT_SERVERS_DIR/repos/$(repo_name "$name").git" main
  git -C "$SCRATCH/$name" rev-parse HEAD
}

# start_gitopsd CONFIG: runs gitopsd in the background (log $SCRATCH/gitopsd.log, appended),
# stopped with SIGTERM when the test exits; sets GITOPSD_PID.
start_gitopsd() {
  "$GITOPSD_BIN_DIR/gitopsd" --config "$1" --log-level debug >>"$SCRATCH/gitopsd.log" 2>&1 &
  GITOPSD_PID=$!
  # The log outlives the scratch folder: GITOPSD_TEST_TMP/logs/<test>.gitopsd.log.
  mkdir -p "${GITOPSD_TEST_TMP:-/tmp}/logs"
  on_exit "cp '$SCRATCH/gitopsd.log' '${GITOPSD_TEST_TMP:-/tmp}/logs/$(basename "$0" .sh).gitopsd.log'"
  # On exit: stop it; a crash (anything but a clean exit, SIGTERM or an already reaped
  # process) shows the end of its log, where sanitizer reports go.
  on_exit "kill $GITOPSD_PID 2>/dev/null; wait $GITOPSD_PID 2>/dev/null; rc=\$?; ((rc == 0 || rc == 127 || rc == 143)) || { echo \"gitopsd exited with \$rc; its log (sanitizer reports first):\" >&2; grep -v '^time=' '$SCRATCH/gitopsd.log' | grep -A40 -E 'ERROR: |runtime error' | head -60 >&2; tail -20 '$SCRATCH/gitopsd.log' >&2; }"
}

# app_field APP EXPR: a value from the application's status file (Python expression on `s`),
# e.g. app_field web 's["sync"]["status"]'. Empty when there is no status yet.
app_field() {
  python3 - "$STATE_DIR/status/$1.json" "$2" <<'PY' 2>/dev/null || true
import json, sys
try:
    s = json.load(open(sys.argv[1]))
except Exception:
    sys.exit(0)
print(eval(sys.argv[2]))
PY
}

# app_is APP SYNC HEALTH: the status file says exactly that (HEALTH "-" for any).
app_is() {
  local got
  got="$(app_field "$1" 's["sync"]["status"] + " " + s["health"]["status"]')"
  [[ "$3" == "-" && "${got%% *}" == "$2" ]] || [[ "$got" == "$2 $3" ]]
}

# has_condition APP TYPE
has_condition() {
  [[ "$(app_field "$1" 'any(c["type"] == "'"$2"'" for c in s["conditions"])')" == True ]]
}

# wait_app APP SYNC HEALTH SECONDS: waits for app_is, failing with the last status and log lines.
wait_app() {
  local deadline=$((SECONDS + $4))
  until app_is "$1" "$2" "$3"; do
    if ((SECONDS >= deadline)); then
      note "status of $1: $(cat "$STATE_DIR/status/$1.json" 2>/dev/null | head -c 3000)"
      tail -30 "$SCRATCH/gitopsd.log" >&2
      fail "$1 is not $2/$3 after $4 s"
    fi
    sleep 0.2
  done
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# write_config FILE [EXTRA_YAML]: a gitopsd.yaml for the fixture cluster with state, cache and
# apps.d in $SCRATCH, a 1 s Git poll (or $POLL_INTERVAL), the API on a free port (or $API_PORT; more `listen` keys
# from $LISTEN_EXTRA); sets STATE_DIR, APPS_DIR, API_PORT and API_URL.
write_config() {
  STATE_DIR="$SCRATCH/state"
  APPS_DIR="$SCRATCH/apps.d"
  API_PORT="${API_PORT:-$(free_port)}"
  API_URL="http://127.0.0.1:$API_PORT"
  mkdir -p "$APPS_DIR"
  cat >"$1" <<YAML
cluster: {kubeconfig: $KUBECONFIG, context: sandbox}
listen: {address: 127.0.0.1:$API_PORT${LISTEN_EXTRA:+, $LISTEN_EXTRA}}
git: {pollInterval: ${POLL_INTERVAL:-1s}}
render: {kustomize: ${GITOPSD_RENDER_TOOLS_DIR:-/missing}/kustomize, helm: ${GITOPSD_RENDER_TOOLS_DIR:-/missing}/helm}
paths: {cache: $SCRATCH/cache, state: $STATE_DIR}
reconcile: {workers: 4, resyncInterval: 30s}
applicationDirs: [$APPS_DIR]
${2:-}
YAML
}

# write_app FILE NAME REPO PATH NAMESPACE POLICY: an Argo CD Application file; POLICY is the
# YAML of spec.syncPolicy (e.g. "{automated: {prune: true, selfHeal: true}}").
write_app() {
  cat >"$1.tmp" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: $2
spec:
  source: {repoURL: '$3', targetRevision: main, path: '$4'}
  destination: {server: https://kubernetes.default.svc, namespace: $5}
  syncPolicy: $6
YAML
  mv "$1.tmp" "$1"
}
