#include "kube/config.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "support/temp_dir.h"

namespace fs = std::filesystem;

using gitopsd::core::StatusCode;
using gitopsd::kube::ClusterConfig;
using gitopsd::kube::inClusterConfig;
using gitopsd::kube::InClusterEnvironment;
using gitopsd::kube::KubeconfigOptions;
using gitopsd::kube::loadKubeconfig;
using gitopsd::kube::parseKubeconfig;

namespace {

const fs::path kTestdata = fs::path(GITOPSD_TESTDATA_DIR) / "kube";

KubeconfigOptions options(std::vector<std::string> paths, std::string context = "") {
  KubeconfigOptions result;
  result.paths = std::move(paths);
  result.context = std::move(context);
  return result;
}

std::string fixture(const std::string& name) { return (kTestdata / name).string(); }

using gitopsd::test_support::TempDir;

// Sets an environment variable for one scope and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

gitopsd::core::Status parseError(const std::string& yaml, const std::string& context = "") {
  auto result = parseKubeconfig(yaml, "inline.yaml", "/base", context);
  REQUIRE_FALSE(result.ok());
  return result.status();
}

const char* const kMinimal = R"(
current-context: c
clusters:
- name: k
  cluster: {server: "https://k.example/"}
users:
- name: u
  user: {token: s3cr3t-token}
contexts:
- name: c
  context: {cluster: k, user: u}
)";

}  // namespace

TEST_CASE("kube config: minimal kubeconfig from memory", "[kube]") {
  auto config = parseKubeconfig(kMinimal, "inline.yaml", "/base", "");
  REQUIRE(config.ok());
  CHECK(config->server == "https://k.example");
  CHECK(config->token == "s3cr3t-token");
  CHECK(config->default_namespace == "default");
  CHECK(config->origin == "kubeconfig inline.yaml, context c");
  CHECK_FALSE(config->exec.has_value());
}

TEST_CASE("kube config: the first file that names an entry wins", "[kube]") {
  const std::string first = fixture("merge/first.yaml");
  const std::string second = fixture("merge/second.yaml");

  auto config = loadKubeconfig(options({first, second}));
  REQUIRE(config.ok());
  CHECK(config->origin == "kubeconfig " + first + ", context dev");
  CHECK(config->server == "https://dev.example:6443");
  CHECK(config->token == "first-alice-token");
  CHECK(config->default_namespace == "team-a");
  CHECK(config->tls.ca_file == (kTestdata / "merge/certs/dev-ca.crt").string());

  // A context from one file may name a cluster from another.
  auto shared = loadKubeconfig(options({first, second}, "shared"));
  REQUIRE(shared.ok());
  CHECK(shared->server == "https://shared.example:443");
  CHECK(shared->token == "first-alice-token");

  auto reversed = loadKubeconfig(options({second, first}));
  REQUIRE(reversed.ok());
  CHECK(reversed->origin == "kubeconfig " + second + ", context prod");
  CHECK(reversed->server == "https://prod.example");
  CHECK(reversed->default_namespace == "ops");
  CHECK(reversed->tls.insecure_skip_verify);
  CHECK(reversed->tls.server_name == "kubernetes.prod");
  CHECK(reversed->proxy_url == "http://proxy.example:3128");
  CHECK(reversed->token.empty());
  CHECK(reversed->token_file == (kTestdata / "merge/tokens/bob").string());

  auto dev = loadKubeconfig(options({second, first}, "dev"));
  REQUIRE(dev.ok());
  CHECK(dev->server == "https://prod.example");
  CHECK(dev->origin == "kubeconfig " + second + ", context dev");
}

TEST_CASE("kube config: missing files in the list are skipped", "[kube]") {
  TempDir dir;
  const std::string missing = (dir.path() / "missing.yaml").string();
  auto config = loadKubeconfig(options({missing, fixture("merge/first.yaml")}));
  REQUIRE(config.ok());
  CHECK(config->server == "https://dev.example:6443");

  const std::string also_missing = (dir.path() / "also-missing.yaml").string();
  auto none = loadKubeconfig(options({missing, also_missing}));
  REQUIRE_FALSE(none.ok());
  CHECK(none.status().code() == StatusCode::kNotFound);
  CHECK_THAT(none.status().message(), Catch::Contains(missing) && Catch::Contains(also_missing));
}

