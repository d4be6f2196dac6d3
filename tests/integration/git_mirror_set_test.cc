// MirrorSet against the git daemon of the test Git servers, behind a FaultProxy that counts the
// connections: one remote check per repository per poll, however many applications track it.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "git/mirror_set.h"
#include "git/url.h"
#include "support/fault_proxy.h"
#include "support/git_test_repo.h"
#include "support/temp_dir.h"

using gitopsd::core::StatusCode;
using gitopsd::git::Mirror;
using gitopsd::git::MirrorSet;
using gitopsd::git::MirrorSetOptions;
using gitopsd::git::normalizeUrl;
using gitopsd::test_support::FaultProxy;
using gitopsd::test_support::gitEnv;
using gitopsd::test_support::GitTestRepo;
using gitopsd::test_support::TempDir;

namespace {

std::uint16_t daemonPort() {
  return static_cast<std::uint16_t>(std::stoi(gitEnv("GIT_DAEMON_PORT")));
}

// "/<name>.git": the repository's path on the git daemon.
std::string daemonPath(const GitTestRepo& repo) {
  const std::string url = repo.url("GIT_DAEMON_URL");
  const std::string base = gitEnv("GIT_DAEMON_URL");
  REQUIRE(url.starts_with(base));
  return url.substr(base.size());
}

std::string viaProxy(const FaultProxy& proxy, const GitTestRepo& repo) {
  return "git://127.0.0.1:" + std::to_string(proxy.port()) + daemonPath(repo);
}

MirrorSetOptions options(const TempDir& cache, std::size_t max_parallel_fetches = 4) {
  return MirrorSetOptions{.cache_dir = cache.file("cache"),
                          .credentials = {},
                          .max_parallel_fetches = max_parallel_fetches};
}

void requireOk(const gitopsd::core::Status& status) {
  if (!status.ok()) FAIL(status.toString());
}

std::string resolved(const MirrorSet& mirrors, const std::string& url,
                     const std::string& revision) {
  auto commit = mirrors.resolve(url, revision);
  if (!commit.ok()) FAIL("resolving " << revision << ": " << commit.status().toString());
  return *commit;
}

const MirrorSet::PollResult& resultFor(const std::vector<MirrorSet::PollResult>& results,
                                       const std::string& url) {
  for (const auto& result : results) {
    if (result.url == normalizeUrl(url)) return result;
  }
  FAIL("no poll result for " << url);
  return results.front();  // not reached
}

}  // namespace

TEST_CASE("git mirror set: three applications on one repository share one connection per poll",
          "[git]") {
  GitTestRepo repo("mset");
  const std::string first = repo.commitAndPush("first");
  FaultProxy proxy("127.0.0.1", daemonPort());
  const std::string url = viaProxy(proxy, repo);
  const std::string path = daemonPath(repo);
  const std::string port = std::to_string(proxy.port());
  const std::vector<std::string> spellings = {url, url + "/",
                                              "GIT://127.0.0.1:" + port + path + "/"};

  TempDir cache;
  MirrorSet mirrors(options(cache));
  for (const auto& spelling : spellings) requireOk(mirrors.track(spelling));
  requireOk(mirrors.track(url));  // tracking again does nothing
  CHECK(mirrors.urls() == std::vector<std::string>{normalizeUrl(url)});
  CHECK(proxy.connectionsAccepted() == 0);  // tracking does no network I/O

  auto results = mirrors.pollAll();
  REQUIRE(results.size() == 1);
  requireOk(results[0].status);
  CHECK(results[0].fetched);
  CHECK(results[0].url == normalizeUrl(url));
  CHECK(proxy.connectionsAccepted() == 1);
  for (const auto& spelling : spellings) CHECK(resolved(mirrors, spelling, "main") == first);

  // Nothing changed: one ls-remote style connection, no fetch.
  results = mirrors.pollAll();
  REQUIRE(results.size() == 1);
  requireOk(results[0].status);
  CHECK_FALSE(results[0].fetched);
  CHECK(proxy.connectionsAccepted() == 2);

  // After a push: one connection that also fetches.
  const std::string second = repo.commit({{"apps/app.yaml", "kind: B\n"}}, "second");
  repo.push("main");
  results = mirrors.pollAll();
  REQUIRE(results.size() == 1);
  requireOk(results[0].status);
  CHECK(results[0].fetched);
  CHECK(proxy.connectionsAccepted() == 3);
  CHECK(resolved(mirrors, spellings[2], "main") == second);
  CHECK(resolved(mirrors, spellings[1], "HEAD") == second);
  std::string content;
  requireOk(mirrors.withMirror(spellings[0], [&](const Mirror& mirror) {
    auto file = mirror.readFile(second, "apps/app.yaml");
    if (!file.ok()) return file.status();
    content = *file;
    return gitopsd::core::okStatus();
  }));
  CHECK(content == "kind: B\n");

  auto untracked = mirrors.resolve(gitEnv("GIT_DAEMON_URL") + "/other.git", "main");
  CHECK(untracked.status().code() == StatusCode::kNotFound);
  CHECK_THAT(untracked.status().message(), Catch::Contains("other.git"));
}

