#include "server/webhook.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

using gitopsd::core::Result;
using gitopsd::core::StatusCode;
using gitopsd::server::IgnoredEvent;
using gitopsd::server::parseWebhook;
using gitopsd::server::PushedRef;
using gitopsd::server::PushEvent;
using gitopsd::server::WebhookEvent;
using gitopsd::server::webhookMatches;
using gitopsd::server::WebhookRequest;
using gitopsd::server::WebhookSecrets;

namespace {

// The signatures below are hex HMAC-SHA256 of the fixture files as stored, keyed with kSecret,
// computed independently with `openssl dgst -sha256 -hmac KEY FILE`; editing a fixture means
// recomputing its signature.
const std::string kSecret = "hook-secret-for-tests";
const std::string kGithubPushSignature =
    "6ddc6d513d09afcdbaf92cc5d09ed89be745175e3a548484924e7dabc8dc93a9";
const std::string kGithubPingSignature =
    "67543441c96da3df9cba9ff41a515def9f4cc4a1d77960bc8c02959aa33108ed";
const std::string kGiteaPushSignature =
    "009030ff4f78729cee7ab272b28d60074f5a1883a781e8d845d4871f1d42ee77";
const std::string kGogsPushSignature =
    "c3c11174537f22c1c9922a5e4ca92b0a763adaf37116f367ba4d422115463e86";
const std::string kWrongSignature =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const std::string kBitbucketUuid = "7c1f9a2e-4b3d-4e8a-9c61-2d5f0b8e7a14";

std::string fixture(const std::string& name) {
  std::ifstream in(fs::path(GITOPSD_TESTDATA_DIR) / "server" / "webhook" / name, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

WebhookRequest request(std::vector<std::pair<std::string, std::string>> headers,
                       std::string_view body) {
  WebhookRequest out;
  out.headers = std::move(headers);
  out.body = body;
  return out;
}

PushEvent pushOf(const Result<WebhookEvent>& event) {
  INFO(event.status().toString());
  REQUIRE(event.ok());
  REQUIRE(std::holds_alternative<PushEvent>(*event));
  return std::get<PushEvent>(*event);
}

IgnoredEvent ignoredOf(const Result<WebhookEvent>& event) {
  INFO(event.status().toString());
  REQUIRE(event.ok());
  REQUIRE(std::holds_alternative<IgnoredEvent>(*event));
  return std::get<IgnoredEvent>(*event);
}

// The message of an error with code, checked not to quote any secret or signature.
std::string errorOf(const Result<WebhookEvent>& event, StatusCode code) {
  REQUIRE_FALSE(event.ok());
  CHECK(event.status().code() == code);
  const std::string message = event.status().message();
  const std::vector<std::string> secrets = {
      kSecret,         kGithubPushSignature, kGiteaPushSignature, kGogsPushSignature,
      kWrongSignature, kBitbucketUuid,       "wrong-token",       "forged"};
  for (const std::string& secret : secrets) {
    CHECK(message.find(secret) == std::string::npos);
  }
  return message;
}

PushEvent githubPush() {
  const std::string body = fixture("github_push.json");
  return pushOf(parseWebhook(request({{"X-GitHub-Event", "push"}}, body), {}));
}

}  // namespace

TEST_CASE("webhook: GitHub push gives every repository URL, the ref and the commit", "[webhook]") {
  const std::string body = fixture("github_push.json");
  const auto push =
      pushOf(parseWebhook(request({{"X-GitHub-Event", "push"},
                                   {"X-GitHub-Delivery", "4f0f5a10-0bd5-11ef-8c5e-3d1b7a0c9e21"},
                                   {"X-Hub-Signature-256", "sha256=" + kGithubPushSignature},
                                   {"Content-Type", "application/json"}},
                                  body),
                          {kSecret, "", "", ""}));
  CHECK(push.provider == "github");
  CHECK(push.repo_urls ==
        std::vector<std::string>{"https://github.com/acme-platform/bookinfo-config",
                                 "https://github.com/acme-platform/bookinfo-config.git",
                                 "git@github.com:acme-platform/bookinfo-config.git",
                                 "git://github.com/acme-platform/bookinfo-config.git"});
  REQUIRE(push.refs.size() == 1);
  CHECK(push.refs[0].ref == "refs/heads/main");
  CHECK(push.refs[0].sha == "8a3f2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f50");
  CHECK_FALSE(push.refs[0].deleted);
  CHECK(push.refs[0].default_branch == true);
}

TEST_CASE("webhook: GitHub tag push names the tag and the tagged commit", "[webhook]") {
  const std::string body = fixture("github_tag_push.json");
  const auto push = pushOf(parseWebhook(request({{"x-github-event", "push"}}, body), {}));
  REQUIRE(push.refs.size() == 1);
  CHECK(push.refs[0].ref == "refs/tags/v1.4.0");
  CHECK(push.refs[0].sha == "8a3f2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f50");
  CHECK(push.refs[0].default_branch == false);
}

TEST_CASE("webhook: GitHub branch deletion is a push with no commit", "[webhook]") {
  const std::string body = R"({
    "ref": "refs/heads/feature/x", "before": "8a3f2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f50",
    "after": "0000000000000000000000000000000000000000", "deleted": true, "head_commit": null,
    "repository": {"html_url": "https://github.com/o/r", "default_branch": "main"}})";
  const auto push = pushOf(parseWebhook(request({{"X-GitHub-Event", "push"}}, body), {}));
  REQUIRE(push.refs.size() == 1);
  CHECK(push.refs[0].ref == "refs/heads/feature/x");
  CHECK(push.refs[0].deleted);
  CHECK(push.refs[0].sha.empty());
  CHECK(push.refs[0].default_branch == false);
}

