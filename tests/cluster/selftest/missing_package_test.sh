#!/usr/bin/env bash
# A Debian package that cannot be had stops bootstrap with one line naming it.
source "$(dirname "$0")/lib.sh"
rc=0
out="$(GITOPSD_BOOTSTRAP_EXTRA_PACKAGES=gitopsd-no-such-package "$GITOPSD_SOURCE_DIR/scripts/bootstrap" 2>&1)" || rc=$?
((rc != 0)) || fail "bootstrap succeeded with a package that does not exist"
expect_error_line "$out" "not available" "gitopsd-no-such-package"
note "missing package: reported clearly"
