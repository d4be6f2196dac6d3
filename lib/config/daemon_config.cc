#include "config/daemon_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "config/application_internal.h"
#include "config/yaml_reader.h"
#include "git/url.h"

namespace gitopsd::config {
namespace {

using detail::YamlReader;
using Field = YamlReader::Field;
namespace fs = std::filesystem;

core::Status ok() { return {}; }

std::string trimSlash(std::string_view text) {
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  return std::string(text);
}

bool validPort(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  int port = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + (c - '0');
  }
  return port >= 1 && port <= 65535;
}

// host:port, [v6]:port.
bool validListenAddress(std::string_view address) {
  if (!address.empty() && address[0] == '[') {
    const auto close = address.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    return address.substr(close + 1, 1) == ":" && validPort(address.substr(close + 2));
  }
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (address.substr(0, colon).find(':') != std::string_view::npos) return false;
  return validPort(address.substr(colon + 1));
}

class ConfigReader {
 public:
  ConfigReader(YamlReader& reader, DaemonConfig& config, std::string base_dir,
               std::optional<std::string> home)
      : r_(reader), c_(config), base_dir_(std::move(base_dir)), home_(std::move(home)) {}

  core::Status read(const YAML::Node& root) {
    // Read after the rest: entries inherit the default cluster's client limits.
    std::optional<YAML::Node> clusters_node;
    std::string clusters_path;
    const auto status = r_.readMapping(
        root, "",
        {
            {"cluster",
             [&](const YAML::Node& v, const std::string& p) {
               return cluster(v, p, c_.cluster, /*is_default=*/true);
             }},
            {"clusters",
             [&](const YAML::Node& v, const std::string& p) {
               clusters_node.emplace(v);
               clusters_path = p;
               return ok();
             }},
            {"git", [&](const YAML::Node& v, const std::string& p) { return git(v, p); }},
            {"render", [&](const YAML::Node& v, const std::string& p) { return render(v, p); }},
            {"paths", [&](const YAML::Node& v, const std::string& p) { return paths(v, p); }},
            {"listen", [&](const YAML::Node& v, const std::string& p) { return listen(v, p); }},
            {"webhook", [&](const YAML::Node& v, const std::string& p) { return webhook(v, p); }},
            {"reconcile",
             [&](const YAML::Node& v, const std::string& p) { return reconcile(v, p); }},
            {"rollouts", [&](const YAML::Node& v, const std::string& p) { return rollouts(v, p); }},
            {"applications",
             [&](const YAML::Node& v, const std::string& p) { return applications(v, p); }},
            {"applicationDirs",
             [&](const YAML::Node& v, const std::string& p) {
               c_.application_dirs.clear();
               return r_.readList(v, p, [&](const YAML::Node& item, const std::string& at) {
                 std::string dir;
                 if (auto s = pathValue(item, at, dir); !s.ok()) return s;
                 c_.application_dirs.push_back(std::move(dir));
                 return ok();
               });
             }},
        });
    if (!status.ok()) return status;
    if (clusters_node) {
      c_.clusters.clear();
      const auto s = r_.readList(*clusters_node, clusters_path,
                                 [&](const YAML::Node& item, const std::string& at) {
                                   ClusterEntry entry;
                                   entry.qps = c_.cluster.qps;
                                   entry.burst = c_.cluster.burst;
                                   entry.timeout = c_.cluster.timeout;
                                   if (auto e = cluster(item, at, entry, false); !e.ok()) return e;
                                   return addCluster(item, at, std::move(entry));
                                 });
      if (!s.ok()) return s;
    }
    return ok();
  }

 private:
  // Resolves a path value: "~" → home, relative → base_dir.
  core::Status pathValue(const YAML::Node& node, const std::string& path, std::string& out) {
    std::string text;
    if (auto s = r_.readString(node, path, text); !s.ok()) return s;
    if (text.empty()) return r_.error(node, path, "must not be empty");
    return resolvePath(node, path, text, out);
  }

