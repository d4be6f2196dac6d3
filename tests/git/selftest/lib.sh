# Helpers for the Git server harness self-tests.
source "$(dirname "${BASH_SOURCE[0]}")/../../cluster/selftest/lib.sh"
GIT_HARNESS="$GITOPSD_SOURCE_DIR/tests/git"
source "$GIT_HARNESS/lib/common.sh"

# load_git_env [FILE]: reads git.env (default $GIT_ENV, set by the git_servers fixture) and
# isolates git from the caller's configuration: no global or system config, no GIT_SSL_CAINFO,
# no ssh agent, a fixed identity for commits.
load_git_env() {
  local file="${1:-${GIT_ENV:-}}"
  [[ -n "$file" && -f "$file" ]] ||
    fail "no test Git servers: ${file:-GIT_ENV unset} missing (did git.servers.up fail?)"
  set -a; source "$file"; set +a
  unset_git_environment
  unset SSH_AUTH_SOCK SSH_AGENT_PID
  export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
  export GIT_CONFIG_GLOBAL=/dev/null
  export GIT_AUTHOR_NAME=gitopsd-test GIT_AUTHOR_EMAIL=test@127.0.0.1
  export GIT_COMMITTER_NAME=gitopsd-test GIT_COMMITTER_EMAIL=test@127.0.0.1
}

# ssh_command KEY KNOWN_HOSTS [OPTION...]: an ssh command line for GIT_SSH_COMMAND that uses
# only KEY and trusts only the host keys in KNOWN_HOSTS.
ssh_command() {
  local key="$1" known_hosts="$2"; shift 2
  echo "ssh -F /dev/null -i $key -o IdentitiesOnly=yes -o UserKnownHostsFile=$known_hosts" \
    "-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o ConnectTimeout=10 $*"
}

# redact TEXT: TEXT with the HTTP password and the SSH passphrase masked.
redact() {
  local text="$1"
  [[ -n "${GIT_HTTP_PASSWORD:-}" ]] && text="${text//$GIT_HTTP_PASSWORD/***}"
  [[ -n "${GIT_SSH_PASSPHRASE:-}" ]] && text="${text//$GIT_SSH_PASSPHRASE/***}"
  echo "$text"
}

# must WHAT CMD...: runs CMD quietly; on failure fails the test with WHAT and CMD's output
# (secrets masked).
must() {
  local what="$1"; shift
  local out rc=0
  out="$("$@" 2>&1)" || rc=$?
  ((rc == 0)) || fail "$what (exit $rc): $(redact "$out")"
}

# must_fail WHAT PATTERN CMD...: CMD must fail and its output match PATTERN (extended regex).
must_fail() {
  local what="$1" pattern="$2"; shift 2
  local out rc=0
  out="$("$@" 2>&1)" || rc=$?
  ((rc != 0)) || fail "$what: succeeded but must fail"
  grep -qE -- "$pattern" <<<"$out" || fail "$what: output lacks '$pattern': $(redact "$out")"
}
