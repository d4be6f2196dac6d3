#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "config/application.h"
#include "config/duration.h"

namespace fs = std::filesystem;

using gitopsd::config::Application;
using gitopsd::config::applicationToYaml;
using gitopsd::config::formatDuration;
using gitopsd::config::parseApplications;
using gitopsd::config::parseDuration;
using gitopsd::config::validateApplication;
using gitopsd::core::StatusCode;
using namespace std::chrono_literals;

namespace {

const fs::path kTestdata = fs::path(GITOPSD_TESTDATA_DIR) / "config";

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Application withoutOrigin(Application app) {
  app.file.clear();
  app.line = 0;
  return app;
}

// Writes `app`, reads it back, and checks it is the same and reads without warnings.
void checkRoundTrip(const Application& app) {
  const std::string yaml = applicationToYaml(app);
  INFO(yaml);
  const auto parsed = parseApplications("written.yaml", yaml);
  INFO(parsed.status().toString());
  REQUIRE(parsed.ok());
  CHECK(parsed->warnings.empty());
  REQUIRE(parsed->apps.size() == 1);
  CHECK(withoutOrigin(parsed->apps[0]) == withoutOrigin(app));
}

Application minimalApp() {
  Application app;
  app.name = "demo";
  app.source.repo_url = "https://git.example/org/demo.git";
  app.destination.server = "https://kubernetes.default.svc";
  return app;
}

}  // namespace

TEST_CASE("config: applicationToYaml writes only what is set", "[config]") {
  const auto parsed =
      parseApplications("bookinfo-apps.yaml", readText(kTestdata / "bookinfo-apps.yaml"));
  REQUIRE(parsed.ok());
  CHECK(applicationToYaml(parsed->apps[0]) ==
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: Application\n"
        "metadata:\n"
        "  name: bookinfo-app\n"
        "  namespace: argocd\n"
        "spec:\n"
        "  project: default\n"
        "  source:\n"
        "    repoURL: https://github.com/tetrateio/tsb-gitops-demo.git\n"
        "    targetRevision: HEAD\n"
        "    path: application\n"
        "  destination:\n"
        "    server: https://kubernetes.default.svc\n"
        "    namespace: bookinfo\n"
        "  syncPolicy:\n"
        "    automated:\n"
        "      prune: true\n");
  CHECK(applicationToYaml(parsed->apps[2]) ==
        "apiVersion: argoproj.io/v1alpha1\n"
        "kind: Application\n"
        "metadata:\n"
        "  name: reviews-rollout\n"
        "  namespace: argocd\n"
        "  finalizers:\n"
        "  - resources-finalizer.argocd.argoproj.io\n"
        "spec:\n"
        "  project: default\n"
        "  source:\n"
        "    repoURL: https://github.com/tetrateio/tsb-gitops-demo.git\n"
        "    targetRevision: main\n"
        "    path: argo/rollout\n"
        "  destination:\n"
        "    server: https://kubernetes.default.svc\n"
        "    namespace: bookinfo\n"
        "  syncPolicy:\n"
        "    automated:\n"
        "      prune: true\n"
        "      selfHeal: true\n"
        "    syncOptions:\n"
        "    - CreateNamespace=true\n");
}

TEST_CASE("config: fixture applications round-trip through applicationToYaml", "[config]") {
  for (const char* name : {"bookinfo-apps.yaml", "full-application.yaml", "kustomize-app.json"}) {
    INFO(name);
    const auto parsed = parseApplications(name, readText(kTestdata / name));
    REQUIRE(parsed.ok());
    for (const auto& app : parsed->apps) {
      checkRoundTrip(app);
    }
  }
}

TEST_CASE("config: unsupported sync options survive the round trip", "[config]") {
  auto app = minimalApp();
  app.sync_policy.options.other = {"Prune=false", "SkipDryRunOnMissingResource=true"};
  app.sync_policy.options.prune_propagation_policy = gitopsd::config::PropagationPolicy::kOrphan;
  const std::string yaml = applicationToYaml(app);
  const auto parsed = parseApplications("written.yaml", yaml);
  REQUIRE(parsed.ok());
  CHECK(parsed->warnings.size() == 2);
  CHECK(withoutOrigin(parsed->apps[0]) == app);
}

