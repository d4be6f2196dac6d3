// lib/kube under faults: throttling (429 + Retry-After), server errors, latency, resets and
// truncated responses. Faults the real apiserver cannot be made to show on demand come from
// an HTTP stub or a TCP proxy in front of the real apiserver; everything else is real.
#include <catch2/catch.hpp>
#include <map>
#include <thread>

#include "kube/client.h"
#include "kube/http.h"
#include "support/fault_proxy.h"
#include "support/http_stub_server.h"
#include "support/sandbox.h"

using gitopsd::core::StatusCode;
using gitopsd::kube::ClusterConfig;
using gitopsd::kube::GroupVersionKind;
using gitopsd::kube::Object;
using gitopsd::kube::RestClientOptions;
using gitopsd::test_support::FaultProxy;
using gitopsd::test_support::HttpStubServer;
using gitopsd::test_support::StubRequest;
using gitopsd::test_support::StubResponse;
using namespace gitopsd::test_support;
using namespace std::chrono_literals;

namespace {

const GroupVersionKind kConfigMap{"", "v1", "ConfigMap"};
const GroupVersionKind kNamespace{"", "v1", "Namespace"};

// Aggregated discovery documents that serve only v1 ConfigMaps.
std::optional<StubResponse> discovery(const StubRequest& request) {
  const Object empty = {{"kind", "APIGroupDiscoveryList"},
                        {"apiVersion", "apidiscovery.k8s.io/v2"},
                        {"items", Object::array()}};
  if (request.target == "/apis") return StubResponse{200, {}, empty.dump(), 0ms, false};
  if (request.target != "/api") return std::nullopt;
  Object core = empty;
  core["items"].push_back(
      {{"metadata", {{"name", ""}}},
       {"versions",
        {{{"version", "v1"},
          {"resources",
           {{{"resource", "configmaps"},
             {"responseKind", {{"group", ""}, {"version", "v1"}, {"kind", "ConfigMap"}}},
             {"scope", "Namespaced"},
             {"verbs", {"get", "list", "create"}}}}}}}}});
  return StubResponse{200, {}, core.dump(), 0ms, false};
}

const char* kConfigMapBody =
    R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x","namespace":"default"}})";

ClusterConfig stubConfig(const HttpStubServer& stub) {
  ClusterConfig config;
  config.server = stub.baseUrl();
  config.origin = "stub server";
  config.request_timeout = 5s;
  return config;
}

std::unique_ptr<gitopsd::kube::KubeClient> clientWith(const ClusterConfig& config,
                                                      RestClientOptions options) {
  auto client = gitopsd::kube::makeRestClient(config, gitopsd::core::SystemClock::instance(),
                                              testLogger(), options);
  REQUIRE(client.ok());
  return std::move(client).value();
}

size_t countRequests(const HttpStubServer& stub, const std::string& method,
                     const std::string& prefix) {
  size_t count = 0;
  for (const auto& request : stub.requests()) {
    if (request.method == method && request.target.rfind(prefix, 0) == 0) ++count;
  }
  return count;
}

// The sandbox's config with its server moved behind a proxy.
ClusterConfig behind(const FaultProxy& proxy, ClusterConfig config) {
  config.server = "https://127.0.0.1:" + std::to_string(proxy.port());
  return config;
}

uint16_t apiserverPort() {
  return static_cast<uint16_t>(std::stoi(sandboxValue("APISERVER_PORT")));
}

}  // namespace

TEST_CASE("kube faults: 429 with Retry-After is waited out and retried", "[kube][integration]") {
  int throttled = 0;
  HttpStubServer stub([&throttled](const StubRequest& request) {
    if (auto answer = discovery(request)) return *answer;
    if (throttled++ == 0) {
      return StubResponse{429,
                          {{"Retry-After", "1"}},
                          R"({"kind":"Status","reason":"TooManyRequests","code":429})",
                          0ms,
                          false};
    }
    return StubResponse{200, {}, kConfigMapBody, 0ms, false};
  });
  auto client = clientWith(stubConfig(stub), {});
  const auto start = std::chrono::steady_clock::now();
  auto result = client->get({kConfigMap, "default", "x"});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE(result.ok());
  CHECK(elapsed >= 1s);
  CHECK(countRequests(stub, "GET", "/api/v1/namespaces/default/configmaps/x") == 2);
}

