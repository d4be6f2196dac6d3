// Sources rendered from real Git commits: repositories on the test Git servers (tests/git,
// fixture git_servers), mirrored and fetched with lib/git, read through git::MirrorTreeReader and
// rendered by lib/manifest (directory sources, and a Kustomize overlay with the real kustomize).
// The LeakSanitizer suppressions for Debian's libgit2 live in git_mirror_test.cc (same executable).
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
#include "git/tree_reader.h"
#include "git_mirror_helpers.h"
#include "manifest/directory_source.h"
#include "manifest/process_tool_runner.h"
#include "manifest/source.h"
#include "render_tools_helpers.h"
#include "support/git_test_repo.h"
#include "support/temp_dir.h"

using gitopsd::core::StatusCode;
using gitopsd::git::Mirror;
using gitopsd::git::MirrorOptions;
using gitopsd::git::MirrorTreeReader;
using gitopsd::manifest::DirectoryOptions;
using gitopsd::manifest::ManifestSet;
using gitopsd::manifest::ProcessToolRunner;
using gitopsd::manifest::RenderCache;
using gitopsd::manifest::renderDirectory;
using gitopsd::manifest::RenderEnvironment;
using gitopsd::manifest::renderSource;
using gitopsd::manifest::SourceSpec;
using gitopsd::manifest::SourceType;
using gitopsd::test_support::GitTestRepo;
using gitopsd::test_support::realTools;
using gitopsd::test_support::resolved;
using gitopsd::test_support::TempDir;
namespace fs = std::filesystem;

namespace {

using gitopsd::test_support::gitEnv;
using gitopsd::test_support::shellQuote;

std::string object(const std::string& api_version, const std::string& kind,
                   const std::string& name) {
  return "apiVersion: " + api_version + "\nkind: " + kind + "\nmetadata:\n  name: " + name +
         "\n  namespace: web\n";
}

Mirror fetchedMirror(const TempDir& cache, const std::string& url) {
  MirrorOptions options;
  options.cache_dir = cache.file("cache");
  options.url = url;
  auto mirror = Mirror::open(std::move(options));
  if (!mirror.ok()) FAIL("opening the mirror of " << url << ": " << mirror.status().toString());
  if (auto status = mirror->fetch(); !status.ok()) FAIL("fetch: " << status.toString());
  return std::move(mirror).value();
}

DirectoryOptions recurse() {
  DirectoryOptions options;
  options.recurse = true;
  return options;
}

std::vector<std::string> origins(const ManifestSet& set) {
  std::vector<std::string> out;
  for (const auto& entry : set.entries) {
    out.push_back(entry.key.toString() + " " + entry.manifest.origin());
  }
  return out;
}

}  // namespace

TEST_CASE(
    "git directory source: a commit's nested manifests, links inside followed, links "
    "outside refused",
    "[git][manifest]") {
  GitTestRepo repo("dirsrc");
  repo.write("apps/web/deploy.yaml", object("apps/v1", "Deployment", "web"));
  repo.write("apps/web/network/service.yaml",
             "# the service\n" + object("v1", "Service", "web") + "---\n" +
                 "apiVersion: v1\nkind: List\nitems:\n- " +
                 "apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: web\n");
  repo.write("apps/web/config/settings.json",
             R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}})");
  repo.write("apps/web/values.yaml", "replicas: 2\n");
  repo.write("apps/web/README.md", "not rendered\n");
  repo.write("common/shared.yaml", object("v1", "ConfigMap", "shared"));
  repo.link("apps/web/shared.yaml", "../../common/shared.yaml");
  repo.write("evil-relative/ok.yaml", object("v1", "ConfigMap", "ok"));
  repo.link("evil-relative/passwd.yaml", "../../etc/passwd");
  repo.write("evil-absolute/ok.yaml", object("v1", "ConfigMap", "ok"));
  repo.link("evil-absolute/passwd.yaml", "/etc/passwd");
  const std::string pushed = repo.commitAndPush("manifests");

  TempDir cache;
  const Mirror mirror = fetchedMirror(cache, repo.url());
  const std::string commit = resolved(mirror, "main");
  REQUIRE(commit == pushed);
  MirrorTreeReader tree(mirror, commit);
  CHECK(tree.describe() == repo.url() + " at commit " + commit.substr(0, 7));

  auto set = renderDirectory(tree, "apps/web", recurse());
  INFO(set.status().toString());
  REQUIRE(set.ok());
  CHECK(origins(*set) == std::vector<std::string>{
                             "/ConfigMap:/settings apps/web/config/settings.json:1",
                             "/ConfigMap:web/shared apps/web/shared.yaml:1",
                             "/Service:web/web apps/web/network/service.yaml:2",
                             "/ServiceAccount:/web apps/web/network/service.yaml:11",
                             "apps/Deployment:web/web apps/web/deploy.yaml:1",
                         });
  REQUIRE(set->warnings.size() == 1);
  CHECK_THAT(set->warnings[0], Catch::StartsWith("apps/web/values.yaml"));

  // Without recurse only the folder's own files (the linked one included).
  set = renderDirectory(tree, "./apps/web/", DirectoryOptions{});
  REQUIRE(set.ok());
  CHECK(set->entries.size() == 2);

  for (const auto& [path, target] : std::map<std::string, std::string>{
           {"evil-relative", "../../etc/passwd"}, {"evil-absolute", "/etc/passwd"}}) {
    INFO(path);
    const auto refused = renderDirectory(tree, path, DirectoryOptions{});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == StatusCode::kInvalid);
    CHECK(refused.status().message() == path + "/passwd.yaml: symbolic link to '" + target +
                                            "' points outside the repository; refused");
  }

  const auto missing = renderDirectory(tree, "apps/missing", recurse());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message() == "path 'apps/missing' not found in " + tree.describe());

  const auto file = renderDirectory(tree, "apps/web/deploy.yaml", recurse());
  REQUIRE_FALSE(file.ok());
  CHECK(file.status().code() == StatusCode::kInvalid);

  // A commit id the mirror does not have is reported as such, not as a missing path.
  MirrorTreeReader unknown(mirror, std::string(40, 'a'));
  const auto no_commit = renderDirectory(unknown, "apps/web", recurse());
  REQUIRE_FALSE(no_commit.ok());
  CHECK(no_commit.status().code() == StatusCode::kNotFound);
  CHECK_THAT(no_commit.status().message(), Catch::StartsWith("commit aaaaaaa"));
}

