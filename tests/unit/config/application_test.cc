#include "config/application.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

using gitopsd::config::Application;
using gitopsd::config::parseApplications;
using gitopsd::config::ParsedApplications;
using gitopsd::config::PropagationPolicy;
using gitopsd::core::StatusCode;

namespace {

const fs::path kTestdata = fs::path(GITOPSD_TESTDATA_DIR) / "config";

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

ParsedApplications parseFixture(const std::string& name) {
  auto result = parseApplications(name, readText(kTestdata / name));
  INFO(result.status().toString());
  REQUIRE(result.ok());
  return std::move(result).value();
}

std::string errorOf(const std::string& yaml) {
  const auto result = parseApplications("apps.yaml", yaml);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalid);
  return result.status().message();
}

ParsedApplications parseText(const std::string& yaml) {
  auto result = parseApplications("apps.yaml", yaml);
  INFO(result.status().toString());
  REQUIRE(result.ok());
  return std::move(result).value();
}

// A valid application; `spec_tail` is appended inside spec (4-space indented lines), starting
// at line 9.
std::string app(const std::string& spec_tail = "") {
  return "apiVersion: argoproj.io/v1alpha1\n"                           // 1
         "kind: Application\n"                                          // 2
         "metadata:\n"                                                  // 3
         "  name: demo\n"                                               // 4
         "spec:\n"                                                      // 5
         "  source:\n"                                                  // 6
         "    repoURL: https://git.example/org/demo.git\n"              // 7
         "  destination: {server: https://kubernetes.default.svc}\n" +  // 8
         spec_tail;
}

}  // namespace

TEST_CASE("config: reads the Bookinfo demo applications", "[config]") {
  const auto parsed = parseFixture("bookinfo-apps.yaml");
  CHECK(parsed.warnings.empty());
  REQUIRE(parsed.apps.size() == 3);

  const Application& bookinfo = parsed.apps[0];
  CHECK(bookinfo.name == "bookinfo-app");
  CHECK(bookinfo.namespace_ == "argocd");
  CHECK(bookinfo.project == "default");
  CHECK(bookinfo.source.repo_url == "https://github.com/tetrateio/tsb-gitops-demo.git");
  CHECK(bookinfo.source.target_revision == "HEAD");
  CHECK(bookinfo.source.path == "application");
  CHECK_FALSE(bookinfo.source.directory.has_value());
  CHECK(bookinfo.destination.server == "https://kubernetes.default.svc");
  CHECK(bookinfo.destination.namespace_ == "bookinfo");
  CHECK(bookinfo.sync_policy.automatedSync());
  CHECK(bookinfo.sync_policy.automated->prune);
  CHECK_FALSE(bookinfo.sync_policy.automated->self_heal);
  CHECK_FALSE(bookinfo.cascadeDelete());
  CHECK(bookinfo.file == "bookinfo-apps.yaml");
  CHECK(bookinfo.line == 3);
  CHECK(bookinfo.origin() == "bookinfo-apps.yaml:3");

  const Application& conf = parsed.apps[1];
  CHECK(conf.name == "bookinfo-tsb-conf");
  CHECK(conf.source.path == "argo/tsb");
  CHECK_FALSE(conf.sync_policy.automatedSync());
  CHECK(conf.line == 20);

  const Application& rollout = parsed.apps[2];
  CHECK(rollout.name == "reviews-rollout");
  CHECK(rollout.source.target_revision == "main");
  CHECK(rollout.cascadeDelete());
  CHECK(rollout.sync_policy.automated->self_heal);
  CHECK(rollout.sync_policy.options.create_namespace == true);
  CHECK(rollout.line == 34);
}

