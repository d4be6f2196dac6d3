# The in-cluster install (manifests/install) on the api control plane: the manifests apply
# (the pod template passes the "restricted" Pod Security level; without kubelets the Deployment
# never runs), then the gitopsd binary runs here the way it would in that pod: its
# ServiceAccount's token (TokenRequest), the cluster CA and namespace presented at
# /var/run/secrets/kubernetes.io/serviceaccount in a private mount namespace,
# KUBERNETES_SERVICE_HOST/PORT set, and the configuration taken from the gitopsd-config
# ConfigMap with its pod paths moved into the scratch folder. The application comes from the
# gitopsd-applications ConfigMap, laid out as the kubelet mounts it.
#
# Shows: with only the ClusterRole's permissions gitopsd syncs an application (ConfigMap,
# ServiceAccount, Role, RoleBinding in a namespace it creates) to Synced/Healthy; without the
# ClusterRoleBinding it cannot apply, and applies once the binding is back; and the token's
# permissions are those the ClusterRole documents: everything on every resource with the verbs
# gitopsd uses, but no deletecollection, impersonate, escalate or bind, so it cannot grant
# itself more through RBAC objects.
source "$(dirname "$0")/lib.sh"
load_sandbox
load_git
make_scratch
install_dir="$GITOPSD_SOURCE_DIR/manifests/install"
in_cluster_secrets=/var/run/secrets/kubernetes.io/serviceaccount

# --- the manifests ---------------------------------------------------------------------------
on_exit "kubectl delete clusterrolebinding gitopsd --ignore-not-found >/dev/null 2>&1"
on_exit "kubectl delete clusterrole gitopsd --ignore-not-found >/dev/null 2>&1"
kubectl apply -k "$install_dir" >"$SCRATCH/apply.out" 2>"$SCRATCH/apply.err" ||
  fail "kubectl apply -k manifests/install failed: $(cat "$SCRATCH/apply.err")"
if grep -qi 'podsecurity\|warning' "$SCRATCH/apply.err"; then
  fail "applying the install warned: $(cat "$SCRATCH/apply.err")"
fi
for object in namespace/gitopsd serviceaccount/gitopsd clusterrole.rbac.authorization.k8s.io/gitopsd \
  clusterrolebinding.rbac.authorization.k8s.io/gitopsd configmap/gitopsd-config \
  configmap/gitopsd-applications deployment.apps/gitopsd service/gitopsd; do
  grep -q "^$object " "$SCRATCH/apply.out" || fail "apply did not report $object: $(cat "$SCRATCH/apply.out")"
done
deploy_field() { kubectl -n gitopsd get deployment gitopsd -o jsonpath="$1"; }
[[ "$(deploy_field '{.spec.replicas}/{.spec.strategy.type}')" == 1/Recreate ]] ||
  fail "the Deployment is not one replica with strategy Recreate"
[[ "$(deploy_field '{.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem}')" == true ]] ||
  fail "the container's root filesystem is not read-only"

# --- the pod's service-account folder --------------------------------------------------------
sa_dir="$SCRATCH/serviceaccount"
mkdir -p "$sa_dir"
kubectl -n gitopsd create token gitopsd --duration=1h >"$sa_dir/token" ||
  fail "TokenRequest for gitopsd/gitopsd failed (does the apiserver have --service-account-signing-key-file?)"
cp "$CA_FILE" "$sa_dir/ca.crt"
printf gitopsd >"$sa_dir/namespace"

# Runs a command in a private mount namespace where sa_dir is at the in-cluster path: a tmpfs
# over /var/run/secrets (or over /var/run when that folder does not exist) holds the mount
# point, so nothing changes outside the namespace.
cat >"$SCRATCH/in-pod" <<'SH'
#!/usr/bin/env bash
set -euo pipefail
sa_dir="$1"; target="$2"; shift 2
base=/var/run/secrets
[[ -d "$base" ]] || base=/var/run
mount -t tmpfs -o mode=0755 gitopsd-test-secrets "$base"
mkdir -p "$target"
mount --bind "$sa_dir" "$target"
mount -o remount,bind,ro "$target"
exec "$@"
SH
chmod +x "$SCRATCH/in-pod"
in_pod() {
  unshare --mount --propagation private "$SCRATCH/in-pod" "$sa_dir" "$in_cluster_secrets" "$@"
}
if ! seen="$(in_pod cat "$in_cluster_secrets/namespace" 2>&1)" || [[ "$seen" != gitopsd ]]; then
  fail "cannot present the service account at $in_cluster_secrets with unshare --mount (needs root, or CAP_SYS_ADMIN, and mount namespaces): $seen"