TEST_CASE("kube config: paths default to $KUBECONFIG, then $HOME/.kube/config", "[kube]") {
  const std::string first = fixture("merge/first.yaml");
  const std::string second = fixture("merge/second.yaml");
  {
    ScopedEnv kubeconfig("KUBECONFIG", second + "::" + first);
    auto config = loadKubeconfig({});
    REQUIRE(config.ok());
    CHECK(config->origin == "kubeconfig " + second + ", context prod");
  }
  TempDir home;
  home.write(".kube/config", kMinimal);
  ScopedEnv kubeconfig("KUBECONFIG", std::nullopt);
  ScopedEnv home_env("HOME", home.path().string());
  auto config = loadKubeconfig({});
  REQUIRE(config.ok());
  CHECK(config->server == "https://k.example");
  CHECK(config->origin == "kubeconfig " + (home.path() / ".kube/config").string() + ", context c");
}

TEST_CASE("kube config: relative paths resolve against the defining file's folder", "[kube]") {
  const std::string file = fixture("relative/nested/config");
  auto config = loadKubeconfig(options({file}));
  REQUIRE(config.ok());
  CHECK(config->tls.ca_file == (kTestdata / "relative/certs/ca.crt").string());
  CHECK(config->tls.client_cert_file == (kTestdata / "relative/certs/client.crt").string());
  CHECK(config->tls.client_key_file == (kTestdata / "relative/nested/client.key").string());
  CHECK(config->token_file == (kTestdata / "relative/nested/token").string());

  auto absolute = loadKubeconfig(options({file}, "absolute"));
  REQUIRE(absolute.ok());
  CHECK(absolute->tls.ca_file == "/etc/kubernetes/pki/ca.crt");

  auto plugin = loadKubeconfig(options({file}, "plugin-relative"));
  REQUIRE(plugin.ok());
  REQUIRE(plugin->exec.has_value());
  CHECK(plugin->exec->command == (kTestdata / "relative/nested/bin/get-token").string());
  CHECK(plugin->exec->api_version == "client.authentication.k8s.io/v1beta1");
  CHECK(plugin->exec->args == std::vector<std::string>{"--cluster", "local"});
  CHECK_FALSE(plugin->exec->provide_cluster_info);

  auto on_path = loadKubeconfig(options({file}, "plugin-on-path"));
  REQUIRE(on_path.ok());
  REQUIRE(on_path->exec.has_value());
  CHECK(on_path->exec->command == "kubelogin");
  CHECK(on_path->exec->args == std::vector<std::string>{"get-token", "--server-id", "abc"});
  using Env = std::vector<std::pair<std::string, std::string>>;
  CHECK(on_path->exec->env == Env{{"LOGIN_MODE", "devicecode"}, {"EMPTY", ""}});
  CHECK(on_path->exec->install_hint == "install kubelogin: https://example.com/kubelogin");
  CHECK(on_path->exec->provide_cluster_info);
}

TEST_CASE("kube config: data fields are base64-decoded to PEM", "[kube]") {
  auto config = loadKubeconfig(options({fixture("data.yaml")}));
  REQUIRE(config.ok());
  CHECK(config->tls.ca_data ==
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUTestCa==\n-----END CERTIFICATE-----\n");
  CHECK(config->tls.client_cert_data ==
        "-----BEGIN CERTIFICATE-----\nMIIBclientcert\n-----END CERTIFICATE-----\n");
  CHECK(config->tls.client_key_data ==
        "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIkey\n-----END EC PRIVATE KEY-----\n");
  CHECK(config->tls.ca_file.empty());
}

TEST_CASE("kube config: base64 padding and line breaks", "[kube]") {
  auto decode = [](const std::string& data) {
    const std::string yaml = R"(
clusters:
- name: k
  cluster:
    server: https://k
    certificate-authority-data: ")" +
                             data + R"("
contexts:
- name: c
  context: {cluster: k}
)";
    auto config = parseKubeconfig(yaml, "inline.yaml", "", "c");
    REQUIRE(config.ok());
    return config->tls.ca_data;
  };
  CHECK(decode("YQ==") == "a");
  CHECK(decode("YWI=") == "ab");
  CHECK(decode("YWJj") == "abc");
  CHECK(decode("YWJj\\nZGVm") == "abcdef");
  CHECK(decode("AP8A") == std::string("\0\xff\0", 3));
}

