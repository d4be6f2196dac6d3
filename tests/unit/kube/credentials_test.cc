#include "kube/credentials.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using gitopsd::core::ManualClock;
using gitopsd::core::StatusCode;
using gitopsd::kube::ClusterConfig;
using gitopsd::kube::CredentialOptions;
using gitopsd::kube::ExecConfig;
using gitopsd::kube::makeCredentialProvider;

namespace {

using gitopsd::test_support::TempDir;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Gives a file a fixed mtime so a rewrite of the same size is invisible to stat().
void setMtime(const std::string& path) {
  const timespec times[2] = {{1'700'000'000, 0}, {1'700'000'000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

// 2026-11-26T15:00:00Z
ManualClock::WallTime wallStart() {
  using namespace std::chrono;
  return sys_days(year(2026) / November / 26) + hours(15);
}

// A plugin that counts its runs in $COUNT_FILE, records its arguments and KUBERNETES_EXEC_INFO
// and prints an ExecCredential whose token carries the run number.
const char* const kCountingPlugin = R"(n=$(cat "$COUNT_FILE" 2>/dev/null || echo 0)
n=$((n + 1))
echo "$n" > "$COUNT_FILE"
printf '%s\n' "$@" > "$ARGS_FILE"
printf '%s' "$KUBERNETES_EXEC_INFO" > "$INFO_FILE"
if [ -n "$EXPIRY" ]; then expiry=",\"expirationTimestamp\":\"$EXPIRY\""; fi
echo "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
echo "\"status\":{\"token\":\"exec-token-$n\"$expiry}}"
)";

struct PluginFixture {
  TempDir dir;
  ManualClock clock{wallStart()};
  ClusterConfig config;

  explicit PluginFixture(const std::string& expiry = "",
                         const std::string& body = kCountingPlugin) {
    config.server = "https://10.0.0.1:6443";
    ExecConfig exec;
    exec.command = dir.script("plugin", body);
    exec.args = {"get-token", "two words"};
    exec.env = {{"COUNT_FILE", dir.file("count")},
                {"ARGS_FILE", dir.file("args")},
                {"INFO_FILE", dir.file("info")},
                {"EXPIRY", expiry}};
    config.exec = exec;
  }
  int runs() const {
    const std::string text = readFile(dir.file("count"));
    return text.empty() ? 0 : std::stoi(text);
  }
};

CredentialOptions shortTimeout() {
  CredentialOptions options;
  options.exec_timeout = 200ms;
  return options;
}

std::string token(gitopsd::kube::CredentialProvider& provider) {
  auto credentials = provider.current();
  REQUIRE(credentials.ok());
  return credentials->bearer_token;
}

}  // namespace

TEST_CASE("kube credentials: provider choice follows the config", "[kube]") {
  ManualClock clock;
  TempDir dir;
  ClusterConfig config;
  auto none = makeCredentialProvider(config, clock);
  auto empty = none->current();
  REQUIRE(empty.ok());
  CHECK(empty->bearer_token.empty());
  CHECK(empty->client_cert_pem.empty());
  none->invalidate();

  config.token_file = dir.write("token", "from-file\n");
  CHECK(token(*makeCredentialProvider(config, clock)) == "from-file");

  config.token = "static-token";
  auto fixed = makeCredentialProvider(config, clock);
  CHECK(token(*fixed) == "static-token");
  fixed->invalidate();
  CHECK(token(*fixed) == "static-token");

  config.exec = ExecConfig{};
  config.exec->command = dir.script("plugin", R"(
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"from-exec"}}'
)");
  CHECK(token(*makeCredentialProvider(config, clock)) == "from-exec");
}

TEST_CASE("kube credentials: token file is re-read when it changes", "[kube]") {
  TempDir dir;
  ManualClock clock;
  ClusterConfig config;
  config.token_file = dir.write("token", "  token-one\n\n");
  auto provider = makeCredentialProvider(config, clock);
  CHECK(token(*provider) == "token-one");

  // A different size shows up through stat() at once.
  dir.write("token", "token-two-longer\n");
  CHECK(token(*provider) == "token-two-longer");

  // Same size and mtime: only the periodic re-read or invalidate() notices.
  setMtime(config.token_file);
  CHECK(token(*provider) == "token-two-longer");
  dir.write("token", "token-333-longer\n");
  setMtime(config.token_file);
  CHECK(token(*provider) == "token-two-longer");
  clock.advance(59s);
  CHECK(token(*provider) == "token-two-longer");
  clock.advance(2s);
  CHECK(token(*provider) == "token-333-longer");

  dir.write("token", "token-444-longer\n");
  setMtime(config.token_file);
  CHECK(token(*provider) == "token-333-longer");
  provider->invalidate();
  CHECK(token(*provider) == "token-444-longer");
}

