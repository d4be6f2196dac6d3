// Git webhooks (docs/api.md, "Git webhooks"): the pure part. parseWebhook checks that a request
// comes from a configured Git server and turns its push payload into a PushEvent; webhookMatches
// says whether a push concerns an application's repoURL and targetRevision. No I/O; every
// function is safe to call from any thread.
//
// Providers, detected by header in this order (Gitea also sends the Gogs and GitHub headers, so
// it is tried first):
//   gitea      X-Gitea-Event: push       X-Gitea-Signature: hex HMAC-SHA256 of the body
//   gogs       X-Gogs-Event: push        X-Gogs-Signature: hex HMAC-SHA256 of the body
//   gitlab     X-Gitlab-Event: Push Hook, Tag Push Hook (or System Hook with object_kind push
//              or tag_push)              X-Gitlab-Token: the secret itself
//   github     X-GitHub-Event: push      X-Hub-Signature-256: "sha256=" + hex HMAC-SHA256
//   bitbucket  X-Event-Key: repo:push    X-Hook-UUID: the webhook's UUID (Bitbucket Cloud)
//
// Verification follows Argo CD: when the provider's secret is configured (non-empty) every
// request from that provider, ping and ignored events included, must carry the matching
// signature, token or UUID, else kUnauthorized; when it is not configured the request is
// accepted unverified (any signature it carries is not checked). Comparisons run in constant
// time. No message ever quotes a secret or a received signature, token or UUID.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/status.h"

namespace gitopsd::server {

// Per-provider secrets; an empty string means "not configured" (see above).
struct WebhookSecrets {
  std::string github;          // the webhook's secret (HMAC key)
  std::string gitlab;          // the webhook's secret token
  std::string gitea;           // HMAC key; also used for Gogs
  std::string bitbucket_uuid;  // the webhook's UUID; braces and letter case are ignored
};

// A received request as parseWebhook sees it. Does not own the body: the caller keeps it alive
// for the call.
struct WebhookRequest {
  // Header names as received (any case); for a repeated header the first one counts.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view body;

  // The value of the first header named name, compared case-insensitively.
  std::optional<std::string_view> header(std::string_view name) const;
};

// One ref a push moved.
struct PushedRef {
  std::string ref;  // full name: "refs/heads/main", "refs/tags/v1.2.0"
  // The commit the ref now points to (the tagged commit for an annotated tag when the payload
  // gives it), as the payload writes it; empty when not given or when the ref was deleted.
  std::string sha;
  bool deleted = false;
  // Whether ref is the repository's default branch; nullopt when the payload does not say
  // (Bitbucket Cloud). false for tags when the default branch is known.
  std::optional<bool> default_branch;
};

struct PushEvent {
  std::string provider;  // "github", "gitlab", "gitea", "gogs" or "bitbucket"
  // Every URL of the repository the payload gives (web, HTTP clone, SSH clone, git://),
  // de-duplicated, in payload order.
  std::vector<std::string> repo_urls;
  // Usually one; a Bitbucket Cloud push may report several changes.
  std::vector<PushedRef> refs;
};

// A verified request that asks for nothing: a ping or an event type other than a push.
struct IgnoredEvent {
  std::string provider;
  std::string reason;  // "ping" or "event type 'issues' ignored"
};

using WebhookEvent = std::variant<PushEvent, IgnoredEvent>;

// Detects the provider, verifies the request (see above) and parses a push payload.
// Errors:
//   kInvalid       no provider header ("not a known webhook (...)"); a push body that is not
//                  JSON, not an object, or lacks the ref or every repository URL (the message
//                  names the provider and the problem)
//   kUnauthorized  secret configured and the signature, token or UUID missing or wrong
core::Result<WebhookEvent> parseWebhook(const WebhookRequest& request,
                                        const WebhookSecrets& secrets);

// Whether push concerns an application that tracks target_revision of repo_url.
// The repository matches when one of push.repo_urls is git::sameRepository as repo_url. The
// revision matches a pushed ref (deleted ones too, so the application reports the missing ref
// soon) when target_revision is:
//   "" or "HEAD"                 a branch push to the default branch, or to any branch when the
//                                payload does not say which branch is the default
//   "refs/..."                   exactly that ref
//   a commit SHA (40 or 64 hex)  never: the application is pinned
//   any other name "x"           refs/heads/x or refs/tags/x
// Semver tag constraints ("1.2.*") are not evaluated and do not match.
bool webhookMatches(const PushEvent& push, std::string_view repo_url,
                    std::string_view target_revision);

}  // namespace gitopsd::server
