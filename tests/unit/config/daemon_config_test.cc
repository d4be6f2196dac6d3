#include "config/daemon_config.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/temp_dir.h"

namespace fs = std::filesystem;

using gitopsd::config::ApplicationDestination;
using gitopsd::config::DaemonConfig;
using gitopsd::config::loadDaemonConfigFile;
using gitopsd::config::parseDaemonConfig;
using gitopsd::core::StatusCode;
using gitopsd::test_support::TempDir;
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

DaemonConfig parse(const std::string& yaml) {
  auto result = parseDaemonConfig("gitopsd.yaml", yaml, "/etc/gitopsd", std::string("/home/op"));
  INFO(result.status().toString());
  REQUIRE(result.ok());
  return std::move(result).value();
}

std::string errorOf(const std::string& yaml,
                    const std::optional<std::string>& home = std::string("/home/op")) {
  const auto result = parseDaemonConfig("gitopsd.yaml", yaml, "/etc/gitopsd", home);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalid);
  return result.status().message();
}

ApplicationDestination byName(const std::string& name) { return {"", name, ""}; }
ApplicationDestination byServer(const std::string& server) { return {server, "", ""}; }

}  // namespace

TEST_CASE("config: reads the example daemon config", "[config]") {
  const auto config = parse(readText(kTestdata / "gitopsd.yaml"));
  CHECK(config.warnings.empty());
  CHECK(config.file == "gitopsd.yaml");

  CHECK(config.cluster.name.empty());
  CHECK(config.cluster.kubeconfig == "/home/op/.kube/config");
  CHECK(config.cluster.context == "sandbox");
  CHECK_FALSE(config.cluster.in_cluster);
  CHECK(config.cluster.qps == 50);
  CHECK(config.cluster.burst == 100);
  CHECK(config.cluster.line == 1);
  REQUIRE(config.clusters.size() == 2);
  CHECK(config.clusters[0].name == "dev");
  CHECK(config.clusters[0].server == "https://127.0.0.1:6443");
  CHECK(config.clusters[0].kubeconfig == "/etc/gitopsd/dev.kubeconfig");
  CHECK(config.clusters[0].context == "dev");
  CHECK(config.clusters[0].line == 3);
  CHECK(config.clusters[1].name == "in-cluster");
  CHECK(config.clusters[1].in_cluster);

  CHECK(config.git.poll_interval == 3min);
  CHECK(config.git.poll_jitter == 10s);
  CHECK(config.git.max_parallel_fetches == 4);
  REQUIRE(config.git.repositories.size() == 2);
  const auto& https = config.git.repositories[0];
  CHECK(https.credentials.url_prefix == "https://git.example/org");
  CHECK(https.credentials.username == "bot");
  CHECK(https.credentials.password.empty());  // read by loadDaemonConfigFile
  CHECK(https.password_file == "/etc/gitopsd/secrets/token");
  CHECK(https.credentials.ca_file == "/etc/gitopsd/ca.pem");
  CHECK(https.line == 10);
  const auto& ssh = config.git.repositories[1];
  CHECK(ssh.credentials.url_prefix == "ssh://git@git.example");
  CHECK(ssh.credentials.ssh_private_key_file == "/etc/gitopsd/id_ed25519");
  CHECK(ssh.ssh_passphrase_file == "/etc/gitopsd/pass");
  CHECK(ssh.credentials.known_hosts_file == "/etc/gitopsd/known_hosts");
  CHECK(config.repoCredentials().size() == 2);

  CHECK(config.render.kustomize == "/usr/local/bin/kustomize");
  CHECK(config.render.helm == "/usr/local/bin/helm");
  CHECK(config.render.timeout == 90s);
  CHECK(config.paths.cache == "/var/cache/gitopsd");
  CHECK(config.paths.state == "/var/lib/gitopsd");
  CHECK(config.listen.address == "127.0.0.1:8080");
  CHECK(config.reconcile.workers == 4);
  CHECK(config.reconcile.resync_interval == 3min);

  REQUIRE(config.applications.size() == 2);
  CHECK(config.applications[0].name == "bookinfo-app");
  CHECK(config.applications[0].file == "gitopsd.yaml");
  CHECK(config.applications[0].line == 17);
  CHECK(config.applications[0].sync_policy.automated->prune);
  CHECK(config.applications[1].name == "reviews-rollout");
  CHECK(config.applications[1].destination.name == "dev");
  CHECK(config.application_dirs == std::vector<std::string>{"/etc/gitopsd/apps.d"});
}

