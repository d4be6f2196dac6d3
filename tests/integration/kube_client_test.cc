// lib/kube's RestClient against the real sandbox kube-apiserver: auth, TLS errors, RBAC,
// discovery of freshly installed CRDs, CRUD, patches, server-side apply, errors.
#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <thread>

#include "kube/client.h"
#include "kube/credentials.h"
#include "kube/discovery.h"
#include "kube/http.h"
#include "support/sandbox.h"

using gitopsd::core::StatusCode;
using gitopsd::kube::ApplyOptions;
using gitopsd::kube::DeleteOptions;
using gitopsd::kube::GroupVersionKind;
using gitopsd::kube::ListOptions;
using gitopsd::kube::Object;
using gitopsd::kube::ObjectRef;
using gitopsd::kube::PatchType;
using gitopsd::kube::WriteOptions;
using namespace gitopsd::test_support;

namespace {

const GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};
const GroupVersionKind kNamespace{"", "v1", "Namespace"};

Object configMap(const std::string& ns, const std::string& name, Object data) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}}},
          {"data", std::move(data)}};
}

std::string resourceVersionOf(const Object& object) {
  return object["metadata"]["resourceVersion"].get<std::string>();
}

}  // namespace

TEST_CASE("kube client: token and client-certificate auth both work", "[kube][integration]") {
  for (const char* context : {"sandbox", "sandbox-cert"}) {
    auto client = makeClient(sandboxConfig(context));
    auto ns = client->get({kNamespace, "", "default"});
    INFO("context " << context);
    REQUIRE(ns.ok());
    CHECK((*ns)["metadata"]["name"] == "default");
  }
}

TEST_CASE("kube client: CA and client certificate given as data work like files",
          "[kube][integration]") {
  auto config = sandboxConfig("sandbox-cert");
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  config.tls.ca_data = slurp(config.tls.ca_file);
  config.tls.client_cert_data = slurp(config.tls.client_cert_file);
  config.tls.client_key_data = slurp(config.tls.client_key_file);
  config.tls.ca_file.clear();
  config.tls.client_cert_file.clear();
  config.tls.client_key_file.clear();
  CHECK(makeClient(config)->get({kNamespace, "", "default"}).ok());
}

TEST_CASE("kube client: insecure-skip-tls-verify connects without the CA", "[kube][integration]") {
  auto config = sandboxConfig();
  config.tls.ca_file.clear();
  config.tls.insecure_skip_verify = true;
  CHECK(makeClient(config)->get({kNamespace, "", "default"}).ok());
}