  core::Status resolvePath(const YAML::Node& node, const std::string& path, const std::string& text,
                           std::string& out) {
    if (text == "~" || text.rfind("~/", 0) == 0) {
      if (!home_ || home_->empty()) {
        return r_.error(node, path, "\"" + text + "\" needs $HOME, which is not set");
      }
      out = (fs::path(*home_) / text.substr(std::min<std::size_t>(text.size(), 2)))
                .lexically_normal()
                .string();
    } else if (text[0] == '~') {
      return r_.error(node, path, "\"" + text + "\": only \"~\" and \"~/\" are expanded");
    } else {
      const fs::path p(text);
      out = (p.is_absolute() ? p : fs::path(base_dir_) / p).lexically_normal().string();
    }
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return ok();
  }

  // A binary: a bare name stays (PATH lookup), anything with '/' is a path.
  core::Status programValue(const YAML::Node& node, const std::string& path, std::string& out) {
    std::string text;
    if (auto s = r_.readString(node, path, text); !s.ok()) return s;
    if (text.empty()) return r_.error(node, path, "must not be empty");
    if (text.find('/') == std::string::npos && text[0] != '~') {
      out = text;
      return ok();
    }
    return resolvePath(node, path, text, out);
  }

  core::Status positiveDuration(const YAML::Node& node, const std::string& path, Duration& out) {
    if (auto s = r_.readDuration(node, path, out); !s.ok()) return s;
    if (out.count() == 0) return r_.error(node, path, "must be greater than zero");
    return ok();
  }

  core::Status intAtLeast(const YAML::Node& node, const std::string& path, int minimum, int& out) {
    std::int64_t value = 0;
    if (auto s = r_.readInt(node, path, value); !s.ok()) return s;
    if (value < minimum || value > 1'000'000) {
      return r_.error(node, path,
                      "must be between " + std::to_string(minimum) + " and 1000000, got " +
                          std::to_string(value));
    }
    out = static_cast<int>(value);
    return ok();
  }