TEST_CASE("kube config: context and user selection errors name the entry", "[kube]") {
  SECTION("unknown context") {
    auto status = parseError(kMinimal, "nope");
    CHECK(status.code() == StatusCode::kInvalid);
    CHECK_THAT(status.message(), Catch::Contains("inline.yaml") && Catch::Contains("\"nope\""));
  }
  SECTION("current-context names a missing context") {
    auto status = parseError("current-context: gone\n");
    CHECK(status.code() == StatusCode::kInvalid);
    CHECK_THAT(status.message(), Catch::Contains("\"gone\"") && Catch::Contains("current-context"));
  }
  SECTION("no context at all") {
    auto status = parseError("clusters: []\n");
    CHECK(status.code() == StatusCode::kInvalid);
    CHECK_THAT(status.message(), Catch::Contains("no current-context"));
  }
  SECTION("missing cluster") {
    auto status = parseError(R"(
contexts:
- name: c
  context: {cluster: ghost, user: u}
users:
- name: u
  user: {token: s3cr3t-token}
)",
                             "c");
    CHECK(status.code() == StatusCode::kInvalid);
    CHECK_THAT(status.message(), Catch::Contains("inline.yaml, line 3") &&
                                     Catch::Contains("context \"c\"") &&
                                     Catch::Contains("cluster \"ghost\""));
  }
  SECTION("missing user") {
    auto status = parseError(R"(
clusters:
- name: k
  cluster: {server: https://k}
contexts:
- name: c
  context: {cluster: k, user: ghost}
)",
                             "c");
    CHECK(status.code() == StatusCode::kInvalid);
    CHECK_THAT(status.message(), Catch::Contains("context \"c\"") && Catch::Contains("\"ghost\""));
  }
  SECTION("cluster without server") {
    auto status = parseError(R"(
clusters:
- name: k
  cluster: {certificate-authority: ca.crt}
contexts:
- name: c
  context: {cluster: k}
)",
                             "c");
    CHECK(status.code() == StatusCode::kInvalid);
    CHECK_THAT(status.message(), Catch::Contains("inline.yaml, line 3") &&
                                     Catch::Contains("cluster \"k\" has no server"));
  }
}

TEST_CASE("kube config: a context without a user has no credentials", "[kube]") {
  auto config = parseKubeconfig(R"(
clusters:
- name: k
  cluster: {server: http://127.0.0.1:8080}
contexts:
- name: c
  context: {cluster: k, namespace: ns}
)",
                                "inline.yaml", "", "c");
  REQUIRE(config.ok());
  CHECK(config->server == "http://127.0.0.1:8080");
  CHECK(config->token.empty());
  CHECK(config->default_namespace == "ns");
}

TEST_CASE("kube config: user errors never show the secret", "[kube]") {
  auto withUser = [](const std::string& user) {
    return R"(
current-context: c
clusters:
- name: k
  cluster: {server: https://k}
contexts:
- name: c
  context: {cluster: k, user: u}
users:
- name: u
  user:
)" + user;
  };
  SECTION("bad base64 in client-key-data") {
    auto status =
        parseError(withUser("    token: s3cr3t-token\n    client-key-data: s3cr3t-key!!\n"));
    CHECK(status.code() == StatusCode::kInvalid);
    CHECK_THAT(status.message(), Catch::Contains("inline.yaml, line 10") &&
                                     Catch::Contains("user \"u\"") &&
                                     Catch::Contains("client-key-data"));
    CHECK_THAT(status.message(), !Catch::Contains("s3cr3t"));
  }
  SECTION("bad base64 padding in client-certificate-data") {
    auto status = parseError(withUser("    client-certificate-data: YQ=a\n"));
    CHECK_THAT(status.message(), Catch::Contains("client-certificate-data"));
  }
  SECTION("unsupported auth-provider") {
    auto status = parseError(withUser(R"(    auth-provider:
      name: gcp
      config: {access-token: s3cr3t-token}
)"));
    CHECK(status.code() == StatusCode::kInvalid);
    CHECK_THAT(status.message(), Catch::Contains("auth-provider \"gcp\"") &&
                                     Catch::Contains("user \"u\"") && !Catch::Contains("s3cr3t"));
  }
  SECTION("token that is not a string") {
    auto status = parseError(withUser("    token: {value: s3cr3t-token}\n"));
    CHECK(status.code() == StatusCode::kInvalid);
    CHECK_THAT(status.message(), Catch::Contains("inline.yaml, line 12") &&
                                     Catch::Contains("token must be a string") &&
                                     !Catch::Contains("s3cr3t"));
  }
  SECTION("exec without command") {
    auto status = parseError(withUser("    exec: {apiVersion: client.authentication.k8s.io/v1}\n"));
    CHECK_THAT(status.message(), Catch::Contains("exec has no command"));
  }
  SECTION("exec with a removed apiVersion") {
    auto status = parseError(
        withUser("    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}\n"));
    CHECK_THAT(status.message(), Catch::Contains("v1alpha1"));
  }
  SECTION("impersonation") {
    auto status = parseError(withUser("    token: s3cr3t-token\n    as: admin\n"));
    CHECK_THAT(status.message(), Catch::Contains("impersonation") && !Catch::Contains("s3cr3t"));
  }
}

TEST_CASE("kube config: token and tokenFile together, the token wins", "[kube]") {
  auto config = parseKubeconfig(R"(
clusters:
- name: k
  cluster: {server: https://k}
users:
- name: u
  user: {token: abc, tokenFile: token, username: admin, password: pw}
contexts:
- name: c
  context: {cluster: k, user: u}
)",
                                "inline.yaml", "/base", "c");
  REQUIRE(config.ok());
  CHECK(config->token == "abc");
  CHECK(config->token_file == "/base/token");
  CHECK(config->username == "admin");
  CHECK(config->password == "pw");
}

TEST_CASE("kube config: YAML errors name the file, line and column", "[kube]") {
  TempDir dir;
  const std::string file = dir.write("broken.yaml", "clusters:\n- name: k\n  cluster: [\n");
  auto config = loadKubeconfig(options({file}));
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == StatusCode::kInvalid);
  CHECK_THAT(config.status().message(),
             Catch::Contains("kubeconfig " + file + ", line ") && Catch::Contains("column"));

  auto status = parseError("clusters: {name: k}\n");
  CHECK_THAT(status.message(), Catch::Contains("inline.yaml, line 1, column 11") &&
                                   Catch::Contains("must be a list"));
  status = parseError("clusters:\n- cluster: {server: https://k}\n");
  CHECK_THAT(status.message(),
             Catch::Contains("inline.yaml, line 2") && Catch::Contains("without a name"));
  status = parseError(
      "clusters:\n- name: k\n  cluster: {server: https://k, insecure-skip-tls-verify: maybe}\n");
  CHECK_THAT(status.message(),
             Catch::Contains("line 3") &&
                 Catch::Contains("insecure-skip-tls-verify must be true or false"));
  status = parseError("- just\n- a list\n");
  CHECK_THAT(status.message(), Catch::Contains("inline.yaml"));
}