TEST_CASE("kube faults: endless throttling gives up with TooManyRequests", "[kube][integration]") {
  HttpStubServer stub([](const StubRequest& request) {
    if (auto answer = discovery(request)) return *answer;
    return StubResponse{429, {{"Retry-After", "0"}}, "slow down", 0ms, false};
  });
  RestClientOptions options;
  options.max_retries = 2;
  options.retry_base = 10ms;
  auto result = clientWith(stubConfig(stub), options)->get({kConfigMap, "default", "x"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kTooManyRequests);
  CHECK(countRequests(stub, "GET", "/api/v1/namespaces/default/configmaps/x") == 3);
}

TEST_CASE("kube faults: server errors are retried for reads, not for creates",
          "[kube][integration]") {
  int failures = 0;
  HttpStubServer stub([&failures](const StubRequest& request) {
    if (auto answer = discovery(request)) return *answer;
    if (request.method == "POST" || failures++ < 2) {
      return StubResponse{
          500, {}, R"({"kind":"Status","reason":"InternalError","code":500})", 0ms, false};
    }
    return StubResponse{200, {}, kConfigMapBody, 0ms, false};
  });
  RestClientOptions options;
  options.retry_base = 10ms;
  auto client = clientWith(stubConfig(stub), options);
  CHECK(client->get({kConfigMap, "default", "x"}).ok());
  CHECK(countRequests(stub, "GET", "/api/v1/namespaces/default/configmaps/x") == 3);

  auto created = client->create(Object::parse(kConfigMapBody));
  REQUIRE_FALSE(created.ok());
  CHECK(created.status().code() == StatusCode::kInternal);
  CHECK(countRequests(stub, "POST", "/api/v1/namespaces/default/configmaps") == 1);
}

TEST_CASE("kube faults: a truncated response is Unavailable", "[kube][integration]") {
  std::string body = R"({"apiVersion":"v1","kind":"ConfigMap","data":{"big":")";
  body.append(20000, 'x').append("\"}}");
  HttpStubServer stub([&body](const StubRequest& request) {
    if (auto answer = discovery(request)) return *answer;
    return StubResponse{200, {}, body, 0ms, false};
  });
  FaultProxy proxy("127.0.0.1", stub.port());
  auto config = stubConfig(stub);
  config.server = "http://127.0.0.1:" + std::to_string(proxy.port());
  RestClientOptions options;
  options.max_retries = 0;
  auto client = clientWith(config, options);
  REQUIRE(client->resourceFor(kConfigMap).ok());  // discovery before the fault
  proxy.setTruncateAfter(5000);
  proxy.resetAll();  // the next request needs a new connection, which gets the limit
  auto result = client->get({kConfigMap, "default", "x"});
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kUnavailable);
}

TEST_CASE("kube faults: latency beyond the request timeout is a Timeout", "[kube][integration]") {
  FaultProxy proxy("127.0.0.1", apiserverPort());
  auto config = behind(proxy, sandboxConfig());
  config.request_timeout = 500ms;
  RestClientOptions options;
  options.max_retries = 0;
  auto client = clientWith(config, options);
  REQUIRE(client->get({kNamespace, "", "default"}).ok());
  proxy.setDelay(1500ms);
  auto slow = client->get({kNamespace, "", "default"});
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.status().code() == StatusCode::kTimeout);
  proxy.setDelay(0ms);
  auto fast = client->get({kNamespace, "", "default"});
  INFO(fast.status().toString());
  CHECK(fast.ok());
}

TEST_CASE("kube faults: connection resets are retried until the server is back",
          "[kube][integration]") {
  FaultProxy proxy("127.0.0.1", apiserverPort());
  RestClientOptions options;
  options.retry_base = 100ms;
  options.max_retries = 8;
  auto client = clientWith(behind(proxy, sandboxConfig()), options);
  REQUIRE(client->get({kNamespace, "", "default"}).ok());

  proxy.setResetNewConnections(true);
  proxy.resetAll();
  std::jthread heal([&proxy] {
    std::this_thread::sleep_for(700ms);
    proxy.setResetNewConnections(false);
  });
  const size_t accepted_before = proxy.connectionsAccepted();
  auto result = client->get({kNamespace, "", "default"});
  REQUIRE(result.ok());
  CHECK(proxy.connectionsAccepted() > accepted_before + 1);  // it took more than one try

  RestClientOptions no_retry;
  no_retry.max_retries = 0;
  auto impatient = clientWith(behind(proxy, sandboxConfig()), no_retry);
  REQUIRE(impatient->resourceFor(kNamespace).ok());
  proxy.setResetNewConnections(true);
  proxy.resetAll();
  auto failed = impatient->get({kNamespace, "", "default"});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == StatusCode::kUnavailable);
  proxy.setResetNewConnections(false);
}

