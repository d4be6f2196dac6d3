# The HTTP API against a running gitopsd on the real control plane and Git servers: probes,
# bearer tokens and roles, bad input (malformed and unknown fields, unknown names, oversized,
# slow and header-flooding clients), manual sync, dry run, partial sync, rollback and
# terminate; Git webhooks with valid and invalid GitHub signatures and GitLab tokens (the poll
# interval is one hour, so only the webhook can bring a commit in); TLS.
source "$(dirname "$0")/lib.sh"
load_sandbox
load_git
make_scratch

cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "%s"\ndata:\n  v: "%s"\n' "$1" "$2"; }
value_is() { [[ "$(kubectl -n "$1" get configmap "$2" -o jsonpath='{.data.v}' 2>/dev/null)" == "$3" ]]; }

# api METHOD PATH [TOKEN] [BODY]: prints "CODE BODY".
api() {
  local args=(-s -o "$SCRATCH/body" -w '%{http_code}' -X "$1" "$API_URL$2")
  [[ -n "${3:-}" ]] && args+=(-H "Authorization: Bearer $3")
  [[ -n "${4:-}" ]] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
  local code
  code="$(curl "${args[@]}")"
  printf '%s %s' "$code" "$(cat "$SCRATCH/body")"
}
# expect CODE TEXT RESPONSE: the response has that status and contains TEXT.
expect() {
  [[ "${3%% *}" == "$1" && "$3" == *"$2"* ]] || fail "expected $1 with '$2', got: ${3:0:400}"
}
json_field() { python3 -c 'import json,sys; d=json.loads(sys.argv[1].split(" ",1)[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

new_repo apps
mkdir -p "$SCRATCH/apps/hooked" "$SCRATCH/apps/manual"
cm h 1 >"$SCRATCH/apps/hooked/h.yaml"
cm m 1 >"$SCRATCH/apps/manual/m.yaml"
cm n 1 >"$SCRATCH/apps/manual/n.yaml"
first="$(commit_push apps "first")"
url="$(repo_url apps)"
printf 'admin-secret-token,ops,admin\n# a comment\nread-secret-token,viewer,readonly\n' >"$SCRATCH/tokens"
printf 'github-hook-secret\n' >"$SCRATCH/github.secret"
printf 'gitlab-hook-token\n' >"$SCRATCH/gitlab.secret"
POLL_INTERVAL=1h LISTEN_EXTRA="tokensFile: $SCRATCH/tokens" write_config "$SCRATCH/gitopsd.yaml" \
  "webhook: {githubSecretFile: $SCRATCH/github.secret, gitlabSecretFile: $SCRATCH/gitlab.secret, maxPayloadBytes: 65536}"
write_app "$APPS_DIR/hooked.yaml" hooked "$url" hooked api-hooked \
  "{automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}"
write_app "$APPS_DIR/manual.yaml" manual "$url" manual api-manual "{syncOptions: [CreateNamespace=true]}"
start_gitopsd "$SCRATCH/gitopsd.yaml"
ADMIN=admin-secret-token
READ=read-secret-token

# Probes.
wait_for 30 "the API" curl -sf "$API_URL/healthz"
wait_for 60 "readyz" curl -sf "$API_URL/readyz"
expect 200 '"version"' "$(api GET /version)"
wait_app hooked Synced Healthy 60
wait_app manual OutOfSync - 60

# Tokens and roles.
expect 401 "bearer token is required" "$(api GET /api/v1/applications)"
expect 401 "unknown token" "$(api GET /api/v1/applications wrong-token)"
expect 200 '"name":"hooked"' "$(api GET /api/v1/applications "$READ")"
expect 403 "read-only token" "$(api POST /api/v1/applications/manual/sync "$READ" '{}')"
grep -q "admin-secret-token\|read-secret-token" "$SCRATCH/gitopsd.log" && fail "a token reached the log"

# Bad input: clear 4xx answers, and the daemon stays up.
expect 400 "not valid JSON" "$(api POST /api/v1/applications/manual/sync "$ADMIN" '{"prune": tru')"
expect 400 "prun: unknown field" "$(api POST /api/v1/applications/manual/sync "$ADMIN" '{"prun": true}')"
expect 400 "dryRun: must be true or false" "$(api POST /api/v1/applications/manual/sync "$ADMIN" '{"dryRun": "yes"}')"
expect 400 "is not a resource of application" \
  "$(api POST /api/v1/applications/manual/sync "$ADMIN" '{"resources": [{"kind": "Secret", "name": "x"}]}')"
expect 404 "application 'nope' not found" "$(api GET /api/v1/applications/nope "$READ")"
expect 404 "no such endpoint" "$(api GET /api/v1/nothing "$READ")"
expect 405 "not allowed" "$(api PUT /api/v1/applications/manual/sync "$ADMIN" '{}')"
expect 409 "automated sync is on" "$(api POST /api/v1/applications/hooked/sync "$ADMIN" '{"revision": "'"$first"'"}')"
expect 409 "automated sync is on" "$(api POST /api/v1/applications/hooked/rollback "$ADMIN" '{"id": 0}')"
expect 404 "no operation running" "$(api DELETE /api/v1/applications/manual/operation "$ADMIN")"
expect 400 "hard: must be true or false" "$(api POST '/api/v1/applications/manual/refresh?hard=maybe' "$ADMIN")"
code="$(head -c 2000000 /dev/zero | tr '\0' 'x' | curl -s -o /dev/null -w '%{http_code}' -X POST \
  -H "Authorization: Bearer $ADMIN" --data-binary @- "$API_URL/api/v1/applications/manual/sync")"
[[ "$code" == 413 ]] || fail "an oversized body got $code, not 413"
code="$(curl -s -o /dev/null -w '%{http_code}' -H "X-Filler: $(head -c 20000 /dev/zero | tr '\0' 'y')" "$API_URL/healthz")"
[[ "$code" == 431 ]] || fail "oversized headers got $code, not 431"
slow="$(python3 - "$API_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /api/v1/applications/manual/sync HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
start = time.time()
answer = s.recv(4096).decode()
print(answer.split("\r\n")[0], round(time.time() - start))
PY
)"
[[ "$slow" == "HTTP/1.1 408 Request Timeout "* ]] || fail "a slow client got: $slow"
kill -0 "$GITOPSD_PID" || fail "gitopsd died on bad input"
expect 200 '"status":"ok"' "$(api GET /healthz)"