TEST_CASE("kube credentials: token file errors name the path", "[kube]") {
  TempDir dir;
  ManualClock clock;
  ClusterConfig config;
  config.token_file = dir.file("absent");
  auto missing = makeCredentialProvider(config, clock)->current();
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(missing.status().message(), Catch::Contains(config.token_file));

  config.token_file = dir.write("empty", "\n \n");
  auto empty = makeCredentialProvider(config, clock)->current();
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == StatusCode::kInvalid);
  CHECK_THAT(empty.status().message(), Catch::Contains(config.token_file));

  // A token that disappears after a good read is reported, not served from the cache.
  config.token_file = dir.write("token", "s3cr3t-token");
  auto provider = makeCredentialProvider(config, clock);
  CHECK(token(*provider) == "s3cr3t-token");
  fs::remove(config.token_file);
  auto gone = provider->current();
  REQUIRE_FALSE(gone.ok());
  CHECK_THAT(gone.status().message(), !Catch::Contains("s3cr3t"));
}

TEST_CASE("kube credentials: exec plugin runs with args, env and exec info", "[kube]") {
  PluginFixture f;
  auto provider = makeCredentialProvider(f.config, f.clock);
  CHECK(token(*provider) == "exec-token-1");
  CHECK(readFile(f.dir.file("args")) == "get-token\ntwo words\n");
  const auto info = nlohmann::json::parse(readFile(f.dir.file("info")));
  CHECK(info["apiVersion"] == "client.authentication.k8s.io/v1");
  CHECK(info["kind"] == "ExecCredential");
  CHECK(info["spec"]["interactive"] == false);
  CHECK_FALSE(info["spec"].contains("cluster"));
}

TEST_CASE("kube credentials: exec plugin gets cluster info when asked", "[kube]") {
  PluginFixture f;
  f.config.exec->provide_cluster_info = true;
  f.config.tls.ca_data = "PEM";
  f.config.tls.server_name = "kubernetes";
  auto provider = makeCredentialProvider(f.config, f.clock);
  CHECK(token(*provider) == "exec-token-1");
  const auto cluster = nlohmann::json::parse(readFile(f.dir.file("info")))["spec"]["cluster"];
  CHECK(cluster["server"] == "https://10.0.0.1:6443");
  CHECK(cluster["certificate-authority-data"] == "UEVN");
  CHECK(cluster["tls-server-name"] == "kubernetes");

  f.config.tls.ca_data.clear();
  f.config.tls.ca_file = f.dir.write("ca.crt", "CA-FILE");
  CHECK(token(*makeCredentialProvider(f.config, f.clock)) == "exec-token-2");
  const auto from_file = nlohmann::json::parse(readFile(f.dir.file("info")))["spec"]["cluster"];
  CHECK(from_file["certificate-authority-data"] == "Q0EtRklMRQ==");
}

TEST_CASE("kube credentials: exec result without expiry is cached until invalidated", "[kube]") {
  PluginFixture f;
  auto provider = makeCredentialProvider(f.config, f.clock);
  CHECK(token(*provider) == "exec-token-1");
  f.clock.advance(24h * 365);
  CHECK(token(*provider) == "exec-token-1");
  CHECK(f.runs() == 1);
  provider->invalidate();
  CHECK(token(*provider) == "exec-token-2");
  CHECK(f.runs() == 2);
}

TEST_CASE("kube credentials: exec result is cached until its expirationTimestamp", "[kube]") {
  SECTION("expiry in the future") {
    PluginFixture f("2026-11-26T16:00:00Z");
    auto provider = makeCredentialProvider(f.config, f.clock);
    CHECK(token(*provider) == "exec-token-1");
    f.clock.advance(59min);
    CHECK(token(*provider) == "exec-token-1");
    CHECK(f.runs() == 1);
    f.clock.advance(1min);
    CHECK(token(*provider) == "exec-token-2");
    CHECK(f.runs() == 2);
  }
  SECTION("expiry in the past") {
    PluginFixture f("2026-11-26T14:00:00Z");
    auto provider = makeCredentialProvider(f.config, f.clock);
    CHECK(token(*provider) == "exec-token-1");
    CHECK(token(*provider) == "exec-token-2");
    CHECK(f.runs() == 2);
  }
  SECTION("fractional seconds and an offset") {
    // 15:04:05.5Z
    PluginFixture f("2026-11-26T17:04:05.5+02:00");
    auto provider = makeCredentialProvider(f.config, f.clock);
    CHECK(token(*provider) == "exec-token-1");
    f.clock.advance(4min + 5s);
    CHECK(token(*provider) == "exec-token-1");
    f.clock.advance(500ms);
    CHECK(token(*provider) == "exec-token-2");
  }
  SECTION("an invalid timestamp") {
    PluginFixture f("26 Nov 2026");
    auto result = makeCredentialProvider(f.config, f.clock)->current();
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == StatusCode::kInvalid);
    CHECK_THAT(result.status().message(),
               Catch::Contains("expirationTimestamp") && !Catch::Contains("exec-token"));
  }
}