TEST_CASE("config: strings YAML would misread are quoted", "[config]") {
  auto app = minimalApp();
  const std::vector<std::string> values = {"true",
                                           "yes",
                                           "No",
                                           "off",
                                           "null",
                                           "~",
                                           "",
                                           "1.0",
                                           "0x1F",
                                           "1e3",
                                           "2024-01-01",
                                           "12:30",
                                           ".inf",
                                           "-dash",
                                           "a: b",
                                           "x:",
                                           "#hash",
                                           "a #b",
                                           "{brace}",
                                           "[list]",
                                           "*alias",
                                           "&anchor",
                                           "!tag",
                                           "|pipe",
                                           ">fold",
                                           "'single'",
                                           "\"double\"",
                                           "back\\slash",
                                           " lead",
                                           "trail ",
                                           "tab\there",
                                           "bell\x07",
                                           "héllo wörld",
                                           "@at",
                                           "%pct",
                                           "`tick",
                                           "?q",
                                           "a,b",
                                           "v1.2.3",
                                           "plain value",
                                           "http://h:80/x?y=z"};
  for (std::size_t i = 0; i < values.size(); ++i) {
    app.labels["k" + std::to_string(i)] = values[i];
    app.annotations[values[i].empty() ? "empty" : values[i]] = "v";
  }
  app.finalizers = values;
  app.source.target_revision = "1.0";
  app.source.path = "yes";
  checkRoundTrip(app);
}

TEST_CASE("config: multi-line helm values are written as literal blocks", "[config]") {
  auto app = minimalApp();
  app.source.helm.emplace();
  SECTION("one trailing newline") {
    app.source.helm->values = "ingress:\n  enabled: true\n";
    const std::string yaml = applicationToYaml(app);
    CHECK(yaml.find("      values: |\n        ingress:\n          enabled: true\n") !=
          std::string::npos);
    checkRoundTrip(app);
  }
  SECTION("no trailing newline, blank lines inside") {
    app.source.helm->values = "a: 1\n\nb: 2";
    checkRoundTrip(app);
  }
  SECTION("several trailing newlines") {
    app.source.helm->values = "a: 1\n\n\n";
    checkRoundTrip(app);
  }
  SECTION("leading indentation") {
    app.source.helm->values = "  a: 1\nb: 2\n";
    checkRoundTrip(app);
  }
  SECTION("carriage returns fall back to quoting") {
    app.source.helm->values = "a: 1\r\nb: 2\r\n";
    checkRoundTrip(app);
  }
  SECTION("only newlines") {
    app.source.helm->values = "\n\n";
    checkRoundTrip(app);
  }
}

TEST_CASE("config: valuesObject round-trips as YAML", "[config]") {
  auto app = minimalApp();
  app.source.helm.emplace();
  app.source.helm->values_object =
      R"({"a":{"b":[1,2.5,"3",true,null,{"c":"d"},[],{}],"e":{}},"true":"yes","x y":"-1e3","z":[[1,2],["a"]]})";
  const std::string yaml = applicationToYaml(app);
  INFO(yaml);
  CHECK(yaml.find("valuesObject:\n        a:\n          b:\n          - 1\n          - 2.5\n"
                  "          - \"3\"\n") != std::string::npos);
  checkRoundTrip(app);
}

