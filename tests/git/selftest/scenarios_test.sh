#!/usr/bin/env bash
# The test Git servers serve one repository over git://, http (basic auth), https (our CA only)
# and ssh (key, passphrase key, our known_hosts only), and the scenarios the lib/git tests build
# on (commit, rejected then forced rewrite, branch deletion, annotated and lightweight tags)
# look the same over every transport. Git CLI only.
source "$(dirname "$0")/lib.sh"
load_git_env
make_scratch
repo="scenarios-$$-$RANDOM"
on_exit "rm -rf '$GIT_REPOS_DIR/$repo.git'"
must "new-repo $repo" "$GIT_HARNESS/new-repo" "$repo" --dir "$GIT_SERVERS_DIR"

daemon="$GIT_DAEMON_URL/$repo.git"
http="$GIT_HTTP_URL/$repo.git"
https="$GIT_HTTPS_URL/$repo.git"
ssh_url="$GIT_SSH_URL/$repo.git"
auth_header="Authorization: Basic $(printf '%s:%s' "$GIT_HTTP_USER" "$GIT_HTTP_PASSWORD" | base64 -w0)"
# Credentials and CA through the environment, so they show neither in ps nor in .git/config.
with_auth() { GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader GIT_CONFIG_VALUE_0="$auth_header" "$@"; }
with_key() { GIT_SSH_COMMAND="$(ssh_command "$GIT_SSH_KEY" "$GIT_SSH_KNOWN_HOSTS" -o BatchMode=yes)" "$@"; }
refs_of() { # the refs the bare repository itself has, as ls-remote prints them
  git -C "$GIT_REPOS_DIR/$repo.git" for-each-ref --format='%(objectname)%09%(refname)' |
    while IFS=$'\t' read -r oid ref; do
      printf '%s\t%s\n' "$oid" "$ref"
      if [[ "$(git -C "$GIT_REPOS_DIR/$repo.git" cat-file -t "$oid")" == tag ]]; then
        printf '%s\t%s^{}\n' "$(git -C "$GIT_REPOS_DIR/$repo.git" rev-parse "$oid^{}")" "$ref"
      fi
    done | sort -k2
}
# every transport lists exactly the bare repository's refs
all_transports_agree() {
  local expected got url
  expected="$(refs_of)"
  for url in daemon http https ssh; do
    case $url in
      daemon) got="$(git ls-remote --refs "$daemon" 2>&1)" ;;
      http) got="$(with_auth git ls-remote --refs "$http" 2>&1)" ;;
      https) got="$(with_auth git -c http.sslCAInfo="$GIT_CA_FILE" ls-remote --refs "$https" 2>&1)" ;;
      ssh) got="$(with_key git ls-remote --refs "$ssh_url" 2>&1)" ;;
    esac
    got="$(sort -k2 <<<"$got")"
    [[ "$got" == "$(grep -v '\^{}$' <<<"$expected")" ]] ||
      fail "$1: $url lists other refs than the repository:\n$(redact "$got")\nexpected:\n$expected"
  done
}

cd "$SCRATCH"
# --- commit, push over git:// -----------------------------------------------------------------
must "git init" git init -q -b main work
echo one > work/file
must "commit" git -C work add file
must "commit" git -C work commit -q -m one
must "push over git://" git -C work push -q "$daemon" main
one="$(git -C work rev-parse HEAD)"
[[ "$(git -C "$GIT_REPOS_DIR/$repo.git" rev-parse main)" == "$one" ]] || fail "git:// push did not land"
note "pushed $one over git://"

# --- http: basic auth ---------------------------------------------------------------------------
must "clone over http with basic auth" with_auth git clone -q "$http" clone-http
[[ "$(git -C clone-http rev-parse HEAD)" == "$one" ]] || fail "http clone has another HEAD"
# the credentials in the URL: git meets the 401 challenge and answers it
cred_url="${GIT_HTTP_URL/http:\/\//http://$GIT_HTTP_USER:$GIT_HTTP_PASSWORD@}/$repo.git"
must "ls-remote over http with credentials in the URL" git ls-remote "$cred_url"
must_fail "http with a wrong password" "Authentication failed|401" \
  git ls-remote "${GIT_HTTP_URL/http:\/\//http://$GIT_HTTP_USER:wrong-password@}/$repo.git"
