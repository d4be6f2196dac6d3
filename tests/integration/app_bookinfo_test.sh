# The Bookinfo application (examples/bookinfo/application) created by an
# Application file becomes Synced and Healthy on the full control plane (Deployments become
# available through kwok); a commit changing an image tag is applied at the next poll; with
# selfHeal a deleted Deployment is recreated and a hand-scaled one reverted; with selfHeal off
# (changed in the file, no restart) the change stays and the app is OutOfSync.
source "$(dirname "$0")/lib.sh"
load_sandbox
load_git
make_scratch

install_istio_crds
new_repo bookinfo
mkdir -p "$SCRATCH/bookinfo/application"
cp "$GITOPSD_SOURCE_DIR/examples/bookinfo/application/"*.yaml "$SCRATCH/bookinfo/application/"
first="$(commit_push bookinfo "Bookinfo")"

write_config "$SCRATCH/gitopsd.yaml"
policy="{automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}"
write_app "$APPS_DIR/bookinfo.yaml" bookinfo "$(repo_url bookinfo)" application bookinfo "$policy"
start_gitopsd "$SCRATCH/gitopsd.yaml"
wait_app bookinfo Synced Healthy 180
[[ "$(app_field bookinfo 's["sync"]["revision"]')" == "$first" ]] || fail "compared revision is not $first"
[[ "$(app_field bookinfo 's["operationState"]["phase"]')" == Succeeded ]] || fail "no successful sync"
for deployment in details-v1 ratings-v1 reviews productpage-v1; do
  annotation="$(kubectl -n bookinfo get deployment "$deployment" \
    -o jsonpath='{.metadata.annotations.gitopsd\.io/tracking-id}')"
  [[ "$annotation" == "bookinfo:apps/Deployment:bookinfo/$deployment" ]] ||
    fail "$deployment tracking annotation is '$annotation'"
done
note "bookinfo Synced and Healthy at $first"

# A new image tag in Git is applied at the next poll (1 s).
sed -i 's/examples-bookinfo-reviews-v1:1.20.2/examples-bookinfo-reviews-v1:1.20.3/' \
  "$SCRATCH/bookinfo/application/reviews.yaml"
start=$SECONDS
second="$(commit_push bookinfo "reviews 1.20.3")"
image_is() {
  [[ "$(kubectl -n bookinfo get deployment reviews -o jsonpath='{.spec.template.spec.containers[0].image}')" == *":$1" ]]
}
wait_for 30 "the new reviews image" image_is 1.20.3
note "image tag applied $((SECONDS - start)) s after the push"
wait_app bookinfo Synced Healthy 60
[[ "$(app_field bookinfo 's["sync"]["revision"]')" == "$second" ]] || fail "revision not updated"

# Self-heal: a deleted Deployment comes back, a scaled one is scaled back.
replicas() { kubectl -n bookinfo get deployment reviews -o jsonpath='{.spec.replicas}'; }
replicas_are() { [[ "$(replicas)" == "$1" ]]; }
uid() { kubectl -n bookinfo get deployment ratings-v1 -o jsonpath='{.metadata.uid}' 2>/dev/null; }
recreated() { local now; now="$(uid)"; [[ -n "$now" && "$now" != "$1" ]]; }
for trial in 1 2 3; do
  old_uid="$(uid)"
  kubectl -n bookinfo delete deployment ratings-v1 --wait=false >/dev/null
  wait_for 15 "ratings-v1 recreated (trial $trial)" recreated "$old_uid"
  kubectl -n bookinfo scale deployment reviews --replicas=3 >/dev/null
  wait_for 15 "reviews scaled back to 0 (trial $trial)" replicas_are 0
  sleep 4.5  # past the self-heal backoff window, so each trial starts a fresh streak
done
wait_app bookinfo Synced - 60

# selfHeal off, changed in the file without a restart: a hand change stays, OutOfSync.
policy="{automated: {prune: true, selfHeal: false}, syncOptions: [CreateNamespace=true]}"
write_app "$APPS_DIR/bookinfo.yaml" bookinfo "$(repo_url bookinfo)" application bookinfo "$policy"
sleep 2  # the file watch checks twice a second
kubectl -n bookinfo scale deployment reviews --replicas=2 >/dev/null
wait_app bookinfo OutOfSync - 30
sleep 3
[[ "$(replicas)" == 2 ]] || fail "reviews was reverted although selfHeal is off"
diff_text="$(app_field bookinfo '[r.get("diff", "") for r in s["resources"] if r["name"] == "reviews" and r["kind"] == "Deployment"][0]')"
[[ "$diff_text" == *"replicas"* ]] || fail "no readable diff for reviews: $diff_text"

# And back on: healed.
policy="{automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}"
write_app "$APPS_DIR/bookinfo.yaml" bookinfo "$(repo_url bookinfo)" application bookinfo "$policy"
wait_for 15 "reviews healed once selfHeal is back on" replicas_are 0
wait_app bookinfo Synced Healthy 60
note "ok"