TEST_CASE("kube credentials: concurrent callers share one plugin run", "[kube]") {
  PluginFixture f;
  auto provider = makeCredentialProvider(f.config, f.clock);
  std::vector<std::string> tokens(4);
  std::vector<std::thread> threads;
  for (auto& t : tokens) {
    threads.emplace_back([&provider, &t] {
      auto credentials = provider->current();
      if (credentials.ok()) t = credentials->bearer_token;
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& t : tokens) CHECK(t == "exec-token-1");
  CHECK(f.runs() == 1);
}

TEST_CASE("kube credentials: exec plugin client certificate", "[kube]") {
  PluginFixture f("", R"(cat <<'EOF'
{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
 "status": {"clientCertificateData": "-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n",
            "clientKeyData": "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n"}}
EOF
)");
  auto credentials = makeCredentialProvider(f.config, f.clock)->current();
  REQUIRE(credentials.ok());
  CHECK(credentials->bearer_token.empty());
  CHECK(credentials->client_cert_pem ==
        "-----BEGIN CERTIFICATE-----\nC\n-----END CERTIFICATE-----\n");
  CHECK(credentials->client_key_pem ==
        "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n");
}

TEST_CASE("kube credentials: exec plugin failure shows its stderr", "[kube]") {
  PluginFixture f("", R"(echo "partial output s3cr3t-token"
echo "login failed: refresh token expired" >&2
exit 3
)");
  auto result = makeCredentialProvider(f.config, f.clock)->current();
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(result.status().message(),
             Catch::Contains(f.config.exec->command) && Catch::Contains("status 3") &&
                 Catch::Contains("refresh token expired") && !Catch::Contains("s3cr3t"));

  PluginFixture noisy("", R"(i=0
while [ $i -lt 200 ]; do echo "noise line $i" >&2; i=$((i + 1)); done
echo "the real reason" >&2
exit 1
)");
  auto long_result = makeCredentialProvider(noisy.config, noisy.clock)->current();
  REQUIRE_FALSE(long_result.ok());
  CHECK_THAT(long_result.status().message(), Catch::Contains("the real reason"));
  CHECK(long_result.status().message().size() < 500 + noisy.config.exec->command.size() + 100);
}

TEST_CASE("kube credentials: bad exec output never shows the token", "[kube]") {
  auto failure = [](const std::string& output) {
    PluginFixture f("", "cat <<'EOF'\n" + output + "\nEOF\n");
    auto result = makeCredentialProvider(f.config, f.clock)->current();
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == StatusCode::kInvalid);
    CHECK_THAT(result.status().message(),
               Catch::Contains(f.config.exec->command) && !Catch::Contains("s3cr3t"));
    return result.status().message();
  };
  CHECK_THAT(
      failure(R"({"apiVersion":"client.authentication.k8s.io/v1","status":{"token":"s3cr3t)"),
      Catch::Contains("invalid JSON"));
  CHECK_THAT(failure("s3cr3t-token"), Catch::Contains("invalid JSON"));
  CHECK_THAT(
      failure(
          R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"s3cr3t"}})"),
      Catch::Contains("client.authentication.k8s.io/v1beta1") &&
          Catch::Contains("expected \"client.authentication.k8s.io/v1\""));
  CHECK_THAT(
      failure(
          R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}})"),
      Catch::Contains("neither a token nor a client certificate"));
  CHECK_THAT(failure(R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential"})"),
             Catch::Contains("no status"));
  CHECK_THAT(
      failure(
          R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"s3cr3t","clientKeyData":"k"}})"),
      Catch::Contains("only one of"));
  CHECK_THAT(
      failure(
          R"({"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":7}})"),
      Catch::Contains("status.token"));
}

TEST_CASE("kube credentials: exec plugin timeout kills it", "[kube]") {
  PluginFixture f("", "sleep 10\n");
  auto provider = makeCredentialProvider(f.config, f.clock, shortTimeout());
  const auto start = std::chrono::steady_clock::now();
  auto result = provider->current();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kTimeout);
  CHECK_THAT(result.status().message(), Catch::Contains(f.config.exec->command));
  CHECK(elapsed < 2s);
}

TEST_CASE("kube credentials: exec plugin not found shows the install hint", "[kube]") {
  ManualClock clock;
  ClusterConfig config;
  config.exec = ExecConfig{};
  config.exec->command = "gitopsd-test-no-such-plugin";
  config.exec->install_hint = "Install it with: apt install gitopsd-test-plugin";
  auto result = makeCredentialProvider(config, clock)->current();
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalid);
  CHECK_THAT(result.status().message(), Catch::Contains("gitopsd-test-no-such-plugin") &&
                                            Catch::Contains("apt install gitopsd-test-plugin"));

  TempDir dir;
  config.exec->command = dir.file("bin/missing-plugin");
  result = makeCredentialProvider(config, clock)->current();
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.status().message(), Catch::Contains(config.exec->command));
}