must_fail "http without credentials" "Authentication failed|could not read Username|401" \
  git ls-remote "$http"
code="$(curl -s -o /dev/null -w '%{http_code}' -u "$GIT_HTTP_USER:wrong-password" \
  "$http/info/refs?service=git-upload-pack")"
[[ "$code" == 401 ]] || fail "a wrong password got HTTP $code, not 401"
code="$(curl -s -o /dev/null -w '%{http_code}' "$http/info/refs?service=git-upload-pack")"
[[ "$code" == 401 ]] || fail "no credentials got HTTP $code, not 401"
echo two >> clone-http/file
must "commit" git -C clone-http commit -q -am two
must "push over http" with_auth git -C clone-http push -q origin main
two="$(git -C clone-http rev-parse HEAD)"
note "http: clone and push with basic auth; wrong or missing password: 401"

# --- https: our CA only ---------------------------------------------------------------------------
must "clone over https with GIT_CA_FILE" with_auth git -c http.sslCAInfo="$GIT_CA_FILE" clone -q "$https" clone-https
[[ "$(git -C clone-https rev-parse HEAD)" == "$two" ]] || fail "https clone has another HEAD"
must_fail "https without our CA" "certificate|SSL|verif" with_auth git ls-remote "$https"
echo three >> clone-https/file
must "commit" git -C clone-https commit -q -am three
must "push over https" with_auth git -C clone-https -c http.sslCAInfo="$GIT_CA_FILE" push -q origin main
three="$(git -C clone-https rev-parse HEAD)"
note "https: clone and push with the CA; refused without it"

# --- ssh: both keys, our known_hosts only -----------------------------------------------------------
must "clone over ssh with the plain key" with_key git clone -q "$ssh_url" clone-ssh
[[ "$(git -C clone-ssh rev-parse HEAD)" == "$three" ]] || fail "ssh clone has another HEAD"
must_fail "passphrase key is encrypted" "incorrect passphrase|load failed" \
  ssh-keygen -y -P "" -f "$GIT_SSH_KEY_PASSPHRASE_PROTECTED"
must "passphrase key opens with GIT_SSH_PASSPHRASE" ssh-keygen -y -P "$GIT_SSH_PASSPHRASE" -f "$GIT_SSH_KEY_PASSPHRASE_PROTECTED"
askpass="$SCRATCH/askpass"
printf '#!/bin/sh\ncat %q\n' "$GIT_SSH_PASSPHRASE_FILE" > "$askpass"
chmod +x "$askpass"
must "ls-remote over ssh with the passphrase key (SSH_ASKPASS)" \
  env SSH_ASKPASS="$askpass" SSH_ASKPASS_REQUIRE=force \
  GIT_SSH_COMMAND="$(ssh_command "$GIT_SSH_KEY_PASSPHRASE_PROTECTED" "$GIT_SSH_KNOWN_HOSTS" -o BatchMode=no)" \
  git ls-remote "$ssh_url" </dev/null
must_fail "passphrase key without its passphrase" "Permission denied|publickey" \
  env GIT_SSH_COMMAND="$(ssh_command "$GIT_SSH_KEY_PASSPHRASE_PROTECTED" "$GIT_SSH_KNOWN_HOSTS" -o BatchMode=yes)" \
  git ls-remote "$ssh_url"
must_fail "the wrong known_hosts" "REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed" \
  env GIT_SSH_COMMAND="$(ssh_command "$GIT_SSH_KEY" "$GIT_SSH_WRONG_KNOWN_HOSTS" -o BatchMode=yes)" \
  git ls-remote "$ssh_url"
must_fail "an empty known_hosts" "Host key verification failed|No .* host key is known" \
  env GIT_SSH_COMMAND="$(ssh_command "$GIT_SSH_KEY" /dev/null -o BatchMode=yes)" git ls-remote "$ssh_url"
