#include "manifest/source.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "unit/manifest/fake_tool_runner.h"

using gitopsd::core::StatusCode;
using gitopsd::manifest::detectSourceType;
using gitopsd::manifest::MemoryTree;
using gitopsd::manifest::RenderCache;
using gitopsd::manifest::renderCacheKey;
using gitopsd::manifest::RenderEnvironment;
using gitopsd::manifest::renderSource;
using gitopsd::manifest::SourceSpec;
using gitopsd::manifest::SourceType;
using gitopsd::test_support::FakeToolRunner;

namespace {

std::string configMap(const std::string& name) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n";
}

SourceSpec spec(std::string path) {
  SourceSpec out;
  out.path = std::move(path);
  return out;
}

// A Kustomize overlay in apps/overlays/prod on a base outside it, plus an unrelated folder.
MemoryTree overlayTree() {
  MemoryTree tree("repo at commit 1");
  tree.file("apps/base/kustomization.yaml", "resources:\n- cm.yaml\n")
      .file("apps/base/cm.yaml", configMap("base"))
      .file("apps/overlays/prod/kustomization.yaml",
            "resources:\n- ../../base\npatches:\n- path: ../../patches/replicas.yaml\n"
            "namePrefix: prod-\n")
      .file("apps/patches/replicas.yaml", "x: 1\n")
      .file("other/cm.yaml", configMap("other"));
  return tree;
}

std::string keyOf(MemoryTree& tree, SourceType type, const SourceSpec& source) {
  auto key = renderCacheKey(tree, type, source);
  REQUIRE(key.ok());
  return *key;
}

}  // namespace

TEST_CASE("source: the type comes from the files in the path", "[manifest]") {
  MemoryTree tree;
  tree.file("k/kustomization.yaml", "resources: []\n")
      .file("k2/Kustomization", "resources: []\n")
      .file("h/Chart.yaml", "name: web\n")
      .file("both/Chart.yaml", "name: web\n")
      .file("both/kustomization.yml", "resources: []\n")
      .file("d/cm.yaml", configMap("a"))
      .file("d/sub/Chart.yaml", "name: nested\n")
      .file("f.yaml", configMap("f"));
  CHECK(*detectSourceType(tree, "k") == SourceType::kKustomize);
  CHECK(*detectSourceType(tree, "./k2/") == SourceType::kKustomize);
  CHECK(*detectSourceType(tree, "h") == SourceType::kHelm);
  CHECK(*detectSourceType(tree, "both") == SourceType::kKustomize);
  CHECK(*detectSourceType(tree, "d") == SourceType::kDirectory);  // a chart below does not count
  CHECK(detectSourceType(tree, "missing").status().code() == StatusCode::kNotFound);
  CHECK(detectSourceType(tree, "f.yaml").status().code() == StatusCode::kInvalid);
  CHECK(detectSourceType(tree, "../x").status().code() == StatusCode::kInvalid);
}

TEST_CASE("source: a directory render is cached by its folder's content", "[manifest]") {
  MemoryTree tree;
  tree.file("apps/web/cm.yaml", configMap("web")).file("apps/db/cm.yaml", configMap("db"));
  RenderCache cache;
  RenderEnvironment environment;
  environment.cache = &cache;

  auto first = renderSource(tree, spec("apps/web"), environment);
  REQUIRE(first.ok());
  CHECK_FALSE(first->from_cache);
  CHECK(first->type == SourceType::kDirectory);
  REQUIRE(first->manifests->entries.size() == 1);
  const auto reads = tree.reads().size();

  auto again = renderSource(tree, spec("apps/web"), environment);
  REQUIRE(again.ok());
  CHECK(again->from_cache);
  CHECK(again->manifests == first->manifests);  // the same shared snapshot
  CHECK(tree.reads().size() == reads);          // nothing read again

  tree.file("apps/db/cm.yaml", configMap("db2"));  // another folder changes: still a hit
  CHECK(renderSource(tree, spec("apps/web"), environment)->from_cache);

  tree.file("apps/web/cm.yaml", configMap("web2"));  // its own folder changes: rendered again
  auto changed = renderSource(tree, spec("apps/web"), environment);
  REQUIRE(changed.ok());
  CHECK_FALSE(changed->from_cache);
  CHECK(changed->manifests->entries[0].key.name == "web2");

  SourceSpec recursive = spec("apps/web");
  recursive.directory.recurse = true;  // other options: another key
  CHECK_FALSE(renderSource(tree, recursive, environment)->from_cache);
  CHECK(cache.stats().hits == 2);
}

TEST_CASE("source: a failed render is an error, never cached, never an empty set", "[manifest]") {
  MemoryTree tree;
  tree.file("apps/web/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: [broken\n");
  RenderCache cache;
  RenderEnvironment environment;
  environment.cache = &cache;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto rendered = renderSource(tree, spec("apps/web"), environment);
    REQUIRE_FALSE(rendered.ok());
    CHECK(rendered.status().code() == StatusCode::kInvalid);
    CHECK_THAT(rendered.status().message(), Catch::Contains("apps/web/cm.yaml:4:1"));
  }
  CHECK(cache.stats().entries == 0);
  auto missing = renderSource(tree, spec("apps/gone"), environment);
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message() == "path 'apps/gone' not found in memory tree");
}