  core::Status cluster(const YAML::Node& node, const std::string& path, ClusterEntry& entry,
                       bool is_default) {
    entry.file = std::string(r_.file());
    entry.line = r_.lineOf(node);
    std::optional<YAML::Node> kubeconfig_node;
    const auto status = r_.readMapping(
        node, path,
        {
            {"name",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, entry.name); !s.ok()) return s;
               if (entry.name.empty()) return r_.error(v, p, "must not be empty");
               return ok();
             }},
            {"server",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, entry.server); !s.ok()) return s;
               if (entry.server.rfind("https://", 0) != 0 &&
                   entry.server.rfind("http://", 0) != 0) {
                 return r_.error(v, p, "\"" + entry.server + "\" is not an http(s) URL");
               }
               return ok();
             }},
            {"kubeconfig",
             [&](const YAML::Node& v, const std::string& p) {
               kubeconfig_node.emplace(v);
               return pathValue(v, p, entry.kubeconfig);
             }},
            {"context", [&](const YAML::Node& v,
                            const std::string& p) { return r_.readString(v, p, entry.context); }},
            {"inCluster",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readBool(v, p, entry.in_cluster);
             }},
            {"qps",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readNumber(v, p, entry.qps); !s.ok()) return s;
               if (!(entry.qps > 0)) return r_.error(v, p, "must be greater than zero");
               return ok();
             }},
            {"burst", [&](const YAML::Node& v,
                          const std::string& p) { return intAtLeast(v, p, 1, entry.burst); }},
            {"timeout",
             [&](const YAML::Node& v, const std::string& p) {
               return positiveDuration(v, p, entry.timeout);
             }},
        });
    if (!status.ok()) return status;
    if (entry.in_cluster && (!entry.kubeconfig.empty() || !entry.context.empty())) {
      return r_.error(kubeconfig_node ? *kubeconfig_node : node,
                      detail::joinPath(path, "inCluster"),
                      "inCluster cannot be combined with kubeconfig or context");
    }
    if (!is_default && entry.name.empty()) {
      return r_.error(node, detail::joinPath(path, "name"), "required");
    }
    return ok();
  }

  core::Status addCluster(const YAML::Node& node, const std::string& path, ClusterEntry entry) {
    const auto clash = [&](const ClusterEntry& other) {
      return r_.error(node, detail::joinPath(path, "name"),
                      "cluster name \"" + entry.name + "\" is already used at " + other.file + ":" +
                          std::to_string(other.line));
    };
    if (!c_.cluster.name.empty() && c_.cluster.name == entry.name) return clash(c_.cluster);
    for (const auto& other : c_.clusters) {
      if (other.name == entry.name) return clash(other);
    }
    c_.clusters.push_back(std::move(entry));
    return ok();
  }

  core::Status git(const YAML::Node& node, const std::string& path) {
    GitSettings& g = c_.git;
    return r_.readMapping(node, path,
                          {
                              {"pollInterval",
                               [&](const YAML::Node& v, const std::string& p) {
                                 return r_.readDuration(v, p, g.poll_interval);
                               }},
                              {"pollJitter",
                               [&](const YAML::Node& v, const std::string& p) {
                                 return r_.readDuration(v, p, g.poll_jitter);
                               }},
                              {"maxParallelFetches",
                               [&](const YAML::Node& v, const std::string& p) {
                                 return intAtLeast(v, p, 1, g.max_parallel_fetches);
                               }},
                              {"repositories",
                               [&](const YAML::Node& v, const std::string& p) {
                                 g.repositories.clear();
                                 return r_.readList(
                                     v, p, [&](const YAML::Node& item, const std::string& at) {
                                       RepositoryEntry entry;
                                       if (auto s = repository(item, at, entry); !s.ok()) return s;
                                       g.repositories.push_back(std::move(entry));
                                       return ok();
                                     });
                               }},
                          });
  }

  core::Status repository(const YAML::Node& node, const std::string& path, RepositoryEntry& e) {
    e.file = std::string(r_.file());
    e.line = r_.lineOf(node);
    git::RepoCredentials& cred = e.credentials;
    constexpr std::string_view kNoInline =
        "secrets are not accepted inline; put the secret in a file and name it with ";
    const auto status = r_.readMapping(
        node, path,
        {
            {"url",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, cred.url_prefix); !s.ok()) return s;
               if (!git::parseUrl(cred.url_prefix)) {
                 return r_.error(
                     v, p,
                     "\"" + git::redactUrl(cred.url_prefix) + "\" is not a repository URL prefix");
               }
               if (!git::parseUrl(cred.url_prefix)->password.empty()) {
                 return r_.error(v, p, "the URL must not contain a password; use passwordFile");
               }
               return ok();
             }},
            {"username", [&](const YAML::Node& v,
                             const std::string& p) { return r_.readString(v, p, cred.username); }},
            {"passwordFile",
             [&](const YAML::Node& v, const std::string& p) {
               return pathValue(v, p, e.password_file);
             }},
            {"password",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.error(v, p, std::string(kNoInline) + "passwordFile");
             }},
            {"sshPrivateKeyFile",
             [&](const YAML::Node& v, const std::string& p) {
               return pathValue(v, p, cred.ssh_private_key_file);
             }},
            {"sshPassphraseFile",
             [&](const YAML::Node& v, const std::string& p) {
               return pathValue(v, p, e.ssh_passphrase_file);
             }},
            {"sshPassphrase",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.error(v, p, std::string(kNoInline) + "sshPassphraseFile");
             }},
            {"sshPrivateKey",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.error(v, p, std::string(kNoInline) + "sshPrivateKeyFile");
             }},
            {"knownHostsFile",
             [&](const YAML::Node& v, const std::string& p) {
               return pathValue(v, p, cred.known_hosts_file);
             }},
            {"caFile", [&](const YAML::Node& v,
                           const std::string& p) { return pathValue(v, p, cred.ca_file); }},
            {"insecure",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readBool(v, p, cred.insecure_skip_host_key_check); !s.ok()) return s;
               if (cred.insecure_skip_host_key_check) {
                 r_.warn(v, p, "SSH host keys are not checked for these repositories");
               }
               return ok();
             }},
        });
    if (!status.ok()) return status;
    if (cred.url_prefix.empty()) return r_.error(node, detail::joinPath(path, "url"), "required");
    if (!e.password_file.empty() && cred.username.empty()) {
      return r_.error(node, detail::joinPath(path, "username"),
                      "required with passwordFile (any non-empty name for a token)");
    }
    if (!e.ssh_passphrase_file.empty() && cred.ssh_private_key_file.empty()) {
      return r_.error(node, detail::joinPath(path, "sshPrivateKeyFile"),
                      "required with sshPassphraseFile");
    }
    return ok();
  }

  core::Status render(const YAML::Node& node, const std::string& path) {
    RenderSettings& settings = c_.render;
    return r_.readMapping(
        node, path,
        {
            {"kustomize",
             [&](const YAML::Node& v, const std::string& p) {
               return programValue(v, p, settings.kustomize);
             }},
            {"helm", [&](const YAML::Node& v,
                         const std::string& p) { return programValue(v, p, settings.helm); }},
            {"timeout",
             [&](const YAML::Node& v, const std::string& p) {
               return positiveDuration(v, p, settings.timeout);
             }},
        });
  }

  core::Status paths(const YAML::Node& node, const std::string& path) {
    return r_.readMapping(
        node, path,
        {
            {"cache", [&](const YAML::Node& v,
                          const std::string& p) { return pathValue(v, p, c_.paths.cache); }},
            {"state", [&](const YAML::Node& v,
                          const std::string& p) { return pathValue(v, p, c_.paths.state); }},
        });
  }

  core::Status listen(const YAML::Node& node, const std::string& path) {
    return r_.readMapping(
        node, path,
        {
            {"address",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, c_.listen.address); !s.ok()) {
                 return s;
               }
               if (!validListenAddress(c_.listen.address)) {
                 return r_.error(v, p,
                                 "\"" + c_.listen.address + "\" is not host:port (port 1-65535)");
               }
               return ok();
             }},
            {"tokensFile",
             [&](const YAML::Node& v, const std::string& p) {
               return pathValue(v, p, c_.listen.tokens_file);
             }},
            {"tls",
             [&](const YAML::Node& v, const std::string& p) {
               auto& l = c_.listen;
               if (auto s = r_.readMapping(v, p,
                                           {
                                               {"certFile",
                                                [&](const YAML::Node& f, const std::string& fp) {
                                                  return pathValue(f, fp, l.tls_cert_file);
                                                }},
                                               {"keyFile",
                                                [&](const YAML::Node& f, const std::string& fp) {
                                                  return pathValue(f, fp, l.tls_key_file);
                                                }},
                                           });
                   !s.ok()) {
                 return s;
               }
               if (l.tls_cert_file.empty() != l.tls_key_file.empty()) {
                 return r_.error(v, p, "certFile and keyFile go together");
               }
               return ok();
             }},
        });
  }

  core::Status webhook(const YAML::Node& node, const std::string& path) {
    auto& w = c_.webhook;
    const auto file = [&](std::string& out) {
      return [&](const YAML::Node& v, const std::string& p) { return pathValue(v, p, out); };
    };
    return r_.readMapping(node, path,
                          {
                              {"githubSecretFile", file(w.github_secret_file)},
                              {"gitlabSecretFile", file(w.gitlab_secret_file)},
                              {"giteaSecretFile", file(w.gitea_secret_file)},
                              {"bitbucketUUIDFile", file(w.bitbucket_uuid_file)},
                              {"maxPayloadBytes",
                               [&](const YAML::Node& v, const std::string& p) {
                                 std::int64_t value = 0;
                                 if (auto s = r_.readInt(v, p, value); !s.ok()) return s;
                                 if (value < 1024) return r_.error(v, p, "must be at least 1024");
                                 w.max_payload_bytes = static_cast<std::size_t>(value);
                                 return ok();
                               }},
                          });
  }

  core::Status reconcile(const YAML::Node& node, const std::string& path) {
    return r_.readMapping(node, path,
                          {
                              {"workers",
                               [&](const YAML::Node& v, const std::string& p) {
                                 return intAtLeast(v, p, 1, c_.reconcile.workers);
                               }},
                              {"resyncInterval",
                               [&](const YAML::Node& v, const std::string& p) {
                                 return r_.readDuration(v, p, c_.reconcile.resync_interval);
                               }},
                          });
  }

  core::Status rollouts(const YAML::Node& node, const std::string& path) {
    auto& r = c_.rollouts;
    return r_.readMapping(
        node, path,
        {
            {"enabled", [&](const YAML::Node& v,
                            const std::string& p) { return r_.readBool(v, p, r.enabled); }},
            {"namespaces",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readStringList(v, p, r.namespaces);
             }},
            {"workers", [&](const YAML::Node& v,
                            const std::string& p) { return intAtLeast(v, p, 1, r.workers); }},
            {"installCRDs",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readBool(v, p, r.install_crds);
             }},
            {"analysisWorkers",
             [&](const YAML::Node& v, const std::string& p) {
               return intAtLeast(v, p, 1, r.analysis_workers);
             }},
        });
  }

  core::Status applications(const YAML::Node& node, const std::string& path) {
    c_.applications.clear();
    return r_.readList(node, path, [&](const YAML::Node& item, const std::string& at) {
      Application app;
      if (auto s = detail::readApplication(r_, item, at, at, false, app); !s.ok()) return s;
      for (const auto& other : c_.applications) {
        if (other.name == app.name) {
          return r_.error(item, detail::joinPath(at, "metadata.name"),
                          "application \"" + app.name + "\" is defined twice (lines " +
                              std::to_string(other.line) + " and " + std::to_string(app.line) +
                              ")");
        }
      }
      c_.applications.push_back(std::move(app));
      return ok();
    });
  }

  YamlReader& r_;
  DaemonConfig& c_;
  std::string base_dir_;
  std::optional<std::string> home_;
};