TEST_CASE("config: daemon config defaults", "[config]") {
  for (const std::string text : {"", "# nothing\n", "{}\n"}) {
    const auto config = parse(text);
    CHECK(config.warnings.empty());
    CHECK(config.cluster.kubeconfig.empty());
    CHECK(config.cluster.context.empty());
    CHECK_FALSE(config.cluster.in_cluster);
    CHECK(config.cluster.qps == 50);
    CHECK(config.cluster.burst == 100);
    CHECK(config.cluster.timeout == 30s);
    CHECK(config.clusters.empty());
    CHECK(config.git.poll_interval == 3min);
    CHECK(config.git.poll_jitter == 0s);
    CHECK(config.git.max_parallel_fetches == 4);
    CHECK(config.git.repositories.empty());
    CHECK(config.render.kustomize == "kustomize");
    CHECK(config.render.helm == "helm");
    CHECK(config.render.timeout == 90s);
    CHECK(config.paths.cache == "/var/cache/gitopsd");
    CHECK(config.paths.state == "/var/lib/gitopsd");
    CHECK(config.listen.address == "127.0.0.1:8080");
    CHECK(config.reconcile.workers == 4);
    CHECK(config.reconcile.resync_interval == 3min);
    CHECK_FALSE(config.rollouts.enabled);
    CHECK(config.rollouts.workers == 2);
    CHECK(config.rollouts.analysis_workers == 4);
    CHECK_FALSE(config.rollouts.install_crds);
    CHECK(config.applications.empty());
    CHECK(config.application_dirs.empty());
  }
}

TEST_CASE("config: the rollout and analysis engines", "[config]") {
  const auto config = parse(
      "rollouts: {enabled: true, namespaces: [bookinfo], workers: 3, analysisWorkers: 8,"
      " installCRDs: true}\n");
  CHECK(config.warnings.empty());
  CHECK(config.rollouts.enabled);
  CHECK(config.rollouts.namespaces == std::vector<std::string>{"bookinfo"});
  CHECK(config.rollouts.workers == 3);
  CHECK(config.rollouts.analysis_workers == 8);
  CHECK(config.rollouts.install_crds);
}

TEST_CASE("config: paths resolve against the config folder and HOME", "[config]") {
  const auto config = parse(
      "paths: {cache: cache, state: ../state}\n"
      "render: {kustomize: bin/kustomize, helm: ~/bin/helm}\n"
      "cluster: {kubeconfig: '~'}\n"
      "applicationDirs: [apps.d, /srv/apps, ./more/]\n");
  CHECK(config.paths.cache == "/etc/gitopsd/cache");
  CHECK(config.paths.state == "/etc/state");
  CHECK(config.render.kustomize == "/etc/gitopsd/bin/kustomize");
  CHECK(config.render.helm == "/home/op/bin/helm");
  CHECK(config.cluster.kubeconfig == "/home/op");
  CHECK(config.application_dirs ==
        std::vector<std::string>{"/etc/gitopsd/apps.d", "/srv/apps", "/etc/gitopsd/more"});
}

TEST_CASE("config: clusters inherit client limits and match destinations", "[config]") {
  const auto config = parse(
      "cluster: {name: main, server: 'https://10.0.0.1:6443/', qps: 20, burst: 40, timeout: 10s}\n"
      "clusters:\n"
      "  - {name: dev, server: https://127.0.0.1:6443, kubeconfig: dev.kubeconfig}\n"
      "  - {name: edge, inCluster: true, qps: 5}\n");
  REQUIRE(config.clusters.size() == 2);
  CHECK(config.clusters[0].qps == 20);
  CHECK(config.clusters[0].burst == 40);
  CHECK(config.clusters[0].timeout == 10s);
  CHECK(config.clusters[1].qps == 5);

  CHECK(config.findCluster(byName("dev")) == &config.clusters[0]);
  CHECK(config.findCluster(byName("edge")) == &config.clusters[1]);
  CHECK(config.findCluster(byName("main")) == &config.cluster);
  CHECK(config.findCluster(byName("in-cluster")) == &config.cluster);
  CHECK(config.findCluster(byName("prod")) == nullptr);
  CHECK(config.findCluster(byServer("https://kubernetes.default.svc")) == &config.cluster);
  CHECK(config.findCluster(byServer("https://10.0.0.1:6443")) == &config.cluster);
  CHECK(config.findCluster(byServer("https://127.0.0.1:6443/")) == &config.clusters[0]);
  CHECK(config.findCluster(byServer("https://192.0.2.1")) == nullptr);
}

