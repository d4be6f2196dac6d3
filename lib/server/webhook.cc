#include "server/webhook.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "git/url.h"

namespace gitopsd::server {
namespace {

using core::Result;
using core::Status;
using core::StatusCode;
using json = nlohmann::json;
using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
    return std::tolower(x) == std::tolower(y);
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

Status unauthorized(std::string message) { return {StatusCode::kUnauthorized, std::move(message)}; }

const unsigned char* bytes(std::string_view text) {
  static const unsigned char kEmpty = 0;
  return text.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(text.data());
}

Digest sha256(std::string_view text) {
  Digest out{};
  SHA256(bytes(text), text.size(), out.data());
  return out;
}

// Equal-length digests compared in constant time, so neither the content nor the length of a
// secret shows in the timing.
bool constantTimeEquals(std::string_view a, std::string_view b) {
  const Digest left = sha256(a);
  const Digest right = sha256(b);
  return CRYPTO_memcmp(left.data(), right.data(), left.size()) == 0;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Digest> decodeHexDigest(std::string_view hex) {
  if (hex.size() != 2 * SHA256_DIGEST_LENGTH) return std::nullopt;
  Digest out{};
  for (size_t i = 0; i < out.size(); ++i) {
    const int high = hexValue(hex[2 * i]);
    const int low = hexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return out;
}

// Checks "header: prefix + hex(HMAC-SHA256(secret, body))" when secret is configured.
Status verifyHmac(const WebhookRequest& request, std::string_view provider,
                  std::string_view header_name, std::string_view prefix,
                  const std::string& secret) {
  if (secret.empty()) return {};
  const auto received = request.header(header_name);
  const std::string what = std::string(provider) + " webhook: " + std::string(header_name);
  if (!received) return unauthorized(what + " missing, and a secret is configured");
  std::string_view value = trim(*received);
  const bool has_prefix =
      value.size() >= prefix.size() && equalsIgnoreCase(value.substr(0, prefix.size()), prefix);
  if (has_prefix) value.remove_prefix(prefix.size());
  const auto signature = decodeHexDigest(value);

  Digest expected{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), bytes(request.body),
           request.body.size(), expected.data(), &length) == nullptr ||
      length != expected.size()) {
    return {StatusCode::kInternal, what + ": computing HMAC-SHA256 failed"};
  }
  if (!has_prefix || !signature ||
      CRYPTO_memcmp(signature->data(), expected.data(), expected.size()) != 0) {
    return unauthorized(what + " does not match the payload");
  }
  return {};
}

Status verifyToken(const WebhookRequest& request, std::string_view provider,
                   std::string_view header_name, std::string_view configured,
                   std::string (*canonical)(std::string_view)) {
  if (configured.empty()) return {};
  const auto received = request.header(header_name);
  const std::string what = std::string(provider) + " webhook: " + std::string(header_name);
  if (!received) return unauthorized(what + " missing, and a secret is configured");
  if (!constantTimeEquals(canonical(trim(*received)), canonical(configured))) {
    return unauthorized(what + " does not match the configured secret");
  }
  return {};
}

std::string asIs(std::string_view text) { return std::string(text); }

// "{6F9619FF-8B86-D011-B42D-00CF4FC964FF}" and "6f9619ff-8b86-d011-b42d-00cf4fc964ff" alike.
std::string canonicalUuid(std::string_view uuid) {
  uuid = trim(uuid);
  if (uuid.size() >= 2 && uuid.front() == '{' && uuid.back() == '}') {
    uuid = uuid.substr(1, uuid.size() - 2);
  }
  return lower(uuid);
}

Result<json> parseObject(std::string_view provider, std::string_view body) {
  try {
    json doc = json::parse(body);
    if (!doc.is_object()) {
      return core::invalidError(std::string(provider) + " push payload is not a JSON object");
    }
    return doc;
  } catch (const json::exception& error) {
    return core::invalidError(std::string(provider) +
                              " push payload is not valid JSON: " + error.what());
  }
}

// object[key], or null when object is not an object or has no such key.
const json& member(const json& object, std::string_view key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

// The string at the path of object keys under doc; empty when absent or not a string.
std::string stringAt(const json& doc, std::initializer_list<std::string_view> path) {
  const json* node = &doc;
  for (const std::string_view key : path) node = &member(*node, key);
  return node->is_string() ? node->get<std::string>() : std::string();
}

bool isZeroSha(std::string_view sha) {
  return !sha.empty() && std::all_of(sha.begin(), sha.end(), [](char c) { return c == '0'; });
}

std::string fullRef(std::string_view ref) {
  if (ref.starts_with("refs/")) return std::string(ref);
  return "refs/heads/" + std::string(ref);
}

std::optional<bool> isDefaultBranch(std::string_view ref, std::string_view default_branch) {
  if (default_branch.empty()) return std::nullopt;
  return ref == "refs/heads/" + std::string(default_branch);
}

void addUrl(std::vector<std::string>& urls, std::string url) {
  if (url.empty() || std::find(urls.begin(), urls.end(), url) != urls.end()) return;
  urls.push_back(std::move(url));
}

void addUrls(std::vector<std::string>& urls, const json& object,
             std::initializer_list<std::string_view> keys) {
  for (const std::string_view key : keys) addUrl(urls, stringAt(object, {key}));
}

// The ref, new commit and default-branch flag of a single-ref push (all providers but
// Bitbucket), then the checks every push shares.
Result<WebhookEvent> singleRefPush(PushEvent push, const json& doc, std::string sha,
                                   std::string_view default_branch, bool deleted) {
  const std::string ref = stringAt(doc, {"ref"});
  if (ref.empty()) return core::invalidError(push.provider + " push payload has no 'ref'");
  if (push.repo_urls.empty()) {
    return core::invalidError(push.provider + " push payload has no repository URL");
  }
  PushedRef pushed;
  pushed.ref = fullRef(ref);
  pushed.deleted = deleted || isZeroSha(stringAt(doc, {"after"}));
  if (!pushed.deleted && !isZeroSha(sha)) pushed.sha = std::move(sha);
  pushed.default_branch = isDefaultBranch(pushed.ref, default_branch);
  push.refs.push_back(std::move(pushed));
  return WebhookEvent(std::move(push));
}

IgnoredEvent ignored(std::string provider, std::string_view event) {
  if (event == "ping" || event == "diagnostics:ping") return {std::move(provider), "ping"};
  return {std::move(provider), "event type '" + std::string(event) + "' ignored"};
}

Result<WebhookEvent> parseGithub(const WebhookRequest& request, std::string_view event,
                                 const WebhookSecrets& secrets) {
  if (Status s = verifyHmac(request, "github", "X-Hub-Signature-256", "sha256=", secrets.github);
      !s.ok()) {
    return s;
  }
  if (event != "push") return WebhookEvent(ignored("github", event));
  auto doc = parseObject("github", request.body);
  if (!doc.ok()) return doc.status();
  PushEvent push;
  push.provider = "github";
  const json& repository = member(*doc, "repository");
  addUrls(push.repo_urls, repository, {"html_url", "url", "clone_url", "ssh_url", "git_url"});
  std::string sha = stringAt(*doc, {"head_commit", "id"});
  if (sha.empty()) sha = stringAt(*doc, {"after"});
  std::string default_branch = stringAt(repository, {"default_branch"});
  if (default_branch.empty()) default_branch = stringAt(repository, {"master_branch"});
  const json& deleted = member(*doc, "deleted");
  return singleRefPush(std::move(push), *doc, std::move(sha), default_branch,
                       deleted.is_boolean() && deleted.get<bool>());
}

Result<WebhookEvent> parseGitlab(const WebhookRequest& request, std::string_view event,
                                 const WebhookSecrets& secrets) {
  if (Status s = verifyToken(request, "gitlab", "X-Gitlab-Token", secrets.gitlab, asIs); !s.ok()) {
    return s;
  }
  const bool push_hook = event == "Push Hook" || event == "Tag Push Hook";
  if (!push_hook && event != "System Hook") return WebhookEvent(ignored("gitlab", event));
  auto doc = parseObject("gitlab", request.body);
  if (!doc.ok()) return doc.status();
  if (!push_hook) {
    std::string kind = stringAt(*doc, {"object_kind"});
    if (kind.empty()) kind = stringAt(*doc, {"event_name"});
    if (kind != "push" && kind != "tag_push") {
      return WebhookEvent(IgnoredEvent{"gitlab", "System Hook '" + kind + "' ignored"});
    }
  }
  PushEvent push;
  push.provider = "gitlab";
  const json& project = member(*doc, "project");
  const json& repository = member(*doc, "repository");
  addUrls(push.repo_urls, project, {"web_url", "git_http_url", "git_ssh_url", "http_url"});
  addUrls(push.repo_urls, repository, {"homepage", "git_http_url", "git_ssh_url", "url"});
  std::string sha = stringAt(*doc, {"checkout_sha"});
  if (sha.empty()) sha = stringAt(*doc, {"after"});
  return singleRefPush(std::move(push), *doc, std::move(sha), stringAt(project, {"default_branch"}),
                       false);
}

// Gitea and Gogs share the payload shape.
Result<WebhookEvent> parseGiteaLike(const WebhookRequest& request, const std::string& provider,
                                    std::string_view signature_header, std::string_view event,
                                    const WebhookSecrets& secrets) {
  if (Status s = verifyHmac(request, provider, signature_header, "", secrets.gitea); !s.ok()) {
    return s;
  }
  if (event != "push") return WebhookEvent(ignored(provider, event));
  auto doc = parseObject(provider, request.body);
  if (!doc.ok()) return doc.status();
  PushEvent push;
  push.provider = provider;
  const json& repository = member(*doc, "repository");
  addUrls(push.repo_urls, repository, {"html_url", "clone_url", "ssh_url"});
  std::string sha = stringAt(*doc, {"head_commit", "id"});
  if (sha.empty()) sha = stringAt(*doc, {"after"});
  return singleRefPush(std::move(push), *doc, std::move(sha),
                       stringAt(repository, {"default_branch"}), false);
}

Result<WebhookEvent> parseBitbucket(const WebhookRequest& request, std::string_view event,
                                    const WebhookSecrets& secrets) {
  if (Status s =
          verifyToken(request, "bitbucket", "X-Hook-UUID", secrets.bitbucket_uuid, canonicalUuid);
      !s.ok()) {
    return s;
  }
  if (event != "repo:push") return WebhookEvent(ignored("bitbucket", event));
  auto doc = parseObject("bitbucket", request.body);
  if (!doc.ok()) return doc.status();
  PushEvent push;
  push.provider = "bitbucket";
  const json& repository = member(*doc, "repository");
  addUrl(push.repo_urls, stringAt(repository, {"links", "html", "href"}));
  if (push.repo_urls.empty()) {
    return core::invalidError("bitbucket push payload has no repository URL");
  }
  const std::string default_branch = stringAt(repository, {"mainbranch", "name"});
  const json& changes = member(member(*doc, "push"), "changes");
  if (changes.is_array()) {
    for (const json& change : changes) {
      const json& created = member(change, "new");
      const bool deleted = !created.is_object();
      const json& side = deleted ? member(change, "old") : created;
      const std::string name = stringAt(side, {"name"});
      if (name.empty()) continue;
      const std::string type = stringAt(side, {"type"});
      PushedRef pushed;
      pushed.ref = (type == "tag" || type == "annotated_tag" ? "refs/tags/" : "refs/heads/") + name;
      pushed.deleted = deleted;
      if (!deleted) pushed.sha = stringAt(side, {"target", "hash"});
      pushed.default_branch = isDefaultBranch(pushed.ref, default_branch);
      push.refs.push_back(std::move(pushed));
    }
  }
  if (push.refs.empty()) {
    return core::invalidError("bitbucket push payload has no change with a branch or tag name");
  }
  return WebhookEvent(std::move(push));
}

bool isCommitSha(std::string_view text) {
  return (text.size() == 40 || text.size() == 64) &&
         std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return std::isxdigit(c) != 0; });
}

bool revisionMatches(const PushedRef& pushed, std::string_view target) {
  if (target.empty() || target == "HEAD") {
    return pushed.ref.starts_with("refs/heads/") && pushed.default_branch.value_or(true);
  }
  if (isCommitSha(target)) return false;
  if (target.starts_with("refs/")) return pushed.ref == target;
  const std::string name(target);
  return pushed.ref == "refs/heads/" + name || pushed.ref == "refs/tags/" + name;
}

}  // namespace