// Reads a whole file; nullopt with `error` set when it cannot.
std::optional<std::string> readFile(const std::string& path, std::string& error) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    error = "no such file";
    return std::nullopt;
  }
  if (fs::is_directory(path, ec)) {
    error = "is a folder, not a file";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot be read";
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) {
    error = "cannot be read";
    return std::nullopt;
  }
  return content.str();
}

std::string trimOneNewline(std::string text) {
  if (!text.empty() && text.back() == '\n') {
    text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
  }
  return text;
}

}  // namespace

const ClusterEntry* DaemonConfig::findCluster(const ApplicationDestination& destination) const {
  if (!destination.name.empty()) {
    for (const auto& entry : clusters) {
      if (entry.name == destination.name) return &entry;
    }
    if (destination.name == cluster.name || destination.name == kInClusterName) return &cluster;
    return nullptr;
  }
  const std::string server = trimSlash(destination.server);
  if (server.empty()) return nullptr;
  for (const auto& entry : clusters) {
    if (!entry.server.empty() && trimSlash(entry.server) == server) return &entry;
  }
  if ((!cluster.server.empty() && trimSlash(cluster.server) == server) ||
      server == kInClusterServer) {
    return &cluster;
  }
  return nullptr;
}

std::vector<git::RepoCredentials> DaemonConfig::repoCredentials() const {
  std::vector<git::RepoCredentials> out;
  out.reserve(git.repositories.size());
  for (const auto& entry : git.repositories) out.push_back(entry.credentials);
  return out;
}

