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
