# Shared helpers for the test control plane scripts. Sourced, not executed.

CLUSTER_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT_ROOT="$(cd "$CLUSTER_SCRIPTS_DIR/../.." && pwd)"

# Build outputs live outside the work tree so every clone on a machine shares them.
GITOPSD_CACHE="${GITOPSD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gitopsd}"

KUBERNETES_VERSION="v1.34.4"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[%s] error: %s\n' "$(date +%H:%M:%S)" "$*" >&2; exit 1; }

# components_key prints a key that changes whenever a pinned version or the Go toolchain changes.
components_key() {
  { go version; cat "$CLUSTER_SCRIPTS_DIR"/components/*/go.mod "$CLUSTER_SCRIPTS_DIR"/components/*/go.sum \
      "$CLUSTER_SCRIPTS_DIR"/components/*/*.go; echo "$KUBERNETES_VERSION"; } |
    sha256sum | cut -c1-16
}

components_bin_dir() { echo "$GITOPSD_CACHE/control-plane/$(components_key)/bin"; }

# with_heartbeat LABEL LOG CMD...: runs CMD with its output appended to LOG, printing a line every
# 30 s so long steps are never silent.
with_heartbeat() {
  local label="$1" out="$2"; shift 2
  local start=$SECONDS
  "$@" >>"$out" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 30); do sleep 1; kill -0 "$pid" 2>/dev/null || break; done
    kill -0 "$pid" 2>/dev/null && log "  still $label ($((SECONDS - start)) s so far)"
  done
  wait "$pid"
}

# The sandbox state folder: certificates, kubeconfig, data, logs and PID files of one instance.
default_state_dir() { echo "$PROJECT_ROOT/build/sandbox"; }

# pick_free_port: a loopback TCP port nobody listens on now (the component binding it reports a
# clash if another process takes it first).
pick_free_port() {
  local port
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 12000))
    if [[ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]] && ! grep -qx "$port" "${RESERVED_PORTS_FILE:-/dev/null}" 2>/dev/null; then
      [[ -n "${RESERVED_PORTS_FILE:-}" ]] && echo "$port" >> "$RESERVED_PORTS_FILE"
      echo "$port"; return
    fi
  done
  die "no free loopback port found"
}

# port_owner PORT: describes who listens on PORT, or nothing.
port_owner() { ss -Hltnp "sport = :$1" 2>/dev/null | head -n1 | sed -E 's/.*users:\(\("([^"]+)",pid=([0-9]+).*/\1 (pid \2)/'; }

# pid_alive PID BINARY: true when PID runs BINARY (guards against a recycled PID).
pid_alive() {
  local pid="$1" binary="$2"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$binary"* ]]
}

# last_error_line LOG: the most telling line of a component's log for a one-line failure report.
last_error_line() {
  local line
  line=$(grep -aiE 'address already in use|bind:|error|fatal|failed|panic|unknown flag|invalid' "$1" 2>/dev/null | tail -n1)
  [[ -n "$line" ]] || line=$(tail -n1 "$1" 2>/dev/null)
  echo "${line:0:400}"
}