fingerprint="$(ssh-keygen -l -E sha256 -F "[127.0.0.1]:$GIT_SSH_PORT" -f "$GIT_SSH_KNOWN_HOSTS" | awk '/SHA256:/ {print $3}')"
[[ "$fingerprint" == "$GIT_SSH_HOST_KEY_SHA256" ]] ||
  fail "known_hosts fingerprint '$fingerprint' differs from GIT_SSH_HOST_KEY_SHA256 '$GIT_SSH_HOST_KEY_SHA256'"
echo four >> clone-ssh/file
must "commit" git -C clone-ssh commit -q -am four
must "push over ssh" with_key git -C clone-ssh push -q origin main
four="$(git -C clone-ssh rev-parse HEAD)"
all_transports_agree "after four commits"
note "ssh: both keys work, the passphrase key only with its passphrase; wrong and unknown host keys refused"

# --- force-push: a rewritten branch ------------------------------------------------------------------
must "fetch" git -C work pull -q --ff-only "$daemon" main
must "branch" git -C work checkout -q -b feature
echo a > work/feature; must "commit" git -C work add feature; must "commit" git -C work commit -q -m feature-a
echo b >> work/feature; must "commit" git -C work commit -q -am feature-b
must "push feature over http" with_auth git -C work push -q "$http" feature
old_feature="$(git -C work rev-parse HEAD)"
must "rewrite feature" git -C work reset -q --hard HEAD~2
echo c > work/feature; must "commit" git -C work add feature; must "commit" git -C work commit -q -m feature-c
new_feature="$(git -C work rev-parse HEAD)"
must_fail "non-fast-forward push without force" "rejected|non-fast-forward|fetch first" \
  with_auth git -C work push "$http" feature
must "force-push feature over http" with_auth git -C work push -q --force "$http" feature
got="$(git ls-remote "$daemon" refs/heads/feature | cut -f1)"
[[ "$got" == "$new_feature" && "$got" != "$old_feature" ]] ||
  fail "ls-remote shows feature at $got, expected the rewritten $new_feature"
! git -C "$GIT_REPOS_DIR/$repo.git" merge-base --is-ancestor "$old_feature" feature ||
  fail "the rewritten feature still contains the old history"
all_transports_agree "after the force-push"
note "force-push: feature rewritten from $old_feature to $new_feature"

# --- delete a branch ---------------------------------------------------------------------------------
must "push doomed over ssh" with_key git -C work push -q "$ssh_url" feature:refs/heads/doomed
[[ -n "$(git ls-remote "$daemon" refs/heads/doomed)" ]] || fail "doomed was not created"
must "delete doomed over ssh" with_key git -C work push -q "$ssh_url" --delete doomed
[[ -z "$(git ls-remote "$daemon" refs/heads/doomed)" ]] || fail "doomed still listed after deletion"
all_transports_agree "after the branch deletion"
note "delete-branch: doomed gone"

# --- tags: annotated and lightweight ------------------------------------------------------------------
must "annotated tag" git -C work tag -a v1.0 -m "release 1.0" "$four"
must "lightweight tag" git -C work tag v1.0-light "$new_feature"
must "push tags over git://" git -C work push -q "$daemon" v1.0 v1.0-light
tags="$(with_auth git -c http.sslCAInfo="$GIT_CA_FILE" ls-remote --tags "$https")"
tag_object="$(git -C work rev-parse v1.0)"
expected_tags="$(printf '%s\trefs/tags/v1.0\n%s\trefs/tags/v1.0^{}\n%s\trefs/tags/v1.0-light\n' \
  "$tag_object" "$four" "$new_feature")"
[[ "$(sort <<<"$tags")" == "$(sort <<<"$expected_tags")" ]] ||
  fail "ls-remote --tags shows:\n$tags\nexpected:\n$expected_tags"
[[ "$tag_object" != "$four" ]] || fail "v1.0 is not an annotated tag object"
all_transports_agree "after the tags"
note "tags: annotated v1.0 peels (^{}) to $four, lightweight v1.0-light has no ^{}"
