#!/usr/bin/env bash
# The Prometheus text exposition of lib/core/metrics.h (every metric type, collected families,
# escaping) passes the real `promtool check metrics`, parser and linter, with nothing to report.
# promtool comes from Debian's prometheus package (scripts/bootstrap); the test fails without it.
source "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null ||
  fail "promtool not found on PATH: install Debian's prometheus package (scripts/bootstrap)"
sample="$GITOPSD_BIN_DIR/gitopsd_metrics_sample"
[[ -x "$sample" ]] || fail "$sample is missing: build the gitopsd_metrics_sample target"
make_scratch

"$sample" >"$SCRATCH/metrics.txt" || fail "gitopsd_metrics_sample exited with $?"
for type in counter gauge histogram; do
  grep -q "^# TYPE [a-z_]* $type\$" "$SCRATCH/metrics.txt" ||
    fail "the sample exposition has no $type family"
done
grep -q '_bucket{.*le="+Inf"}' "$SCRATCH/metrics.txt" || fail "the sample has no +Inf bucket"

rc=0
out="$(promtool check metrics <"$SCRATCH/metrics.txt" 2>&1)" || rc=$?
[[ $rc == 0 && -z "$out" ]] ||
  fail "promtool check metrics refused the exposition (exit $rc): $out"$'\n'"$(cat "$SCRATCH/metrics.txt")"

# The check has teeth: promtool refuses an unescaped quote and a counter without _total.
printf '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="b"c"} 1\n' >"$SCRATCH/bad.txt"
! promtool check metrics <"$SCRATCH/bad.txt" >/dev/null 2>&1 ||
  fail "promtool accepted a label value with an unescaped quote"
printf '# HELP x X.\n# TYPE x counter\nx 1\n' >"$SCRATCH/lint.txt"
! promtool check metrics <"$SCRATCH/lint.txt" >/dev/null 2>&1 ||
  fail "promtool accepted a counter without the _total suffix"

note "metrics: promtool check metrics accepts the exposition of $(grep -c '^# TYPE' "$SCRATCH/metrics.txt") families"