TEST_CASE("kube client: a wrong token is Unauthorized", "[kube][integration]") {
  auto config = sandboxConfig();
  config.token = "not-a-valid-token";
  auto result = makeClient(config)->get({kNamespace, "", "default"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kUnauthorized);
  CHECK_THAT(result.status().message(), !Catch::Contains("not-a-valid-token"));
}

TEST_CASE("kube client: an unknown CA is refused and said so", "[kube][integration]") {
  auto config = sandboxConfig();
  config.tls.ca_file.clear();
  config.tls.ca_data.clear();  // the system CAs do not know the sandbox CA
  auto result = makeClient(config)->get({kNamespace, "", "default"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalid);
  CHECK_THAT(result.status().message(), Catch::Contains("unknown certificate authority"));
}

TEST_CASE("kube client: a wrong server name is refused and said so", "[kube][integration]") {
  auto config = sandboxConfig();
  config.tls.server_name = "wrong.example";
  auto result = makeClient(config)->get({kNamespace, "", "default"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalid);
  CHECK_THAT(result.status().message(), Catch::Contains("does not match the server name"));
}

TEST_CASE("kube client: the limited token is Forbidden with verb and resource named",
          "[kube][integration]") {
  auto client = makeClient(sandboxConfig("sandbox-limited"));
  auto allowed = client->list(kConfigMap, "limited");
  CHECK(allowed.ok());
  auto denied = client->list({"", "v1", "Secret"}, "default");
  REQUIRE_FALSE(denied.ok());
  CHECK(denied.status().code() == StatusCode::kForbidden);
  CHECK_THAT(denied.status().message(), Catch::Contains("cannot list resource \"secrets\""));
}

TEST_CASE("kube client: the apiserver's discovery is read in its aggregated form",
          "[kube][integration]") {
  const auto config = sandboxConfig();
  const auto& clock = gitopsd::core::SystemClock::instance();
  auto credentials = gitopsd::kube::makeCredentialProvider(config, clock);
  auto transport = gitopsd::kube::HttpTransport::create(config, *credentials);
  REQUIRE(transport.ok());
  gitopsd::kube::Discovery discovery(**transport, clock);
  REQUIRE(discovery.refresh().ok());
  CHECK(discovery.aggregated());
  auto deployments = discovery.resourceFor({"apps", "v1", "Deployment"});
  REQUIRE(deployments.ok());
  CHECK(deployments->resource == "deployments");
  CHECK(deployments->namespaced);
  CHECK(deployments->has_status);
}

TEST_CASE("kube client: CRDs installed after start are found without a restart",
          "[kube][integration]") {
  auto client = makeClient(sandboxConfig());
  REQUIRE(client->resourceFor(kConfigMap).ok());  // discovery loaded before the install
  kubectl("apply --server-side -f " + officialCrds("istio/crds.yaml"));
  kubectl("apply --server-side -f " + officialCrds("argo-rollouts/crds/rollout-crd.yaml"));
  waitForEstablished({"virtualservices.networking.istio.io", "rollouts.argoproj.io"});

  auto vs = client->resourceFor({"networking.istio.io", "v1", "VirtualService"});
  REQUIRE(vs.ok());
  CHECK(vs->resource == "virtualservices");
  CHECK(vs->namespaced);
  auto rollout = client->resourceFor({"argoproj.io", "v1alpha1", "Rollout"});
  REQUIRE(rollout.ok());
  CHECK(rollout->resource == "rollouts");
  CHECK(rollout->has_status);

  // A CRD nobody has seen before proves discovery refreshed on the miss.
  const std::string plural = "widgets" + std::to_string(std::random_device{}() % 1000000);
  kubectl(
      "apply -f - <<'EOF'\n"
      "apiVersion: apiextensions.k8s.io/v1\n"
      "kind: CustomResourceDefinition\n"
      "metadata: {name: " +
      plural +
      ".test.gitopsd.io}\n"
      "spec:\n"
      "  group: test.gitopsd.io\n"
      "  names: {plural: " +
      plural + ", singular: w" + plural + ", kind: W" + plural +
      "}\n"
      "  scope: Cluster\n"
      "  versions:\n"
      "  - name: v1\n"
      "    served: true\n"
      "    storage: true\n"
      "    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n"
      "EOF");
  waitForEstablished({plural + ".test.gitopsd.io"});
  // The apiserver publishes a new CRD in discovery shortly after Established; misses refresh
  // discovery at most every 500 ms, so poll briefly.
  auto widget = client->resourceFor({"test.gitopsd.io", "v1", "W" + plural});
  for (int i = 0; i < 50 && !widget.ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    widget = client->resourceFor({"test.gitopsd.io", "v1", "W" + plural});
  }
  INFO(widget.status().toString());
  REQUIRE(widget.ok());
  CHECK(widget->resource == plural);
  CHECK_FALSE(widget->namespaced);
  kubectl("delete crd " + plural + ".test.gitopsd.io --wait=false", true);

  auto missing = client->resourceFor({"example.invalid", "v1", "Nothing"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK_THAT(missing.status().message(), Catch::Contains("example.invalid/v1, Kind=Nothing"));
}

TEST_CASE("kube client: create, get, update, conflict, delete with preconditions",
          "[kube][integration]") {
  ScratchNamespace ns("crud");
  auto client = makeClient(sandboxConfig());
  auto created = client->create(configMap(ns.name(), "one", {{"a", "1"}}));
  REQUIRE(created.ok());
  CHECK((*created)["data"]["a"] == "1");

  auto again = client->create(configMap(ns.name(), "one", {{"a", "1"}}));
  REQUIRE_FALSE(again.ok());
  CHECK(again.status().code() == StatusCode::kAlreadyExists);

  Object changed = *created;
  changed["data"]["a"] = "2";
  auto updated = client->update(changed);
  REQUIRE(updated.ok());
  CHECK((*updated)["data"]["a"] == "2");

  auto stale = client->update(changed);  // carries the old resourceVersion
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.status().code() == StatusCode::kConflict);

  const ObjectRef ref{kConfigMap, ns.name(), "one"};
  DeleteOptions wrong_uid;
  wrong_uid.precondition_uid = "00000000-0000-0000-0000-000000000000";
  CHECK(client->remove(ref, wrong_uid).code() == StatusCode::kConflict);
  DeleteOptions right_uid;
  right_uid.precondition_uid = (*created)["metadata"]["uid"].get<std::string>();
  REQUIRE(client->remove(ref, right_uid).ok());
  CHECK(client->get(ref).status().code() == StatusCode::kNotFound);
  CHECK(client->remove(ref).code() == StatusCode::kNotFound);
}

TEST_CASE("kube client: invalid objects name the field", "[kube][integration]") {
  ScratchNamespace ns("invalid");
  auto client = makeClient(sandboxConfig());
  auto result = client->create(configMap(ns.name(), "Not_A_Valid_Name", {{"a", "1"}}));
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalid);
  CHECK_THAT(result.status().message(), Catch::Contains("metadata.name"));
}

TEST_CASE("kube client: list follows pages", "[kube][integration]") {
  ScratchNamespace ns("pages");
  auto client = makeClient(sandboxConfig());
  for (int i = 0; i < 7; ++i) {
    REQUIRE(
        client->create(configMap(ns.name(), "cm-" + std::to_string(i), {{"i", std::to_string(i)}}))
            .ok());
  }
  ListOptions options;
  options.page_size = 2;
  auto listed = client->list(kConfigMap, ns.name(), options);
  REQUIRE(listed.ok());
  // 7 of ours plus kube-root-ca.crt if a controller made one (not in profile api).
  int ours = 0;
  for (const auto& item : listed->items) {
    CHECK(item["kind"] == "ConfigMap");
    CHECK(item["apiVersion"] == "v1");
    if (item["metadata"]["name"].get<std::string>().rfind("cm-", 0) == 0) ++ours;
  }
  CHECK(ours == 7);
  CHECK_FALSE(listed->resource_version.empty());

  options.label_selector = "app=none";
  auto none = client->list(kConfigMap, ns.name(), options);
  REQUIRE(none.ok());
  CHECK(none->items.empty());
}

TEST_CASE("kube client: merge, strategic and JSON patches", "[kube][integration]") {
  ScratchNamespace ns("patch");
  auto client = makeClient(sandboxConfig());
  REQUIRE(client->create(configMap(ns.name(), "p", {{"a", "1"}, {"b", "2"}})).ok());
  const ObjectRef ref{kConfigMap, ns.name(), "p"};

  auto merged = client->patch(ref, PatchType::kJsonMerge, R"({"data":{"b":null,"c":"3"}})");
  REQUIRE(merged.ok());
  CHECK((*merged)["data"] == Object({{"a", "1"}, {"c", "3"}}));

  auto strategic = client->patch(ref, PatchType::kStrategicMerge, R"({"data":{"d":"4"}})");
  REQUIRE(strategic.ok());
  CHECK((*strategic)["data"]["d"] == "4");

  auto json_patch = client->patch(ref, PatchType::kJsonPatch,
                                  R"([{"op":"replace","path":"/data/a","value":"9"}])");
  REQUIRE(json_patch.ok());
  CHECK((*json_patch)["data"]["a"] == "9");

  auto bad =
      client->patch(ref, PatchType::kJsonPatch, R"([{"op":"test","path":"/data/a","value":"0"}])");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalid);
}

TEST_CASE("kube client: status subresource updates only status", "[kube][integration]") {
  ScratchNamespace ns("status");
  auto client = makeClient(sandboxConfig());
  const Object deployment = {
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", {{"name", "web"}, {"namespace", ns.name()}}},
      {"spec",
       {{"replicas", 1},
        {"selector", {{"matchLabels", {{"app", "web"}}}}},
        {"template",
         {{"metadata", {{"labels", {{"app", "web"}}}}},
          {"spec", {{"containers", {{{"name", "web"}, {"image", "example.invalid/web:1"}}}}}}}}}}};
  auto created = client->create(deployment);
  REQUIRE(created.ok());
  Object with_status = *created;
  with_status["status"]["observedGeneration"] = 7;
  with_status["spec"]["replicas"] = 5;  // ignored by the status endpoint
  auto updated = client->updateStatus(with_status);
  REQUIRE(updated.ok());
  CHECK((*updated)["status"]["observedGeneration"] == 7);
  CHECK((*updated)["spec"]["replicas"] == 1);
}

TEST_CASE("kube client: server-side apply creates, re-applies as a no-op, detects conflicts",
          "[kube][integration]") {
  ScratchNamespace ns("apply");
  auto client = makeClient(sandboxConfig());
  const Object desired = configMap(ns.name(), "applied", {{"owner", "gitopsd"}});

  auto first = client->apply(desired);
  REQUIRE(first.ok());
  CHECK((*first)["data"]["owner"] == "gitopsd");
  auto second = client->apply(desired);
  REQUIRE(second.ok());
  CHECK(resourceVersionOf(*second) == resourceVersionOf(*first));

  ApplyOptions other;
  other.field_manager = "someone-else";
  auto conflict =
      client->apply(configMap(ns.name(), "applied", {{"owner", "someone-else"}}), other);
  REQUIRE_FALSE(conflict.ok());
  CHECK(conflict.status().code() == StatusCode::kConflict);
  CHECK_THAT(conflict.status().message(), Catch::Contains("gitopsd"));

  other.force = true;
  auto forced = client->apply(configMap(ns.name(), "applied", {{"owner", "someone-else"}}), other);
  REQUIRE(forced.ok());
  CHECK((*forced)["data"]["owner"] == "someone-else");
}

TEST_CASE("kube client: dry-run apply predicts the object and writes nothing",
          "[kube][integration]") {
  ScratchNamespace ns("dryrun");
  auto client = makeClient(sandboxConfig());
  ApplyOptions dry_run;
  dry_run.dry_run = true;
  auto predicted = client->apply(configMap(ns.name(), "ghost", {{"x", "1"}}), dry_run);
  REQUIRE(predicted.ok());
  CHECK((*predicted)["data"]["x"] == "1");
  CHECK((*predicted)["metadata"].contains("uid"));
  CHECK(client->get({kConfigMap, ns.name(), "ghost"}).status().code() == StatusCode::kNotFound);

  REQUIRE(client->apply(configMap(ns.name(), "real", {{"x", "1"}})).ok());
  auto before = client->get({kConfigMap, ns.name(), "real"});
  REQUIRE(before.ok());
  auto changed = client->apply(configMap(ns.name(), "real", {{"x", "2"}}), dry_run);
  REQUIRE(changed.ok());
  CHECK((*changed)["data"]["x"] == "2");
  auto after = client->get({kConfigMap, ns.name(), "real"});
  REQUIRE(after.ok());
  CHECK((*after)["data"]["x"] == "1");
  CHECK(resourceVersionOf(*after) == resourceVersionOf(*before));
}