TEST_CASE("kube faults: requests reuse one connection and speak HTTP/2", "[kube][integration]") {
  FaultProxy proxy("127.0.0.1", apiserverPort());
  auto client = clientWith(behind(proxy, sandboxConfig()), {});
  for (int i = 0; i < 20; ++i) REQUIRE(client->get({kNamespace, "", "default"}).ok());
  CHECK(proxy.connectionsAccepted() == 1);

  auto config = sandboxConfig();
  auto credentials =
      gitopsd::kube::makeCredentialProvider(config, gitopsd::core::SystemClock::instance());
  auto transport = gitopsd::kube::HttpTransport::create(config, *credentials);
  REQUIRE(transport.ok());
  gitopsd::kube::HttpRequest request;
  request.path = "/version";
  auto response = (*transport)->send(request);
  REQUIRE(response.ok());
  CHECK(response->status == 200);
  CHECK(response->http_version == "2");
}

TEST_CASE("kube faults: many threads share one client safely", "[kube][integration]") {
  ScratchNamespace ns("threads");
  auto client = makeClient(sandboxConfig());
  std::atomic<int> failures{0};
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < 8; ++t) {
      workers.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          const std::string name = std::to_string(t * 100 + i);
          const Object object = {{"apiVersion", "v1"},
                                 {"kind", "ConfigMap"},
                                 {"metadata", {{"name", name}, {"namespace", ns.name()}}},
                                 {"data", {{"t", std::to_string(t)}}}};
          if (!client->apply(object).ok() || !client->get({kConfigMap, ns.name(), name}).ok()) {
            failures.fetch_add(1);
          }
        }
      });
    }
  }
  CHECK(failures.load() == 0);
  auto listed = client->list(kConfigMap, ns.name());
  REQUIRE(listed.ok());
  CHECK(listed->items.size() >= 200);
}

TEST_CASE("kube faults: servers without aggregated discovery are read per group version",
          "[kube][integration]") {
  HttpStubServer stub([](const StubRequest& request) {
    const std::map<std::string, Object> documents = {
        {"/api", {{"kind", "APIVersions"}, {"versions", {"v1"}}}},
        {"/api/v1",
         {{"kind", "APIResourceList"},
          {"groupVersion", "v1"},
          {"resources",
           {{{"name", "configmaps"},
             {"kind", "ConfigMap"},
             {"namespaced", true},
             {"verbs", {"get"}}},
            {{"name", "namespaces"}, {"kind", "Namespace"}, {"namespaced", false}}}}}},
        {"/apis",
         {{"kind", "APIGroupList"},
          {"groups",
           {{{"name", "apps"},
             {"versions", {{{"groupVersion", "apps/v1"}, {"version", "v1"}}}},
             {"preferredVersion", {{"groupVersion", "apps/v1"}, {"version", "v1"}}}}}}}},
        {"/apis/apps/v1",
         {{"kind", "APIResourceList"},
          {"groupVersion", "apps/v1"},
          {"resources",
           {{{"name", "deployments"}, {"kind", "Deployment"}, {"namespaced", true}},
            {{"name", "deployments/status"}, {"kind", "Deployment"}, {"namespaced", true}}}}}}};
    const auto found = documents.find(request.target);
    if (found == documents.end()) return StubResponse{404, {}, "", 0ms, false};
    return StubResponse{200, {}, found->second.dump(), 0ms, false};
  });
  auto client = clientWith(stubConfig(stub), {});
  auto deployments = client->resourceFor({"apps", "v1", "Deployment"});
  REQUIRE(deployments.ok());
  CHECK(deployments->resource == "deployments");
  CHECK(deployments->namespaced);
  CHECK(deployments->has_status);
  auto namespaces = client->resourceFor({"", "v1", "Namespace"});
  REQUIRE(namespaces.ok());
  CHECK_FALSE(namespaces->namespaced);
  CHECK_FALSE(namespaces->has_status);
}
