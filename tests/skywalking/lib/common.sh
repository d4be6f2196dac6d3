# Shared helpers for the SkyWalking OAP scripts. Sourced, not executed.
#
# The generic helpers (log, die, with_heartbeat, pick_free_port, port_owner, pid_alive,
# last_error_line, GITOPSD_CACHE) come from the control plane harness so every harness reports
# and picks ports the same way.
SKYWALKING_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$SKYWALKING_SCRIPTS_DIR/../cluster/lib/common.sh"

SKYWALKING_VERSION="10.1.0"
SKYWALKING_MAIN_CLASS="org.apache.skywalking.oap.server.starter.OAPServerStartUp"
# The pom that lists the OAP jars (tests may point it elsewhere to check the failure reports).
SKYWALKING_POM="${GITOPSD_SKYWALKING_POM:-$SKYWALKING_SCRIPTS_DIR/pom.xml}"

# java_bin: the java launcher on PATH, resolved to the real binary (the one /proc/PID/exe shows).
java_bin() {
  local j
  j="$(command -v java)" || return 1
  readlink -f "$j"
}

# oap_key: changes whenever the pom or the Java runtime changes.
oap_key() {
  { cat "$SKYWALKING_POM"; java -version 2>&1; } | sha256sum | cut -c1-16
}

# oap_lib_dir: the folder of the resolved OAP jars for the current pom and Java.
oap_lib_dir() { echo "$GITOPSD_CACHE/skywalking/$(oap_key)/lib"; }

# The folder of one OAP instance: config/, logs/, pids/, skywalking.env.
default_oap_dir() { echo "$PROJECT_ROOT/build/skywalking"; }