std::optional<std::string_view> WebhookRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equalsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

Result<WebhookEvent> parseWebhook(const WebhookRequest& request, const WebhookSecrets& secrets) {
  if (const auto event = request.header("X-Gitea-Event")) {
    return parseGiteaLike(request, "gitea", "X-Gitea-Signature", trim(*event), secrets);
  }
  if (const auto event = request.header("X-Gogs-Event")) {
    return parseGiteaLike(request, "gogs", "X-Gogs-Signature", trim(*event), secrets);
  }
  if (const auto event = request.header("X-Gitlab-Event")) {
    return parseGitlab(request, trim(*event), secrets);
  }
  if (const auto event = request.header("X-GitHub-Event")) {
    return parseGithub(request, trim(*event), secrets);
  }
  if (const auto event = request.header("X-Event-Key")) {
    return parseBitbucket(request, trim(*event), secrets);
  }
  return core::invalidError(
      "not a known webhook (no X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event, X-Gogs-Event or "
      "X-Event-Key header)");
}

bool webhookMatches(const PushEvent& push, std::string_view repo_url,
                    std::string_view target_revision) {
  const bool same_repository =
      std::any_of(push.repo_urls.begin(), push.repo_urls.end(),
                  [&](const std::string& url) { return git::sameRepository(url, repo_url); });
  if (!same_repository) return false;
  return std::any_of(push.refs.begin(), push.refs.end(), [&](const PushedRef& pushed) {
    return revisionMatches(pushed, target_revision);
  });
}

}  // namespace gitopsd::server
