#include "manifest/kustomize.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/temp_dir.h"
#include "unit/manifest/fake_tool_runner.h"

using gitopsd::core::StatusCode;
using gitopsd::manifest::KustomizeOptions;
using gitopsd::manifest::renderKustomize;
using gitopsd::manifest::ToolInvocation;
using gitopsd::manifest::ToolPaths;
using gitopsd::test_support::FakeToolRunner;
using gitopsd::test_support::TempDir;
using Args = std::vector<std::string>;

namespace {

const char* const kConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n";

ToolPaths tools() {
  ToolPaths paths;
  paths.kustomize = "/opt/tools/kustomize";
  paths.helm = "/opt/tools/helm";
  paths.timeout = std::chrono::milliseconds(1500);
  paths.max_output_bytes = 4096;
  return paths;
}

// A checkout with an application folder apps/web holding a kustomization.
struct Checkout {
  TempDir dir;
  std::string root = dir.path().string();
  Checkout() { dir.write("apps/web/kustomization.yaml", "resources: []\n"); }
};

}  // namespace

TEST_CASE("manifest: kustomize build runs on the app folder in a private environment",
          "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  runner.answer(0, kConfigMap);
  std::string home;
  runner.on_run = [&](const ToolInvocation& invocation) {
    home = invocation.env.at("HOME");
    CHECK(std::filesystem::is_directory(home));
    CHECK(std::filesystem::is_directory(invocation.env.at("TMPDIR")));
  };

  auto set = renderKustomize(runner, tools(), checkout.root, "./apps//web/");
  INFO(set.status().toString());
  REQUIRE(set.ok());
  REQUIRE(runner.calls.size() == 1);
  const ToolInvocation& call = runner.calls[0];
  CHECK(call.program == "/opt/tools/kustomize");
  CHECK(call.args == Args{"build", checkout.root + "/apps/web"});
  CHECK(call.working_dir == checkout.root);
  CHECK(call.timeout == std::chrono::milliseconds(1500));
  CHECK(call.max_output_bytes == 4096);
  // Nothing of the daemon's environment; no PATH (no git for remote bases); proxies to nowhere.
  CHECK(call.env.count("PATH") == 0);
  CHECK(call.env.at("HTTPS_PROXY") == "http://127.0.0.1:0");
  CHECK(home.find(checkout.root) == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(home));  // the private folder is gone after the render

  REQUIRE(set->entries.size() == 1);
  CHECK(set->entries[0].key.toString() == "/ConfigMap:/settings");
  CHECK(set->entries[0].manifest.file == "apps/web (kustomize build)");
  CHECK(set->entries[0].manifest.line == 1);
}

TEST_CASE("manifest: kustomize options become kustomize edit commands in Argo CD's order",
          "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  KustomizeOptions options;
  options.name_prefix = "prod-";
  options.name_suffix = "-v2";
  options.images = {"nginx=registry.example/nginx:1.27", "redis:7"};
  options.replicas = {{"web", 3}};
  options.common_labels = {{"team", "shop"}, {"tier", "front"}};
  options.force_common_labels = true;
  options.common_annotations = {{"note", "a: b"}};
  options.namespace_ = "store";
  options.components = {"../components/tls"};

  auto set = renderKustomize(runner, tools(), checkout.root, "apps/web", options);
  INFO(set.status().toString());
  REQUIRE(set.ok());
  CHECK(set->entries.empty());  // the fake printed nothing: an empty but successful build
  REQUIRE(runner.calls.size() == 9);
  const std::vector<Args> expected{
      {"edit", "set", "nameprefix", "--", "prod-"},
      {"edit", "set", "namesuffix", "--", "-v2"},
      {"edit", "set", "image", "--", "nginx=registry.example/nginx:1.27", "redis:7"},
      {"edit", "set", "replicas", "--", "web=3"},
      {"edit", "add", "label", "--force", "--", "team:\"shop\"", "tier:\"front\""},
      {"edit", "add", "annotation", "--", "note:\"a: b\""},
      {"edit", "set", "namespace", "--", "store"},
      {"edit", "add", "component", "--", "../components/tls"},
      {"build", checkout.root + "/apps/web"},
  };
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("call " << i);
    CHECK(runner.calls[i].args == expected[i]);
    CHECK(runner.calls[i].working_dir ==
          (i + 1 < expected.size() ? checkout.root + "/apps/web" : checkout.root));
  }
}

