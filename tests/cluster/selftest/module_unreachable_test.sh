#!/usr/bin/env bash
# When a Go module cannot be fetched, build-components stops with one line that says so and
# names the build log, and caches nothing.
source "$(dirname "$0")/lib.sh"
make_scratch
tmp="$SCRATCH"
rc=0
out="$(GOPROXY=off GOMODCACHE="$tmp/mod" GOCACHE="$tmp/gocache" GITOPSD_CACHE="$tmp/cache" \
  "$CLUSTER/build-components" 2>&1)" || rc=$?
((rc != 0)) || fail "build-components succeeded without a module source"
expect_error_line "$out" "cannot fetch Go module" "log: $tmp/cache/control-plane/build.log"
[[ -z "$(find "$tmp/cache" -type f -perm -u+x 2>/dev/null)" ]] || fail "a binary was cached after a failed build"
note "module unreachable: reported clearly"