TEST_CASE("config: a clusters entry named in-cluster wins over the default's alias", "[config]") {
  const auto config = parse(readText(kTestdata / "gitopsd.yaml"));
  CHECK(config.findCluster(byName("in-cluster")) == &config.clusters[1]);
  CHECK(config.findCluster(byServer("https://kubernetes.default.svc")) == &config.cluster);
  const auto extra = parse("clusters: [{name: x, server: 'https://kubernetes.default.svc'}]\n");
  CHECK(extra.findCluster(byServer("https://kubernetes.default.svc")) == &extra.clusters[0]);
}

TEST_CASE("config: listen tokens, TLS and webhook secrets", "[config]") {
  const auto config = parse(
      "listen: {address: '127.0.0.1:9000', tokensFile: tokens, tls: {certFile: c.pem, keyFile: "
      "k.pem}}\n"
      "webhook: {githubSecretFile: gh, gitlabSecretFile: /s/gl, giteaSecretFile: gt,\n"
      "          bitbucketUUIDFile: bb, maxPayloadBytes: 4096}\n");
  CHECK(config.listen.tokens_file == "/etc/gitopsd/tokens");
  CHECK(config.listen.tls_cert_file == "/etc/gitopsd/c.pem");
  CHECK(config.listen.tls_key_file == "/etc/gitopsd/k.pem");
  CHECK(config.webhook.github_secret_file == "/etc/gitopsd/gh");
  CHECK(config.webhook.gitlab_secret_file == "/s/gl");
  CHECK(config.webhook.bitbucket_uuid_file == "/etc/gitopsd/bb");
  CHECK(config.webhook.max_payload_bytes == 4096);
  CHECK(config.webhook.github_secret.empty());  // read by loadDaemonConfigFile only
  CHECK(errorOf("listen: {tls: {certFile: c.pem}}\n") ==
        "gitopsd.yaml:1:15: listen.tls: certFile and keyFile go together");
  CHECK(errorOf("webhook: {maxPayloadBytes: 10}\n") ==
        "gitopsd.yaml:1:28: webhook.maxPayloadBytes: must be at least 1024");
}

TEST_CASE("config: daemon config warns about unknown keys with file and line", "[config]") {
  const auto config = parse(
      "git:\n"
      "  pollIntervall: 5m\n"
      "listen: {address: '[::1]:9090', tlsx: true}\n"
      "extra: 1\n"
      "git2: {}\n"
      "git:\n  pollInterval: 1m\n");
  REQUIRE(config.warnings.size() == 5);
  CHECK(config.warnings[0] == "gitopsd.yaml:2: git.pollIntervall: unknown field; ignored");
  CHECK(config.warnings[1] == "gitopsd.yaml:3: listen.tlsx: unknown field; ignored");
  CHECK(config.warnings[2] == "gitopsd.yaml:4: extra: unknown field; ignored");
  CHECK(config.warnings[3] == "gitopsd.yaml:5: git2: unknown field; ignored");
  CHECK(config.warnings[4] == "gitopsd.yaml:6: git: duplicate key; the last value is used");
  CHECK(config.listen.address == "[::1]:9090");
  CHECK(config.git.poll_interval == 1min);
}

