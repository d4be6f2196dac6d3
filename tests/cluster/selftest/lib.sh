# Helpers for the harness self-tests.
source "$(dirname "${BASH_SOURCE[0]}")/../../integration/lib.sh"
CLUSTER="$GITOPSD_SOURCE_DIR/tests/cluster"

# processes_under DIR: PIDs of processes whose command line mentions DIR.
processes_under() {
  local dir="$1" pid
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [[ $pid == $$ || $pid == $BASHPID ]] && continue
    tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline" | grep -qF -- "$dir/" && echo "$pid"
  done
  return 0
}

# expect_one_clear_line OUTPUT PATTERN...: the output's error line matches every PATTERN.
expect_error_line() {
  local output="$1"; shift
  local line; line="$(grep -m1 'error:' <<<"$output" || true)"
  [[ -n "$line" ]] || fail "no 'error:' line in output:\n$output"
  local p; for p in "$@"; do grep -qE -- "$p" <<<"$line" || fail "error line lacks '$p': $line"; done
  note "error line: $line"
}
