// Access to the sandbox control plane a CTest fixture started (tests/cluster/up): its
// cluster.env values, kubeconfig contexts, kubectl, and component restarts. Every accessor
// fails the current test loudly when the sandbox is missing — never skips.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/log.h"
#include "kube/client.h"
#include "kube/config.h"

namespace gitopsd::test_support {

// The project's source folder.
std::string sourceDir();
// A file of the official CRDs fetched by scripts/fetch-crds (the build's GITOPSD_CRDS_DIR), e.g.
// "istio/crds.yaml"; fails the test when the folder was not configured or lacks the file.
std::string officialCrds(const std::string& relative_path);

// A value from cluster.env (APISERVER_URL, ADMIN_TOKEN, CA_FILE, KUBECTL, SANDBOX_DIR, ...).
std::string sandboxValue(const std::string& key);

// The sandbox kubeconfig resolved for a context: "sandbox" (admin token), "sandbox-cert"
// (client certificate) or "sandbox-limited" (limited RBAC token).
kube::ClusterConfig sandboxConfig(const std::string& context = "sandbox");

// A RestClient for config; fails the test if it cannot be built.
std::unique_ptr<kube::KubeClient> makeClient(const kube::ClusterConfig& config);

// Runs kubectl against the sandbox (admin) and returns its stdout; fails the test on a
// non-zero exit unless allow_failure.
std::string kubectl(const std::string& arguments, bool allow_failure = false);

// Waits until each named CustomResourceDefinition is Established (polls: `kubectl wait` errors
// out on a CRD whose status has no conditions yet).
void waitForEstablished(const std::vector<std::string>& crd_names);

// Restarts a component (tests/cluster/restart) and waits until it serves again.
void restartComponent(const std::string& component, int down_for_seconds = 0);

// Compacts etcd's history up to its current revision, so older resourceVersions are gone.
void compactEtcd();

// A namespace unique to this test run, created now and deleted when the object dies.
class ScratchNamespace {
 public:
  explicit ScratchNamespace(const std::string& prefix);
  ~ScratchNamespace();
  ScratchNamespace(const ScratchNamespace&) = delete;
  ScratchNamespace& operator=(const ScratchNamespace&) = delete;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// A logger for tests: warnings and errors to stderr.
core::Logger testLogger();

}  // namespace gitopsd::test_support
