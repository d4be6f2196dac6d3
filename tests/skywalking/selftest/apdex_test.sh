#!/usr/bin/env bash
# The OAP computes service_apdex (T = 500 ms, errors frustrated) from fed trace segments, and
# readMetricsValues and MQE read it for the minute the requests started in: 60 requests of 20 ms
# give 10000, 30 % errors 7000, 1000 ms 5000. An Istio-style service name round-trips. The
# companion metrics agree: service_cpm 60, service_sla 10000/7000, service_resp_time the latency.
source "$(dirname "$0")/lib.sh"
make_scratch
load_oap_env
fast="canary|reviews|bookinfo|$(unique cluster)|-"
errors="$(unique errors)"
slow="$(unique slow)"

# All three batches must land in the minute queried: start with at least 20 s of it left.
minute="$(oap_query minute --settle 20)" || fail "cannot read the OAP's time: $minute"
note "minute: $minute"
oap_feed --service "$fast" --count 60 --latency-ms 20 >/dev/null || fail "feeding $fast failed"
oap_feed --service "$errors" --count 60 --latency-ms 20 --error-rate 0.3 >/dev/null || fail "feeding $errors failed"
oap_feed --service "$slow:1000" --count 60 >/dev/null || fail "feeding $slow failed"

rmv=(--get data.readMetricsValues.values.values.0)
mqe=(--get data.execExpression.results.0.values.0.value)
check() { # SERVICE METRIC EXPECTED_NUMBER
  expect_json 30 "readMetricsValues $2 of $1" "{\"id\":\"$2_${minute//[- ]/}_$(printf %s "$1" | base64 -w0).1\",\"value\":$3,\"isEmptyValue\":false}" \
    "${rmv[@]}" metrics --name "$2" --service "$1" --start "$minute"
  expect_json 30 "MQE $2 of $1" "\"$3\"" "${mqe[@]}" mqe --expression "$2" --service "$1" --start "$minute"
}
check "$fast" service_apdex 10000
check "$errors" service_apdex 7000
check "$slow" service_apdex 5000
check "$fast" service_cpm 60
check "$fast" service_sla 10000
check "$errors" service_sla 7000
check "$fast" service_resp_time 20
check "$slow" service_resp_time 1000

# MQE answers a time series: one point per minute, id the minute's start in ms, as a string.
expect_json 10 "MQE result type" '"TIME_SERIES_VALUES"' --get data.execExpression.type \
  mqe --expression service_apdex --service "$errors" --start "$minute"
expect_json 10 "MQE error of a good expression" 'null' --get data.execExpression.error \
  mqe --expression service_apdex --service "$errors" --start "$minute"
# An MQE comparison works on the values (the rollout analysis' success conditions look so).
expect_json 10 "MQE service_apdex/100" '"70"' "${mqe[@]}" \
  mqe --expression 'service_apdex/100' --service "$errors" --start "$minute"
# normal: false names another (conjectured) service, which had no traffic.
expect_json 10 "readMetricsValues with normal false" 'true' \
  --get data.readMetricsValues.values.values.0.isEmptyValue \
  metrics --name service_apdex --service "$fast" --abnormal --start "$minute"
note "apdex: 10000, 7000 and 5000 as OAP computed them, read both ways"