TEST_CASE("config: reads every supported Application field", "[config]") {
  const auto parsed = parseFixture("full-application.yaml");
  CHECK(parsed.warnings.empty());
  REQUIRE(parsed.apps.size() == 1);
  const Application& a = parsed.apps[0];
  CHECK(a.name == "guestbook.prod");
  CHECK(a.finalizers ==
        std::vector<std::string>{"resources-finalizer.argocd.argoproj.io/background"});
  CHECK(a.cascadeDelete());
  CHECK(a.labels == std::map<std::string, std::string>{{"team", "payments"}, {"tier", "1"}});
  CHECK(a.annotations.at("notifications.argoproj.io/subscribe.on-sync-failed.slack") == "alerts");
  CHECK(a.project == "payments");

  CHECK(a.source.repo_url == "git@github.com:example/guestbook.git");
  CHECK(a.source.target_revision == "v1.2.0");
  CHECK(a.source.path == "charts/guestbook");
  REQUIRE(a.source.helm.has_value());
  const auto& helm = *a.source.helm;
  CHECK(helm.release_name == "guestbook");
  CHECK(helm.value_files == std::vector<std::string>{"values-prod.yaml"});
  CHECK(helm.values == "ingress:\n  enabled: true\n");
  CHECK(
      helm.values_object ==
      R"({"debug":false,"hosts":["a.example","b.example"],"image":{"pullPolicy":"IfNotPresent","tag":"1.2"},"nothing":null,"ratio":0.5,"replicaCount":3})");
  REQUIRE(helm.parameters.size() == 2);
  CHECK(helm.parameters[0].name == "service.type");
  CHECK(helm.parameters[0].value == "LoadBalancer");
  CHECK_FALSE(helm.parameters[0].force_string);
  CHECK(helm.parameters[1].value == "2");
  CHECK(helm.parameters[1].force_string);
  CHECK(helm.skip_crds);

  CHECK(a.destination.name == "dev");
  CHECK(a.destination.server.empty());
  CHECK(a.destination.namespace_ == "guestbook");

  const auto& policy = a.sync_policy;
  REQUIRE(policy.automated.has_value());
  CHECK(policy.automated->prune);  // "yes", YAML 1.1 as Kubernetes reads it
  CHECK(policy.automated->self_heal);
  CHECK_FALSE(policy.automated->allow_empty);
  const auto& o = policy.options;
  CHECK(o.create_namespace == true);
  CHECK(o.prune_last == true);
  CHECK(o.prune_propagation_policy == PropagationPolicy::kBackground);
  CHECK(o.server_side_apply == true);
  CHECK(o.validate == false);
  CHECK(o.apply_out_of_sync_only == true);
  CHECK(o.respect_ignore_differences == true);
  CHECK(o.replace == false);
  CHECK(o.fail_on_shared_resource == true);
  CHECK(o.other.empty());
  REQUIRE(policy.retry.has_value());
  CHECK(policy.retry->limit == 5);
  CHECK(policy.retry->backoff.duration == std::chrono::seconds(10));
  CHECK(policy.retry->backoff.factor == 3);
  CHECK(policy.retry->backoff.max_duration == std::chrono::minutes(90));

  REQUIRE(a.ignore_differences.size() == 2);
  const auto& rule = a.ignore_differences[0];
  CHECK(rule.group == "apps");
  CHECK(rule.kind == "Deployment");
  CHECK(rule.name == "guestbook");
  CHECK(rule.namespace_ == "guestbook");
  CHECK(rule.json_pointers == std::vector<std::string>{"/spec/replicas"});
  CHECK(
      rule.jq_path_expressions ==
      std::vector<std::string>{R"(.spec.template.spec.containers[] | select(.name == "sidecar"))"});
  CHECK(rule.managed_fields_managers == std::vector<std::string>{"kube-controller-manager"});
  CHECK(a.ignore_differences[1].group.empty());
  CHECK(a.ignore_differences[1].json_pointers == std::vector<std::string>{"/data/generated"});
  CHECK(a.revision_history_limit == 3);
}

TEST_CASE("config: reads a JSON Application with a kustomize source", "[config]") {
  const auto parsed = parseFixture("kustomize-app.json");
  REQUIRE(parsed.apps.size() == 1);
  const Application& a = parsed.apps[0];
  REQUIRE(a.source.kustomize.has_value());
  const auto& k = *a.source.kustomize;
  CHECK(k.name_prefix == "prod-");
  CHECK(k.name_suffix == "-v2");
  CHECK(k.images == std::vector<std::string>{"gcr.io/heptio-images/ks-guestbook-demo:0.2"});
  CHECK(k.common_labels == std::map<std::string, std::string>{{"env", "prod"}});
  CHECK(k.common_annotations == std::map<std::string, std::string>{{"owner", "web"}});
  CHECK(k.namespace_ == "prod");
  CHECK(a.sync_policy.automatedSync());  // automated: {} turns it on
  CHECK_FALSE(a.sync_policy.automated->prune);
  REQUIRE(parsed.warnings.size() == 1);
  CHECK(parsed.warnings[0].rfind("kustomize-app.json:16: spec.source.kustomize.version: ", 0) == 0);
}

