// lib/git against the real test Git servers of tests/git (git daemon, http and https with basic
// auth and a private CA, sshd with keys and known_hosts), started by the git_servers fixture.
// Repositories are created with tests/git/new-repo and changed with the git CLI.
#include <unistd.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "git/mirror.h"
#include "support/git_test_repo.h"
#include "support/temp_dir.h"

using gitopsd::core::StatusCode;
using gitopsd::git::EntryType;
using gitopsd::git::Mirror;
using gitopsd::git::MirrorOptions;
using gitopsd::git::RepoCredentials;
using gitopsd::test_support::GitTestRepo;
using gitopsd::test_support::TempDir;
namespace fs = std::filesystem;

// Leaks inside libgit2 1.5.1 as Debian ships it, not in lib/git: its regexp code does not free
// pcre2 match data when nothing matches (every git_remote_lookup), and its SSH transport leaks
// the ~/.ssh/known_hosts handle and path on every connection (allocated below connectAndList,
// where lib/git itself allocates nothing that it does not own). Full stacks are needed for the
// suppressions to see the frames below the unsymbolised libgit2 ones.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:pcre2_match_data_create_8\n"
         "leak:pcre2_match_8\n"
         "leak:libssh2_knownhost_init\n"
         "leak:connectAndList\n";
}
extern "C" const char* __asan_default_options() { return "fast_unwind_on_malloc=0"; }

namespace {

using gitopsd::test_support::gitEnv;
using gitopsd::test_support::runShell;
using gitopsd::test_support::shellQuote;

Mirror openMirror(const TempDir& cache, const std::string& url,
                  std::optional<RepoCredentials> credentials = std::nullopt) {
  auto mirror = Mirror::open(MirrorOptions{
      .cache_dir = cache.file("cache"), .url = url, .credentials = std::move(credentials)});
  if (!mirror.ok()) FAIL("opening the mirror of " << url << ": " << mirror.status().toString());
  return std::move(mirror).value();
}

std::string resolved(const Mirror& mirror, const std::string& revision) {
  auto commit = mirror.resolve(revision);
  if (!commit.ok()) FAIL("resolving " << revision << ": " << commit.status().toString());
  return *commit;
}

void requireOk(const gitopsd::core::Status& status) {
  if (!status.ok()) FAIL(status.toString());
}

RepoCredentials httpCredentials(const std::string& password) {
  RepoCredentials credentials;
  credentials.url_prefix = gitEnv("GIT_HTTP_URL");
  credentials.username = gitEnv("GIT_HTTP_USER");
  credentials.password = password;
  return credentials;
}

RepoCredentials sshCredentials(const std::string& key, const std::string& known_hosts) {
  RepoCredentials credentials;
  credentials.url_prefix = gitEnv("GIT_SSH_URL");
  credentials.ssh_private_key_file = key;
  credentials.known_hosts_file = known_hosts;
  return credentials;
}

}  // namespace

TEST_CASE("git mirror: git:// mirror, resolve and read files without a checkout", "[git]") {
  GitTestRepo repo("mirror");
  const std::string first =
      repo.commit({{"README", "hello\n"}, {"apps/guestbook/app.yaml", "kind: A\n"}}, "first");
  repo.push("main");
  TempDir cache;
  Mirror mirror = openMirror(cache, repo.url("GIT_DAEMON_URL"));
  requireOk(mirror.fetch());

  CHECK(resolved(mirror, "main") == first);
  CHECK(resolved(mirror, "HEAD") == first);
  CHECK(resolved(mirror, "") == first);
  CHECK(resolved(mirror, "refs/heads/main") == first);
  CHECK(resolved(mirror, first) == first);
  CHECK(resolved(mirror, first.substr(0, 7)) == first);
  CHECK(resolved(mirror, first.substr(0, 4)) == first);

  auto content = mirror.readFile(first, "apps/guestbook/app.yaml");
  REQUIRE(content.ok());
  CHECK(*content == "kind: A\n");
  CHECK(mirror.readFile(first, "./apps//guestbook/app.yaml").valueOr("") == "kind: A\n");

  auto missing = mirror.readFile(first, "apps/missing.yaml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK_THAT(missing.status().message(),
             Catch::Contains("apps/missing.yaml") && Catch::Contains(first));
  CHECK(mirror.readFile(first, "../etc/passwd").status().code() == StatusCode::kInvalid);
  CHECK(mirror.readFile(first, "apps").status().code() == StatusCode::kInvalid);

  auto tree = mirror.treeId(first, "apps/guestbook");
  REQUIRE(tree.ok());
  CHECK(*tree == repo.git("rev-parse " + first + ":apps/guestbook"));

  auto entries = mirror.listTree(first, "", /*recursive=*/true);
  REQUIRE(entries.ok());
  std::vector<std::string> paths;
  for (const auto& entry : *entries) paths.push_back(entry.path);
  CHECK(paths ==
        std::vector<std::string>{"README", "apps", "apps/guestbook", "apps/guestbook/app.yaml"});

  auto unknown = mirror.resolve("feature");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == StatusCode::kNotFound);
  CHECK_THAT(unknown.status().message(),
             Catch::Contains("revision 'feature' not found in " + repo.url("GIT_DAEMON_URL")));
}

