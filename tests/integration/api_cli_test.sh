#!/usr/bin/env bash
# gitopsctl against gitopsd's HTTP API (docs/api.md), on the full control plane with the
# Bookinfo services (examples/bookinfo/application, without its Namespace) in their own namespace:
# gitopsd listens on a free port with a tokens file (an admin and a readonly token). app wait
# sees the first automated sync; list, get, history and manifests show the application (-o json
# read back with python3); diff exits 0 while in sync and 1 after a change by hand (selfHeal
# off), a dry-run sync changes nothing, a sync repairs it (also one limited by --resource) and
# diff is back to 0; with automated sync off, a sync to a second commit and a rollback to the
# history entry of the first bring the live state back to the old revision. A readonly token is
# refused on sync (403), no token at all on any read (401); usage errors exit 2 and diff's other
# errors 20, as with argocd.
source "$(dirname "$0")/lib.sh"
load_sandbox
load_git
make_scratch

# A namespace of this run's own: not the example's (other tests use that one), and new, so that
# the first sync has work to do.
NS="bkcli-$(tr '[:upper:]' '[:lower:]' <<<"${SCRATCH##*.}")"
on_exit "kubectl delete namespace '$NS' --ignore-not-found --wait=false >/dev/null 2>&1"
ADMIN_TOKEN=cli-admin-0123456789abcdef
READ_TOKEN=cli-read-0123456789abcdef
export GITOPSD_TOKEN="$ADMIN_TOKEN"

ctl() { "$GITOPSD_BIN_DIR/gitopsctl" "$@"; }
# expect_rc RC CMD...: runs CMD with stdout in $OUT and stderr in $ERR; fails unless it exits RC.
expect_rc() {
  local want="$1" rc=0
  shift
  OUT="$("$@" 2>"$SCRATCH/stderr")" || rc=$?
  ERR="$(cat "$SCRATCH/stderr")"
  [[ $rc == "$want" ]] || fail "'$*' exited $rc, expected $want; stdout: $OUT; stderr: $ERR"
}
out_has() { grep -qE -- "$1" <<<"$OUT" || fail "expected /$1/ in stdout: $OUT"; }
err_has() { grep -qF -- "$1" <<<"$ERR" || fail "expected '$1' in stderr: $ERR"; }
# json EXPR: evaluates the Python expression EXPR on `d`, the JSON document in $OUT.
json() {
  python3 -c 'import json, sys; d = json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" \
    <<<"$OUT"
}
fits_80() {
  local long
  long="$(awk 'length($0) > 80' <<<"$1")"
  [[ -z "$long" ]] || fail "lines over 80 columns in: $1"
}
diff_rc_is() {
  local rc=0
  ctl app diff cli-bookinfo >/dev/null 2>&1 || rc=$?
  [[ $rc == "$1" ]]
}
image() {
  kubectl -n "$NS" get deployment reviews -o jsonpath='{.spec.template.spec.containers[0].image}'
}
image_is() { [[ "$(image)" == *":$1" ]]; }
replicas_of() { kubectl -n "$NS" get deployment "$1" -o jsonpath='{.spec.replicas}'; }
replicas_are() { [[ "$(replicas_of "$1")" == "$2" ]]; }

install_istio_crds
new_repo bookinfo
mkdir -p "$SCRATCH/bookinfo/application"
for service in details ratings reviews productpage; do
  cp "$GITOPSD_SOURCE_DIR/examples/bookinfo/application/$service.yaml" "$SCRATCH/bookinfo/application/"
done
first="$(commit_push bookinfo "Bookinfo")"

cat >"$SCRATCH/tokens.csv" <<CSV
# gitopsctl end-to-end test
$ADMIN_TOKEN,ops,admin
$READ_TOKEN,viewer,readonly
CSV
LISTEN_EXTRA="tokensFile: $SCRATCH/tokens.csv" write_config "$SCRATCH/gitopsd.yaml"
grep -q "tokensFile: $SCRATCH/tokens.csv" "$SCRATCH/gitopsd.yaml" ||
  fail "write_config (lib.sh) did not put listen.tokensFile in the configuration"
export GITOPSD_SERVER="127.0.0.1:$API_PORT"
automated="{automated: {prune: true, selfHeal: false}, syncOptions: [CreateNamespace=true]}"
write_app "$APPS_DIR/bookinfo.yaml" cli-bookinfo "$(repo_url bookinfo)" application "$NS" "$automated"
start_gitopsd "$SCRATCH/gitopsd.yaml"

# --- the first automated sync, seen by app wait -------------------------------------------------
wait_for 60 "gitopsd's API to know bookinfo" ctl app get cli-bookinfo
expect_rc 0 ctl app wait cli-bookinfo --sync --health --timeout 180
out_has "^Name: +cli-bookinfo$"
out_has "^Sync Status: +Synced to main \(${first:0:7}\)$"
out_has "^Health Status: +Healthy"
note "bookinfo Synced and Healthy at $first"

# --- read commands ------------------------------------------------------------------------------
expect_rc 0 ctl app list
fits_80 "$OUT"
out_has "^NAME +CLUSTER +NAMESPACE +STATUS +HEALTH +SYNCPOLICY +CONDITIONS$"
out_has "^cli-bookinfo +in-cluster +$NS +Synced +Healthy +Auto-Prune +<none>$"
expect_rc 0 ctl app list -o wide
out_has "^cli-bookinfo .* $(repo_url bookinfo) +application +main$"
expect_rc 0 ctl app list -o name
[[ "$OUT" == cli-bookinfo ]] || fail "app list -o name printed: $OUT"
expect_rc 0 ctl app list -o json
[[ "$(json 'd[0]["metadata"]["name"] + " " + d[0]["status"]["sync"]["status"]')" == \
  "cli-bookinfo Synced" ]] ||
  fail "app list -o json: $OUT"
# The connection flags also work before the command group, as argocd's global flags.
expect_rc 0 env -u GITOPSD_SERVER "$GITOPSD_BIN_DIR/gitopsctl" --server "$API_URL" app list -o name

expect_rc 0 ctl app get cli-bookinfo
fits_80 "$(sed -n '/^$/,$p' <<<"$OUT")"  # the tables below the header block
out_has "^Repo: +$(repo_url bookinfo)$"
out_has "^Path: +application$"
out_has "^Sync Policy: +Automated \(Prune\)$"
out_has "^Operation: +Succeeded"
out_has "^GROUP +KIND +NAMESPACE +NAME +STATUS +HEALTH +MESSAGE$"
# NAMESPACE may be shortened to fit 80 columns (it gives before KIND and NAME).
out_has "^apps +Deployment +[^ ]+ +reviews +Synced +Healthy"
out_has "^ +Service +[^ ]+ +details +Synced +Healthy"
expect_rc 0 ctl app get cli-bookinfo -o json
[[ "$(json 'd["status"]["sync"]["revision"]')" == "$first" ]] || fail "get -o json revision: $OUT"
[[ "$(json 'len(d["status"]["resources"])')" == 12 ]] || fail "get -o json resources: $OUT"
expect_rc 0 ctl app get cli-bookinfo --refresh
out_has "^Sync Status: +Synced"

expect_rc 0 ctl app history cli-bookinfo
out_has "^ID +DATE +REVISION +PHASE +INITIATED-BY$"
out_has "^[0-9]+ +[0-9T:Z-]+ +${first:0:7} +Succeeded( |$)"
expect_rc 0 ctl app history cli-bookinfo -o json
[[ "$(json 'd[-1]["revision"] + " " + d[-1]["phase"]')" == "$first Succeeded" ]] ||
  fail "history -o json: $OUT"

expect_rc 0 ctl app manifests cli-bookinfo
out_has "^kind: Deployment$"
out_has "^  namespace: $NS$"
[[ "$(grep -c '^---$' <<<"$OUT")" == 12 ]] || fail "manifests is not 12 YAML documents: $OUT"
expect_rc 0 ctl app manifests cli-bookinfo -o json
namespaces='sorted({o["metadata"]["namespace"] for o in d["items"]})'
[[ "$(json 'd["kind"] + " " + str(len(d["items"])) + " " + str('"$namespaces"')')" == \
  "List 12 ['$NS']" ]] ||
  fail "manifests -o json: $OUT"

# --- diff, drift, dry run and sync --------------------------------------------------------------
expect_rc 0 ctl app diff cli-bookinfo
[[ -z "$OUT" ]] || fail "diff of a synced application printed: $OUT"
kubectl -n "$NS" scale deployment reviews --replicas=3 >/dev/null
wait_for 30 "app diff to exit 1 after scaling reviews by hand" diff_rc_is 1
expect_rc 1 ctl app diff cli-bookinfo
out_has "^===== apps/Deployment $NS/reviews ======$"
out_has "^-  replicas: 3$"
out_has "^\+  replicas: 0$"
expect_rc 0 ctl app diff cli-bookinfo --exit-code=false
sleep 3
replicas_are reviews 3 || fail "reviews was reverted although selfHeal is off"

expect_rc 0 ctl app sync cli-bookinfo --dry-run --timeout 120
out_has "^Operation: +Sync \(dry run\)$"
out_has "^Phase: +Succeeded$"
err_has "Succeeded"
replicas_are reviews 3 || fail "a dry-run sync changed reviews"
diff_rc_is 1 || fail "diff no longer shows the drift after a dry run"

expect_rc 0 ctl app sync cli-bookinfo --timeout 120
out_has "^Operation: +Sync$"
out_has "^Phase: +Succeeded$"
out_has "^Sync Revision: +$first$"
out_has "^GROUP +KIND +NAMESPACE +NAME +STATUS +MESSAGE$"
replicas_are reviews 0 || fail "sync did not scale reviews back to 0"
wait_for 30 "app diff to exit 0 after the sync" diff_rc_is 0
expect_rc 0 ctl app wait cli-bookinfo --sync --health --timeout 120

# A sync limited to one resource repairs that one only.
kubectl -n "$NS" scale deployment details-v1 --replicas=2 >/dev/null
kubectl -n "$NS" scale deployment ratings-v1 --replicas=2 >/dev/null
wait_for 30 "app diff to exit 1 after scaling two Deployments" diff_rc_is 1
expect_rc 0 ctl app sync cli-bookinfo --resource apps:Deployment:details-v1 --timeout 120
replicas_are details-v1 1 || fail "sync --resource did not repair details-v1"
replicas_are ratings-v1 2 || fail "sync --resource also changed ratings-v1"
expect_rc 0 ctl app sync cli-bookinfo --resource "apps:Deployment:$NS/ratings-v1" --timeout 120
replicas_are ratings-v1 1 || fail "sync --resource NAMESPACE/NAME did not repair ratings-v1"
expect_rc 2 ctl app sync cli-bookinfo --resource Deployment:ratings-v1
expect_rc 1 ctl app sync cli-bookinfo --resource apps:Deployment:nosuch
err_has "is not a resource of application 'cli-bookinfo'"

# --- tokens and roles ---------------------------------------------------------------------------
expect_rc 1 ctl app sync cli-bookinfo --token "$READ_TOKEN"
grep -qE "gitopsctl: .*admin" <<<"$ERR" ||
  fail "a readonly token's refusal does not name the admin role: $ERR"
expect_rc 0 ctl app get cli-bookinfo --token "$READ_TOKEN"
expect_rc 1 env -u GITOPSD_TOKEN "$GITOPSD_BIN_DIR/gitopsctl" app list
err_has "pass --token TOKEN or set \$GITOPSD_TOKEN"
expect_rc 1 ctl app list --token not-a-token
err_has "the token was refused"
expect_rc 20 env -u GITOPSD_TOKEN "$GITOPSD_BIN_DIR/gitopsctl" app diff cli-bookinfo

# --- errors and usage ---------------------------------------------------------------------------
expect_rc 1 ctl app get nosuch
err_has "gitopsctl: "
err_has "nosuch"
expect_rc 20 ctl app diff nosuch
expect_rc 20 ctl app diff cli-bookinfo --server 127.0.0.1:1
err_has "cannot connect to gitopsd at http://127.0.0.1:1"
err_has "--server"
expect_rc 2 ctl app diff
expect_rc 2 ctl app get cli-bookinfo -o bogus
expect_rc 1 ctl app terminate-op cli-bookinfo  # no operation running
expect_rc 1 ctl app rollback cli-bookinfo 1    # automated sync is on: 409, as argocd
err_has "gitopsctl: "

# --- automated sync off: sync to a second commit, then roll back to the first -------------------
manual="{syncOptions: [CreateNamespace=true]}"
write_app "$APPS_DIR/bookinfo.yaml" cli-bookinfo "$(repo_url bookinfo)" application "$NS" "$manual"
automated_off() {
  OUT="$(ctl app get cli-bookinfo -o json)" &&
    [[ "$(json '"automated" in d["spec"].get("syncPolicy", {})')" == False ]]
}
wait_for 15 "gitopsd to read the sync policy without automated" automated_off
sed -i 's/examples-bookinfo-reviews-v1:1.20.2/examples-bookinfo-reviews-v1:1.20.3/' \
  "$SCRATCH/bookinfo/application/reviews.yaml"
second="$(commit_push bookinfo "reviews 1.20.3")"
compared_second() {
  OUT="$(ctl app get cli-bookinfo -o json)" &&
    [[ "$(json 'd["status"]["sync"]["revision"]')" == "$second" ]]
}
wait_for 30 "gitopsd to compare $second" compared_second
image_is 1.20.2 || fail "the new commit was applied with automated sync off"
expect_rc 1 ctl app diff cli-bookinfo
out_has "examples-bookinfo-reviews-v1:1.20.3"
expect_rc 0 ctl app sync cli-bookinfo --timeout 120
out_has "^Sync Revision: +$second$"
image_is 1.20.3 || fail "sync did not apply $second"

expect_rc 0 ctl app history cli-bookinfo -o json
at_first='[e["id"] for e in d if e["revision"] == "'"$first"'" and e["phase"] == "Succeeded"]'
id="$(json "$at_first[0]")"
[[ "$(json 'd[0]["revision"]')" == "$second" ]] ||
  fail "the newest history entry is not $second: $OUT"
expect_rc 0 ctl app rollback cli-bookinfo "$id" --timeout 120
out_has "^Operation: +Rollback$"
out_has "^Phase: +Succeeded$"
out_has "^Sync Revision: +$first$"
image_is 1.20.2 || fail "rollback to history entry $id did not bring back the image of $first"
expect_rc 0 ctl app wait cli-bookinfo --health --operation --timeout 120
expect_rc 0 ctl app get cli-bookinfo -o json
[[ "$(json 'd["status"]["operationState"]["revision"]')" == "$first" ]] ||
  fail "the last operation is not at $first: $OUT"
note "gitopsctl list/get/history/manifests/diff/sync/rollback/wait work against gitopsd's API"