# Manual sync: a dry run changes nothing and adds no history; a partial sync applies only the
# object named; a full sync the rest. (A dry run cannot create the namespace it would write to.)
kubectl create namespace api-manual >/dev/null
out="$(api POST /api/v1/applications/manual/sync "$ADMIN" '{"dryRun": true}')"
expect 202 requestId "$out"
request="$(json_field "$out" 'd["requestId"]')"
operation_done() {
  local got
  got="$(api GET /api/v1/applications/manual "$READ")"
  [[ "$(json_field "$got" 'd["status"].get("operationState", {}).get("requestId")')" == "$1" &&
     "$(json_field "$got" 'd["status"]["operationState"]["phase"]')" != Running ]]
}
wait_for 30 "the dry run" operation_done "$request"
out="$(api GET /api/v1/applications/manual "$READ")"
[[ "$(json_field "$out" 'd["status"]["operationState"]["phase"], d["status"]["operationState"]["dryRun"]')" == "('Succeeded', True)" ]] ||
  fail "dry run: ${out:0:600}"
kubectl -n api-manual get configmap m >/dev/null 2>&1 && fail "the dry run created m"
[[ "$(json_field "$(api GET /api/v1/applications/manual/history "$READ")" 'len(d["items"])')" == 0 ]] ||
  fail "a dry run was recorded in the history"
out="$(api POST /api/v1/applications/manual/sync "$ADMIN" '{"resources": [{"kind": "ConfigMap", "namespace": "api-manual", "name": "m"}]}')"
expect 202 requestId "$out"
wait_for 30 "the partial sync" operation_done "$(json_field "$out" 'd["requestId"]')"
value_is api-manual m 1 || fail "the partial sync did not apply m"
kubectl -n api-manual get configmap n >/dev/null 2>&1 && fail "the partial sync applied n as well"
out="$(api POST /api/v1/applications/manual/sync "$ADMIN" '{}')"
wait_for 30 "the full sync" operation_done "$(json_field "$out" 'd["requestId"]')"
wait_app manual Synced Healthy 30
history="$(api GET /api/v1/applications/manual/history "$READ")"
[[ "$(json_field "$history" '[(i["id"], i["phase"], i["initiatedBy"], i["automated"]) for i in d["items"]]')" == \
   "[(1, 'Succeeded', 'ops', False), (0, 'Succeeded', 'ops', False)]" ]] || fail "history: ${history:0:600}"
grep -q 'msg="sync requested".*by=ops' "$SCRATCH/gitopsd.log" || fail "the sync request was not logged with its caller"