fi
if [[ -e "$in_cluster_secrets/token" ]] && cmp -s "$in_cluster_secrets/token" "$sa_dir/token"; then
  fail "the token is visible outside the private mount namespace"
fi

# --- the configuration from the ConfigMap ----------------------------------------------------
kubectl -n gitopsd get configmap gitopsd-config -o jsonpath='{.data.gitopsd\.yaml}' \
  >"$SCRATCH/gitopsd.yaml.in"
for expected in 'inCluster: true' /var/lib/gitopsd/state /var/lib/gitopsd/cache \
  /etc/gitopsd/applications 0.0.0.0:8080 'pollInterval: 3m'; do
  grep -qF "$expected" "$SCRATCH/gitopsd.yaml.in" || fail "gitopsd.yaml in the ConfigMap lacks '$expected'"
done
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
STATE_DIR="$SCRATCH/data/state"
APPS_DIR="$SCRATCH/applications"
# The pod's volumes become scratch folders, the listen address a free local port, and the Git
# poll 1 s so that the test needs no webhook.
sed -e "s|/var/lib/gitopsd|$SCRATCH/data|g" -e "s|/etc/gitopsd/applications|$APPS_DIR|g" \
  -e "s|0\.0\.0\.0:8080|127.0.0.1:$port|" -e "s|pollInterval: 3m|pollInterval: 1s|" \
  "$SCRATCH/gitopsd.yaml.in" >"$SCRATCH/gitopsd.yaml"
if grep -vE '^\s*#' "$SCRATCH/gitopsd.yaml" | grep -E '/var/|/etc/|0\.0\.0\.0'; then
  fail "gitopsd.yaml still names a pod path or address after the rewrite"
fi

# --- the application, in the gitopsd-applications ConfigMap ----------------------------------
new_repo demo
mkdir -p "$SCRATCH/demo/app"
cat >"$SCRATCH/demo/app/settings.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  greeting: hello
YAML
cat >"$SCRATCH/demo/app/rbac.yaml" <<'YAML'
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reader
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: settings-reader
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: settings-reader}
subjects:
  - {kind: ServiceAccount, name: reader}
YAML
first="$(commit_push demo "settings and a reader")"
app_namespace="demo-${SCRATCH##*.}"
app_namespace="${app_namespace,,}"
on_exit "kubectl delete namespace '$app_namespace' --wait=false --ignore-not-found >/dev/null 2>&1"
write_app "$SCRATCH/demo.yaml" demo "$(repo_url demo)" app "$app_namespace" \
  "{automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}"
kubectl -n gitopsd create configmap gitopsd-applications --from-file=demo.yaml="$SCRATCH/demo.yaml" \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null

# project_configmap NAME DIR: writes the ConfigMap's keys into DIR as the kubelet does for a
# ConfigMap volume (a timestamped folder, "..data" pointing at it, one link per key).
project_configmap() {
  kubectl -n gitopsd get configmap "$1" -o json | python3 -c '
import json, os, sys, time
folder = sys.argv[1]
os.makedirs(folder, exist_ok=True)
version = "..%s_%d" % (time.strftime("%Y_%m_%d_%H_%M_%S"), time.monotonic_ns())
os.makedirs(os.path.join(folder, version))
for key, value in (json.load(sys.stdin).get("data") or {}).items():
    with open(os.path.join(folder, version, key), "w") as out:
        out.write(value)
os.symlink(version, os.path.join(folder, "..data_tmp"))
os.rename(os.path.join(folder, "..data_tmp"), os.path.join(folder, "..data"))
for key in os.listdir(os.path.join(folder, version)):
    if not os.path.islink(os.path.join(folder, key)):
        os.symlink(os.path.join("..data", key), os.path.join(folder, key))
' "$2"
}
project_configmap gitopsd-applications "$APPS_DIR"
[[ -L "$APPS_DIR/demo.yaml" && -f "$APPS_DIR/..data/demo.yaml" ]] || fail "applications not projected"