TEST_CASE("config: daemon config errors name file, line, column and field", "[config]") {
  struct Case {
    std::string yaml;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"git: {pollInterval: -5s}\n",
       "gitopsd.yaml:1:21: git.pollInterval: a duration must not be negative"},
      {"git: {pollJitter: soon}\n",
       "gitopsd.yaml:1:19: git.pollJitter: invalid duration \"soon\": expected a number "
       "(expected e.g. \"30s\", \"5m\", \"1h30m\", \"250ms\")"},
      {"git: {maxParallelFetches: 0}\n",
       "gitopsd.yaml:1:27: git.maxParallelFetches: must be between 1 and 1000000, got 0"},
      {"git: [a]\n", "gitopsd.yaml:1:6: git: expected a mapping, got a list"},
      {"rollouts: {analysisWorkers: 0}\n",
       "gitopsd.yaml:1:29: rollouts.analysisWorkers: must be between 1 and 1000000, got 0"},
      {"reconcile:\n  workers: many\n",
       "gitopsd.yaml:2:12: reconcile.workers: expected an integer, got \"many\""},
      {"render: {timeout: 0s}\n", "gitopsd.yaml:1:19: render.timeout: must be greater than zero"},
      {"render: {helm: ''}\n", "gitopsd.yaml:1:16: render.helm: must not be empty"},
      {"listen: {address: localhost}\n",
       "gitopsd.yaml:1:19: listen.address: \"localhost\" is not host:port (port 1-65535)"},
      {"listen: {address: 'h:70000'}\n",
       "gitopsd.yaml:1:19: listen.address: \"h:70000\" is not host:port (port 1-65535)"},
      {"cluster: {qps: 0}\n", "gitopsd.yaml:1:16: cluster.qps: must be greater than zero"},
      {"cluster: {burst: lots}\n",
       "gitopsd.yaml:1:18: cluster.burst: expected an integer, got \"lots\""},
      {"cluster: {inCluster: true, kubeconfig: k}\n",
       "gitopsd.yaml:1:40: cluster.inCluster: inCluster cannot be combined with kubeconfig or "
       "context"},
      {"cluster: {server: 10.0.0.1}\n",
       "gitopsd.yaml:1:19: cluster.server: \"10.0.0.1\" is not an http(s) URL"},
      {"clusters:\n  - {server: 'https://h'}\n", "gitopsd.yaml:2:5: clusters[0].name: required"},
      {"clusters:\n  - {name: dev}\n  - {name: dev}\n",
       "gitopsd.yaml:3:5: clusters[1].name: cluster name \"dev\" is already used at "
       "gitopsd.yaml:2"},
      {"cluster: {name: main}\nclusters:\n  - {name: main}\n",
       "gitopsd.yaml:3:5: clusters[0].name: cluster name \"main\" is already used at "
       "gitopsd.yaml:1"},
      {"clusters: {name: dev}\n", "gitopsd.yaml:1:11: clusters: expected a list, got a mapping"},
      {"git:\n  repositories:\n  - {username: bot}\n",
       "gitopsd.yaml:3:5: git.repositories[0].url: required"},
      {"git:\n  repositories:\n  - {url: 'https://h/org', passwordFile: token}\n",
       "gitopsd.yaml:3:5: git.repositories[0].username: required with passwordFile (any "
       "non-empty name for a token)"},
      {"git:\n  repositories:\n  - {url: 'https://h/org', username: u, password: hunter2}\n",
       "gitopsd.yaml:3:51: git.repositories[0].password: secrets are not accepted inline; put "
       "the secret in a file and name it with passwordFile"},
      {"git:\n  repositories:\n  - {url: 'https://u:hunter2@h/org'}\n",
       "gitopsd.yaml:3:11: git.repositories[0].url: the URL must not contain a password; use "
       "passwordFile"},
      {"git:\n  repositories:\n  - {url: 'ssh://git@h', sshPassphraseFile: p}\n",
       "gitopsd.yaml:3:5: git.repositories[0].sshPrivateKeyFile: required with "
       "sshPassphraseFile"},
      {"applicationDirs: apps.d\n",
       "gitopsd.yaml:1:18: applicationDirs: expected a list, got \"apps.d\""},
      {"paths: {cache: ~other/cache}\n",
       "gitopsd.yaml:1:16: paths.cache: \"~other/cache\": only \"~\" and \"~/\" are expanded"},
      {"applications:\n  - metadata: {name: a}\n    spec: {source: {repoURL: 'https://h/a.git'}}\n",
       "gitopsd.yaml:3:11: applications[0].spec.destination: required"},
      {"applications:\n  - kind: Rollout\n    metadata: {name: a}\n",
       "gitopsd.yaml:2:5: applications[0] is a Rollout (no apiVersion), expected an Argo CD "
       "Application (argoproj.io/v1alpha1)"},
      {"applications:\n"
       "  - {metadata: {name: a}, spec: {source: {repoURL: 'https://h/a.git'}, destination: "
       "{name: x}}}\n"
       "  - {metadata: {name: a}, spec: {source: {repoURL: 'https://h/b.git'}, destination: "
       "{name: y}}}\n",
       "gitopsd.yaml:3:5: applications[1].metadata.name: application \"a\" is defined twice "
       "(lines 2 and 3)"},
      {"git: {}\n---\nrender: {}\n",
       "gitopsd.yaml:3: the config file holds more than one YAML document"},
      {"git: {pollInterval: [}\n", "gitopsd.yaml:1:22: illegal flow end"},
  };
  for (const auto& c : cases) {
    INFO(c.yaml);
    const std::string message = errorOf(c.yaml);
    CHECK(message == c.message);
    CHECK(message.find("hunter2") == std::string::npos);
  }
  CHECK(errorOf("paths: {cache: ~/cache}\n", std::string()) ==
        "gitopsd.yaml:1:16: paths.cache: \"~/cache\" needs $HOME, which is not set");
}

