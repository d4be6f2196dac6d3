#!/usr/bin/env bash
# The OAP runs in UTC and its clock is this machine's: getTimeInfo answers +0000 and a timestamp
# within 5 s of now; only the REST and gRPC ports listen, both on 127.0.0.1.
source "$(dirname "$0")/lib.sh"
load_oap_env
expect_json 10 "getTimeInfo timezone" '"+0000"' --get data.getTimeInfo.timezone time-info
ts="$(oap_query --get data.getTimeInfo.currentTimestamp time-info)" || fail "getTimeInfo failed: $ts"
now=$(date +%s%3N)
((ts > now - 5000 && ts < now + 5000)) || fail "OAP time $ts is not within 5 s of $now"
listeners="$(ss -Hltnp | grep "pid=$OAP_PID," | awk '{print $4}' | sed 's/^\[::ffff:\(.*\)\]/\1/' | sort -u)"
expected="$(printf '127.0.0.1:%s\n' "$OAP_GRPC_PORT" "$OAP_REST_PORT" | sort -u)"
[[ "$listeners" == "$expected" ]] || fail "OAP listens on: $(echo $listeners), expected $(echo $expected)"
ss -Hlunp | grep -q "pid=$OAP_PID," && fail "OAP listens on UDP: $(ss -Hlunp | grep "pid=$OAP_PID,")"
note "time info: UTC, clock in step, listeners on 127.0.0.1 only"
