// Credentials and TLS against real servers: an exec credential plugin and in-cluster
// service-account tokens (with rotation) on the sandbox apiserver, and an expired server
// certificate on a real TLS server (openssl s_server).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "kube/client.h"
#include "support/free_port.h"
#include "support/sandbox.h"
#include "support/temp_dir.h"

using gitopsd::core::StatusCode;
using gitopsd::kube::GroupVersionKind;
using gitopsd::kube::Object;
using gitopsd::test_support::TempDir;
using namespace gitopsd::test_support;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const GroupVersionKind kNamespace{"", "v1", "Namespace"};

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  REQUIRE(out.good());
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A token for a new service account in ns, from the TokenRequest API.
std::string serviceAccountToken(gitopsd::kube::KubeClient& admin, const std::string& ns,
                                const std::string& name) {
  REQUIRE(admin
              .create({{"apiVersion", "v1"},
                       {"kind", "ServiceAccount"},
                       {"metadata", {{"name", name}, {"namespace", ns}}}})
              .ok());
  const std::string token_request =
      kubectl("create token " + name + " -n " + ns + " --duration=10m");
  std::string token = token_request;
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  REQUIRE_FALSE(token.empty());
  return token;
}

}  // namespace

TEST_CASE("kube auth: an exec credential plugin authenticates and is cached",
          "[kube][integration]") {
  TempDir dir;
  const fs::path plugin = dir.path() / "token-plugin";
  const fs::path runs = dir.path() / "runs";
  writeFile(
      plugin,
      "#!/bin/sh\n"
      "echo run >> '" +
          runs.string() +
          "'\n"
          "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
          "\"status\":{\"token\":\"%s\"}}' \"$SANDBOX_TOKEN\"\n");
  fs::permissions(plugin, fs::perms::owner_all);

  auto config = sandboxConfig();
  config.token.clear();
  gitopsd::kube::ExecConfig exec;
  exec.command = plugin.string();
  exec.env = {{"SANDBOX_TOKEN", sandboxValue("ADMIN_TOKEN")}};
  config.exec = exec;
  auto client = makeClient(config);
  for (int i = 0; i < 3; ++i) REQUIRE(client->get({kNamespace, "", "default"}).ok());
  CHECK(readFile(runs) == "run\n");  // no expiry given: one run serves every request
}

TEST_CASE("kube auth: in-cluster service-account token, re-read when it rotates",
          "[kube][integration]") {
  ScratchNamespace ns("incluster");
  auto admin = makeClient(sandboxConfig());
  const std::string first = serviceAccountToken(*admin, ns.name(), "first");
  const std::string second = serviceAccountToken(*admin, ns.name(), "second");

  TempDir secrets;
  writeFile(secrets.path() / "token", first);
  writeFile(secrets.path() / "ca.crt", readFile(sandboxValue("CA_FILE")));
  writeFile(secrets.path() / "namespace", ns.name());
  gitopsd::kube::InClusterEnvironment environment;
  environment.service_host = "127.0.0.1";
  environment.service_port = sandboxValue("APISERVER_PORT");
  environment.secrets_dir = secrets.path().string();
  auto config = gitopsd::kube::inClusterConfig(environment);
  REQUIRE(config.ok());
  CHECK(config->default_namespace == ns.name());
  auto client = makeClient(*config);

  // The accounts have no RBAC grants: the Forbidden message names who was authenticated.
  auto as_first = client->get({kNamespace, "", "default"});
  REQUIRE(as_first.status().code() == StatusCode::kForbidden);
  CHECK_THAT(as_first.status().message(),
             Catch::Contains("system:serviceaccount:" + ns.name() + ":first"));

  std::this_thread::sleep_for(20ms);  // a distinct mtime even on coarse file systems
  writeFile(secrets.path() / "token", second);
  auto as_second = client->get({kNamespace, "", "default"});
  REQUIRE(as_second.status().code() == StatusCode::kForbidden);
  CHECK_THAT(as_second.status().message(),
             Catch::Contains("system:serviceaccount:" + ns.name() + ":second"));
}

TEST_CASE("kube auth: an expired server certificate is refused and said so",
          "[kube][integration]") {
  TempDir dir;
  const std::string d = dir.path().string();
  // A CA, and a server certificate for 127.0.0.1 valid for zero days (expired a second later).
  const std::string make_certs =
      "cd '" + d +
      "' && exec >openssl.log 2>&1 && "
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test-ca -keyout ca.key "
      "-out ca.crt && "
      "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr "
      "&& printf 'subjectAltName=IP:127.0.0.1\\n' > ext && "
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 0 "
      "-extfile ext -out server.crt";
  REQUIRE(std::system(make_certs.c_str()) == 0);
  std::this_thread::sleep_for(1100ms);  // past the certificate's notAfter second
  const uint16_t port = freeLoopbackPort();
  const std::string serve =
      "cd '" + d +
      "' && exec openssl s_server -quiet -www -accept 127.0.0.1:" + std::to_string(port) +
      " -cert server.crt -key server.key >server.log 2>&1 & echo $! > '" + d + "/pid'";
  REQUIRE(std::system(serve.c_str()) == 0);
  struct StopServer {
    std::string dir;
    ~StopServer() {
      if (std::system(("kill $(cat '" + dir + "/pid') 2>/dev/null").c_str()) != 0) {
      }
    }
  } stop_server{d};

  gitopsd::kube::ClusterConfig config;
  config.server = "https://127.0.0.1:" + std::to_string(port);
  config.tls.ca_file = d + "/ca.crt";
  config.origin = "test";
  gitopsd::kube::RestClientOptions options;
  options.max_retries = 0;
  auto client = gitopsd::kube::makeRestClient(config, gitopsd::core::SystemClock::instance(),
                                              testLogger(), options);
  REQUIRE(client.ok());
  gitopsd::core::Status status;
  for (int i = 0; i < 50; ++i) {  // until s_server listens
    status = (*client)->resourceFor(kNamespace).status();
    if (status.code() != StatusCode::kUnavailable) break;
    std::this_thread::sleep_for(100ms);
  }
  INFO(status.toString());
  CHECK(status.code() == StatusCode::kInvalid);
  CHECK_THAT(status.message(), Catch::Contains("has expired"));
}
