// Where an apiserver is and how to authenticate to it: loaded from kubeconfig files (with
// KUBECONFIG-style merging) or from the in-cluster service-account environment.
//
// Loading is pure file parsing (no network). Errors are kInvalid or kNotFound and name the
// file, the context/cluster/user entry and the field. Secrets (tokens, keys) never appear in
// an error message.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace gitopsd::kube {

struct TlsConfig {
  // Exactly what the kubeconfig says; *_data fields hold PEM text (already base64-decoded).
  std::string ca_file;
  std::string ca_data;
  bool insecure_skip_verify = false;
  std::string server_name;  // tls-server-name: overrides the name checked in the certificate
  std::string client_cert_file;
  std::string client_cert_data;
  std::string client_key_file;
  std::string client_key_data;
};

// An exec credential plugin (client.authentication.k8s.io/v1 or v1beta1).
struct ExecConfig {
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string api_version = "client.authentication.k8s.io/v1";
  std::string install_hint;
  bool provide_cluster_info = false;
};

struct ClusterConfig {
  std::string server;  // e.g. https://127.0.0.1:6443, without a trailing slash
  TlsConfig tls;
  std::string proxy_url;
  std::string token;       // static bearer token
  std::string token_file;  // bearer token re-read from this file when it changes
  std::optional<ExecConfig> exec;
  std::string username;  // basic auth, rarely used
  std::string password;
  std::string default_namespace = "default";
  // Where this came from, for messages: "kubeconfig /root/.kube/config, context dev".
  std::string origin;

  // Client behaviour (not from kubeconfig; set by the daemon's config).
  double qps = 50;
  int burst = 100;
  std::chrono::milliseconds request_timeout{30'000};
};

struct KubeconfigOptions {
  // Files merged in order, first occurrence of a name wins (KUBECONFIG semantics). Empty:
  // $KUBECONFIG split on ':', else $HOME/.kube/config.
  std::vector<std::string> paths;
  // Context to use instead of current-context.
  std::string context;
};

// Reads and merges kubeconfig files and resolves the chosen context. Relative file paths in a
// kubeconfig are resolved against that file's folder.
core::Result<ClusterConfig> loadKubeconfig(const KubeconfigOptions& options);

// The same from YAML text already in memory (origin names it in errors); relative paths are
// resolved against base_dir.
core::Result<ClusterConfig> parseKubeconfig(const std::string& yaml, const std::string& origin,
                                            const std::string& base_dir,
                                            const std::string& context);

struct InClusterEnvironment {
  std::string service_host;  // $KUBERNETES_SERVICE_HOST
  std::string service_port;  // $KUBERNETES_SERVICE_PORT
  std::string secrets_dir = "/var/run/secrets/kubernetes.io/serviceaccount";

  static InClusterEnvironment fromProcess();
};

// Service-account access from inside a pod: server from the environment, token_file and CA
// from secrets_dir (the token is re-read when it rotates), namespace from its file.
core::Result<ClusterConfig> inClusterConfig(const InClusterEnvironment& environment);

}  // namespace gitopsd::kube
