# Helpers for the SkyWalking OAP harness self-tests.
source "$(dirname "${BASH_SOURCE[0]}")/../../cluster/selftest/lib.sh"
OAP_HARNESS="$GITOPSD_SOURCE_DIR/tests/skywalking"
source "$OAP_HARNESS/lib/common.sh"

# load_oap_env [FILE]: reads skywalking.env (default $SKYWALKING_ENV, set by the skywalking
# fixture) and exports OAP_URL and friends. Fails loudly when there is no OAP.
load_oap_env() {
  local file="${1:-${SKYWALKING_ENV:-}}"
  [[ -n "$file" && -f "$file" ]] ||
    fail "no SkyWalking OAP: ${file:-SKYWALKING_ENV unset} missing (did skywalking.oap.up fail?)"
  set -a; source "$file"; set +a
}

oap_query() { "$OAP_HARNESS/query" "$@"; }
oap_feed() { "$OAP_HARNESS/feed" --quiet "$@"; }

# compact JSON: JSON re-printed without spaces (anything else as it is).
compact() { python3 -c 'import json,sys
try: print(json.dumps(json.loads(sys.argv[1]), separators=(",", ":")))
except ValueError: print(sys.argv[1])' "$1"; }

# expect_json SECONDS WHAT EXPECTED QUERY-ARGS...: polls `query --get ... QUERY-ARGS` until it
# prints EXPECTED (compact JSON: 10000, "7000", null, true); fails after SECONDS with the last
# answer.
expect_json() {
  local limit="$1" what="$2" expected="$3"; shift 3
  local deadline=$((SECONDS + limit)) out=""
  while :; do
    out="$(oap_query "$@" 2>&1)" || true
    [[ "$(compact "$out")" == "$(compact "$expected")" ]] && { note "ok: $what = $out"; return 0; }
    ((SECONDS < deadline)) || fail "$what: expected $expected, last answer after ${limit} s: $out"
    sleep 0.3
  done
}

# unique NAME: NAME with this test's suffix (tests share one OAP).
unique() { echo "$1-${SCRATCH##*.}"; }
