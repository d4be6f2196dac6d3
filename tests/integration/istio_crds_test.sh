#!/usr/bin/env bash
# The official Istio CRDs (istio.io/api, fetched by scripts/fetch-crds) install into the sandbox apiserver and a networking.istio.io/v1
# VirtualService can be created and read back with its route weights intact.
source "$(dirname "$0")/lib.sh"
load_sandbox
install_istio_crds
[[ "$(grep -c '^kind: CustomResourceDefinition' "$(official_crds istio/crds.yaml)")" == 15 ]] ||
  fail "istio/crds.yaml does not hold the 15 Istio CRDs"
wait_for 30 "VirtualService in discovery" kubectl api-resources --api-group=networking.istio.io -o name

ns="istio-crd-test-$RANDOM"
kubectl create namespace "$ns" >/dev/null
on_exit 'kubectl delete namespace "$ns" --wait=false >/dev/null 2>&1 || true'
kubectl apply -n "$ns" -f - >/dev/null <<'YAML'
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: stable}
      weight: 90
    - destination: {host: reviews, subset: canary}
      weight: 10
YAML
got="$(kubectl get -n "$ns" virtualservices.networking.istio.io reviews \
  -o jsonpath='{.apiVersion} {.spec.http[0].route[0].weight} {.spec.http[0].route[1].destination.subset}={.spec.http[0].route[1].weight}')"
[[ "$got" == "networking.istio.io/v1 90 canary=10" ]] || fail "VirtualService read back as: $got"

# The schema is enforced: a weight that is not an integer is rejected by the CRD's validation.
if kubectl apply -n "$ns" -f - >/dev/null 2>&1 <<'YAML'; then
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bad}
spec:
  http:
  - route:
    - destination: {host: reviews}
      weight: "ninety"
YAML
  fail "a VirtualService with a string weight was accepted"
fi
note "istio: CRDs established, VirtualService v1 round-trips, schema enforced"
