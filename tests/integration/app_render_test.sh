# Kustomize and Helm applications through the daemon, with the real kustomize and helm (built
# by scripts/build-render-tools): a Kustomize overlay with a base, a name prefix and an image
# override, and a Helm chart with a value file and a parameter become Synced and Healthy with
# the rendered objects in the cluster; a commit that changes the base's data is applied; a
# chart that fails to render is a ComparisonError naming the chart, and nothing is pruned.
source "$(dirname "$0")/lib.sh"
load_sandbox
load_git
make_scratch
[[ -x "${GITOPSD_RENDER_TOOLS_DIR:-}/kustomize" && -x "${GITOPSD_RENDER_TOOLS_DIR:-}/helm" ]] ||
  fail "no kustomize/helm in GITOPSD_RENDER_TOOLS_DIR='${GITOPSD_RENDER_TOOLS_DIR:-}' (scripts/build-render-tools)"

new_repo render
repo="$SCRATCH/render"
mkdir -p "$repo/base" "$repo/overlay" "$repo/chart/templates"
cat >"$repo/base/kustomization.yaml" <<'YAML'
resources: [config.yaml, deployment.yaml]
YAML
cat >"$repo/base/config.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: "one"}
YAML
cat >"$repo/base/deployment.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: example/web:1.0}]
YAML
cat >"$repo/overlay/kustomization.yaml" <<'YAML'
resources: [../base]
namePrefix: prod-
images: [{name: example/web, newTag: "2.0"}]
YAML
cat >"$repo/chart/Chart.yaml" <<'YAML'
apiVersion: v2
name: greeter
version: 0.1.0
YAML
cat >"$repo/chart/values.yaml" <<'YAML'
greeting: hello
replicas: 1
YAML
cat >"$repo/chart/values-prod.yaml" <<'YAML'
greeting: bonjour
YAML
cat >"$repo/chart/templates/config.yaml" <<'YAML'
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-greeting
data:
  greeting: {{ .Values.greeting | quote }}
  replicas: {{ .Values.replicas | quote }}
YAML
commit_push render "overlay and chart" >/dev/null
url="$(repo_url render)"

write_config "$SCRATCH/gitopsd.yaml"
policy="{automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}"
write_app "$APPS_DIR/kust.yaml" kust "$url" overlay render-kust "$policy"
cat >"$APPS_DIR/chart.yaml" <<YAML
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: chart}
spec:
  source:
    repoURL: '$url'
    targetRevision: main
    path: chart
    helm:
      releaseName: hello
      valueFiles: [values-prod.yaml]
      parameters: [{name: replicas, value: "3"}]
  destination: {server: https://kubernetes.default.svc, namespace: render-chart}
  syncPolicy: $policy
YAML
start_gitopsd "$SCRATCH/gitopsd.yaml"
wait_app kust Synced Healthy 120
wait_app chart Synced Healthy 120
[[ "$(app_field kust 's["sourceType"]')" == Kustomize ]] || fail "kust is not a Kustomize source"
[[ "$(app_field chart 's["sourceType"]')" == Helm ]] || fail "chart is not a Helm source"
[[ "$(kubectl -n render-kust get deployment prod-web -o jsonpath='{.spec.template.spec.containers[0].image}')" == example/web:2.0 ]] ||
  fail "the overlay's image tag was not applied"
[[ "$(kubectl -n render-kust get configmap prod-settings -o jsonpath='{.data.mode}')" == one ]] ||
  fail "the base's ConfigMap is missing"
[[ "$(kubectl -n render-chart get configmap hello-greeting -o jsonpath='{.data.greeting} {.data.replicas}')" == "bonjour 3" ]] ||
  fail "the chart's values were not applied: $(kubectl -n render-chart get configmap hello-greeting -o yaml 2>&1)"

# A change in the base reaches the overlay's application.
sed -i 's/mode: "one"/mode: "two"/' "$repo/base/config.yaml"
commit_push render "base: mode two" >/dev/null
mode_is() { [[ "$(kubectl -n render-kust get configmap prod-settings -o jsonpath='{.data.mode}')" == "$1" ]]; }
wait_for 30 "the base change applied" mode_is two

# A chart that does not render: ComparisonError naming the chart, the live objects stay.
printf 'data: {{ .Values.missing.deeper }}\n' >>"$repo/chart/templates/config.yaml"
commit_push render "broken template" >/dev/null
wait_for 30 "ComparisonError on chart" has_condition chart ComparisonError
message="$(app_field chart '[c["message"] for c in s["conditions"] if c["type"] == "ComparisonError"][0]')"
[[ "$message" == *chart* ]] || fail "the render error does not name the chart: $message"
sleep 2
kubectl -n render-chart get configmap hello-greeting >/dev/null || fail "a render error pruned the chart's objects"
note "ok"