TEST_CASE("config: defaults of a minimal Application", "[config]") {
  const auto parsed = parseText(app());
  CHECK(parsed.warnings.empty());
  REQUIRE(parsed.apps.size() == 1);
  const Application& a = parsed.apps[0];
  CHECK(a.project == "default");
  CHECK(a.namespace_.empty());
  CHECK(a.source.target_revision == "HEAD");
  CHECK(a.source.path.empty());
  CHECK(a.revision_history_limit == 10);
  CHECK_FALSE(a.sync_policy.automated.has_value());
  CHECK_FALSE(a.sync_policy.retry.has_value());
  CHECK(a.sync_policy.options == gitopsd::config::SyncOptions{});
  CHECK(a.line == 1);
}

TEST_CASE("config: automated sync is on when present, off when null or disabled", "[config]") {
  SECTION("empty mapping") {
    const auto parsed = parseText(app("  syncPolicy:\n    automated: {}\n"));
    CHECK(parsed.apps[0].sync_policy.automatedSync());
    CHECK(parsed.warnings.empty());
  }
  SECTION("null, as Argo CD reads it, with a warning") {
    const auto parsed = parseText(app("  syncPolicy:\n    automated:\n"));
    CHECK_FALSE(parsed.apps[0].sync_policy.automatedSync());
    REQUIRE(parsed.warnings.size() == 1);
    CHECK(parsed.warnings[0].rfind("apps.yaml:10: spec.syncPolicy.automated: null leaves", 0) == 0);
  }
  SECTION("enabled: false keeps the settings") {
    const auto parsed =
        parseText(app("  syncPolicy:\n    automated: {enabled: false, prune: true}\n"));
    const auto& policy = parsed.apps[0].sync_policy;
    CHECK_FALSE(policy.automatedSync());
    REQUIRE(policy.automated.has_value());
    CHECK(policy.automated->prune);
  }
}

TEST_CASE("config: retry defaults and durations", "[config]") {
  auto parsed = parseText(app("  syncPolicy:\n    retry: {limit: -1}\n"));
  const auto& retry = parsed.apps[0].sync_policy.retry;
  REQUIRE(retry.has_value());
  CHECK(retry->limit == -1);
  CHECK(retry->backoff.duration == std::chrono::seconds(5));
  CHECK(retry->backoff.factor == 2);
  CHECK(retry->backoff.max_duration == std::chrono::minutes(3));

  parsed =
      parseText(app("  syncPolicy:\n    retry: {backoff: {duration: \"30\", maxDuration: 1h}}\n"));
  CHECK(parsed.apps[0].sync_policy.retry->backoff.duration == std::chrono::seconds(30));
  CHECK(parsed.apps[0].sync_policy.retry->backoff.max_duration == std::chrono::hours(1));
}

TEST_CASE("config: warns about unsupported fields naming field and line", "[config]") {
  const auto parsed = parseFixture("unsupported-fields.yaml");
  REQUIRE(parsed.apps.size() == 1);
  const Application& a = parsed.apps[0];
  CHECK(a.source.repo_url == "https://git.example/org/legacy.git");
  CHECK(a.source.directory->recurse);
  CHECK(a.sync_policy.options.other ==
        std::vector<std::string>{"Prune=false", "SkipDryRunOnMissingResource=true"});
  const std::vector<std::string> expected_prefixes = {
      "unsupported-fields.yaml:5: metadata.uid: ",
      "unsupported-fields.yaml:8: spec.sources: multiple sources are not supported",
      "unsupported-fields.yaml:12: spec.source.plugin: config management plugins are not "
      "supported",
      "unsupported-fields.yaml:16: spec.source.directory.jsonnet: Jsonnet is not supported",
      "unsupported-fields.yaml:20: spec.info: not supported",
      "unsupported-fields.yaml:25: spec.syncPolicy.syncOptions[0]: \"Prune=false\" applies per "
      "resource",
      "unsupported-fields.yaml:26: spec.syncPolicy.syncOptions[1]: sync option "
      "\"SkipDryRunOnMissingResource\" is not supported",
      "unsupported-fields.yaml:27: spec.syncPolicy.managedNamespaceMetadata: ",
      "unsupported-fields.yaml:29: spec.syncWindows: not supported by gitopsd; ignored",
      "unsupported-fields.yaml:30: operation: ",
      "unsupported-fields.yaml:32: status: ",
  };
  REQUIRE(parsed.warnings.size() == expected_prefixes.size());
  for (std::size_t i = 0; i < expected_prefixes.size(); ++i) {
    INFO(parsed.warnings[i]);
    CHECK(parsed.warnings[i].rfind(expected_prefixes[i], 0) == 0);
  }
}

