// The daemon's own configuration file (gitopsd.yaml): clusters, Git polling and credentials,
// renderer binaries, folders, listen address, reconcile settings, and applications (inline or
// from folders of Application files).
//
// parseDaemonConfig is pure apart from reading $HOME for "~/" (when no home is passed); safe
// from any thread. loadDaemonConfigFile reads the file and the secret files it names. Results
// are plain values.
//
// Schema and defaults (every key optional):
//   cluster:             the default cluster (destination "in-cluster" and
//                        "https://kubernetes.default.svc" also mean it, unless an entry of
//                        `clusters` has that name or server)
//     name, server         optional, matched against destination.name / destination.server
//     kubeconfig           path; default "" = $KUBECONFIG or ~/.kube/config
//     context              default "" = the kubeconfig's current-context
//     inCluster            default false (service-account credentials of the pod; excludes
//                          kubeconfig and context)
//     qps 50, burst 100, timeout 30s    client limits (qps > 0, burst >= 1, timeout > 0)
//   clusters: [...]      extra destinations, same keys; name required and unique; qps, burst
//                        and timeout default to the `cluster:` entry's
//   git:
//     pollInterval 3m      0 turns periodic polling off
//     pollJitter 0s        random extra delay per poll, at most this
//     maxParallelFetches 4 (>= 1)
//     repositories: [...]  credentials by URL prefix (longest prefix wins, at a path boundary):
//       url (required), username, passwordFile (username required with it),
//       sshPrivateKeyFile, sshPassphraseFile, knownHostsFile, caFile, insecure (false).
//       Inline `password`/`sshPassphrase` are refused: secrets live in files.
//   render:
//     kustomize "kustomize", helm "helm"   a bare name is looked up on PATH, anything with a
//                                          '/' is a path
//     timeout 90s          (> 0)
//   paths: {cache /var/cache/gitopsd, state /var/lib/gitopsd}
//   listen:              the HTTP API (docs/api.md)
//     address 127.0.0.1:8080   host:port or [v6]:port, port 1-65535
//     tokensFile ""        bearer tokens, lines "TOKEN,NAME,ROLE" (readonly|admin); none:
//                          anonymous read-only access and no mutating calls
//     tls: {certFile, keyFile}   both or neither; HTTPS when set
//   webhook:             Git push webhooks (POST /api/webhook); a provider without a secret
//                        is accepted unverified
//     githubSecretFile, gitlabSecretFile, giteaSecretFile (also Gogs), bitbucketUUIDFile
//     maxPayloadBytes 26214400   (>= 1024)
//   reconcile: {workers 4 (>= 1), resyncInterval 3m (0: off)}
//   rollouts:            the rollout and analysis engines (Argo Rollouts' Rollout,
//                        AnalysisRun) in the default cluster
//     enabled false, namespaces [] (none: all), workers 2 (>= 1), analysisWorkers 4 (>= 1;
//     AnalysisRuns measured at once), installCRDs false (create the argoproj.io CRDs at start
//     when they are missing)
//   applications: [...]  Argo CD Applications (application.h); apiVersion/kind optional
//   applicationDirs: []  folders of Application files (application_dir.h)
// Paths (kubeconfig, secret and key files, cache/state, applicationDirs, renderer paths) are
// resolved against base_dir when relative; "~" and "~/..." expand $HOME. Durations are Go
// durations ("90s", "1h30m"), never negative.
//
// Unknown keys are warnings ("FILE:LINE: git.pollIntervall: unknown field; ignored"). Errors are
// kInvalid "FILE:LINE:COL: field.path: what": invalid YAML, wrong types, negative durations,
// out-of-range numbers, a cluster without name or with a duplicate name, inCluster together
// with kubeconfig, a repository without url, duplicate application names (naming both lines),
// any Application error. Secret values never appear in a message.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/application.h"
#include "config/duration.h"
#include "core/status.h"
#include "git/credentials.h"