TEST_CASE("manifest: a failing kustomize build is kInvalid with its repo-relative message",
          "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  runner.answer(1, "",
                "Error: accumulating resources: lstat " + checkout.root +
                    "/apps/web/missing.yaml: no such file or directory\n");

  auto set = renderKustomize(runner, tools(), checkout.root, "apps/web");
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK(set.status().message() ==
        "kustomize build apps/web failed: Error: accumulating resources: lstat "
        "apps/web/missing.yaml: no such file or directory");
}

TEST_CASE("manifest: a failing kustomize edit stops the render before the build", "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  runner.answer(1, "", "Error: invalid image\n");
  KustomizeOptions options;
  options.images = {"::"};

  auto set = renderKustomize(runner, tools(), checkout.root, "apps/web", options);
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK(set.status().message() ==
        "kustomize edit set image in apps/web failed: Error: invalid image");
  CHECK(runner.calls.size() == 1);
}

TEST_CASE("manifest: a silent kustomize failure names the exit code", "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  runner.answer(137, "apiVersion: v1\n");
  auto set = renderKustomize(runner, tools(), checkout.root, "apps/web");
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().message() == "kustomize build apps/web failed: exit code 137");
}

TEST_CASE("manifest: a kustomize timeout is kTimeout naming the tool and the path", "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  runner.fail({StatusCode::kTimeout, "kustomize timed out after 1.5s"});
  auto set = renderKustomize(runner, tools(), checkout.root, "apps/web");
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kTimeout);
  CHECK(set.status().message() == "kustomize build apps/web: kustomize timed out after 1.5s");
}

TEST_CASE("manifest: kustomize output that does not parse is kInvalid naming the render",
          "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  runner.answer(0, std::string(kConfigMap) + "---\nkind: [unclosed\n");
  auto set = renderKustomize(runner, tools(), checkout.root, "apps/web");
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK(set.status().message().rfind("apps/web (kustomize build):", 0) == 0);
}

TEST_CASE("manifest: kustomize stderr of a successful build becomes a warning", "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  runner.answer(0, kConfigMap, "# Warning: 'commonLabels' is deprecated.\n");
  auto set = renderKustomize(runner, tools(), checkout.root, "apps/web");
  REQUIRE(set.ok());
  REQUIRE(set->warnings.size() == 1);
  CHECK(set->warnings[0] == "kustomize build apps/web: # Warning: 'commonLabels' is deprecated.");
}

TEST_CASE("manifest: bad kustomize paths and options fail before any tool runs", "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;

  auto escape = renderKustomize(runner, tools(), checkout.root, "apps/../..");
  CHECK(escape.status().code() == StatusCode::kInvalid);
  auto missing = renderKustomize(runner, tools(), checkout.root, "apps/api");
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message() ==
        "kustomize build apps/api: path 'apps/api' not found in the checkout");
  checkout.dir.write("apps/file.yaml", kConfigMap);
  CHECK(renderKustomize(runner, tools(), checkout.root, "apps/file.yaml").status().code() ==
        StatusCode::kInvalid);
  std::filesystem::create_directory_symlink("/etc", checkout.dir.path() / "apps/etc");
  auto outside = renderKustomize(runner, tools(), checkout.root, "apps/etc");
  CHECK(outside.status().code() == StatusCode::kInvalid);
  CHECK(outside.status().message().find("leaves the repository") != std::string::npos);

  KustomizeOptions colon;
  colon.common_labels = {{"a:b", "c"}};
  CHECK(renderKustomize(runner, tools(), checkout.root, "apps/web", colon).status().code() ==
        StatusCode::kInvalid);
  KustomizeOptions negative;
  negative.replicas = {{"web", -1}};
  CHECK(renderKustomize(runner, tools(), checkout.root, "apps/web", negative).status().code() ==
        StatusCode::kInvalid);
  CHECK(runner.calls.empty());
}
