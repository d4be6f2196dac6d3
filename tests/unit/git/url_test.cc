#include "git/url.h"

#include <catch2/catch.hpp>

using namespace gitopsd::git;

TEST_CASE("git url: parses scheme, user, host, port and path", "[git]") {
  auto https = parseUrl("HTTPS://bob:s3cret@Example.COM:8443/org/repo.git");
  REQUIRE(https);
  CHECK(https->scheme == "https");
  CHECK(https->user == "bob");
  CHECK(https->password == "s3cret");
  CHECK(https->host == "example.com");
  CHECK(https->port == 8443);
  CHECK(https->path == "/org/repo.git");

  auto ssh = parseUrl("ssh://git@127.0.0.1:2222/srv/repos/app.git");
  REQUIRE(ssh);
  CHECK(ssh->port == 2222);
  CHECK(ssh->user == "git");

  auto scp = parseUrl("git@github.com:org/repo.git");
  REQUIRE(scp);
  CHECK(scp->scp_like);
  CHECK(scp->scheme == "ssh");
  CHECK(scp->host == "github.com");
  CHECK(scp->port == 22);
  CHECK(scp->path == "org/repo.git");

  auto ipv6 = parseUrl("git://[::1]:9000/x.git");
  REQUIRE(ipv6);
  CHECK(ipv6->host == "::1");
  CHECK(ipv6->port == 9000);

  CHECK(parseUrl("https://example.com/x")->port == 443);
  CHECK(parseUrl("git://example.com/x")->port == 9418);
  CHECK_FALSE(parseUrl("just-a-word"));
  CHECK_FALSE(parseUrl("https://host:99999/x"));
}

TEST_CASE("git url: normalises case, trailing slashes and passwords", "[git]") {
  CHECK(normalizeUrl("HTTPS://GitHub.com/Org/Repo.git/") == "https://github.com/Org/Repo.git");
  CHECK(normalizeUrl("https://u:p@h.example/x") == "https://u@h.example/x");
  CHECK(normalizeUrl("https://u:p@h.example/x", false) == "https://h.example/x");
  CHECK(normalizeUrl("ssh://git@Host:2222/a//") == "ssh://git@host:2222/a");
  CHECK(normalizeUrl("git@GitHub.com:org/repo.git") == "git@github.com:org/repo.git");
  CHECK(normalizeUrl("weird///") == "weird");
}

TEST_CASE("git url: redaction removes passwords and tokens, keeps the rest", "[git]") {
  CHECK(redactUrl("https://bob:s3cret@example.com/x.git") == "https://bob@example.com/x.git");
  CHECK(redactUrl("https://example.com/x.git") == "https://example.com/x.git");
  CHECK(redactUrl("ssh://git@h:22/x") == "ssh://git@h:22/x");
  const std::string text =
      "failed to fetch 'https://x-token:ghp_abc@github.com/o/r.git' and http://a:b@h/x";
  const std::string redacted = redactUrlsInText(text);
  CHECK(redacted == "failed to fetch 'https://x-token@github.com/o/r.git' and http://a@h/x");
  CHECK(redacted.find("ghp_abc") == std::string::npos);
}

TEST_CASE("git url: mirror folder names are stable and ignore case and passwords", "[git]") {
  const std::string name = mirrorDirName("https://github.com/org/repo.git");
  CHECK(name.size() == 36);
  CHECK(name.ends_with(".git"));
  CHECK(mirrorDirName("HTTPS://GITHUB.COM/org/repo.git/") == name);
  CHECK(mirrorDirName("https://github.com/org/other.git") != name);
  CHECK(mirrorDirName("https://u:a@h/x") == mirrorDirName("https://u:b@h/x"));
}