TEST_CASE("config: loadDaemonConfigFile reads secrets from files", "[config]") {
  TempDir dir;
  dir.write("secrets/token", "s3cr3t-token\n");
  dir.write("pass", "phrase\r\n");
  dir.write("id_ed25519", "key");
  dir.write("known_hosts", "h ssh-ed25519 AAAA");
  const std::string path = dir.write(
      "etc/gitopsd.yaml",
      "git:\n  repositories:\n"
      "  - {url: 'https://git.example/org', username: bot, passwordFile: ../secrets/token}\n"
      "  - {url: 'ssh://git@git.example', sshPrivateKeyFile: ../id_ed25519,\n"
      "     sshPassphraseFile: ../pass, knownHostsFile: ../known_hosts}\n"
      "applicationDirs: [apps.d]\n");
  const auto config = loadDaemonConfigFile(path);
  INFO(config.status().toString());
  REQUIRE(config.ok());
  CHECK(config->file == path);
  const auto credentials = config->repoCredentials();
  REQUIRE(credentials.size() == 2);
  CHECK(credentials[0].password == "s3cr3t-token");
  CHECK(credentials[1].ssh_passphrase == "phrase");
  CHECK(credentials[1].ssh_private_key_file == (dir.path() / "id_ed25519").string());
  CHECK(config->application_dirs ==
        std::vector<std::string>{(dir.path() / "etc" / "apps.d").string()});
}

TEST_CASE("config: loadDaemonConfigFile errors name the file and never the secret", "[config]") {
  TempDir dir;
  SECTION("missing config file") {
    const auto config = loadDaemonConfigFile(dir.file("absent.yaml"));
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().code() == StatusCode::kNotFound);
    CHECK(config.status().message() == "config file " + dir.file("absent.yaml") + ": no such file");
  }
  SECTION("missing password file") {
    const std::string path = dir.write(
        "gitopsd.yaml",
        "git:\n  repositories:\n  - {url: 'https://h/o', username: u, passwordFile: t}\n");
    const auto config = loadDaemonConfigFile(path);
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().code() == StatusCode::kInvalid);
    CHECK(config.status().message() ==
          path + ":3: git.repositories[0].passwordFile: " + dir.file("t") + " no such file");
  }
  SECTION("empty password file") {
    dir.write("t", "\n");
    const std::string path = dir.write(
        "gitopsd.yaml",
        "git:\n  repositories:\n  - {url: 'https://h/o', username: u, passwordFile: t}\n");
    const auto config = loadDaemonConfigFile(path);
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().message() ==
          path + ":3: git.repositories[0].passwordFile: " + dir.file("t") + " is empty");
  }
  SECTION("missing CA file after a secret was read") {
    dir.write("t", "hunter2\n");
    const std::string path =
        dir.write("gitopsd.yaml",
                  "git:\n  repositories:\n"
                  "  - {url: 'https://h/o', username: u, passwordFile: t, caFile: ca.pem}\n");
    const auto config = loadDaemonConfigFile(path);
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().message() ==
          path + ":3: git.repositories[0].caFile: " + dir.file("ca.pem") + " does not exist");
    CHECK(config.status().message().find("hunter2") == std::string::npos);
  }
  SECTION("parse errors keep the path") {
    const std::string path = dir.write("gitopsd.yaml", "reconcile: {workers: -1}\n");
    const auto config = loadDaemonConfigFile(path);
    REQUIRE_FALSE(config.ok());
    CHECK(config.status().message() ==
          path + ":1:22: reconcile.workers: must be between 1 and 1000000, got -1");
  }
}
