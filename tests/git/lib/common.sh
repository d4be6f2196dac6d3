# Shared helpers for the test Git server scripts. Sourced, not executed.
#
# The generic helpers (log, die, pick_free_port, port_owner, pid_alive, last_error_line) come
# from the control plane harness so both harnesses report and pick ports the same way.
GIT_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$GIT_SCRIPTS_DIR/../cluster/lib/common.sh"

# The folder of one set of Git servers: bare repositories, keys, certificates, logs, PIDs.
default_git_dir() { echo "$PROJECT_ROOT/build/git-servers"; }

# git_exec_path: where git keeps git-daemon and git-http-backend.
git_exec_path() { git --exec-path; }

# The repository that `up` creates to prove each transport serves a ref; tests leave it alone.
GIT_PROBE_REPO=harness-probe

# Git settings from the caller's environment that would change what the scripts and servers do
# (e.g. a CI-wide GIT_SSL_CAINFO overrides http.sslCAInfo): the scripts start from none of them.
unset_git_environment() {
  unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_CONFIG GIT_CONFIG_PARAMETERS \
    GIT_CONFIG_COUNT GIT_SSL_CAINFO GIT_SSL_CAPATH GIT_SSL_NO_VERIFY GIT_SSL_CERT GIT_SSL_KEY \
    GIT_SSH GIT_SSH_COMMAND GIT_SSH_VARIANT GIT_ASKPASS SSH_ASKPASS GIT_PROXY_COMMAND \
    GIT_CURL_VERBOSE GIT_TRACE GIT_TRACE_CURL http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
}