core::Result<DaemonConfig> parseDaemonConfig(std::string_view file_for_messages,
                                             std::string_view text, std::string_view base_dir,
                                             const std::optional<std::string>& home) {
  const std::string file(file_for_messages);
  constexpr std::size_t kMaxBytes = std::size_t{4} * 1024 * 1024;
  if (text.size() > kMaxBytes) {
    return core::invalidError(file + ": " + std::to_string(text.size()) +
                              " bytes exceeds the limit of " + std::to_string(kMaxBytes) +
                              " bytes");
  }
  std::optional<std::string> home_dir = home;
  if (!home_dir) {
    if (const char* env = std::getenv("HOME")) home_dir = std::string(env);
  }
  DaemonConfig config;
  config.file = file;
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(std::string(text));
    std::vector<YAML::Node> used;
    for (const auto& document : documents) {
      if (!YamlReader::isNull(document)) used.push_back(document);
    }
    if (used.size() > 1) {
      return core::invalidError(file + ":" + std::to_string(used[1].Mark().line + 1) +
                                ": the config file holds more than one YAML document");
    }
    if (used.empty()) return config;  // an empty file: every default
    YamlReader reader(file, 2 * text.size() + 1024, config.warnings);
    ConfigReader config_reader(reader, config, std::string(base_dir), home_dir);
    if (auto status = config_reader.read(used[0]); !status.ok()) return status;
  } catch (const YAML::Exception& e) {
    return detail::yamlSyntaxError(file, text, e);
  } catch (const std::exception& e) {
    return core::internalError(file + ": " + e.what());
  }
  return config;
}