TEST_CASE("git mirror set: several repositories with a bounded number of parallel fetches",
          "[git]") {
  const std::size_t max_parallel = GENERATE(1, 2);
  INFO("max_parallel_fetches " << max_parallel);
  FaultProxy proxy("127.0.0.1", daemonPort());
  GitTestRepo one("mset-one");
  GitTestRepo two("mset-two");
  GitTestRepo three("mset-three");
  const std::string one_first = one.commitAndPush("one");
  const std::string two_first = two.commitAndPush("two");
  const std::string three_first = three.commitAndPush("three");
  TempDir cache;
  MirrorSet mirrors(options(cache, max_parallel));
  for (const GitTestRepo* repo : {&one, &two, &three})
    requireOk(mirrors.track(viaProxy(proxy, *repo)));

  auto results = mirrors.pollAll();
  REQUIRE(results.size() == 3);
  for (const auto& result : results) {
    INFO(result.url);
    requireOk(result.status);
    CHECK(result.fetched);
  }
  CHECK(proxy.connectionsAccepted() == 3);
  CHECK(resolved(mirrors, viaProxy(proxy, one), "main") == one_first);
  CHECK(resolved(mirrors, viaProxy(proxy, two), "main") == two_first);
  CHECK(resolved(mirrors, viaProxy(proxy, three), "main") == three_first);

  const std::string two_second = two.commitAndPush("two again");
  results = mirrors.pollAll();
  REQUIRE(results.size() == 3);
  CHECK(proxy.connectionsAccepted() == 6);
  CHECK_FALSE(resultFor(results, viaProxy(proxy, one)).fetched);
  CHECK(resultFor(results, viaProxy(proxy, two)).fetched);
  CHECK_FALSE(resultFor(results, viaProxy(proxy, three)).fetched);
  for (const auto& result : results) requireOk(result.status);
  CHECK(resolved(mirrors, viaProxy(proxy, two), "main") == two_second);
  CHECK(resolved(mirrors, viaProxy(proxy, one), "main") == one_first);
}

TEST_CASE("git mirror set: a server that refuses fails only its own repository", "[git]") {
  FaultProxy proxy("127.0.0.1", daemonPort());
  FaultProxy closed("127.0.0.1", daemonPort());
  closed.stopListening();  // its port now refuses connections
  GitTestRepo one("mset-one");
  GitTestRepo two("mset-two");
  const std::string one_first = one.commitAndPush("one");
  const std::string two_first = two.commitAndPush("two");
  const std::string refused = viaProxy(closed, one);
  TempDir cache;
  MirrorSet mirrors(options(cache, 2));
  requireOk(mirrors.track(viaProxy(proxy, one)));
  requireOk(mirrors.track(refused));
  requireOk(mirrors.track(viaProxy(proxy, two)));

  for (int poll = 0; poll < 2; ++poll) {
    INFO("poll " << poll);
    const auto results = mirrors.pollAll();
    REQUIRE(results.size() == 3);
    const auto& failed = resultFor(results, refused);
    CHECK(failed.status.code() == StatusCode::kUnavailable);
    CHECK_THAT(failed.status.message(), Catch::Contains(std::to_string(closed.port())));
    CHECK_FALSE(failed.fetched);
    for (const GitTestRepo* repo : {&one, &two}) {
      const auto& result = resultFor(results, viaProxy(proxy, *repo));
      requireOk(result.status);
      CHECK(result.fetched == (poll == 0));
    }
  }
  CHECK(closed.connectionsAccepted() == 0);
  CHECK(resolved(mirrors, viaProxy(proxy, one), "main") == one_first);
  CHECK(resolved(mirrors, viaProxy(proxy, two), "main") == two_first);
  CHECK(mirrors.resolve(refused, "main").status().code() == StatusCode::kNotFound);
}
