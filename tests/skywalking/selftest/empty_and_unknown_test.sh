#!/usr/bin/env bash
# A service without traffic reads as isEmptyValue true (value 0) in readMetricsValues and as
# value null in MQE; an unknown metric is an empty point in readMetricsValues but an error in
# MQE; the minutes of a MINUTE duration include both ends.
source "$(dirname "$0")/lib.sh"
make_scratch
load_oap_env
idle="$(unique idle)"
minute="$(oap_query minute)" || fail "cannot read the OAP's time: $minute"
before="$(oap_query minute --offset -2)" || fail "cannot read the OAP's time: $before"

got="$(oap_query --get data.readMetricsValues.values.values metrics --name service_apdex \
  --service "$idle" --start "$before" --end "$minute")" || fail "readMetricsValues failed: $got"
python3 - "$got" <<'PY' || fail "readMetricsValues of an idle service over 3 minutes: $got"
import json, sys
points = json.loads(sys.argv[1])
assert len(points) == 3, f"{len(points)} points for 3 minutes"
assert all(p["value"] == 0 and p["isEmptyValue"] is True for p in points), points
PY
got="$(oap_query --get data.execExpression.results.0.values mqe --expression service_apdex \
  --service "$idle" --start "$before" --end "$minute")" || fail "execExpression failed: $got"
python3 - "$got" <<'PY' || fail "MQE of an idle service over 3 minutes: $got"
import json, sys
points = json.loads(sys.argv[1])
assert len(points) == 3, f"{len(points)} points for 3 minutes"
assert all(p["value"] is None for p in points), points
ids = [int(p["id"]) for p in points]
assert ids[1] - ids[0] == 60000 and ids[2] - ids[1] == 60000, ids
PY
note "ok: an idle service reads isEmptyValue/0 and null over 3 inclusive minutes"

expect_json 10 "readMetricsValues of an unknown metric" \
  "{\"id\":\"${minute//[- ]/}_UNKNOWN_METRIC_NAME\",\"value\":0,\"isEmptyValue\":true}" \
  --get data.readMetricsValues.values.values.0 metrics --name no_such_metric --service "$idle" --start "$minute"
expect_json 10 "MQE type of an unknown metric" '"UNKNOWN"' --get data.execExpression.type \
  mqe --expression no_such_metric --service "$idle" --start "$minute"
expect_json 10 "MQE error of an unknown metric" '"Metric: [no_such_metric] does not exist."' \
  --get data.execExpression.error mqe --expression no_such_metric --service "$idle" --start "$minute"
note "empty and unknown: read as documented"
