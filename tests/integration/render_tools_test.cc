// renderKustomize and renderHelm with the real kustomize and helm that scripts/build-render-tools
// builds. The tools' folder comes from the environment variable GITOPSD_RENDER_TOOLS_DIR, else
// from the CMake variable of the same name (compiled in, and also set by ctest); without working
// tools every test here fails, it is never skipped.
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>

#include "manifest/helm.h"
#include "manifest/kustomize.h"
#include "manifest/process_tool_runner.h"
#include "render_tools_helpers.h"
#include "support/temp_dir.h"

using gitopsd::core::StatusCode;
using gitopsd::manifest::HelmOptions;
using gitopsd::manifest::KustomizeOptions;
using gitopsd::manifest::ManifestSet;
using gitopsd::manifest::ProcessToolRunner;
using gitopsd::manifest::renderHelm;
using gitopsd::manifest::renderKustomize;
using gitopsd::manifest::ToolPaths;
using gitopsd::test_support::realTools;
using gitopsd::test_support::TempDir;
using Json = nlohmann::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// A private copy of tests/testdata/manifest/<name> (renders may edit it), as a checkout root.
std::string checkout(const TempDir& dir, const std::string& name) {
  const fs::path source = fs::path(GITOPSD_TESTDATA_DIR) / "manifest" / name;
  fs::copy(source, dir.path(), fs::copy_options::recursive);
  return dir.path().string();
}

const Json& object(const ManifestSet& set, const std::string& key) {
  for (const auto& entry : set.entries) {
    if (entry.key.toString() == key) return entry.manifest.object;
  }
  std::string keys;
  for (const auto& entry : set.entries) keys += entry.key.toString() + " ";
  FAIL("no " << key << " among " << keys);
  static const Json none;
  return none;
}

ManifestSet require(gitopsd::core::Result<ManifestSet> result) {
  INFO(result.status().toString());
  REQUIRE(result.ok());
  return std::move(result).value();
}

}  // namespace

TEST_CASE("manifest: kustomize renders a base and a prod overlay", "[manifest][render]") {
  const ToolPaths tools = realTools();
  TempDir dir;
  const std::string root = checkout(dir, "kustomize");
  ProcessToolRunner runner;

  const ManifestSet base = require(renderKustomize(runner, tools, root, "base"));
  REQUIRE(base.entries.size() == 2);
  CHECK(object(base, "apps/Deployment:/web")["spec"]["replicas"] == 1);
  CHECK(object(base, "/Service:/web")["metadata"]["labels"]["app.kubernetes.io/part-of"] == "shop");
  CHECK(base.entries[0].manifest.file == "base (kustomize build)");

  const ManifestSet prod = require(renderKustomize(runner, tools, root, "overlays/prod"));
  REQUIRE(prod.entries.size() == 2);
  const Json& deployment = object(prod, "apps/Deployment:/prod-web");
  CHECK(deployment["spec"]["replicas"] == 3);
  CHECK(deployment["spec"]["template"]["spec"]["containers"][0]["image"] ==
        "registry.example/nginx:1.27");
  CHECK(object(prod, "/Service:/prod-web")["spec"]["ports"][0]["port"] == 80);
  CHECK(prod.warnings.empty());
}

TEST_CASE("manifest: kustomize applies Argo CD's kustomize options", "[manifest][render]") {
  const ToolPaths tools = realTools();
  TempDir dir;
  const std::string root = checkout(dir, "kustomize");
  ProcessToolRunner runner;
  KustomizeOptions options;
  options.name_prefix = "qa-";
  options.name_suffix = "-v2";
  options.images = {"nginx=registry.example/nginx:1.28"};
  options.replicas = {{"web", 5}};
  options.common_labels = {{"team", "shop"}};
  options.common_annotations = {{"shop.example/owner", "web: team"}};
  options.namespace_ = "qa";

  const ManifestSet set = require(renderKustomize(runner, tools, root, "overlays/prod", options));
  REQUIRE(set.entries.size() == 2);
  // `kustomize edit set nameprefix` replaces the overlay's prod- prefix, as in Argo CD.
  const Json& deployment = object(set, "apps/Deployment:qa/qa-web-v2");
  CHECK(deployment["spec"]["replicas"] == 5);
  CHECK(deployment["spec"]["template"]["spec"]["containers"][0]["image"] ==
        "registry.example/nginx:1.28");
  CHECK(deployment["metadata"]["labels"]["team"] == "shop");
  CHECK(deployment["metadata"]["annotations"]["shop.example/owner"] == "web: team");
  CHECK(object(set, "/Service:qa/qa-web-v2")["metadata"]["labels"]["team"] == "shop");
  // `kustomize edit add label` writes the deprecated commonLabels; kustomize says so on stderr.
  REQUIRE(set.warnings.size() == 1);
  CHECK(set.warnings[0].rfind("kustomize build overlays/prod: # Warning: 'commonLabels'", 0) == 0);
}

