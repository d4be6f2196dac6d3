// Shared by the real-cluster benchmarks: reading the sandbox's cluster.env, building clients,
// ConfigMaps and namespaces, running work on threads with progress lines on stderr.
// Benchmarks print figures; they exit non-zero only when the sandbox cannot be used.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/log.h"
#include "kube/client.h"
#include "kube/config.h"

namespace gitopsd::bench {

// cluster.env (KEY=VALUE lines) from argv[1], else $SANDBOX_ENV; exits with a message when
// neither names a readable file.
std::map<std::string, std::string> loadSandboxEnv(int argc, char** argv);

// The admin context of the sandbox kubeconfig, with the client's rate limit set to qps/burst.
kube::ClusterConfig sandboxConfig(const std::map<std::string, std::string>& env, double qps,
                                  int burst);

// Warnings and errors to stderr.
core::Logger benchLogger();

// makeRestClient or exit with the reason.
std::unique_ptr<kube::KubeClient> makeClientOrExit(const kube::ClusterConfig& config);

// "[bench] message" on stderr.
void progress(const std::string& message);

// A small ConfigMap: one label, two data keys.
kube::Object makeConfigMap(const std::string& namespace_, const std::string& name, int index);

std::string randomSuffix();

// Creates the namespace (or exits); deletes it with propagationPolicy Background, not waiting.
void createNamespace(kube::KubeClient& client, const std::string& name);
void deleteNamespace(kube::KubeClient& client, const std::string& name);

struct RunStats {
  double seconds = 0;
  int failures = 0;
  std::string first_error;
};

// Calls work(i) for i in [0, count) on `threads` threads; work returns "" on success or an
// error text. Prints "label: done/count" about ten times. Timed from the call to the last join.
RunStats runParallel(const std::string& label, int count, int threads,
                     const std::function<std::string(int)>& work);

double secondsSince(std::chrono::steady_clock::time_point start);

}  // namespace gitopsd::bench
