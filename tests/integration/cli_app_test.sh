#!/usr/bin/env bash
# gitopsctl app create/delete manage Argo CD Application files in an application folder, with
# argocd's flags and habits: flags become fields, a second create needs --upsert, --self-heal
# needs --sync-policy automated, delete removes the definition (its file, or its document in a
# file of several) after setting the resources finalizer as --cascade says, and bad input is
# refused with exit 1 naming the problem (exit 2 for a command line that cannot be parsed).
source "$(dirname "$0")/lib.sh"
make_scratch
APPS="$SCRATCH/apps"
mkdir -p "$APPS"
export GITOPSD_APP_DIR="$APPS"
FINALIZER=resources-finalizer.argocd.argoproj.io

ctl() { "$GITOPSD_BIN_DIR/gitopsctl" "$@"; }
# expect_rc RC CMD...: runs CMD with stdout and stderr in $OUT; fails unless it exits RC.
expect_rc() {
  local want="$1" rc=0
  shift
  OUT="$("$@" 2>&1)" || rc=$?
  [[ $rc == "$want" ]] || fail "'$*' exited $rc, expected $want: $OUT"
}
# out_has TEXT: $OUT contains TEXT.
out_has() { grep -qF -- "$1" <<<"$OUT" || fail "expected '$1' in: $OUT"; }
# file_has FILE LINE...: FILE has each LINE (leading spaces ignored).
file_has() {
  local file="$1" line
  shift
  for line in "$@"; do
    grep -qxE -- " *$(sed 's/[][\.*^$/]/\\&/g' <<<"$line")" "$file" ||
      fail "$file lacks '$line':"$'\n'"$(cat "$file")"
  done
}
only_files() {
  local got
  got="$(cd "$APPS" && ls -A | tr '\n' ' ')"
  [[ "$got" == "$* " || ( $# == 0 && -z "$got" ) ]] || fail "$APPS holds '$got', expected '$*'"
}

# --- help and command-line errors ---------------------------------------------------------
ctl --help | grep -q '^Usage: gitopsctl' || fail "gitopsctl --help has no usage line"
ctl app --help | grep -q '^Usage: gitopsctl app' || fail "no usage in gitopsctl app --help"
ctl app --help | grep -q 'create NAME' || fail "gitopsctl app --help does not list create"
ctl app --help | grep -q 'delete NAME' || fail "gitopsctl app --help does not list delete"
help="$(ctl app create --help)"
for flag in --repo --path --dest-namespace --dest-server --dest-name --revision --project \
  --sync-policy --self-heal --auto-prune --allow-empty --sync-option --directory-recurse \
  --helm-set --values --release-name --nameprefix --upsert --app-dir; do
  grep -q -- "$flag" <<<"$help" || fail "gitopsctl app create --help does not mention $flag"
done
help="$(ctl app delete --help)"
for text in --cascade --yes --app-dir "$FINALIZER" "0.5 s"; do
  grep -q -- "$text" <<<"$help" || fail "gitopsctl app delete --help does not mention $text"
done
expect_rc 2 ctl app create web --repo https://git.example.com/web.git --no-such-flag
out_has "--no-such-flag"
[[ $(wc -l <<<"$OUT") == 1 ]] || fail "usage error is not one line: $OUT"
expect_rc 2 ctl app frobnicate
out_has "frobnicate"
expect_rc 2 ctl app create --repo https://git.example.com/web.git
out_has "NAME is required"
expect_rc 2 ctl app create web --repo
out_has "--repo"
expect_rc 2 ctl app delete web --cascade=maybe
out_has "--cascade"

# --- create with many flags -----------------------------------------------------------------
expect_rc 0 ctl app create web --repo https://git.example.com/web.git --path deploy \
  --revision main --project team --dest-namespace web --sync-policy automated --self-heal \
  --auto-prune --allow-empty --sync-option CreateNamespace=true --sync-option PruneLast=true \
  --directory-recurse
out_has "application 'web' created"
only_files web.yaml
file_has "$APPS/web.yaml" "apiVersion: argoproj.io/v1alpha1" "kind: Application" "name: web" \
  "project: team" "repoURL: https://git.example.com/web.git" "targetRevision: main" \
  "path: deploy" "recurse: true" "server: https://kubernetes.default.svc" "namespace: web" \
  "prune: true" "selfHeal: true" "allowEmpty: true" "- CreateNamespace=true" "- PruneLast=true"
# The scan for existing applications parses the file and finds web in it.
expect_rc 1 ctl app create web --repo https://git.example.com/other.git --dest-namespace web
out_has "gitopsctl: application 'web' already exists in $APPS/web.yaml (use --upsert)"
file_has "$APPS/web.yaml" "repoURL: https://git.example.com/web.git"

# --upsert replaces the definition; defaults: HEAD, project default, no sync policy.
expect_rc 0 ctl app create web --repo https://git.example.com/chart.git --path chart \
  --dest-namespace web --dest-name prod --helm-set replicas=2 --values values-prod.yaml \
  --release-name web-rel --upsert
out_has "application 'web' updated"
only_files web.yaml
file_has "$APPS/web.yaml" "name: web" "project: default" "targetRevision: HEAD" "path: chart" \
  "releaseName: web-rel" "- values-prod.yaml" "- name: replicas" 'value: "2"' "name: prod"
! grep -q 'selfHeal\|server:\|recurse' "$APPS/web.yaml" || fail "--upsert kept old fields"

expect_rc 0 ctl app create kust --repo git@git.example.com:org/kust.git --dest-namespace k \
  --nameprefix staging- --app-dir "$APPS"
file_has "$APPS/kust.yaml" "namePrefix: staging-" "repoURL: git@git.example.com:org/kust.git"

# --- argocd's rules and invalid values ------------------------------------------------------
expect_rc 1 ctl app create bad --repo https://git.example.com/web.git --dest-namespace web \
  --self-heal
out_has "--self-heal"
out_has "automated"
expect_rc 1 ctl app create bad --repo https://git.example.com/web.git --dest-namespace web \
  --sync-policy none --auto-prune
out_has "--auto-prune"
expect_rc 1 ctl app create bad --repo https://git.example.com/web.git --dest-namespace web \
  --sync-option CreateNamespace=yes
out_has "spec.syncPolicy.syncOptions[0]"
expect_rc 1 ctl app create Bad_Name --repo https://git.example.com/web.git --dest-namespace web
out_has "metadata.name"
expect_rc 1 ctl app create bad --dest-namespace web
out_has "--repo"
expect_rc 1 ctl app create bad --repo https://git.example.com/web.git --dest-namespace web \
  --directory-recurse --helm-set a=b
out_has "source type"
only_files kust.yaml web.yaml

# --- the application folder -----------------------------------------------------------------
expect_rc 1 env -u GITOPSD_APP_DIR "$GITOPSD_BIN_DIR/gitopsctl" app create x \
  --repo https://git.example.com/web.git --dest-namespace web
out_has "--app-dir"
out_has "GITOPSD_APP_DIR"
expect_rc 1 ctl app delete web --yes --app-dir "$SCRATCH/missing"
out_has "$SCRATCH/missing does not exist"

# --- files of several applications ----------------------------------------------------------
cat >"$APPS/team.yaml" <<'YAML'
# team applications
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: alpha
spec:
  source: {repoURL: 'https://git.example.com/alpha.git', path: alpha}
  destination: {server: https://kubernetes.default.svc, namespace: alpha}
---
# beta stays as written
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: beta
spec:
  source: {repoURL: 'https://git.example.com/beta.git', path: beta}
  destination: {server: https://kubernetes.default.svc, namespace: beta}
YAML
expect_rc 1 ctl app create beta --repo https://git.example.com/web.git --dest-namespace b
out_has "application 'beta' already exists in $APPS/team.yaml (use --upsert)"
expect_rc 1 ctl app create beta --repo https://git.example.com/web.git --dest-namespace b --upsert
out_has "together with other applications"

# --- delete ---------------------------------------------------------------------------------
expect_rc 1 ctl app delete nosuch --yes
out_has "application 'nosuch' not found in $APPS"
expect_rc 1 ctl app delete web </dev/null
out_has "--yes"
OUT="$(echo n | ctl app delete web 2>&1)" || fail "answering n failed: $OUT"
out_has "cancelled"
[[ -f "$APPS/web.yaml" ]] || fail "web.yaml removed after answering n"

# Cascade (the default): the finalizer is written first, for gitopsd to see, then the file goes.
ctl app delete web --yes >"$SCRATCH/delete.out" 2>&1 &
delete_pid=$!
wait_for 3 "the finalizer in web.yaml" grep -q "$FINALIZER" "$APPS/web.yaml"
rc=0
wait "$delete_pid" || rc=$?
OUT="$(cat "$SCRATCH/delete.out")"
[[ $rc == 0 ]] || fail "delete web exited $rc: $OUT"
out_has "added finalizer $FINALIZER"
out_has "application 'web' deleted"
only_files kust.yaml team.yaml

# --cascade=false: a definition with the finalizer loses it first, then the file goes.
expect_rc 0 ctl app create keep --repo https://git.example.com/keep.git --dest-namespace keep \
  --set-finalizer
file_has "$APPS/keep.yaml" "- $FINALIZER"
expect_rc 0 ctl app create keep --repo https://git.example.com/keep2.git --dest-namespace keep \
  --upsert
file_has "$APPS/keep.yaml" "- $FINALIZER" "repoURL: https://git.example.com/keep2.git"
ctl app delete keep --yes --cascade=false >"$SCRATCH/delete.out" 2>&1 &
delete_pid=$!
wait_for 3 "keep.yaml without the finalizer" \
  bash -c "[[ -f '$APPS/keep.yaml' ]] && ! grep -q '$FINALIZER' '$APPS/keep.yaml'"
rc=0
wait "$delete_pid" || rc=$?
OUT="$(cat "$SCRATCH/delete.out")"
[[ $rc == 0 ]] || fail "delete keep exited $rc: $OUT"
out_has "removed finalizer $FINALIZER"
out_has "leaves its resources"
only_files kust.yaml team.yaml

# A file of two applications is rewritten without the deleted one; the other keeps its text.
expect_rc 0 ctl app delete alpha -y
out_has "application 'alpha' deleted"
only_files kust.yaml team.yaml
! grep -q "name: alpha" "$APPS/team.yaml" ||
  fail "team.yaml still defines alpha: $(cat "$APPS/team.yaml")"
file_has "$APPS/team.yaml" "# beta stays as written" "  name: beta" \
  "  source: {repoURL: 'https://git.example.com/beta.git', path: beta}"
expect_rc 1 ctl app create beta --repo https://git.example.com/web.git --dest-namespace b
out_has "application 'beta' already exists in $APPS/team.yaml"

# A single-application file of another name moves to NAME.yaml with --upsert.
mv "$APPS/team.yaml" "$APPS/legacy.yml"
expect_rc 0 ctl app create beta --repo https://git.example.com/beta2.git --dest-namespace b \
  --upsert
out_has "moved from $APPS/legacy.yml"
only_files beta.yaml kust.yaml

expect_rc 0 ctl app delete beta --yes --cascade=false
expect_rc 0 ctl app delete kust --yes
only_files
note "cli: app create/delete manage application files as argocd's flags say"
