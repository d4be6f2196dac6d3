// Shared by the real-cluster benchmarks: reading the sandbox's cluster.env, building clients,
// ConfigMaps and namespaces, running work on threads with progress lines on stderr.
// Benchmarks print figures; they exit non-zero only when the sandbox cannot be used.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

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

// git.env of the test Git servers (tests/git/up) from argv[index], else $GIT_ENV; exits with a
// message when neither names a file with GIT_DAEMON_URL and GIT_REPOS_DIR.
std::map<std::string, std::string> loadGitEnv(int argc, char** argv, int index = 1);

// VmRSS of a process (0: this one) in MiB, from /proc; -1 when unreadable.
double vmRssMiB(int pid = 0);

// Runs a shell command; exits naming it when it fails.
void runOrExit(const std::string& command);

// "apps/app-<i>": the folder of application i in writeManifestRepository's layout.
std::string folderName(int i);

// Writes folders × files_per_folder ConfigMap files (about 400 bytes each, namespace "bench",
// names cm-<folder>-<file>) under dir/apps/app-<folder>/.
void writeManifestRepository(const std::string& dir, int folders, int files_per_folder);

// p in [0, 1] of values (nearest rank); 0 for none.
double percentile(std::vector<double> values, double p);

// A TCP port on 127.0.0.1 that nothing listens on now (for gitopsd's API).
int freePort();

}  // namespace gitopsd::bench