TEST_CASE("kube config: an empty file is a valid, empty kubeconfig", "[kube]") {
  TempDir dir;
  const std::string empty = dir.write("empty.yaml", "");
  auto config = loadKubeconfig(options({empty, fixture("merge/first.yaml")}));
  REQUIRE(config.ok());
  CHECK(config->server == "https://dev.example:6443");
}

TEST_CASE("kube config: in-cluster service account", "[kube]") {
  TempDir dir;
  dir.write("token", "sa-token\n");
  dir.write("ca.crt", "CA");
  dir.write("namespace", "team-x\n");
  InClusterEnvironment env{"10.0.0.1", "443", dir.path().string()};

  auto config = inClusterConfig(env);
  REQUIRE(config.ok());
  CHECK(config->server == "https://10.0.0.1:443");
  CHECK(config->token_file == (dir.path() / "token").string());
  CHECK(config->token.empty());
  CHECK(config->tls.ca_file == (dir.path() / "ca.crt").string());
  CHECK(config->default_namespace == "team-x");
  CHECK_THAT(config->origin, Catch::Contains(dir.path().string()));

  env.service_host = "fd00::1";
  config = inClusterConfig(env);
  REQUIRE(config.ok());
  CHECK(config->server == "https://[fd00::1]:443");

  fs::remove(dir.path() / "namespace");
  config = inClusterConfig(env);
  REQUIRE(config.ok());
  CHECK(config->default_namespace == "default");
}

TEST_CASE("kube config: in-cluster errors", "[kube]") {
  TempDir dir;
  auto config = inClusterConfig({"", "443", dir.path().string()});
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == StatusCode::kNotFound);
  CHECK(config.status().message() ==
        "not running in a cluster: KUBERNETES_SERVICE_HOST/PORT unset");
  CHECK(inClusterConfig({"10.0.0.1", "", dir.path().string()}).status().code() ==
        StatusCode::kNotFound);

  config = inClusterConfig({"10.0.0.1", "443", dir.path().string()});
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == StatusCode::kNotFound);
  CHECK_THAT(config.status().message(), Catch::Contains((dir.path() / "token").string()));
}

TEST_CASE("kube config: in-cluster environment from the process", "[kube]") {
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "6443");
  const auto env = InClusterEnvironment::fromProcess();
  CHECK(env.service_host == "10.96.0.1");
  CHECK(env.service_port == "6443");
  CHECK(env.secrets_dir == "/var/run/secrets/kubernetes.io/serviceaccount");
}