# Webhooks. A commit is not seen (poll interval 1 h) until a push event names the repository.
cm h 2 >"$SCRATCH/apps/hooked/h.yaml"
cm m 2 >"$SCRATCH/apps/manual/m.yaml"
second="$(commit_push apps "second")"
payload="$(python3 -c 'import json,sys; print(json.dumps({"ref": "refs/heads/main", "after": sys.argv[2], "repository": {"clone_url": sys.argv[1], "default_branch": "main"}}))' "$url" "$second")"
sign() { printf '%s' "$payload" | openssl dgst -sha256 -hmac "$1" | sed 's/^.* //'; }
hook() { # hook HEADER... : POSTs $payload to /api/webhook, prints "CODE BODY"
  local args=(-s -o "$SCRATCH/body" -w '%{http_code}' -X POST "$API_URL/api/webhook" --data-binary "$payload")
  for header in "$@"; do args+=(-H "$header"); done
  local code
  code="$(curl "${args[@]}")"
  printf '%s %s' "$code" "$(cat "$SCRATCH/body")"
}
expect 401 "" "$(hook 'X-GitHub-Event: push' "X-Hub-Signature-256: sha256=$(sign wrong-secret)")"
expect 401 "" "$(hook 'X-GitHub-Event: push')"
expect 401 "" "$(hook 'X-Gitlab-Event: Push Hook' 'X-Gitlab-Token: not-the-token')"
grep -q "github-hook-secret\|gitlab-hook-token\|not-the-token" "$SCRATCH/gitopsd.log" && fail "a webhook secret reached the log"
sleep 2
value_is api-hooked h 1 || fail "a refused webhook refreshed the application"
expect 200 '"ignored"' "$(hook 'X-GitHub-Event: issues' "X-Hub-Signature-256: sha256=$(sign github-hook-secret)")"
start_ms=$(date +%s%3N)
out="$(hook 'X-GitHub-Event: push' "X-Hub-Signature-256: sha256=$(sign github-hook-secret)")"
expect 200 '"refreshed"' "$out"
[[ "$(json_field "$out" 'sorted(d["refreshed"])')" == "['hooked', 'manual']" ]] || fail "refreshed: $out"
wait_for 20 "the webhook's commit applied" value_is api-hooked h 2
note "webhook to applied: $(($(date +%s%3N) - start_ms)) ms"
value_is api-manual m 1 || fail "the manual application was synced by a webhook"
wait_app manual OutOfSync - 20
big="$(head -c 70000 /dev/zero | tr '\0' 'x')"
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-GitHub-Event: push' --data-binary "$big" "$API_URL/api/webhook")"
[[ "$code" == 413 ]] || fail "a webhook over maxPayloadBytes got $code, not 413"

# Rollback (automated off): sync to the second commit, then back to history record 1 (first).
out="$(api POST /api/v1/applications/manual/sync "$ADMIN" '{}')"
wait_for 30 "the sync to the second commit" operation_done "$(json_field "$out" 'd["requestId"]')"
value_is api-manual m 2 || fail "the sync did not apply the second commit"
expect 404 "no history record 99" "$(api POST /api/v1/applications/manual/rollback "$ADMIN" '{"id": 99}')"
expect 400 "id:" "$(api POST /api/v1/applications/manual/rollback "$ADMIN" '{}')"
out="$(api POST /api/v1/applications/manual/rollback "$ADMIN" '{"id": 1}')"
expect 202 requestId "$out"
wait_for 30 "the rollback" operation_done "$(json_field "$out" 'd["requestId"]')"
value_is api-manual m 1 || fail "the rollback did not restore m"
out="$(api GET /api/v1/applications/manual "$READ")"
[[ "$(json_field "$out" 'd["status"]["operationState"]["revision"]')" == "$first" ]] || fail "rollback revision: ${out:0:500}"
wait_app manual OutOfSync - 20  # the target (main) is the second commit again

# Diff and manifests of the manual application (m differs from Git).
out="$(api GET /api/v1/applications/manual/diff "$READ")"
[[ "$(json_field "$out" '[(i["name"], "+  v: \"2\"" in i["diff"]) for i in d["items"]]')" == "[('m', True)]" ]] ||
  fail "diff: ${out:0:600}"
out="$(api GET /api/v1/applications/manual/manifests "$READ")"
[[ "$(json_field "$out" 'sorted(o["metadata"]["name"] for o in d["manifests"])')" == "['m', 'n']" ]] ||
  fail "manifests: ${out:0:600}"

# TLS: a second gitopsd serving HTTPS with a certificate of its own.
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$SCRATCH/tls.key" -out "$SCRATCH/tls.crt" 2>/dev/null
mkdir -p "$SCRATCH/tls"
tls_port="$(free_port)"
cat >"$SCRATCH/tls/gitopsd.yaml" <<YAML
cluster: {kubeconfig: $KUBECONFIG, context: sandbox}
listen: {address: 127.0.0.1:$tls_port, tls: {certFile: $SCRATCH/tls.crt, keyFile: $SCRATCH/tls.key}}
paths: {cache: $SCRATCH/tls/cache, state: $SCRATCH/tls/state}
YAML
"$GITOPSD_BIN_DIR/gitopsd" --config "$SCRATCH/tls/gitopsd.yaml" >"$SCRATCH/tls/log" 2>&1 &
tls_pid=$!
on_exit "kill $tls_pid 2>/dev/null; wait $tls_pid 2>/dev/null"
wait_for 30 "the HTTPS API" curl -sf --cacert "$SCRATCH/tls.crt" "https://127.0.0.1:$tls_port/healthz"
curl -sf "http://127.0.0.1:$tls_port/healthz" >/dev/null 2>&1 && fail "the HTTPS port answered plain HTTP"
note "ok"
