# Crash safety on the api control plane: gitopsd killed with -9 in the middle of a sync of 300
# objects, and the kube-apiserver restarted in the middle of another, both converge after a
# restart, and the sync history survives (the interrupted sync is recorded as Interrupted).
# Also two clusters: an application whose destination names a second control plane (its own
# tests/cluster/up instance) is synced there while another goes to the first.
source "$(dirname "$0")/lib.sh"
load_sandbox
load_git
make_scratch

many() { # FOLDER COUNT VALUE: COUNT ConfigMaps in one file
  local i
  for ((i = 0; i < $2; i++)); do
    printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%03d\ndata:\n  v: "%s"\n' "$i" "$3"
  done >"$SCRATCH/apps/$1/all.yaml"
}
count_with() { # NAMESPACE VALUE
  kubectl -n "$1" get configmaps -o jsonpath='{range .items[*]}{.data.v}{"\n"}{end}' | grep -cx "$2" || true
}
all_have() { [[ "$(count_with "$1" "$2")" == "$3" ]]; }
more_than() { (($(count_with "$1" "$2") > $3)); }
history_phases() { # APP: the phases of its sync history, oldest first (the state store's table)
  python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(" ".join(r[0] for r in db.execute("select phase from sync_history where app = ? order by id", (sys.argv[2],))))' \
    "$STATE_DIR/gitopsd.db" "$1"
}

new_repo apps
mkdir -p "$SCRATCH/apps/many"
many many 300 v1
commit_push apps "300 ConfigMaps" >/dev/null
url="$(repo_url apps)"
write_config "$SCRATCH/gitopsd.yaml"
write_app "$APPS_DIR/many.yaml" many "$url" many crash \
  "{automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}"
start_gitopsd "$SCRATCH/gitopsd.yaml"
wait_app many Synced Healthy 120

# kill -9 while the next sync is applying.
many many 300 v2
commit_push apps "v2" >/dev/null
wait_for 30 "the v2 sync under way" more_than crash v2 10
kill -9 "$GITOPSD_PID"
wait "$GITOPSD_PID" 2>/dev/null || true
done_before="$(count_with crash v2)"
note "killed with -9 after $done_before of 300 objects"
((done_before < 300)) || note "(the sync had already finished; the restart check still runs)"
start_gitopsd "$SCRATCH/gitopsd.yaml"
wait_for 120 "all 300 objects at v2 after the restart" all_have crash v2 300
wait_app many Synced Healthy 60
phases="$(history_phases many)"
note "history: $phases"
[[ "$phases" == "Succeeded "*"Succeeded" ]] || fail "history lost or not converged: $phases"
if ((done_before < 300)); then
  [[ "$phases" == *Interrupted* ]] || fail "the killed sync is not recorded as Interrupted: $phases"
fi

# The apiserver restarted during a sync.
many many 300 v3
commit_push apps "v3" >/dev/null
wait_for 30 "the v3 sync under way" more_than crash v3 10
"$GITOPSD_SOURCE_DIR/tests/cluster/restart" kube-apiserver --dir "$SANDBOX_DIR" --down-for 2 >/dev/null
wait_for 120 "all 300 objects at v3 after the apiserver restart" all_have crash v3 300
wait_app many Synced Healthy 60

# A second cluster, named by destination.name.
second="$SCRATCH/second"
"$GITOPSD_SOURCE_DIR/tests/cluster/up" --profile api --dir "$second" >/dev/null
on_exit "'$GITOPSD_SOURCE_DIR/tests/cluster/down' --dir '$second' >/dev/null 2>&1"
kill "$GITOPSD_PID"; wait "$GITOPSD_PID" 2>/dev/null || true
mkdir -p "$SCRATCH/apps/small"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\ndata:\n  v: "x"\n' >"$SCRATCH/apps/small/cm.yaml"
commit_push apps "small" >/dev/null
write_config "$SCRATCH/gitopsd.yaml" "clusters: [{name: second, kubeconfig: $second/kubeconfig, context: sandbox}]"
cat >"$APPS_DIR/remote.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: remote}
spec:
  source: {repoURL: '$url', path: small}
  destination: {name: second, namespace: remote}
  syncPolicy: {automated: {}, syncOptions: [CreateNamespace=true]}
YAML
start_gitopsd "$SCRATCH/gitopsd.yaml"
wait_app remote Synced - 60
"$KUBECTL" --kubeconfig "$second/kubeconfig" -n remote get configmap hello >/dev/null ||
  fail "hello not in the second cluster"
kubectl -n remote get configmap hello >/dev/null 2>&1 && fail "hello landed in the first cluster"
wait_app many Synced Healthy 60
note "ok"