TEST_CASE("manifest: an invalid kustomization is kInvalid with kustomize's message and the path",
          "[manifest][render]") {
  const ToolPaths tools = realTools();
  TempDir dir;
  const std::string root = checkout(dir, "kustomize");
  ProcessToolRunner runner;

  auto missing = renderKustomize(runner, tools, root, "invalid");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kInvalid);
  const std::string message = missing.status().message();
  CHECK(message.rfind("kustomize build invalid failed: Error: accumulating resources", 0) == 0);
  CHECK(message.find("invalid/missing-deployment.yaml") != std::string::npos);
  CHECK(message.find(root) == std::string::npos);

  // The default load restrictor: a resource file outside the kustomization's folder is refused.
  dir.write("apps/outside.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
  dir.write("apps/web/kustomization.yaml", "resources:\n  - ../outside.yaml\n");
  auto outside = renderKustomize(runner, tools, root, "apps/web");
  REQUIRE_FALSE(outside.ok());
  CHECK(outside.status().code() == StatusCode::kInvalid);
  CHECK(outside.status().message().find("is not in or below") != std::string::npos);

  // A remote base cannot be fetched: there is no git on the tool's PATH and no network.
  dir.write("apps/remote/kustomization.yaml",
            "resources:\n  - https://github.com/kubernetes-sigs/kustomize//examples/helloWorld\n");
  auto remote = renderKustomize(runner, tools, root, "apps/remote");
  CHECK(remote.status().code() == StatusCode::kInvalid);
  CHECK(remote.status().message().find("no 'git' program on path") != std::string::npos);
}

TEST_CASE("manifest: helm renders a chart with release, namespace, values and parameters",
          "[manifest][render]") {
  const ToolPaths tools = realTools();
  TempDir dir;
  const std::string root = checkout(dir, "helm");
  ProcessToolRunner runner;
  HelmOptions options;
  options.release_name = "shop";
  options.namespace_ = "store";
  options.value_files = {"values-prod.yaml"};
  options.values = "service:\n  type: NodePort\n";
  options.parameters = {{"image.tag", "1.27"}, {"note", "a,b"}};

  const ManifestSet set = require(renderHelm(runner, tools, root, "web", options));
  REQUIRE(set.entries.size() == 3);
  const Json& deployment = object(set, "apps/Deployment:store/shop-web");
  CHECK(deployment["spec"]["replicas"] == 3);  // values-prod.yaml
  CHECK(deployment["metadata"]["labels"]["environment"] == "prod");
  CHECK(deployment["metadata"]["annotations"]["shop.example/note"] == "a,b");
  CHECK(deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27");
  CHECK(object(set, "/Service:store/shop-web")["spec"]["type"] == "NodePort");
  CHECK(
      object(
          set,
          "apiextensions.k8s.io/CustomResourceDefinition:/widgets.shop.example")["spec"]["group"] ==
      "shop.example");
  CHECK(set.entries[0].manifest.file == "web (helm template)");

  options.skip_crds = true;
  options.value_files.clear();
  options.values.clear();
  options.parameters.clear();
  const ManifestSet plain = require(renderHelm(runner, tools, root, "web", options));
  REQUIRE(plain.entries.size() == 2);
  CHECK(object(plain, "apps/Deployment:store/shop-web")["spec"]["replicas"] == 1);
}

TEST_CASE("manifest: a broken helm template is kInvalid with helm's message",
          "[manifest][render]") {
  const ToolPaths tools = realTools();
  TempDir dir;
  const std::string root = checkout(dir, "helm");
  ProcessToolRunner runner;
  dir.write("web/templates/broken.yaml", "metadata:\n  name: {{ .Release.Name \n");
  HelmOptions options;
  options.release_name = "shop";

  auto set = renderHelm(runner, tools, root, "web", options);
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  const std::string message = set.status().message();
  CHECK(message.rfind("helm template web failed: Error: ", 0) == 0);
  CHECK(message.find("web/templates/broken.yaml") != std::string::npos);
  CHECK(message.find(root) == std::string::npos);

  options.value_files = {"../../outside.yaml"};
  CHECK(renderHelm(runner, tools, root, "web", options).status().code() == StatusCode::kInvalid);
}

TEST_CASE("manifest: a hanging render tool is kTimeout naming the tool and the path",
          "[manifest][render]") {
  TempDir dir;
  const std::string root = checkout(dir, "kustomize");
  TempDir bin;
  ToolPaths tools;
  tools.kustomize = bin.script("kustomize", "exec /bin/sleep 60\n");
  tools.helm = bin.script("helm", "exec /bin/sleep 60\n");
  tools.timeout = 500ms;
  ProcessToolRunner runner;

  const auto start = std::chrono::steady_clock::now();
  auto kustomize = renderKustomize(runner, tools, root, "overlays/prod");
  REQUIRE_FALSE(kustomize.ok());
  CHECK(kustomize.status().code() == StatusCode::kTimeout);
  CHECK(kustomize.status().message() ==
        "kustomize build overlays/prod: kustomize timed out after 0.5s");
  CHECK(std::chrono::steady_clock::now() - start < 1500ms);

  HelmOptions options;
  options.release_name = "shop";
  auto helm = renderHelm(runner, tools, root, "base", options);
  REQUIRE_FALSE(helm.ok());
  CHECK(helm.status().code() == StatusCode::kTimeout);
  CHECK(helm.status().message() == "helm template base: helm timed out after 0.5s");
}
