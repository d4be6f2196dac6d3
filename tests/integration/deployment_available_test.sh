#!/usr/bin/env bash
# The full profile runs the whole chain: Deployment → ReplicaSet (controller manager) → Pods →
# scheduled onto the kwok Node (scheduler) → Running and Ready (kwok) → availableReplicas=3.
source "$(dirname "$0")/lib.sh"
load_sandbox
[[ "$SANDBOX_PROFILE" == full ]] || fail "needs the full profile, got $SANDBOX_PROFILE"

ns="chain-test-$RANDOM"
kubectl create namespace "$ns" >/dev/null
on_exit 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true'
kubectl apply -n "$ns" -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: example.invalid/web:1}
YAML
available() { [[ "$(kubectl get -n "$ns" deploy web -o jsonpath='{.status.availableReplicas}')" == 3 ]]; }
wait_for 90 "deployment web to have 3 available replicas" available

nodes="$(kubectl get pods -n "$ns" -l app=web -o jsonpath='{range .items[*]}{.spec.nodeName}:{.status.phase} {end}')"
[[ "$nodes" == "sandbox-node-0:Running sandbox-node-0:Running sandbox-node-0:Running " ]] ||
  fail "pods not all Running on sandbox-node-0: $nodes"
[[ "$(kubectl get rs -n "$ns" -l app=web -o name | wc -l)" == 1 ]] || fail "expected one ReplicaSet"

# Garbage collection: deleting the Deployment removes its ReplicaSet and Pods.
kubectl delete -n "$ns" deploy web >/dev/null
gone() { [[ -z "$(kubectl get rs,pods -n "$ns" -o name)" ]]; }
wait_for 90 "ReplicaSet and Pods to be garbage-collected" gone
note "full chain: 3/3 available on the kwok node, garbage collection works"