# --- gitopsd as in the pod -------------------------------------------------------------------
mkdir -p "$SCRATCH/home"
env -u KUBECONFIG HOME="$SCRATCH/home" KUBERNETES_SERVICE_HOST=127.0.0.1 \
  KUBERNETES_SERVICE_PORT="$APISERVER_PORT" \
  unshare --mount --propagation private "$SCRATCH/in-pod" "$sa_dir" "$in_cluster_secrets" \
  "$GITOPSD_BIN_DIR/gitopsd" --config "$SCRATCH/gitopsd.yaml" --log-level debug \
  >>"$SCRATCH/gitopsd.log" 2>&1 &
GITOPSD_PID=$!  # env, unshare and the script exec: this is gitopsd
mkdir -p "${GITOPSD_TEST_TMP:-/tmp}/logs"
on_exit "cp '$SCRATCH/gitopsd.log' '${GITOPSD_TEST_TMP:-/tmp}/logs/$(basename "$0" .sh).gitopsd.log'"
on_exit "kill $GITOPSD_PID 2>/dev/null; wait $GITOPSD_PID 2>/dev/null; rc=\$?; ((rc == 0 || rc == 127 || rc == 143)) || { echo \"gitopsd exited with \$rc\" >&2; tail -20 '$SCRATCH/gitopsd.log' >&2; }"

wait_app demo Synced Healthy 120
# The service account may record Events: the sync's on the Application, creations on objects.
event_seen() { # KIND NAME REASON
  kubectl -n "$app_namespace" get events \
    -o jsonpath='{range .items[*]}{.involvedObject.kind} {.involvedObject.name} {.reason} {.source.component}{"\n"}{end}' |
    grep -qx "$1 $2 $3 gitopsd"
}
for expected in "Application demo SyncStarted" "Application demo SyncSucceeded" \
  "ConfigMap settings ResourceCreated"; do
  wait_for 20 "event $expected" event_seen $expected
done
[[ "$(app_field demo 's["sync"]["revision"]')" == "$first" ]] || fail "compared revision is not $first"
[[ "$(app_field demo 's["operationState"]["phase"]')" == Succeeded ]] || fail "no successful sync"
for object in configmap/settings serviceaccount/reader role.rbac.authorization.k8s.io/settings-reader \
  rolebinding.rbac.authorization.k8s.io/reader; do
  tracking="$(kubectl -n "$app_namespace" get "$object" \
    -o jsonpath='{.metadata.annotations.gitopsd\.io/tracking-id}' 2>/dev/null)" ||
    fail "$object missing in $app_namespace"
  [[ "$tracking" == demo:* ]] || fail "$object has tracking annotation '$tracking'"
done
note "demo Synced and Healthy at $first through the in-cluster service account"

# The Deployment's probes ask for what gitopsd serves on the configured port (8080 in the pod).
[[ "$(deploy_field '{.spec.template.spec.containers[0].ports[0].containerPort}')" == 8080 ]] ||
  fail "the container port is not the 8080 of listen.address"
for probe in livenessProbe readinessProbe; do
  path="$(deploy_field "{.spec.template.spec.containers[0].$probe.httpGet.path}")"
  [[ "$(deploy_field "{.spec.template.spec.containers[0].$probe.httpGet.port}")" == http ]] ||
    fail "$probe does not use the http port"
  wait_for 30 "$probe $path to answer 200" curl -fsS "http://127.0.0.1:$port$path"
done

# --- the permissions come from the ClusterRoleBinding ----------------------------------------
greeting() { kubectl -n "$app_namespace" get configmap settings -o jsonpath='{.data.greeting}'; }
greeting_is() { [[ "$(greeting)" == "$1" ]]; }
revision_seen() { [[ "$(app_field demo 's["sync"]["revision"]')" == "$1" ]]; }
kubectl delete clusterrolebinding gitopsd >/dev/null
sed -i 's/greeting: hello/greeting: hello-again/' "$SCRATCH/demo/app/settings.yaml"
second="$(commit_push demo "a new greeting")"
wait_for 60 "gitopsd to compare the new commit without its binding" revision_seen "$second"
sleep 3  # a few more polls and retries: still not applied
greeting_is hello || fail "the change was applied without the ClusterRoleBinding"
app_is demo Synced - && fail "demo reads Synced at $second without permission to compare or apply"
# The apiserver's refusal names the user: gitopsd is the ServiceAccount.
grep -i 'forbidden' "$SCRATCH/gitopsd.log" | grep -qF 'system:serviceaccount:gitopsd:gitopsd' ||
  fail "no Forbidden error for system:serviceaccount:gitopsd:gitopsd in gitopsd's log"
