#!/usr/bin/env bash
# Commit-to-applied latency with a Git webhook: gitopsd polls Git only once an hour, so each of
# 20 commits reaches the cluster only through a signed GitHub push event sent right after the
# push. The clock starts when the webhook is sent and stops when the kube-apiserver shows the
# commit's value (polled every 5 ms). Prints p50/p90/max.
#
#   bench/webhook_latency_bench.sh CLUSTER_ENV GIT_ENV BIN_DIR
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SANDBOX_ENV="$1" GIT_ENV="$2" GITOPSD_BIN_DIR="$3" GITOPSD_SOURCE_DIR="$root"
export GITOPSD_TEST_TMP="$root/build/bench-tmp"
source "$root/tests/integration/lib.sh"
load_sandbox
load_git
make_scratch
probe="$root/tests/support/cm_probe.py"
trials=20

new_repo bench
mkdir -p "$SCRATCH/bench/app"
cm() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "hooked"\ndata:\n  v: "%s"\n' "$1"; }
cm 0 >"$SCRATCH/bench/app/cm.yaml"
commit_push bench "start" >/dev/null
url="$(repo_url bench)"
printf 'bench-hook-secret\n' >"$SCRATCH/github.secret"
POLL_INTERVAL=1h write_config "$SCRATCH/gitopsd.yaml" "webhook: {githubSecretFile: $SCRATCH/github.secret}"
write_app "$APPS_DIR/hooked.yaml" hooked "$url" app bench-webhook \
  "{automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}"
start_gitopsd "$SCRATCH/gitopsd.yaml"
wait_app hooked Synced Healthy 60

results=()
for i in $(seq 1 "$trials"); do
  cm "$i" >"$SCRATCH/bench/app/cm.yaml"
  sha="$(commit_push bench "value $i")"
  payload="$(printf '{"ref":"refs/heads/main","after":"%s","repository":{"clone_url":"%s","default_branch":"main"}}' "$sha" "$url")"
  signature="$(printf '%s' "$payload" | openssl dgst -sha256 -hmac bench-hook-secret | sed 's/^.* //')"
  start_ns=$(date +%s%N)
  curl -sf -X POST -H 'X-GitHub-Event: push' -H "X-Hub-Signature-256: sha256=$signature" \
    --data-binary "$payload" "$API_URL/api/webhook" >/dev/null || fail "webhook refused"
  python3 "$probe" wait bench-webhook hooked "$i" 30 >/dev/null || fail "commit $i not applied within 30 s"
  ms=$((($(date +%s%N) - start_ns) / 1000000))
  results+=("$ms")
  printf '  commit %2d: applied %4d ms after the webhook\n' "$i" "$ms" >&2
done
printf '%s\n' "${results[@]}" | sort -n | awk -v n="$trials" '
  { v[NR] = $1 }
  END { printf "webhook commit-to-applied over %d commits: p50 %d ms, p90 %d ms, max %d ms\n", n, v[int(n * 0.5)], v[int(n * 0.9)], v[n] }'