namespace gitopsd::config {

inline constexpr std::string_view kInClusterName = "in-cluster";
inline constexpr std::string_view kInClusterServer = "https://kubernetes.default.svc";

// Where to find one cluster; the daemon turns it into a kube::ClusterConfig with
// kube::loadKubeconfig({{kubeconfig}, context}) or kube::inClusterConfig, then applies the
// client limits.
struct ClusterEntry {
  std::string name;        // required for `clusters` entries; optional for the default
  std::string server;      // optional, as written (trailing '/' ignored when matching)
  std::string kubeconfig;  // absolute path, or "" for the default lookup
  std::string context;
  bool in_cluster = false;
  double qps = 50;
  int burst = 100;
  Duration timeout = std::chrono::seconds(30);
  std::string file;  // where the entry is defined
  int line = 0;
  friend bool operator==(const ClusterEntry&, const ClusterEntry&) = default;
};

struct RepositoryEntry {
  // Everything but the secrets, which loadDaemonConfigFile reads from the files below.
  git::RepoCredentials credentials;
  std::string password_file;        // absolute path or ""
  std::string ssh_passphrase_file;  // absolute path or ""
  std::string file;
  int line = 0;
};

struct GitSettings {
  Duration poll_interval = std::chrono::minutes(3);
  Duration poll_jitter{0};
  int max_parallel_fetches = 4;
  std::vector<RepositoryEntry> repositories;
};

struct RenderSettings {
  std::string kustomize = "kustomize";
  std::string helm = "helm";
  Duration timeout = std::chrono::seconds(90);
};

struct PathSettings {
  std::string cache = "/var/cache/gitopsd";
  std::string state = "/var/lib/gitopsd";
};

struct ListenSettings {
  std::string address = "127.0.0.1:8080";
  std::string tokens_file;    // absolute path or ""
  std::string tls_cert_file;  // absolute paths, both or neither
  std::string tls_key_file;
};

struct WebhookSettings {
  // Absolute paths or ""; loadDaemonConfigFile reads them into the secrets below.
  std::string github_secret_file;
  std::string gitlab_secret_file;
  std::string gitea_secret_file;
  std::string bitbucket_uuid_file;
  std::string github_secret;
  std::string gitlab_secret;
  std::string gitea_secret;
  std::string bitbucket_uuid;
  std::size_t max_payload_bytes = 25 * 1024 * 1024;
};

struct ReconcileSettings {
  int workers = 4;
  Duration resync_interval = std::chrono::minutes(3);
};

struct RolloutSettings {
  bool enabled = false;
  std::vector<std::string> namespaces;  // empty: every namespace
  int workers = 2;
  int analysis_workers = 4;
  bool install_crds = false;
};

struct DaemonConfig {
  std::string file;  // the config file, for messages
  ClusterEntry cluster;
  std::vector<ClusterEntry> clusters;
  GitSettings git;
  RenderSettings render;
  PathSettings paths;
  ListenSettings listen;
  WebhookSettings webhook;
  ReconcileSettings reconcile;
  RolloutSettings rollouts;
  std::vector<Application> applications;      // inline, in file order (file/line = this file)
  std::vector<std::string> application_dirs;  // absolute paths, in file order
  std::vector<std::string> warnings;          // "FILE:LINE: field.path: what"

  // The cluster an application's destination names: by destination.name (a `clusters` entry's
  // name, the default cluster's name, or "in-cluster"), else by destination.server (an entry's
  // server, or "https://kubernetes.default.svc"); `clusters` entries win over the default
  // cluster's aliases. nullptr when none matches (the daemon may still compare the server with
  // the servers it loaded from kubeconfigs).
  const ClusterEntry* findCluster(const ApplicationDestination& destination) const;

  // The repository credentials for git::CredentialStore (secrets filled in by
  // loadDaemonConfigFile, empty after parseDaemonConfig alone).
  std::vector<git::RepoCredentials> repoCredentials() const;
};

// Parses gitopsd.yaml text. `base_dir` resolves relative paths (normally the file's folder);
// `home` replaces $HOME for "~" (nullopt: the environment's; "~" with no home is kInvalid).
core::Result<DaemonConfig> parseDaemonConfig(std::string_view file_for_messages,
                                             std::string_view text, std::string_view base_dir,
                                             const std::optional<std::string>& home = std::nullopt);

// Reads the file at `path` (kNotFound when missing), parses it with its folder as base_dir,
// then reads each repository's passwordFile and sshPassphraseFile and the webhook secret files
// (one trailing "\n" or "\r\n" removed) and checks that sshPrivateKeyFile, knownHostsFile,
// caFile, listen.tokensFile and the TLS files exist. A missing or
// unreadable file is kInvalid naming the config file:line, the field and the path, never the
// content.
core::Result<DaemonConfig> loadDaemonConfigFile(const std::string& path);

}  // namespace gitopsd::config
