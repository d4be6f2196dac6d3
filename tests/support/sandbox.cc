#include "support/sandbox.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "support/env_file.h"
#include "support/shell.h"

namespace gitopsd::test_support {
namespace {

const std::map<std::string, std::string>& sandboxEnv() {
  static const std::map<std::string, std::string> values = readEnvFile(std::getenv("SANDBOX_ENV"));
  return values;
}

}  // namespace

std::string sourceDir() { return GITOPSD_SOURCE_DIR; }

std::string officialCrds(const std::string& relative_path) {
  const std::string dir = GITOPSD_CRDS_DIR;
  if (dir.empty() || !std::ifstream(dir + "/complete").good()) {
    FAIL("no official CRDs: configure with -DGITOPSD_CRDS_DIR=$(scripts/fetch-crds --print-dir)");
  }
  const std::string path = dir + "/" + relative_path;
  if (!std::ifstream(path).good()) FAIL(relative_path << " missing from " << dir);
  return path;
}

std::string sandboxValue(const std::string& key) {
  const auto& values = sandboxEnv();
  if (values.empty()) {
    FAIL("no sandbox control plane: SANDBOX_ENV is unset or unreadable (did cluster.*.up fail?)");
  }
  const auto found = values.find(key);
  if (found == values.end()) FAIL("cluster.env has no " << key);
  return found->second;
}

kube::ClusterConfig sandboxConfig(const std::string& context) {
  kube::KubeconfigOptions options;
  options.paths = {sandboxValue("KUBECONFIG")};
  options.context = context;
  auto config = kube::loadKubeconfig(options);
  if (!config.ok()) FAIL("loading the sandbox kubeconfig: " << config.status().toString());
  return std::move(config).value();
}

std::unique_ptr<kube::KubeClient> makeClient(const kube::ClusterConfig& config) {
  auto client = kube::makeRestClient(config, core::SystemClock::instance(), testLogger());
  if (!client.ok()) FAIL("building the client: " << client.status().toString());
  return std::move(client).value();
}

std::string kubectl(const std::string& arguments, bool allow_failure) {
  const std::string command =
      sandboxValue("KUBECTL") + " --kubeconfig " + sandboxValue("KUBECONFIG") + " " + arguments;
  auto [status, output] = runScript(command);
  if (status != 0 && !allow_failure) FAIL("kubectl " << arguments << " failed: " << output);
  return output;
}

void waitForEstablished(const std::vector<std::string>& crd_names) {
  for (const auto& name : crd_names) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      const std::string established =
          kubectl("get crd " + name +
                      " -o jsonpath='{.status.conditions[?(@.type==\"Established\")].status}'",
                  /*allow_failure=*/true);
      if (established == "True") break;
      if (std::chrono::steady_clock::now() > deadline) {
        FAIL("CRD " << name << " not Established after 60 s: " << established);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

void restartComponent(const std::string& component, int down_for_seconds) {
  const std::string command = sourceDir() + "/tests/cluster/restart " + component + " --dir " +
                              sandboxValue("SANDBOX_DIR") + " --down-for " +
                              std::to_string(down_for_seconds);
  auto [status, output] = runScript(command);
  if (status != 0) FAIL("restarting " << component << ": " << output);
}

void compactEtcd() {
  const std::string etcd = sandboxValue("ETCD_URL");
  // etcd's JSON gateway: any range request reports the current revision in its header.
  auto [status, output] =
      runScript("curl -fsS -X POST " + etcd + "/v3/kv/range -d '{\"key\":\"AA==\"}'");
  if (status != 0) FAIL("reading etcd's revision: " << output);
  const auto reply = nlohmann::json::parse(output, nullptr, false);
  if (!reply.is_object() || !reply.contains("header")) FAIL("unexpected etcd reply: " << output);
  const std::string revision = reply["header"]["revision"].get<std::string>();
  auto [compact_status, compact_output] =
      runScript("curl -fsS -X POST " + etcd + "/v3/kv/compaction -d '{\"revision\":\"" + revision +
                "\",\"physical\":true}'");
  if (compact_status != 0) FAIL("compacting etcd: " << compact_output);
}

ScratchNamespace::ScratchNamespace(const std::string& prefix) {
  std::random_device random;
  name_ = prefix + "-" + std::to_string(random() % 1000000);
  kubectl("create namespace " + name_);
}

ScratchNamespace::~ScratchNamespace() {
  kubectl("delete namespace " + name_ + " --wait=false", /*allow_failure=*/true);
}

core::Logger testLogger() {
  static core::LogSink sink(
      [](std::string_view line) {
        std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
      },
      core::LogLevel::kWarn, core::LogFormat::kLogfmt, core::SystemClock::instance());
  return core::Logger(sink);
}

}  // namespace gitopsd::test_support
