#!/usr/bin/env bash
# When Maven cannot resolve an artifact, fetch stops with one line naming the artifact and the
# Maven log, and caches nothing. (Offline with an empty local repository: no network used.)
source "$(dirname "$0")/lib.sh"
make_scratch
rc=0
out="$(GITOPSD_CACHE="$SCRATCH/cache" GITOPSD_MAVEN_LOCAL_REPO="$SCRATCH/m2" GITOPSD_MAVEN_OFFLINE=1 \
  "$OAP_HARNESS/fetch" --print-dir 2>&1)" || rc=$?
((rc != 0)) || fail "fetch succeeded without any artifact source"
key_dir="$(GITOPSD_CACHE="$SCRATCH/cache" bash -c "source '$OAP_HARNESS/lib/common.sh'; dirname \"\$(oap_lib_dir)\"")"
expect_error_line "$out" "cannot resolve org\.apache\.skywalking:[a-z-]+:pom:10\.1\.0" "log: $key_dir/maven.log"
[[ ! -e "$key_dir/complete" && ! -e "$key_dir/lib" ]] || fail "fetch cached something after failing"
[[ "$(grep -c 'error:' <<<"$out")" == 1 ]] || fail "more than one error line: $out"
note "fetch unresolvable: reported clearly"
