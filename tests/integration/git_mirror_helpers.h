// Helpers shared by the lib/git integration tests: open a Mirror in a test's cache folder,
// resolve a revision, require an OK Status (each fails the running test case with the reason).
#pragma once

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <utility>

#include "core/status.h"
#include "git/mirror.h"
#include "support/temp_dir.h"

namespace gitopsd::test_support {

inline git::Mirror openMirror(const TempDir& cache, const std::string& url,
                              std::optional<git::RepoCredentials> credentials = std::nullopt) {
  auto mirror = git::Mirror::open(git::MirrorOptions{
      .cache_dir = cache.file("cache"), .url = url, .credentials = std::move(credentials)});
  if (!mirror.ok()) FAIL("opening the mirror of " << url << ": " << mirror.status().toString());
  return std::move(mirror).value();
}

inline std::string resolved(const git::Mirror& mirror, const std::string& revision) {
  auto commit = mirror.resolve(revision);
  if (!commit.ok()) FAIL("resolving " << revision << ": " << commit.status().toString());
  return *commit;
}

inline void requireOk(const core::Status& status) {
  if (!status.ok()) FAIL(status.toString());
}

}  // namespace gitopsd::test_support