TEST_CASE("webhook: GitLab push and tag push", "[webhook]") {
  const WebhookSecrets secrets{"", kSecret, "", ""};
  const std::string body = fixture("gitlab_push.json");
  const auto push = pushOf(parseWebhook(
      request({{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", kSecret}}, body), secrets));
  CHECK(push.provider == "gitlab");
  CHECK(push.repo_urls ==
        std::vector<std::string>{"https://gitlab.example.com/platform/apps/bookinfo-config",
                                 "https://gitlab.example.com/platform/apps/bookinfo-config.git",
                                 "git@gitlab.example.com:platform/apps/bookinfo-config.git"});
  REQUIRE(push.refs.size() == 1);
  CHECK(push.refs[0].ref == "refs/heads/release");
  CHECK(push.refs[0].sha == "3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5");
  CHECK(push.refs[0].default_branch == false);

  const std::string tag_body = fixture("gitlab_tag_push.json");
  const auto tag = pushOf(parseWebhook(
      request({{"X-Gitlab-Event", "Tag Push Hook"}, {"X-Gitlab-Token", kSecret}}, tag_body),
      secrets));
  REQUIRE(tag.refs.size() == 1);
  CHECK(tag.refs[0].ref == "refs/tags/v2.0.1");
  // checkout_sha (the tagged commit), not after (the annotated tag object).
  CHECK(tag.refs[0].sha == "3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5");
}

TEST_CASE("webhook: GitLab system hook pushes are pushes, other system hooks ignored",
          "[webhook]") {
  const std::string body = fixture("gitlab_push.json");
  const auto push = pushOf(parseWebhook(request({{"X-Gitlab-Event", "System Hook"}}, body), {}));
  CHECK(push.refs.at(0).ref == "refs/heads/release");

  const std::string project_created = R"({"event_name": "project_create", "name": "x"})";
  const auto ignored =
      ignoredOf(parseWebhook(request({{"X-Gitlab-Event", "System Hook"}}, project_created), {}));
  CHECK(ignored.provider == "gitlab");
  CHECK(ignored.reason == "System Hook 'project_create' ignored");
}

TEST_CASE(
    "webhook: Gitea push is verified with X-Gitea-Signature although it sends GitHub and "
    "Gogs headers too",
    "[webhook]") {
  const std::string body = fixture("gitea_push.json");
  const auto push =
      pushOf(parseWebhook(request({{"X-GitHub-Event", "push"},
                                   {"X-GitHub-Event-Type", "push"},
                                   {"X-Gitea-Event", "push"},
                                   {"X-Gitea-Event-Type", "push"},
                                   {"X-Gitea-Signature", kGiteaPushSignature},
                                   {"X-Gogs-Event", "push"},
                                   {"X-Gogs-Signature", kGiteaPushSignature},
                                   {"X-Hub-Signature-256", "sha256=" + kGiteaPushSignature}},
                                  body),
                          {"another-secret", "", kSecret, ""}));
  CHECK(push.provider == "gitea");
  CHECK(push.repo_urls ==
        std::vector<std::string>{"http://gitea.example.com:3000/platform/bookinfo-config",
                                 "http://gitea.example.com:3000/platform/bookinfo-config.git",
                                 "ssh://git@gitea.example.com:2222/platform/bookinfo-config.git"});
  REQUIRE(push.refs.size() == 1);
  CHECK(push.refs[0].ref == "refs/heads/main");
  CHECK(push.refs[0].sha == "b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80");
  CHECK(push.refs[0].default_branch == true);
}

TEST_CASE("webhook: Gogs push is verified with the Gitea secret", "[webhook]") {
  const std::string body = fixture("gogs_push.json");
  const auto push = pushOf(parseWebhook(
      request({{"X-Gogs-Event", "push"}, {"X-Gogs-Signature", kGogsPushSignature}}, body),
      {"", "", kSecret, ""}));
  CHECK(push.provider == "gogs");
  CHECK(push.repo_urls ==
        std::vector<std::string>{"https://gogs.example.com/platform/bookinfo-config",
                                 "https://gogs.example.com/platform/bookinfo-config.git",
                                 "git@gogs.example.com:platform/bookinfo-config.git"});
  REQUIRE(push.refs.size() == 1);
  CHECK(push.refs[0].ref == "refs/heads/develop");
  CHECK(push.refs[0].sha == "f0e1d2c3b4a5968778695a4b3c2d1e0f9a8b7c6d");
  CHECK(push.refs[0].default_branch == false);
}

TEST_CASE("webhook: Bitbucket Cloud push, checked by hook UUID", "[webhook]") {
  const std::string body = fixture("bitbucket_push.json");
  for (const std::string& received : {kBitbucketUuid, "{" + kBitbucketUuid + "}",
                                      std::string("7C1F9A2E-4B3D-4E8A-9C61-2D5F0B8E7A14")}) {
    const auto push = pushOf(
        parseWebhook(request({{"X-Event-Key", "repo:push"}, {"X-Hook-UUID", received}}, body),
                     {"", "", "", "{" + kBitbucketUuid + "}"}));
    CHECK(push.provider == "bitbucket");
    CHECK(push.repo_urls ==
          std::vector<std::string>{"https://bitbucket.org/acme-team/bookinfo-config"});
    REQUIRE(push.refs.size() == 1);
    CHECK(push.refs[0].ref == "refs/heads/main");
    CHECK(push.refs[0].sha == "c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7");
    CHECK_FALSE(push.refs[0].default_branch.has_value());
  }
}

TEST_CASE("webhook: a Bitbucket push may carry several changes, deletions included", "[webhook]") {
  const std::string body = R"({
    "repository": {"links": {"html": {"href": "https://bitbucket.org/team/app"}}},
    "push": {"changes": [
      {"old": null, "new": {"type": "tag", "name": "v3.0.0",
                            "target": {"type": "commit", "hash": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}},
      {"old": {"type": "branch", "name": "old-feature",
               "target": {"hash": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}}, "new": null},
      {"old": null, "new": {"type": "branch", "name": "next",
                            "target": {"hash": "cccccccccccccccccccccccccccccccccccccccc"}}}]}})";
  const auto push = pushOf(parseWebhook(request({{"X-Event-Key", "repo:push"}}, body), {}));
  REQUIRE(push.refs.size() == 3);
  CHECK(push.refs[0].ref == "refs/tags/v3.0.0");
  CHECK(push.refs[0].sha == "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  CHECK(push.refs[1].ref == "refs/heads/old-feature");
  CHECK(push.refs[1].deleted);
  CHECK(push.refs[1].sha.empty());
  CHECK(push.refs[2].ref == "refs/heads/next");
  CHECK(webhookMatches(push, "git@bitbucket.org:team/app.git", "v3.0.0"));
  CHECK(webhookMatches(push, "https://bitbucket.org/team/app.git", "next"));
  CHECK(webhookMatches(push, "https://bitbucket.org/team/app.git", "old-feature"));
  CHECK_FALSE(webhookMatches(push, "https://bitbucket.org/team/app.git", "main"));
}

TEST_CASE("webhook: HMAC-SHA256 matches RFC 4231 and accepts upper-case hex", "[webhook]") {
  // RFC 4231 test case 2, as a Gitea signature.
  const std::string body = "what do ya want for nothing?";
  const std::string signature = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  const WebhookSecrets secrets{"", "", "Jefe", ""};
  auto event = parseWebhook(
      request({{"X-Gitea-Event", "issues"}, {"X-Gitea-Signature", signature}}, body), secrets);
  CHECK(ignoredOf(event).reason == "event type 'issues' ignored");
  std::string upper = signature;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  event = parseWebhook(request({{"X-Gitea-Event", "issues"}, {"X-Gitea-Signature", upper}}, body),
                       secrets);
  CHECK(event.ok());
}

TEST_CASE("webhook: wrong or missing signatures are unauthenticated when a secret is set",
          "[webhook]") {
  const std::string github = fixture("github_push.json");
  const WebhookSecrets secrets{kSecret, "", kSecret, ""};

  auto message =
      errorOf(parseWebhook(request({{"X-GitHub-Event", "push"},
                                    {"X-Hub-Signature-256", "sha256=" + kWrongSignature}},
                                   github),
                           secrets),
              StatusCode::kUnauthorized);
  CHECK(message == "github webhook: X-Hub-Signature-256 does not match the payload");

  message = errorOf(parseWebhook(request({{"X-GitHub-Event", "push"}}, github), secrets),
                    StatusCode::kUnauthorized);
  CHECK(message == "github webhook: X-Hub-Signature-256 missing, and a secret is configured");

  // The right digest without its "sha256=" prefix, only the SHA-1 header, a truncated digest,
  // and a body changed after signing.
  errorOf(parseWebhook(
              request({{"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", kGithubPushSignature}},
                      github),
              secrets),
          StatusCode::kUnauthorized);
  errorOf(
      parseWebhook(request({{"X-GitHub-Event", "push"},
                            {"X-Hub-Signature", "sha1=0123456789abcdef0123456789abcdef01234567"}},
                           github),
                   secrets),
      StatusCode::kUnauthorized);
  errorOf(parseWebhook(
              request({{"X-GitHub-Event", "push"},
                       {"X-Hub-Signature-256", "sha256=" + kGithubPushSignature.substr(0, 40)}},
                      github),
              secrets),
          StatusCode::kUnauthorized);
  const std::string tampered = github + " ";
  errorOf(parseWebhook(request({{"X-GitHub-Event", "push"},
                                {"X-Hub-Signature-256", "sha256=" + kGithubPushSignature}},
                               tampered),
                       secrets),
          StatusCode::kUnauthorized);

  const std::string gitea = fixture("gitea_push.json");
  message = errorOf(
      parseWebhook(
          request({{"X-Gitea-Event", "push"}, {"X-Gitea-Signature", kWrongSignature}}, gitea),
          secrets),
      StatusCode::kUnauthorized);
  CHECK(message == "gitea webhook: X-Gitea-Signature does not match the payload");
  const std::string gogs = fixture("gogs_push.json");
  message = errorOf(parseWebhook(request({{"X-Gogs-Event", "push"}}, gogs), secrets),
                    StatusCode::kUnauthorized);
  CHECK(message == "gogs webhook: X-Gogs-Signature missing, and a secret is configured");
}

TEST_CASE("webhook: wrong GitLab token and wrong Bitbucket UUID are unauthenticated", "[webhook]") {
  const std::string gitlab = fixture("gitlab_push.json");
  const WebhookSecrets secrets{"", kSecret, "", kBitbucketUuid};
  auto message = errorOf(
      parseWebhook(
          request({{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Token", "wrong-token"}}, gitlab),
          secrets),
      StatusCode::kUnauthorized);
  CHECK(message == "gitlab webhook: X-Gitlab-Token does not match the configured secret");
  errorOf(parseWebhook(request({{"X-Gitlab-Event", "Push Hook"},
                                {"X-Gitlab-Token", kSecret.substr(0, kSecret.size() - 1)}},
                               gitlab),
                       secrets),
          StatusCode::kUnauthorized);
  errorOf(parseWebhook(request({{"X-Gitlab-Event", "Push Hook"}}, gitlab), secrets),
          StatusCode::kUnauthorized);

  const std::string bitbucket = fixture("bitbucket_push.json");
  message =
      errorOf(parseWebhook(request({{"X-Event-Key", "repo:push"},
                                    {"X-Hook-UUID", "{0b9e4f36-7d1a-4c2e-9a55-3f8d2e61b7c4}"}},
                                   bitbucket),
                           secrets),
              StatusCode::kUnauthorized);
  CHECK(message == "bitbucket webhook: X-Hook-UUID does not match the configured secret");
  errorOf(parseWebhook(request({{"X-Event-Key", "repo:push"}}, bitbucket), secrets),
          StatusCode::kUnauthorized);
}

TEST_CASE("webhook: a provider without a configured secret is accepted unverified", "[webhook]") {
  // Only the other providers have secrets; a forged signature is not even looked at.
  const WebhookSecrets secrets{"", kSecret, "", kBitbucketUuid};
  const std::string github = fixture("github_push.json");
  CHECK(pushOf(parseWebhook(request({{"X-GitHub-Event", "push"}}, github), secrets)).provider ==
        "github");
  CHECK(pushOf(parseWebhook(
                   request({{"X-GitHub-Event", "push"}, {"X-Hub-Signature-256", "sha256=forged"}},
                           github),
                   secrets))
            .provider == "github");
  const std::string gitea = fixture("gitea_push.json");
  CHECK(pushOf(parseWebhook(request({{"X-Gitea-Event", "push"}}, gitea), secrets)).provider ==
        "gitea");
  const std::string gitlab = fixture("gitlab_push.json");
  CHECK(pushOf(parseWebhook(request({{"X-Gitlab-Event", "Push Hook"}}, gitlab), {})).provider ==
        "gitlab");
  const std::string bitbucket = fixture("bitbucket_push.json");
  CHECK(pushOf(parseWebhook(request({{"X-Event-Key", "repo:push"}}, bitbucket), {})).provider ==
        "bitbucket");
}

TEST_CASE("webhook: ping and other event types are ignored, after verification", "[webhook]") {
  const WebhookSecrets secrets{kSecret, "", "", ""};
  const std::string ping = fixture("github_ping.json");
  const auto ignored =
      ignoredOf(parseWebhook(request({{"X-GitHub-Event", "ping"},
                                      {"X-Hub-Signature-256", "sha256=" + kGithubPingSignature}},
                                     ping),
                             secrets));
  CHECK(ignored.provider == "github");
  CHECK(ignored.reason == "ping");
  errorOf(parseWebhook(request({{"X-GitHub-Event", "ping"}}, ping), secrets),
          StatusCode::kUnauthorized);

  // The body of an ignored event is not parsed.
  CHECK(ignoredOf(parseWebhook(request({{"X-GitHub-Event", "issues"}}, "not json"), {})).reason ==
        "event type 'issues' ignored");
  CHECK(ignoredOf(parseWebhook(request({{"X-Gitlab-Event", "Merge Request Hook"}}, "{}"), {}))
            .reason == "event type 'Merge Request Hook' ignored");
  CHECK(ignoredOf(parseWebhook(request({{"X-Gitea-Event", "create"}}, "{}"), {})).reason ==
        "event type 'create' ignored");
  CHECK(
      ignoredOf(parseWebhook(request({{"X-Event-Key", "pullrequest:created"}}, "{}"), {})).reason ==
      "event type 'pullrequest:created' ignored");
}

TEST_CASE("webhook: malformed payloads and unknown senders are invalid", "[webhook]") {
  auto message = errorOf(
      parseWebhook(request({{"X-GitHub-Event", "push"}}, R"({"ref": "refs/heads/main",)"), {}),
      StatusCode::kInvalid);
  CHECK(message.starts_with("github push payload is not valid JSON: "));
  CHECK(message.find("parse error") != std::string::npos);
  message = errorOf(parseWebhook(request({{"X-Gitlab-Event", "Push Hook"}}, ""), {}),
                    StatusCode::kInvalid);
  CHECK(message.starts_with("gitlab push payload is not valid JSON: "));
  message = errorOf(parseWebhook(request({{"X-Event-Key", "repo:push"}}, "[1, 2]"), {}),
                    StatusCode::kInvalid);
  CHECK(message == "bitbucket push payload is not a JSON object");
  message = errorOf(parseWebhook(request({{"X-Gogs-Event", "push"}},
                                         R"({"repository": {"html_url": "https://h/o/r"}})"),
                                 {}),
                    StatusCode::kInvalid);
  CHECK(message == "gogs push payload has no 'ref'");
  message = errorOf(
      parseWebhook(request({{"X-GitHub-Event", "push"}}, R"({"ref": "refs/heads/main"})"), {}),
      StatusCode::kInvalid);
  CHECK(message == "github push payload has no repository URL");

  message = errorOf(parseWebhook(request({{"Content-Type", "application/json"}}, "{}"), {}),
                    StatusCode::kInvalid);
  CHECK(message ==
        "not a known webhook (no X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event, X-Gogs-Event or "
        "X-Event-Key header)");
}

TEST_CASE("webhook: request headers are looked up case-insensitively, first one wins",
          "[webhook]") {
  const auto req =
      request({{"x-hub-SIGNATURE-256", "sha256=1"}, {"X-Hub-Signature-256", "sha256=2"}}, "");
  CHECK(req.header("X-Hub-Signature-256") == "sha256=1");
  CHECK(req.header("x-hub-signature-256") == "sha256=1");
  CHECK_FALSE(req.header("X-Hub-Signature").has_value());
}

TEST_CASE("webhook: repository URL matching", "[webhook]") {
  const PushEvent push = githubPush();
  const auto matches = [&](std::string_view url) { return webhookMatches(push, url, "main"); };
  CHECK(matches("https://github.com/acme-platform/bookinfo-config.git"));
  CHECK(matches("https://github.com/acme-platform/bookinfo-config"));
  CHECK(matches("https://github.com/acme-platform/bookinfo-config/"));
  CHECK(matches("https://GitHub.COM/acme-platform/bookinfo-config"));
  CHECK(matches("http://github.com/acme-platform/bookinfo-config.git"));
  CHECK(matches("git@github.com:acme-platform/bookinfo-config.git"));
  CHECK(matches("ssh://git@github.com/acme-platform/bookinfo-config.git"));
  CHECK(matches("ssh://git@github.com/acme-platform/bookinfo-config"));
  CHECK(matches("https://x-access-token:abc@github.com/acme-platform/bookinfo-config.git"));
  CHECK_FALSE(matches("https://github.com/acme-platform/bookinfo-config-prod.git"));
  CHECK_FALSE(matches("https://github.com/other-org/bookinfo-config.git"));
  CHECK_FALSE(matches("https://github.example.com/acme-platform/bookinfo-config.git"));
  CHECK_FALSE(matches("bookinfo-config"));
}

TEST_CASE("webhook: revision matching", "[webhook]") {
  const std::string url = "https://github.com/acme-platform/bookinfo-config.git";
  const PushEvent main_push = githubPush();
  CHECK(webhookMatches(main_push, url, "main"));
  CHECK(webhookMatches(main_push, url, "refs/heads/main"));
  CHECK(webhookMatches(main_push, url, "HEAD"));
  CHECK(webhookMatches(main_push, url, ""));
  CHECK_FALSE(webhookMatches(main_push, url, "develop"));
  CHECK_FALSE(webhookMatches(main_push, url, "refs/heads/develop"));
  CHECK_FALSE(webhookMatches(main_push, url, "refs/tags/main"));
  CHECK_FALSE(webhookMatches(main_push, url, "8a3f2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f50"));
  CHECK_FALSE(webhookMatches(main_push, url, "5d1c4a0e9b8f7e6d5c4b3a29180f7e6d5c4b3a21"));

  const std::string tag_body = fixture("github_tag_push.json");
  const auto tag = pushOf(parseWebhook(request({{"X-GitHub-Event", "push"}}, tag_body), {}));
  CHECK(webhookMatches(tag, url, "v1.4.0"));
  CHECK(webhookMatches(tag, url, "refs/tags/v1.4.0"));
  CHECK_FALSE(webhookMatches(tag, url, "refs/heads/v1.4.0"));
  CHECK_FALSE(webhookMatches(tag, url, "v1.4"));
  CHECK_FALSE(webhookMatches(tag, url, "HEAD"));
  CHECK_FALSE(webhookMatches(tag, url, "main"));

  // A push to a branch that is not the default one does not refresh HEAD trackers.
  const std::string gogs_body = fixture("gogs_push.json");
  const auto develop = pushOf(parseWebhook(request({{"X-Gogs-Event", "push"}}, gogs_body), {}));
  const std::string gogs_url = "git@gogs.example.com:platform/bookinfo-config.git";
  CHECK(webhookMatches(develop, gogs_url, "develop"));
  CHECK_FALSE(webhookMatches(develop, gogs_url, "HEAD"));
  CHECK_FALSE(webhookMatches(develop, gogs_url, "master"));
}

TEST_CASE("webhook: HEAD matches any branch push when the payload does not name the default",
          "[webhook]") {
  PushEvent push;
  push.provider = "bitbucket";
  push.repo_urls = {"https://bitbucket.org/team/app"};
  push.refs = {PushedRef{"refs/heads/feature", "", false, std::nullopt}};
  CHECK(webhookMatches(push, "https://bitbucket.org/team/app.git", "HEAD"));
  CHECK(webhookMatches(push, "https://bitbucket.org/team/app.git", ""));
  push.refs = {PushedRef{"refs/tags/v1", "", false, std::nullopt}};
  CHECK_FALSE(webhookMatches(push, "https://bitbucket.org/team/app.git", "HEAD"));
  CHECK(webhookMatches(push, "https://bitbucket.org/team/app.git", "v1"));
}