TEST_CASE("source: a Kustomize key covers the bases and files it names outside its path",
          "[manifest]") {
  MemoryTree tree = overlayTree();
  const SourceSpec prod = spec("apps/overlays/prod");
  const std::string key = keyOf(tree, SourceType::kKustomize, prod);
  CHECK_THAT(key, Catch::Contains("apps/base=") && Catch::Contains("apps/patches/replicas.yaml="));
  CHECK_THAT(key, !Catch::Contains("|tree="));

  tree.file("other/cm.yaml", configMap("other2"));
  CHECK(keyOf(tree, SourceType::kKustomize, prod) == key);  // unrelated change: same key

  tree.file("apps/base/cm.yaml", configMap("base2"));
  const std::string after_base = keyOf(tree, SourceType::kKustomize, prod);
  CHECK(after_base != key);

  tree.file("apps/patches/replicas.yaml", "x: 2\n");
  CHECK(keyOf(tree, SourceType::kKustomize, prod) != after_base);

  SourceSpec prefixed = prod;
  prefixed.kustomize.name_prefix = "other-";
  CHECK(keyOf(tree, SourceType::kKustomize, prefixed) != keyOf(tree, SourceType::kKustomize, prod));
}

TEST_CASE("source: a remote Kustomize resource keys on the whole tree", "[manifest]") {
  MemoryTree tree;
  tree.file("app/kustomization.yaml",
            "resources:\n- https://github.com/example/config//base?ref=v1\n")
      .file("other/cm.yaml", configMap("a"));
  const std::string key = keyOf(tree, SourceType::kKustomize, spec("app"));
  CHECK_THAT(key, Catch::Contains("|tree="));
  tree.file("other/cm.yaml", configMap("b"));
  CHECK(keyOf(tree, SourceType::kKustomize, spec("app")) != key);
}

TEST_CASE("source: a Helm key covers value files and file:// charts outside the chart",
          "[manifest]") {
  MemoryTree tree;
  tree.file("charts/web/Chart.yaml",
            "name: web\ndependencies:\n- name: common\n  repository: file://../common\n")
      .file("charts/web/templates/cm.yaml", "x")
      .file("charts/common/Chart.yaml", "name: common\n")
      .file("values/prod.yaml", "replicas: 3\n")
      .file("other/x.yaml", "x");
  SourceSpec web = spec("charts/web");
  web.helm.value_files = {"../../values/prod.yaml"};
  const std::string key = keyOf(tree, SourceType::kHelm, web);
  CHECK_THAT(key, Catch::Contains("charts/common=") && Catch::Contains("values/prod.yaml="));
  tree.file("other/x.yaml", "y");
  CHECK(keyOf(tree, SourceType::kHelm, web) == key);
  tree.file("charts/common/Chart.yaml", "name: common\nversion: 2\n");
  CHECK(keyOf(tree, SourceType::kHelm, web) != key);
}

TEST_CASE("source: Kustomize renders through the tool on an exported tree, then from cache",
          "[manifest]") {
  MemoryTree tree = overlayTree();
  FakeToolRunner runner;
  std::string exported_patch;
  runner.on_run = [&](const gitopsd::manifest::ToolInvocation& invocation) {
    // While the tool runs, the whole tree is on disk under the folder it was given.
    const std::string app_dir = invocation.args.back();
    std::ifstream in(std::filesystem::path(app_dir) / "../../patches/replicas.yaml");
    std::getline(in, exported_patch);
  };
  runner.answer(0, configMap("prod-base"));
  RenderCache cache;
  RenderEnvironment environment;
  environment.tools = &runner;
  environment.tool_paths.kustomize = "/opt/kustomize";
  environment.scratch_dir =
      (std::filesystem::temp_directory_path() / "gitopsd-source-test").string();
  environment.cache = &cache;

  SourceSpec prod = spec("apps/overlays/prod");
  auto rendered = renderSource(tree, prod, environment);
  REQUIRE(rendered.ok());
  CHECK(rendered->type == SourceType::kKustomize);
  REQUIRE(rendered->manifests->entries.size() == 1);
  CHECK(rendered->manifests->entries[0].key.name == "prod-base");
  REQUIRE(runner.calls.size() == 1);
  CHECK(runner.calls[0].program == "/opt/kustomize");
  CHECK(exported_patch == "x: 1");
  // The export is gone once the render returns.
  CHECK(std::filesystem::is_empty(environment.scratch_dir));

  CHECK(renderSource(tree, prod, environment)->from_cache);
  CHECK(runner.calls.size() == 1);
}

TEST_CASE("source: Kustomize without tools, or with a link out of the repository, is refused",
          "[manifest]") {
  MemoryTree tree = overlayTree();
  RenderEnvironment no_tools;
  auto refused = renderSource(tree, spec("apps/overlays/prod"), no_tools);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kInvalid);
  CHECK_THAT(refused.status().message(),
             Catch::Contains("Kustomize source") && Catch::Contains("kustomize tool"));

  tree.symlink("apps/base/secret.yaml", "../../../etc/passwd");
  FakeToolRunner runner;
  RenderEnvironment environment;
  environment.tools = &runner;
  environment.scratch_dir =
      (std::filesystem::temp_directory_path() / "gitopsd-source-test").string();
  auto escaped = renderSource(tree, spec("apps/overlays/prod"), environment);
  REQUIRE_FALSE(escaped.ok());
  CHECK(escaped.status().code() == StatusCode::kInvalid);
  CHECK_THAT(escaped.status().message(),
             Catch::Contains("apps/base/secret.yaml") && Catch::Contains("../../../etc/passwd"));
  CHECK(runner.calls.empty());
}