TEST_CASE(
    "git directory source: commits to another folder keep the app path's tree id; a "
    "removed path is NotFound at the new commit only",
    "[git][manifest]") {
  GitTestRepo repo("dirsrc");
  repo.write("apps/web/deploy.yaml", object("apps/v1", "Deployment", "web"));
  repo.write("apps/other/o.yaml", object("v1", "ConfigMap", "o"));
  const std::string first = repo.commitAndPush("first");
  repo.write("apps/other/o.yaml", object("v1", "ConfigMap", "o2"));
  const std::string second = repo.commitAndPush("change only apps/other");
  repo.remove("apps/other");
  const std::string third = repo.commitAndPush("remove apps/other");

  TempDir cache;
  const Mirror mirror = fetchedMirror(cache, repo.url());
  REQUIRE(resolved(mirror, "main") == third);

  const auto web_first = mirror.contentId(first, "apps/web");
  const auto web_second = mirror.contentId(second, "apps/web");
  const auto other_first = mirror.contentId(first, "apps/other");
  const auto other_second = mirror.contentId(second, "apps/other");
  REQUIRE(web_first.ok());
  REQUIRE(web_second.ok());
  REQUIRE(other_first.ok());
  REQUIRE(other_second.ok());
  CHECK(*web_first == *web_second);
  CHECK(*other_first != *other_second);

  MirrorTreeReader at_second(mirror, second);
  auto set = renderDirectory(at_second, "apps/other", DirectoryOptions{});
  REQUIRE(set.ok());
  REQUIRE(set->entries.size() == 1);
  CHECK(set->entries[0].key.name == "o2");

  MirrorTreeReader at_third(mirror, third);
  const auto gone = renderDirectory(at_third, "apps/other", DirectoryOptions{});
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.status().code() == StatusCode::kNotFound);
  CHECK(gone.status().message() ==
        "path 'apps/other' not found in " + repo.url() + " at commit " + third.substr(0, 7));
  CHECK(renderDirectory(at_third, "apps/web", DirectoryOptions{}).ok());
}

TEST_CASE(
    "git source render: a Kustomize overlay from Git through the real tool, reused until its "
    "base changes",
    "[git][manifest]") {
  GitTestRepo repo("kustomize-src");
  repo.write("apps/base/kustomization.yaml", "resources:\n- cm.yaml\n");
  repo.write("apps/base/cm.yaml", object("v1", "ConfigMap", "settings"));
  repo.write("apps/overlays/prod/kustomization.yaml",
             "resources:\n- ../../base\nnamePrefix: prod-\n");
  repo.write("docs/README", "first\n");
  const std::string first = repo.commitAndPush("overlay on a base");
  repo.write("docs/README", "second\n");
  const std::string second = repo.commitAndPush("docs only");
  repo.write("apps/base/cm.yaml", object("v1", "ConfigMap", "settings-v2"));
  const std::string third = repo.commitAndPush("change the base");

  TempDir cache;
  const Mirror mirror = fetchedMirror(cache, repo.url());
  ProcessToolRunner runner;
  RenderCache render_cache;
  RenderEnvironment environment;
  environment.tools = &runner;
  environment.tool_paths = realTools();
  environment.scratch_dir = cache.file("scratch");
  environment.cache = &render_cache;
  SourceSpec prod;
  prod.path = "apps/overlays/prod";

  auto render = [&](const std::string& commit) {
    MirrorTreeReader tree(mirror, commit);
    auto rendered = renderSource(tree, prod, environment);
    if (!rendered.ok()) FAIL("render at " << commit << ": " << rendered.status().toString());
    return std::move(rendered).value();
  };
  const auto at_first = render(first);
  CHECK(at_first.type == SourceType::kKustomize);
  CHECK_FALSE(at_first.from_cache);
  REQUIRE(at_first.manifests->entries.size() == 1);
  CHECK(at_first.manifests->entries[0].key.name == "prod-settings");

  const auto at_second = render(second);  // only docs/ changed: the cached result
  CHECK(at_second.from_cache);
  CHECK(at_second.manifests == at_first.manifests);

  const auto at_third = render(third);  // the base changed: rendered again
  CHECK_FALSE(at_third.from_cache);
  REQUIRE(at_third.manifests->entries.size() == 1);
  CHECK(at_third.manifests->entries[0].key.name == "prod-settings-v2");
}