TEST_CASE("git mirror: tags, annotated ones peeled to their commit", "[git]") {
  GitTestRepo repo("mirror");
  const std::string first = repo.commit({{"a", "1"}}, "first");
  repo.git("tag -a v1.0.0 -m release");
  repo.git("tag light");
  const std::string second = repo.commit({{"a", "2"}}, "second");
  repo.push("main --tags");
  TempDir cache;
  Mirror mirror = openMirror(cache, repo.url("GIT_DAEMON_URL"));
  requireOk(mirror.fetch());
  CHECK(resolved(mirror, "v1.0.0") == first);
  CHECK(resolved(mirror, "refs/tags/v1.0.0") == first);
  CHECK(resolved(mirror, "light") == first);
  CHECK(resolved(mirror, "main") == second);

  auto refs = mirror.listRemote();
  REQUIRE(refs.ok());
  CHECK(refs->refs.at("refs/heads/main") == second);
  CHECK(refs->peeled.at("refs/tags/v1.0.0") == first);
  CHECK(refs->head_target == "refs/heads/main");
}

TEST_CASE("git mirror: fetchIfMoved fetches only when the remote moved", "[git]") {
  GitTestRepo repo("mirror");
  repo.commit({{"a", "1"}}, "first");
  repo.push("main");
  TempDir cache;
  Mirror mirror = openMirror(cache, repo.url("GIT_DAEMON_URL"));
  auto fetched = mirror.fetchIfMoved();
  REQUIRE(fetched.ok());
  CHECK(*fetched);
  fetched = mirror.fetchIfMoved();
  REQUIRE(fetched.ok());
  CHECK_FALSE(*fetched);

  const std::string second = repo.commit({{"a", "2"}}, "second");
  repo.push("main");
  fetched = mirror.fetchIfMoved();
  REQUIRE(fetched.ok());
  CHECK(*fetched);
  CHECK(resolved(mirror, "main") == second);
  fetched = mirror.fetchIfMoved();
  REQUIRE(fetched.ok());
  CHECK_FALSE(*fetched);

  // A second Mirror over the same cache folder sees the same, already fetched mirror.
  Mirror again = openMirror(cache, repo.url("GIT_DAEMON_URL"));
  CHECK(again.path() == mirror.path());
  fetched = again.fetchIfMoved();
  REQUIRE(fetched.ok());
  CHECK_FALSE(*fetched);
}

TEST_CASE("git mirror: force-pushed and deleted branches", "[git]") {
  GitTestRepo repo("mirror");
  const std::string base = repo.commit({{"a", "1"}}, "base");
  repo.push("main");
  repo.git("checkout -q -b feature");
  const std::string old_tip = repo.commit({{"a", "feature 1"}}, "feature 1");
  repo.push("feature");
  TempDir cache;
  Mirror mirror = openMirror(cache, repo.url("GIT_DAEMON_URL"));
  requireOk(mirror.fetch());
  CHECK(resolved(mirror, "feature") == old_tip);

  repo.git("reset -q --hard " + base);
  const std::string new_tip = repo.commit({{"a", "rewritten"}}, "rewritten");
  repo.push("--force feature");
  auto fetched = mirror.fetchIfMoved();
  REQUIRE(fetched.ok());
  CHECK(*fetched);
  CHECK(resolved(mirror, "feature") == new_tip);
  auto old_content = mirror.readFile(old_tip, "a");  // still in the object database
  CHECK(old_content.valueOr("") == "feature 1");

  repo.push(":feature");
  fetched = mirror.fetchIfMoved();
  REQUIRE(fetched.ok());
  CHECK(*fetched);
  auto gone = mirror.resolve("feature");
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == StatusCode::kNotFound);
  CHECK_THAT(gone.status().message(), Catch::Contains("'feature'"));
  CHECK(resolved(mirror, "main") == base);
}