TEST_CASE("config: every field round-trips when built in code", "[config]") {
  auto app = minimalApp();
  app.namespace_ = "argocd";
  app.project = "team";
  app.source.target_revision = "main";
  app.source.path = "deploy/prod";
  app.source.directory = gitopsd::config::DirectorySource{true, "{a.yaml,b.yaml}", "*.json"};
  app.destination = {"", "dev", "prod"};
  app.sync_policy.automated = gitopsd::config::AutomatedSync{false, true, true, true};
  auto& o = app.sync_policy.options;
  o.create_namespace = o.prune_last = o.server_side_apply = o.validate = true;
  o.apply_out_of_sync_only = o.respect_ignore_differences = o.replace = false;
  o.fail_on_shared_resource = true;
  o.prune_propagation_policy = gitopsd::config::PropagationPolicy::kForeground;
  app.sync_policy.retry = gitopsd::config::RetryStrategy{7, {1500ms, 4, 2h + 30s}};
  app.ignore_differences.push_back({"", "Service", "", "", {"/spec/clusterIP"}, {}, {}});
  app.revision_history_limit = 0;
  checkRoundTrip(app);

  app.source.directory.reset();
  app.source.kustomize = gitopsd::config::KustomizeSource{
      "p-", "-s", {"nginx=nginx:1.25"}, {{"a", "1"}}, {{"b", "2"}}, "ns"};
  app.sync_policy.retry = gitopsd::config::RetryStrategy{};
  checkRoundTrip(app);

  app.source.kustomize = gitopsd::config::KustomizeSource{};
  app.sync_policy.automated = gitopsd::config::AutomatedSync{};
  checkRoundTrip(app);
}

TEST_CASE("config: validateApplication names the field", "[config]") {
  auto app = minimalApp();
  CHECK(validateApplication(app).ok());
  app.destination.name = "dev";
  const auto both = validateApplication(app);
  CHECK(both.code() == StatusCode::kInvalid);
  CHECK(both.message() ==
        "application \"demo\": spec.destination: set either server or name, not both");
  app = minimalApp();
  app.name = "Bad Name";
  CHECK(validateApplication(app).message().rfind(
            "application \"Bad Name\": metadata.name: \"Bad Name\" is not a valid name", 0) == 0);
  app = minimalApp();
  app.source.helm.emplace();
  app.source.helm->values_object = "{not json";
  CHECK(validateApplication(app).message() ==
        "application \"demo\": spec.source.helm.valuesObject: expected a mapping");
  app = minimalApp();
  app.source.repo_url.clear();
  CHECK(validateApplication(app).message() ==
        "application \"demo\": spec.source.repoURL: required");
}

TEST_CASE("config: Argo durations", "[config]") {
  CHECK(parseDuration("30s").value() == 30s);
  CHECK(parseDuration("5m").value() == 5min);
  CHECK(parseDuration("1h").value() == 1h);
  CHECK(parseDuration("1h30m").value() == 90min);
  CHECK(parseDuration("1.5h").value() == 90min);
  CHECK(parseDuration("250ms").value() == 250ms);
  CHECK(parseDuration("1m30.5s").value() == 90500ms);
  CHECK(parseDuration("1500us").value() == 1ms);
  CHECK(parseDuration("0").value() == 0ms);
  CHECK(parseDuration("45").value() == 45s);  // Argo CD's retry backoff: a bare number is seconds
  CHECK(parseDuration("-5s").value() == -5s);
  for (const char* bad : {"", "s", "5x", "1h30", "h1", "5 m", "--5s", "1e3s", "+", "-5"}) {
    INFO(bad);
    const auto result = parseDuration(bad);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == StatusCode::kInvalid);
    CHECK(result.status().message().rfind("invalid duration \"" + std::string(bad) + "\"", 0) == 0);
  }
  CHECK(formatDuration(0ms) == "0s");
  CHECK(formatDuration(250ms) == "250ms");
  CHECK(formatDuration(5s) == "5s");
  CHECK(formatDuration(3min) == "3m");
  CHECK(formatDuration(90min) == "1h30m");
  CHECK(formatDuration(1h + 5s) == "1h0m5s");
  CHECK(formatDuration(90500ms) == "1m30.5s");
  CHECK(formatDuration(-5s) == "-5s");
  for (const gitopsd::config::Duration d :
       {1ms, 999ms, 1001ms, 1000ms * 61, 3601000ms, 90000000ms, 3600001ms}) {
    CHECK(parseDuration(formatDuration(d)).value() == d);
  }
}
