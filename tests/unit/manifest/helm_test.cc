#include "manifest/helm.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"
#include "unit/manifest/fake_tool_runner.h"

using gitopsd::core::StatusCode;
using gitopsd::manifest::HelmOptions;
using gitopsd::manifest::renderHelm;
using gitopsd::manifest::ToolInvocation;
using gitopsd::manifest::ToolPaths;
using gitopsd::test_support::FakeToolRunner;
using gitopsd::test_support::TempDir;
using Args = std::vector<std::string>;

namespace {

ToolPaths tools() {
  ToolPaths paths;
  paths.kustomize = "/opt/tools/kustomize";
  paths.helm = "/opt/tools/helm";
  return paths;
}

// A checkout with a chart in charts/web and a shared values file outside it.
struct Checkout {
  TempDir dir;
  std::string root = dir.path().string();
  std::string chart = root + "/charts/web";
  Checkout() {
    dir.write("charts/web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n");
    dir.write("charts/web/values-prod.yaml", "replicaCount: 3\n");
    dir.write("shared/values.yaml", "env: prod\n");
  }
};

HelmOptions release(std::string name = "shop") {
  HelmOptions options;
  options.release_name = std::move(name);
  return options;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("manifest: helm template gets release, namespace, CRDs, values and parameters in order",
          "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  runner.answer(0,
                "---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n"
                "metadata:\n  name: shop-web\n  namespace: store\n");
  std::string inline_file;
  std::string inline_content;
  runner.on_run = [&](const ToolInvocation& invocation) {
    inline_file = invocation.args.at(11);
    inline_content = readFile(inline_file);
  };
  HelmOptions options = release();
  options.namespace_ = "store";
  options.value_files = {"values-prod.yaml", "../../shared/values.yaml"};
  options.values = "service:\n  type: NodePort\n";
  options.parameters = {{"image.tag", "1.27"}, {"note", "a,b"}, {"hosts", "{a,b}"}};

  auto set = renderHelm(runner, tools(), checkout.root, "charts/web", options);
  INFO(set.status().toString());
  REQUIRE(set.ok());
  REQUIRE(runner.calls.size() == 1);
  const ToolInvocation& call = runner.calls[0];
  CHECK(call.program == "/opt/tools/helm");
  CHECK(call.working_dir == checkout.chart);
  CHECK(call.args == Args{"template", "shop", checkout.chart, "--namespace", "store",
                          "--include-crds", "-f", checkout.chart + "/values-prod.yaml", "-f",
                          checkout.root + "/shared/values.yaml", "-f", inline_file, "--set",
                          "image.tag=1.27", "--set", "note=a\\,b", "--set", "hosts={a,b}"});
  CHECK(inline_content == options.values);
  CHECK_FALSE(std::filesystem::exists(inline_file));  // removed with the private folder

  const std::string home = call.env.at("HOME");
  CHECK(call.env.at("HELM_CACHE_HOME").rfind(home + "/", 0) == 0);
  CHECK(call.env.at("HELM_CONFIG_HOME").rfind(home + "/", 0) == 0);
  CHECK(call.env.at("HELM_DATA_HOME").rfind(home + "/", 0) == 0);
  CHECK(call.env.count("PATH") == 0);
  CHECK(call.env.count("KUBECONFIG") == 0);

  REQUIRE(set->entries.size() == 1);
  CHECK(set->entries[0].key.toString() == "/ConfigMap:store/shop-web");
  CHECK(set->entries[0].manifest.file == "charts/web (helm template)");
}

TEST_CASE("manifest: helm skipCrds and an empty namespace leave their flags out", "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  HelmOptions options = release("web");
  options.skip_crds = true;
  auto set = renderHelm(runner, tools(), checkout.root, "charts/web", options);
  REQUIRE(set.ok());
  REQUIRE(runner.calls.size() == 1);
  CHECK(runner.calls[0].args == Args{"template", "web", checkout.chart});
}

TEST_CASE("manifest: helm value files must be files inside the checkout", "[manifest]") {
  Checkout checkout;
  std::filesystem::create_symlink("/etc/passwd", checkout.dir.path() / "charts/web/passwd.yaml");
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/etc/passwd", "value file '/etc/passwd' is an absolute path"},
      {"../../../etc/passwd", "value file '../../../etc/passwd' leaves the repository"},
      {"https://example.com/values.yaml", "value file 'https://example.com/values.yaml' is a URL"},
      {"values-missing.yaml", "value file 'values-missing.yaml' not found"},
      {"passwd.yaml", "value file 'passwd.yaml' leaves the repository through a symlink"},
      {"..", "value file '..' is not a file"},
  };
  for (const auto& [file, message] : cases) {
    INFO(file);
    FakeToolRunner runner;
    HelmOptions options = release();
    options.value_files = {"values-prod.yaml", file};
    auto set = renderHelm(runner, tools(), checkout.root, "charts/web", options);
    REQUIRE_FALSE(set.ok());
    CHECK(set.status().code() == StatusCode::kInvalid);
    CHECK(set.status().message().rfind("helm template charts/web: " + message, 0) == 0);
    CHECK(runner.calls.empty());
  }
}

TEST_CASE("manifest: helm needs a release name and plain parameter names", "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  auto unnamed = renderHelm(runner, tools(), checkout.root, "charts/web", release(""));
  CHECK(unnamed.status().code() == StatusCode::kInvalid);
  CHECK(unnamed.status().message() == "helm template charts/web: the release name is empty");
  HelmOptions options = release();
  options.parameters = {{"a=b", "c"}};
  CHECK(renderHelm(runner, tools(), checkout.root, "charts/web", options).status().code() ==
        StatusCode::kInvalid);
  CHECK(runner.calls.empty());
}

TEST_CASE("manifest: a failing helm template is kInvalid with its repo-relative message",
          "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  runner.answer(1, "",
                "Error: parse error at (web/templates/broken.yaml:3): unexpected \"}\" in "
                "operand\nUse --debug flag to render out invalid YAML\n");
  auto set = renderHelm(runner, tools(), checkout.root, "charts/web", release());
  REQUIRE_FALSE(set.ok());
  CHECK(set.status().code() == StatusCode::kInvalid);
  CHECK(set.status().message() ==
        "helm template charts/web failed: Error: parse error at (web/templates/broken.yaml:3): "
        "unexpected \"}\" in operand\nUse --debug flag to render out invalid YAML");

  FakeToolRunner paths;
  paths.answer(1, "", "Error: open " + checkout.chart + "/x.yaml: permission denied");
  auto relative = renderHelm(paths, tools(), checkout.root, "charts/web", release());
  CHECK(relative.status().message() ==
        "helm template charts/web failed: Error: open charts/web/x.yaml: permission denied");
}

TEST_CASE("manifest: helm timeouts and missing binaries keep their codes", "[manifest]") {
  Checkout checkout;
  FakeToolRunner runner;
  runner.fail({StatusCode::kTimeout, "helm timed out after 90s"});
  runner.fail(gitopsd::core::notFoundError("program '/opt/tools/helm' not found"));
  auto slow = renderHelm(runner, tools(), checkout.root, "charts/web", release());
  CHECK(slow.status().code() == StatusCode::kTimeout);
  CHECK(slow.status().message() == "helm template charts/web: helm timed out after 90s");
  auto missing = renderHelm(runner, tools(), checkout.root, "charts/web", release());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message() ==
        "helm template charts/web: program '/opt/tools/helm' not found");
}