TEST_CASE("git mirror: listTree reports a symlink as a symlink", "[git]") {
  GitTestRepo repo("mirror");
  repo.commit({{"manifests/app.yaml", "kind: A\n"}}, "files");
  fs::create_symlink("../../../etc/passwd", fs::path(repo.work()) / "manifests" / "escape");
  const std::string commit = repo.commit({}, "link");
  repo.push("main");
  TempDir cache;
  Mirror mirror = openMirror(cache, repo.url("GIT_DAEMON_URL"));
  requireOk(mirror.fetch());
  auto entries = mirror.listTree(commit, "manifests", /*recursive=*/false);
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 2);
  CHECK((*entries)[0].path == "manifests/app.yaml");
  CHECK((*entries)[0].type == EntryType::kFile);
  CHECK((*entries)[1].path == "manifests/escape");
  CHECK((*entries)[1].type == EntryType::kSymlink);
  CHECK((*entries)[1].mode == 0120000);
  CHECK((*entries)[1].symlink_target == "../../../etc/passwd");
  auto link = mirror.readFile(commit, "manifests/escape");
  CHECK(link.status().code() == StatusCode::kInvalid);
  CHECK_THAT(link.status().message(), Catch::Contains("symbolic link"));
}

TEST_CASE("git mirror: http with basic auth; a wrong password is refused once, unnamed", "[git]") {
  GitTestRepo repo("mirror");
  const std::string commit = repo.commit({{"a", "1"}}, "first");
  repo.push("main");
  const std::string url = repo.url("GIT_HTTP_URL");
  {
    TempDir cache;
    Mirror mirror = openMirror(cache, url, httpCredentials(gitEnv("GIT_HTTP_PASSWORD")));
    requireOk(mirror.fetch());
    CHECK(resolved(mirror, "main") == commit);
  }
  {
    TempDir cache;
    const std::string wrong = "wrong-" + gitEnv("GIT_HTTP_PASSWORD");
    Mirror mirror = openMirror(cache, url, httpCredentials(wrong));
    const auto status = mirror.fetch();
    CHECK(status.code() == StatusCode::kUnauthorized);
    CHECK_THAT(status.message(), Catch::Contains(url));
    CHECK_THAT(status.message(),
               !Catch::Contains(wrong) && !Catch::Contains(gitEnv("GIT_HTTP_PASSWORD")));
    const auto listed = mirror.listRemote();
    CHECK(listed.status().code() == StatusCode::kUnauthorized);
  }
  {
    TempDir cache;
    Mirror mirror = openMirror(cache, url);
    const auto status = mirror.fetch();
    CHECK(status.code() == StatusCode::kUnauthorized);
    CHECK_THAT(status.message(), Catch::Contains("no credentials"));
  }
}

TEST_CASE("git mirror: https trusted through the repository's CA file only", "[git]") {
  GitTestRepo repo("mirror");
  const std::string commit = repo.commit({{"a", "1"}}, "first");
  repo.push("main");
  const std::string url = repo.url("GIT_HTTPS_URL");
  RepoCredentials credentials = httpCredentials(gitEnv("GIT_HTTP_PASSWORD"));
  credentials.url_prefix = gitEnv("GIT_HTTPS_URL");
  {
    TempDir cache;
    Mirror mirror = openMirror(cache, url, credentials);
    const auto status = mirror.fetch();
    CHECK(status.code() == StatusCode::kUnauthorized);
    CHECK_THAT(status.message(), Catch::Contains("certificate"));
  }
  credentials.ca_file = gitEnv("GIT_CA_FILE");
  TempDir cache;
  Mirror mirror = openMirror(cache, url, credentials);
  requireOk(mirror.fetch());
  CHECK(resolved(mirror, "main") == commit);
}

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

TEST_CASE("git mirror: a damaged mirror folder is re-created", "[git]") {
  GitTestRepo repo("mirror");
  const std::string commit = repo.commit({{"a", "1"}}, "first");
  repo.push("main");
  TempDir cache;
  std::string path;
  {
    Mirror mirror = openMirror(cache, repo.url("GIT_DAEMON_URL"));
    requireOk(mirror.fetch());
    path = mirror.path();
  }
  fs::remove(fs::path(path) / "config");  // as a crash half-way through could leave it
  std::ofstream(fs::path(path) / "HEAD", std::ios::trunc) << "garbage";
  Mirror mirror = openMirror(cache, repo.url("GIT_DAEMON_URL"));
  CHECK(mirror.path() == path);
  requireOk(mirror.fetch());
  CHECK(resolved(mirror, "HEAD") == commit);
}
