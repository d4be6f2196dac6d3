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

TEST_CASE("git url: sameRepository ignores .git, slashes, case, user and http vs https",
          "[git][url]") {
  const std::string repo = "https://github.com/org/repo.git";
  CHECK(sameRepository(repo, "https://github.com/org/repo"));
  CHECK(sameRepository(repo, "https://github.com/org/repo/"));
  CHECK(sameRepository(repo, "https://github.com/org/repo.git/"));
  CHECK(sameRepository(repo, "HTTPS://GitHub.COM/Org/Repo"));
  CHECK(sameRepository(repo, "http://github.com/org/repo"));
  CHECK(sameRepository(repo, "https://x-token:secret@github.com/org/repo.git"));
  CHECK(sameRepository(repo, "https://github.com:443/org/repo"));
  CHECK(sameRepository("http://gitea.test:3000/org/repo", "https://gitea.test:3000/org/repo.git"));
  CHECK(sameRepository("https://gitlab.test/group/sub/project.git",
                       "https://gitlab.test/group/sub/project"));
}

TEST_CASE("git url: sameRepository matches scp-like, ssh and https forms of one repository",
          "[git][url]") {
  CHECK(sameRepository("git@github.com:org/repo.git", "ssh://git@github.com/org/repo.git"));
  CHECK(sameRepository("git@github.com:org/repo.git", "ssh://github.com:22/org/repo"));
  CHECK(sameRepository("git@github.com:org/repo.git", "https://github.com/org/repo"));
  CHECK(sameRepository("git@bitbucket.org:team/app.git", "https://bitbucket.org/team/app"));
  // A non-default SSH port counts against another SSH URL, not against HTTP.
  CHECK(
      sameRepository("ssh://git@gitea.test:2222/org/repo.git", "http://gitea.test:3000/org/repo"));
  CHECK_FALSE(
      sameRepository("ssh://git@gitea.test:2222/org/repo.git", "git@gitea.test:org/repo.git"));
}

TEST_CASE("git url: sameRepository tells different repositories apart", "[git][url]") {
  const std::string repo = "https://github.com/org/repo.git";
  CHECK_FALSE(sameRepository(repo, "https://github.com/org/repo2.git"));
  CHECK_FALSE(sameRepository(repo, "https://github.com/other/repo.git"));
  CHECK_FALSE(sameRepository(repo, "https://gitlab.com/org/repo.git"));
  CHECK_FALSE(sameRepository(repo, "https://github.com/org/repo/sub"));
  CHECK_FALSE(sameRepository("http://h.test:3000/org/repo", "http://h.test:3001/org/repo"));
  CHECK_FALSE(sameRepository(repo, "not a url"));
  CHECK_FALSE(sameRepository("https://github.com/", "https://github.com"));
}
