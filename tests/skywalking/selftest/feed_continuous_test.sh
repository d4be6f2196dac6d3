#!/usr/bin/env bash
# feed's continuous mode sends --rate requests per second per service for --duration seconds,
# with each service's latency and error rate: a fast healthy service reads 10000 in every minute
# it had traffic in, a 600 ms service failing half its requests 2500 (tolerating 0.5 × half).
# feed reports an unreachable OAP in one line.
source "$(dirname "$0")/lib.sh"
make_scratch
load_oap_env
good="$(unique good)"
poor="$(unique poor)"
first="$(oap_query minute)" || fail "cannot read the OAP's time: $first"
out="$("$OAP_HARNESS/feed" --rate 10 --duration 4 --service "$good:20:0" --service "$poor:600:0.5" 2>"$SCRATCH/feed.err")" ||
  fail "feed failed: $(cat "$SCRATCH/feed.err")"
grep -q "sending 10 requests/s per service for 4 s" "$SCRATCH/feed.err" || fail "no progress line: $(cat "$SCRATCH/feed.err")"
for s in "$good" "$poor"; do
  sent="$(grep -F "service=$s " <<<"$out" | sed -E 's/.* sent=([0-9]+).*/\1/')"
  [[ "$sent" =~ ^[0-9]+$ ]] && ((sent >= 38 && sent <= 42)) || fail "$s: sent '$sent' requests in 4 s at 10/s: $out"
done
grep -qF "service=$poor " <<<"$out" && grep -F "service=$poor " <<<"$out" | grep -q "errors=20 " ||
  fail "$poor: expected 20 errors of 40: $out"
last="$(oap_query minute)" || fail "cannot read the OAP's time"

# series SERVICE EXPECTED: every non-empty point of service_apdex over [first, last] is EXPECTED
# (within 10 % for a minute that got only part of the traffic), and all 40 requests are counted.
series() {
  local deadline=$((SECONDS + 30)) got
  while :; do
    got="$(oap_query --get data.execExpression.results.0.values mqe --expression "$1" \
      --service "$2" --start "$first" --end "$last" 2>&1)" || true
    if python3 - "$got" "$3" "$4" 2>"$SCRATCH/check.err" <<'PY'; then note "ok: $1 of $2: $got"; return 0; fi
import json, sys
points, expected, tolerance = json.loads(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
values = [float(p["value"]) for p in points if p["value"] is not None]
assert values, "no data yet"
if sys.argv[2] == "sum":
    raise SystemExit(0)
assert all(abs(v - expected) <= tolerance for v in values), values
PY
    ((SECONDS < deadline)) || fail "$1 of $2 over $first..$last: $(cat "$SCRATCH/check.err"); last answer: $got"
    sleep 0.5
  done
}
series service_apdex "$good" 10000 0
series service_apdex "$poor" 2500 500
# The OAP counted every request: service_cpm over the minutes adds up to what feed sent.
deadline=$((SECONDS + 30))
until total="$(oap_query --get data.execExpression.results.0.values mqe --expression service_cpm \
    --service "$good" --start "$first" --end "$last" |
    python3 -c 'import json,sys; print(sum(int(p["value"] or 0) for p in json.load(sys.stdin)))')" &&
    [[ "$total" == 40 || "$total" == 39 || "$total" == 41 ]] && grep -q "sent=$total " <<<"$(grep -F "service=$good " <<<"$out")"; do
  ((SECONDS < deadline)) || fail "service_cpm of $good adds up to ${total:-nothing}, feed said: $out"
  sleep 0.5
done
note "ok: service_cpm of $good adds up to $total"

rc=0
err="$("$OAP_HARNESS/feed" --oap http://127.0.0.1:1 --service x --count 1 2>&1 >/dev/null)" || rc=$?
((rc == 1)) || fail "feed to a closed port exited $rc"
[[ "$err" == "feed: error: cannot reach http://127.0.0.1:1:"* && $(wc -l <<<"$err") == 1 ]] ||
  fail "feed to a closed port: $err"
note "feed continuous: rates, latencies and error rates arrive as configured"