TEST_CASE("config: warns about unknown keys and duplicate keys", "[config]") {
  const auto parsed =
      parseText(app("  syncPolicy:\n    automated: {prune: true, prune: false, "
                    "selfHael: true}\n"));
  REQUIRE(parsed.warnings.size() == 2);
  CHECK(parsed.warnings[0] ==
        "apps.yaml:10: spec.syncPolicy.automated.prune: duplicate key; the last value is used");
  CHECK(parsed.warnings[1] ==
        "apps.yaml:10: spec.syncPolicy.automated.selfHael: not supported by gitopsd; ignored");
  CHECK_FALSE(parsed.apps[0].sync_policy.automated->prune);
}

TEST_CASE("config: Helm and kustomize options gitopsd does not use are warnings", "[config]") {
  const auto parsed = parseText(
      app("  source:\n"
          "    repoURL: https://git.example/org/demo.git\n"
          "    helm: {passCredentials: true, ignoreMissingValueFiles: true, skipCrds: true}\n"));
  REQUIRE(parsed.warnings.size() == 3);
  CHECK(parsed.warnings[0] == "apps.yaml:9: spec.source: duplicate key; the last value is used");
  CHECK(parsed.warnings[1].rfind("apps.yaml:11: spec.source.helm.passCredentials: only matters "
                                 "for Helm chart repositories",
                                 0) == 0);
  CHECK(parsed.warnings[2] ==
        "apps.yaml:11: spec.source.helm.ignoreMissingValueFiles: not supported by gitopsd; "
        "ignored");
  CHECK(parsed.apps[0].source.helm->skip_crds);
}

TEST_CASE("config: a Rollout or Namespace is not an Application", "[config]") {
  auto result = parseApplications("rollout.yaml", readText(kTestdata / "not-an-app-rollout.yaml"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalid);
  CHECK(result.status().message() ==
        "rollout.yaml:1:1: document 1 is a Rollout (argoproj.io/v1alpha1), expected an Argo CD "
        "Application (argoproj.io/v1alpha1)");

  result = parseApplications("namespace.yaml", readText(kTestdata / "not-an-app-namespace.yaml"));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().message().rfind("namespace.yaml:1:1: document 1 is a Namespace (v1), "
                                        "expected an Argo CD Application",
                                        0) == 0);
}

TEST_CASE("config: a List of Applications is flattened", "[config]") {
  const auto parsed = parseText(
      "apiVersion: v1\nkind: List\nitems:\n"
      "- apiVersion: argoproj.io/v1alpha1\n  kind: Application\n  metadata: {name: a}\n"
      "  spec: {source: {repoURL: 'https://h/x.git'}, destination: {name: dev}}\n"
      "- apiVersion: argoproj.io/v1alpha1\n  kind: Application\n  metadata: {name: b}\n"
      "  spec: {source: {repoURL: 'https://h/y.git'}, destination: {name: dev}}\n");
  REQUIRE(parsed.apps.size() == 2);
  CHECK(parsed.apps[0].name == "a");
  CHECK(parsed.apps[0].line == 4);
  CHECK(parsed.apps[1].line == 8);
  CHECK(errorOf("kind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n") ==
        "apps.yaml:3:3: item 1 of the List in document 1 is a ConfigMap (v1), expected an Argo CD "
        "Application (argoproj.io/v1alpha1)");
}

TEST_CASE("config: empty documents hold no applications", "[config]") {
  CHECK(parseText("").apps.empty());
  CHECK(parseText("# only a comment\n---\n---\n").apps.empty());
  const auto parsed = parseText("---\n" + app() + "---\n");
  CHECK(parsed.apps.size() == 1);
  CHECK(parsed.apps[0].line == 2);
}

