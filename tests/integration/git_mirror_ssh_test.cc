// lib/git over SSH against the test sshd of tests/git (a plain key, a passphrase-protected key,
// known_hosts plain and hashed, a changed host key, an unknown host). A binary of its own so
// that the suppression of libgit2's SSH transport leaks below applies to nothing else.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "git/mirror.h"
#include "git_mirror_helpers.h"
#include "support/git_test_repo.h"
#include "support/temp_dir.h"

using gitopsd::core::StatusCode;
using gitopsd::git::Mirror;
using gitopsd::git::RepoCredentials;
using gitopsd::test_support::GitTestRepo;
using gitopsd::test_support::openMirror;
using gitopsd::test_support::requireOk;
using gitopsd::test_support::resolved;
using gitopsd::test_support::TempDir;
namespace fs = std::filesystem;

// Leaks inside libgit2 1.5.1 as Debian ships it: its SSH transport does not free the known_hosts
// path it builds on every connection (24 bytes below git_remote_connect_ext), and its regexp
// code does not free pcre2 match data (every git_remote_lookup). Full stacks are needed for
// the suppressions to see the frames below the unsymbolised libgit2 ones.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:pcre2_match_data_create_8\n"
         "leak:pcre2_match_8\n"
         "leak:libssh2_knownhost_init\n"
         "leak:git_remote_connect_ext\n";
}
extern "C" const char* __asan_default_options() { return "fast_unwind_on_malloc=0"; }

namespace {

using gitopsd::test_support::gitEnv;
using gitopsd::test_support::runShell;
using gitopsd::test_support::shellQuote;

RepoCredentials sshCredentials(const std::string& key, const std::string& known_hosts) {
  RepoCredentials credentials;
  credentials.url_prefix = gitEnv("GIT_SSH_URL");
  credentials.ssh_private_key_file = key;
  credentials.known_hosts_file = known_hosts;
  return credentials;
}

}  // namespace

TEST_CASE("git mirror: ssh with a plain key and with a passphrase-protected key", "[git]") {
  GitTestRepo repo("mirror");
  const std::string commit = repo.commit({{"a", "1"}}, "first");
  repo.push("main");
  const std::string url = repo.url("GIT_SSH_URL");
  {
    TempDir cache;
    Mirror mirror = openMirror(
        cache, url, sshCredentials(gitEnv("GIT_SSH_KEY"), gitEnv("GIT_SSH_KNOWN_HOSTS")));
    requireOk(mirror.fetch());
    CHECK(resolved(mirror, "main") == commit);
  }
  {
    TempDir cache;
    auto credentials =
        sshCredentials(gitEnv("GIT_SSH_KEY_PASSPHRASE_PROTECTED"), gitEnv("GIT_SSH_KNOWN_HOSTS"));
    credentials.ssh_passphrase = gitEnv("GIT_SSH_PASSPHRASE");
    Mirror mirror = openMirror(cache, url, credentials);
    requireOk(mirror.fetch());
    CHECK(resolved(mirror, "main") == commit);
  }
}

TEST_CASE("git mirror: ssh refuses a changed host key and an unknown host", "[git]") {
  GitTestRepo repo("mirror");
  repo.commit({{"a", "1"}}, "first");
  repo.push("main");
  const std::string url = repo.url("GIT_SSH_URL");
  const std::string host = "127.0.0.1:" + gitEnv("GIT_SSH_PORT");
  {
    TempDir cache;
    Mirror mirror = openMirror(
        cache, url, sshCredentials(gitEnv("GIT_SSH_KEY"), gitEnv("GIT_SSH_WRONG_KNOWN_HOSTS")));
    const auto status = mirror.fetch();
    CHECK(status.code() == StatusCode::kUnauthorized);
    CHECK_THAT(status.message(),
               Catch::Contains("host key for " + host + " does not match known_hosts " +
                               gitEnv("GIT_SSH_WRONG_KNOWN_HOSTS")) &&
                   Catch::Contains("man-in-the-middle"));
  }
  {
    TempDir cache;
    const std::string empty = cache.write("known_hosts", "");
    Mirror mirror = openMirror(cache, url, sshCredentials(gitEnv("GIT_SSH_KEY"), empty));
    const auto status = mirror.fetch();
    CHECK(status.code() == StatusCode::kUnauthorized);
    CHECK_THAT(status.message(),
               Catch::Contains("host key for " + host + " is not in known_hosts " + empty));
  }
  {
    // The same host key, hashed as ssh-keygen -H writes it, is accepted.
    TempDir cache;
    const std::string hashed = cache.write(
        "known_hosts_hashed", runShell("cat " + shellQuote(gitEnv("GIT_SSH_KNOWN_HOSTS"))) + "\n");
    runShell("ssh-keygen -q -H -f " + shellQuote(hashed) + " >/dev/null");
    CHECK(runShell("cat " + shellQuote(hashed)).starts_with("|1|"));
    Mirror mirror = openMirror(cache, url, sshCredentials(gitEnv("GIT_SSH_KEY"), hashed));
    requireOk(mirror.fetch());
  }
}