core::Result<DaemonConfig> loadDaemonConfigFile(const std::string& path) {
  std::string error;
  const auto text = readFile(path, error);
  if (!text) {
    const std::string message = "config file " + path + ": " + error;
    return error == "no such file" ? core::notFoundError(message) : core::invalidError(message);
  }
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) absolute = path;
  auto parsed = parseDaemonConfig(path, *text, absolute.parent_path().string());
  if (!parsed.ok()) return parsed.status();
  DaemonConfig config = std::move(parsed).value();
  for (std::size_t i = 0; i < config.git.repositories.size(); ++i) {
    RepositoryEntry& entry = config.git.repositories[i];
    const std::string field = "git.repositories[" + std::to_string(i) + "].";
    const auto fail = [&](const std::string& name, const std::string& file,
                          const std::string& why) {
      return core::invalidError(entry.file + ":" + std::to_string(entry.line) + ": " + field +
                                name + ": " + file + " " + why);
    };
    const auto secret = [&](const std::string& name, const std::string& file,
                            std::string& out) -> core::Status {
      if (file.empty()) return ok();
      std::string why;
      auto content = readFile(file, why);
      if (!content) return fail(name, file, why);
      out = trimOneNewline(std::move(*content));
      if (out.empty()) return fail(name, file, "is empty");
      return ok();
    };
    if (auto s = secret("passwordFile", entry.password_file, entry.credentials.password); !s.ok()) {
      return s;
    }
    if (auto s = secret("sshPassphraseFile", entry.ssh_passphrase_file,
                        entry.credentials.ssh_passphrase);
        !s.ok()) {
      return s;
    }
    const std::pair<const char*, const std::string*> files[] = {
        {"sshPrivateKeyFile", &entry.credentials.ssh_private_key_file},
        {"knownHostsFile", &entry.credentials.known_hosts_file},
        {"caFile", &entry.credentials.ca_file},
    };
    for (const auto& [name, file] : files) {
      if (file->empty()) continue;
      if (!fs::is_regular_file(*file, ec)) {
        return fail(name, *file, fs::exists(*file, ec) ? "is not a file" : "does not exist");
      }
    }
  }
  const std::string where = path + ": ";
  auto& webhook = config.webhook;
  const std::pair<const char*, std::pair<const std::string*, std::string*>> secrets[] = {
      {"webhook.githubSecretFile", {&webhook.github_secret_file, &webhook.github_secret}},
      {"webhook.gitlabSecretFile", {&webhook.gitlab_secret_file, &webhook.gitlab_secret}},
      {"webhook.giteaSecretFile", {&webhook.gitea_secret_file, &webhook.gitea_secret}},
      {"webhook.bitbucketUUIDFile", {&webhook.bitbucket_uuid_file, &webhook.bitbucket_uuid}},
  };
  for (const auto& [name, files] : secrets) {
    if (files.first->empty()) continue;
    std::string why;
    auto content = readFile(*files.first, why);
    if (!content) return core::invalidError(where + name + ": " + *files.first + " " + why);
    *files.second = trimOneNewline(std::move(*content));
    if (files.second->empty()) {
      return core::invalidError(where + name + ": " + *files.first + " is empty");
    }
  }
  const std::pair<const char*, const std::string*> listen_files[] = {
      {"listen.tokensFile", &config.listen.tokens_file},
      {"listen.tls.certFile", &config.listen.tls_cert_file},
      {"listen.tls.keyFile", &config.listen.tls_key_file},
  };
  for (const auto& [name, file] : listen_files) {
    if (!file->empty() && !fs::is_regular_file(*file, ec)) {
      return core::invalidError(where + name + ": " + *file + " " +
                                (fs::exists(*file, ec) ? "is not a file" : "does not exist"));
    }
  }
  return config;
}

}  // namespace gitopsd::config