TEST_CASE("config: Application errors name file, line, column and field", "[config]") {
  struct Case {
    std::string yaml;
    std::string message;
  };
  const std::vector<Case> cases = {
      {app("  syncPolicy:\n    automated:\n      prune: maybe\n"),
       "apps.yaml:11:14: spec.syncPolicy.automated.prune: expected a boolean (true or false), got "
       "\"maybe\""},
      {app("  syncPolicy:\n    automated: {selfHeal: \"true\"}\n"),
       "apps.yaml:10:27: spec.syncPolicy.automated.selfHeal: expected a boolean (true or false), "
       "got \"true\""},
      {app("  syncPolicy:\n    syncOptions: CreateNamespace=true\n"),
       "apps.yaml:10:18: spec.syncPolicy.syncOptions: expected a list, got "
       "\"CreateNamespace=true\""},
      {app("  syncPolicy:\n    syncOptions: [CreateNamespace]\n"),
       "apps.yaml:10:19: spec.syncPolicy.syncOptions[0]: \"CreateNamespace\" is not a Key=value "
       "sync option"},
      {app("  syncPolicy:\n    syncOptions: [CreateNamespace=yes]\n"),
       "apps.yaml:10:19: spec.syncPolicy.syncOptions[0]: CreateNamespace must be true or false, "
       "got \"yes\""},
      {app("  syncPolicy:\n    syncOptions: [PrunePropagationPolicy=later]\n"),
       "apps.yaml:10:19: spec.syncPolicy.syncOptions[0]: PrunePropagationPolicy must be "
       "foreground, background or orphan, got \"later\""},
      {app("  syncPolicy:\n    retry: {limit: lots}\n"),
       "apps.yaml:10:20: spec.syncPolicy.retry.limit: expected an integer, got \"lots\""},
      {app("  syncPolicy:\n    retry: {backoff: {duration: 5 minutes}}\n"),
       "apps.yaml:10:33: spec.syncPolicy.retry.backoff.duration: invalid duration \"5 minutes\": "
       "unknown unit (expected e.g. \"30s\", \"5m\", \"1h30m\", \"250ms\")"},
      {app("  syncPolicy:\n    retry: {backoff: {maxDuration: -1m}}\n"),
       "apps.yaml:10:36: spec.syncPolicy.retry.backoff.maxDuration: a duration must not be "
       "negative"},
      {app("  syncPolicy:\n    retry: {backoff: {factor: 0}}\n"),
       "apps.yaml:10:31: spec.syncPolicy.retry.backoff.factor: must be at least 1"},
      {app("  revisionHistoryLimit: -2\n"),
       "apps.yaml:9:25: spec.revisionHistoryLimit: must not be negative"},
      {app("  ignoreDifferences:\n  - group: apps\n"),
       "apps.yaml:10:5: spec.ignoreDifferences[0].kind: required"},
      {app("  ignoreDifferences:\n  - kind: Deployment\n    jsonPointers: [spec/replicas]\n"),
       "apps.yaml:11:20: spec.ignoreDifferences[0].jsonPointers[0]: \"spec/replicas\" is not a "
       "JSON pointer (must start with /)"},
      {app("  project: [a]\n"), "apps.yaml:9:12: spec.project: expected a string, got a list"},
      {app("  source: {repoURL: 'https://h/x.git', chart: nginx}\n"),
       "apps.yaml:9:47: spec.source.chart: Helm chart repositories are not supported; put the "
       "chart in a Git repository and set path to its folder"},
      {app("  source: {repoURL: 'https://h/x.git', helm: {}, directory: {}}\n"),
       "apps.yaml:9:11: spec.source: more than one source type (directory, kustomize, helm) is "
       "set; keep one"},
      {app("  source: {repoURL: 'https://h/x.git', helm: {valuesObject: [1]}}\n"),
       "apps.yaml:9:61: spec.source.helm.valuesObject: expected a mapping"},
      {app("  source: {repoURL: 'https://h/x.git', helm: {parameters: [{value: x}]}}\n"),
       "apps.yaml:9:60: spec.source.helm.parameters[0].name: required"},
      {app("  source: {repoURL: 'https://h/x.git', directory: {recurse: 1}}\n"),
       "apps.yaml:9:61: spec.source.directory.recurse: expected a boolean (true or false), got "
       "\"1\""},
      {app("  source: {repoURL: 'https://h/x.git', kustomize: {commonLabels: {a: [b]}}}\n"),
       "apps.yaml:9:70: spec.source.kustomize.commonLabels.a: expected a string, got a list"},
      {app("  source: {path: x}\n"), "apps.yaml:9:11: spec.source.repoURL: required"},
      {app("  source: {repoURL: not a url}\n"),
       "apps.yaml:9:21: spec.source.repoURL: \"not a url\" is not a Git repository URL (expected "
       "scheme://host/path or user@host:path)"},
      {app("  destination: {namespace: x}\n"),
       "apps.yaml:9:16: spec.destination: one of server or name is required"},
      {app("  destination: {name: dev, server: 'https://k'}\n"),
       "apps.yaml:9:16: spec.destination: set either server or name, not both"},
      {app("  destination: {server: k.example}\n"),
       "apps.yaml:9:25: spec.destination.server: \"k.example\" is not an http(s) URL"},
      {app("  destination: {name: dev, namespace: Bad_NS}\n"),
       "apps.yaml:9:39: spec.destination.namespace: \"Bad_NS\" is not a valid namespace"},
      {"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: My_App}\n",
       "apps.yaml:3:18: metadata.name: \"My_App\" is not a valid name (DNS-1123 subdomain: "
       "lower-case letters, digits, '-' and '.', at most 253 characters)"},
      {"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {namespace: argocd}\n"
       "spec: {source: {repoURL: 'https://h/x.git'}, destination: {name: dev}}\n",
       "apps.yaml:1:1: metadata.name: required"},
      {"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\n",
       "apps.yaml:1:1: spec: required"},
      {"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n"
       "  source: {repoURL: 'https://h/x.git'}\n",
       "apps.yaml:5:3: spec.destination: required"},
      {"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: x}\nspec:\n"
       "  sources: [{repoURL: 'https://h/x.git'}]\n  destination: {name: dev}\n",
       "apps.yaml:5:3: spec.source: required (spec.sources, multiple sources, is not supported)"},
      {"apiVersion: argoproj.io/v1beta1\nkind: Application\n",
       "apps.yaml:1:1: document 1 is a Application (argoproj.io/v1beta1), expected an Argo CD "
       "Application (argoproj.io/v1alpha1)"},
      {"metadata: {name: x}\n",
       "apps.yaml:1:1: document 1 has no apiVersion/kind, expected an Argo CD Application "
       "(argoproj.io/v1alpha1)"},
      {app() + "---\n- a\n- b\n",
       "apps.yaml:10:1: document 2 is a list, expected an Argo CD Application"},
      {app() + "---\n" + app(),
       "apps.yaml:10:1: metadata.name: application \"demo\" is defined twice (lines 1 and 10)"},
      {"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: [x}\n",
       "apps.yaml:3:20: illegal flow end"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    CHECK(errorOf(c.yaml) == c.message);
  }
}

TEST_CASE("config: tabs in indentation are named", "[config]") {
  CHECK(errorOf("apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n\tname: x\n")
            .rfind("apps.yaml:4:1: tabs are not allowed for indentation", 0) == 0);
}

TEST_CASE("config: oversized files and alias bombs are refused", "[config]") {
  gitopsd::config::ApplicationParseLimits limits;
  limits.max_file_bytes = 10;
  const auto big = parseApplications("big.yaml", app(), limits);
  REQUIRE_FALSE(big.ok());
  CHECK(big.status().message().rfind("big.yaml: ", 0) == 0);

  // 201 references to a mapping holding 101 pointers: far more values than the text holds.
  std::string list;
  for (int i = 0; i < 100; ++i) list += "/a,";
  std::string yaml = "apiVersion: argoproj.io/v1alpha1\nkind: Application\nanchors:\n  p: &p [" +
                     list +
                     "/a]\n  r: &r {kind: Deployment, jsonPointers: *p}\n"
                     "metadata: {name: x}\nspec:\n  source: {repoURL: 'https://h/x.git'}\n"
                     "  destination: {name: dev}\n  ignoreDifferences: [";
  for (int i = 0; i < 200; ++i) yaml += "*r,";
  yaml += "*r]\n";
  CHECK(errorOf(yaml).find("alias expansion is limited") != std::string::npos);
}
