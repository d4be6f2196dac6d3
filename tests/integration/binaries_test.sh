#!/usr/bin/env bash
# gitopsd and gitopsctl answer --version and --help, and refuse unknown options with exit 2.
source "$(dirname "$0")/lib.sh"
version="$(sed -nE 's/^project\(gitopsd VERSION ([0-9.]+).*/\1/p' "$GITOPSD_SOURCE_DIR/CMakeLists.txt")"
for bin in gitopsd gitopsctl; do
  out="$("$GITOPSD_BIN_DIR/$bin" --version)"
  [[ "$out" == "$bin $version" ]] || fail "$bin --version printed '$out', expected '$bin $version'"
  "$GITOPSD_BIN_DIR/$bin" --help | grep -q "^Usage: $bin" || fail "$bin --help has no usage line"
  rc=0; err="$("$GITOPSD_BIN_DIR/$bin" --no-such-flag 2>&1)" || rc=$?
  [[ $rc == 2 ]] || fail "$bin --no-such-flag exited $rc, expected 2"
  grep -q -- "--no-such-flag" <<<"$err" || fail "$bin does not name the bad option: $err"
done
rc=0; err="$("$GITOPSD_BIN_DIR/gitopsd" --log-level loud 2>&1)" || rc=$?
[[ $rc == 2 ]] && grep -q -- "--log-level" <<<"$err" || fail "bad --log-level not refused clearly: $err"
note "binaries: --version, --help and bad options behave"