kubectl apply -f "$install_dir/cluster-role-binding.yaml" >/dev/null
start=$SECONDS
wait_for 120 "the new greeting once the binding is back" greeting_is hello-again
note "applied $((SECONDS - start)) s after the binding returned"
wait_app demo Synced Healthy 120

# --- the token's permissions are the ClusterRole's -------------------------------------------
cat >"$SCRATCH/sa.kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters:
  - name: sandbox
    cluster: {server: '$APISERVER_URL', certificate-authority: '$sa_dir/ca.crt'}
users:
  - name: gitopsd
    user: {tokenFile: '$sa_dir/token'}
contexts:
  - name: gitopsd
    context: {cluster: sandbox, user: gitopsd, namespace: gitopsd}
current-context: gitopsd
YAML
as_gitopsd() { "$KUBECTL" --kubeconfig "$SCRATCH/sa.kubeconfig" "$@"; }
user="$(as_gitopsd auth whoami -o jsonpath='{.status.userInfo.username}')"
[[ "$user" == system:serviceaccount:gitopsd:gitopsd ]] || fail "the token is '$user'"
# can-i prints yes or no on stdout (warnings, e.g. about kinds not installed, on stderr).
can() {
  local answer
  answer="$(as_gitopsd auth can-i "$@" 2>/dev/null)" || true
  [[ "$answer" == yes ]] || fail "gitopsd cannot '$*' ($answer); the ClusterRole grants it"
}
cannot() {
  local answer
  answer="$(as_gitopsd auth can-i "$@" 2>/dev/null)" || true
  [[ "$answer" == no* ]] || fail "gitopsd can '$*' ($answer); the ClusterRole does not grant it"
}
for verb in get list watch create update patch delete; do
  can "$verb" deployments.apps --all-namespaces
  can "$verb" configmaps -n "$app_namespace"
  can "$verb" virtualservices.networking.istio.io -n bookinfo
  can "$verb" customresourcedefinitions.apiextensions.k8s.io
done
can create namespaces
can create clusterroles.rbac.authorization.k8s.io
can create rolebindings.rbac.authorization.k8s.io -n "$app_namespace"
can delete nodes  # the wildcard covers every kind; see cluster-role.yaml on narrowing it
can create events -n "$app_namespace"
can patch events.events.k8s.io -n default
can get /apis
can get /api/v1
cannot deletecollection configmaps --all-namespaces
cannot deletecollection pods -n "$app_namespace"
cannot '*' configmaps -n "$app_namespace"
cannot impersonate users
cannot impersonate serviceaccounts -n kube-system
cannot escalate clusterroles.rbac.authorization.k8s.io
cannot bind clusterroles.rbac.authorization.k8s.io
cannot approve signers.certificates.k8s.io
cannot get /metrics
# Without escalate and bind, RBAC objects cannot grant gitopsd (or anyone) more than it has.
refused_by_rbac() { # WHAT: stdin is applied as gitopsd (server-side dry run) and must be refused
  local output
  if output="$(as_gitopsd apply --dry-run=server -f - 2>&1)"; then
    fail "gitopsd could $1: $output"
  fi
  [[ "$output" == *forbidden* ]] || fail "$1 failed, but not as forbidden: $output"
}
refused_by_rbac "bind itself to cluster-admin" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: gitopsd-cluster-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: gitopsd, namespace: gitopsd}]
YAML
refused_by_rbac "create a ClusterRole with every verb" <<'YAML'
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: gitopsd-everything}
rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]
YAML
as_gitopsd apply --dry-run=server -f - >/dev/null <<'YAML' || fail "gitopsd cannot create a ClusterRole within its own permissions"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: gitopsd-reader}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get, list, watch]}]
YAML
note "ok"
