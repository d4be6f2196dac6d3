#!/usr/bin/env bash
# The sandbox's credentials work as documented: admin token and client certificate are
# cluster-admin, the limited token reads ConfigMaps in "limited" only, a bad token is refused.
source "$(dirname "$0")/lib.sh"
load_sandbox

api() { curl -sS -o /dev/null -w '%{http_code}' --cacert "$CA_FILE" "$@"; }

[[ "$(api -H "Authorization: Bearer $ADMIN_TOKEN" "$APISERVER_URL/api/v1/namespaces")" == 200 ]] ||
  fail "admin token cannot list namespaces"
[[ "$(kubectl --context sandbox-cert auth whoami -o jsonpath='{.status.userInfo.username}')" == sandbox-admin-cert ]] ||
  fail "client certificate does not authenticate as sandbox-admin-cert"
kubectl --context sandbox-cert get namespaces >/dev/null || fail "client certificate cannot list namespaces"

[[ "$(api -H "Authorization: Bearer $LIMITED_TOKEN" "$APISERVER_URL/api/v1/namespaces/limited/configmaps")" == 200 ]] ||
  fail "limited token cannot list configmaps in its namespace"
body="$(curl -sS --cacert "$CA_FILE" -H "Authorization: Bearer $LIMITED_TOKEN" "$APISERVER_URL/api/v1/namespaces/default/secrets")"
grep -q '"code": 403' <<<"$body" || fail "limited token was not forbidden to list secrets: $body"
grep -q 'cannot list resource \\"secrets\\"' <<<"$body" || fail "403 does not name verb and resource: $body"

[[ "$(api -H "Authorization: Bearer not-a-token" "$APISERVER_URL/api/v1/namespaces")" == 401 ]] ||
  fail "a wrong token was not refused with 401"
[[ "$(curl -sS -o /dev/null -w '%{http_code}' "$APISERVER_URL/readyz" 2>/dev/null || true)" == 000 ]] ||
  fail "the apiserver certificate was accepted without the sandbox CA"
note "auth: admin token, client certificate, limited RBAC token and bad token behave"
