#include "git/credentials.h"

#include <catch2/catch.hpp>

using namespace gitopsd::git;

namespace {
RepoCredentials entry(std::string prefix, std::string user) {
  RepoCredentials out;
  out.url_prefix = std::move(prefix);
  out.username = std::move(user);
  return out;
}
}  // namespace

TEST_CASE("git credentials: the longest matching prefix wins", "[git]") {
  CredentialStore store({entry("https://github.com", "host"),
                         entry("https://github.com/org", "org"),
                         entry("https://github.com/org/app.git", "repo")});
  CHECK(store.find("https://github.com/org/app.git")->username == "repo");
  CHECK(store.find("https://github.com/org/other.git")->username == "org");
  CHECK(store.find("https://github.com/someone/x.git")->username == "host");
  CHECK_FALSE(store.find("https://gitlab.com/org/app.git"));
}

TEST_CASE("git credentials: matching ignores case of scheme and host, slashes and users", "[git]") {
  CredentialStore store({entry("HTTPS://GitHub.COM/org/", "org")});
  CHECK(store.find("https://github.com/org/app.git"));
  CHECK(store.find("https://someone@GITHUB.com/org/app.git"));
  CHECK(store.find("https://github.com/org"));
  // Path case matters (paths are case-sensitive on most servers).
  CHECK_FALSE(store.find("https://github.com/ORG/app.git"));
}

TEST_CASE("git credentials: a prefix matches only at a path boundary", "[git]") {
  CredentialStore store({entry("https://github.com/org", "org")});
  CHECK_FALSE(store.find("https://github.com/organisation/app.git"));
  CHECK_FALSE(store.find("https://github.com.evil.example/org/app.git"));
  CHECK(urlHasPrefix("git@github.com:org/app.git", "git@github.com:org"));
  CHECK(urlHasPrefix("ssh://git@h:2222/srv/repos/a.git", "ssh://h:2222/srv/repos"));
  CHECK_FALSE(urlHasPrefix("ssh://h:2223/srv", "ssh://h:2222"));
}

TEST_CASE("git credentials: an entry for the same prefix replaces the earlier one", "[git]") {
  CredentialStore store;
  store.add(entry("https://h/org", "first"));
  store.add(entry("https://H/org/", "second"));
  REQUIRE(store.entries().size() == 1);
  CHECK(store.find("https://h/org/x")->username == "second");
}

TEST_CASE("git credentials: secrets lists password and passphrase", "[git]") {
  RepoCredentials credentials;
  CHECK(credentials.secrets().empty());
  credentials.password = "token";
  credentials.ssh_passphrase = "phrase";
  CHECK(credentials.secrets() == std::vector<std::string>{"token", "phrase"});
}
