#include "kube/config.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace gitopsd::kube {
namespace {

namespace fs = std::filesystem;

// Thrown inside the parser only; turned into a Status at the edge.
struct ParseError {
  YAML::Mark mark;
  std::string message;
};

struct RawCluster {
  std::string file;
  std::string base_dir;
  YAML::Mark mark;
  std::string server;
  std::string ca_file;
  std::string ca_data;  // base64 as written
  bool insecure_skip_verify = false;
  std::string server_name;
  std::string proxy_url;
};

struct RawUser {
  std::string file;
  std::string base_dir;
  YAML::Mark mark;
  std::string token;
  std::string token_file;
  std::string cert_file;
  std::string cert_data;  // base64 as written
  std::string key_file;
  std::string key_data;  // base64 as written
  std::string username;
  std::string password;
  std::optional<ExecConfig> exec;
  std::string auth_provider;  // name of an auth-provider entry, which we reject
  bool auth_provider_set = false;
  bool impersonation = false;
};

struct RawContext {
  std::string file;
  YAML::Mark mark;
  std::string cluster;
  std::string user;
  std::string ns;
};

struct Merged {
  std::map<std::string, RawCluster> clusters;
  std::map<std::string, RawUser> users;
  std::map<std::string, RawContext> contexts;
  std::string current_context;
  std::string current_context_file;
  std::vector<std::string> files;
};

std::string quote(const std::string& s) { return "\"" + s + "\""; }

std::string at(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return "kubeconfig " + file;
  return "kubeconfig " + file + ", line " + std::to_string(mark.line + 1);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

std::string scalar(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  if (!value || value.IsNull()) return {};
  if (!value.IsScalar()) throw ParseError{value.Mark(), std::string(key) + " must be a string"};
  return value.Scalar();
}

bool boolean(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  if (!value || value.IsNull()) return false;
  bool result = false;
  if (!value.IsScalar() || !YAML::convert<bool>::decode(value, result)) {
    throw ParseError{value.Mark(), std::string(key) + " must be true or false"};
  }
  return result;
}

// Calls fn(name, body, item) for each {name: ..., <body_key>: {...}} in the list at key.
template <typename Fn>
void forEachNamed(const YAML::Node& root, const char* key, const char* body_key, Fn fn) {
  const YAML::Node list = root[key];
  if (!list || list.IsNull()) return;
  if (!list.IsSequence()) throw ParseError{list.Mark(), std::string(key) + " must be a list"};
  for (const YAML::Node& item : list) {
    if (!item.IsMap()) throw ParseError{item.Mark(), std::string(key) + " entries must be maps"};
    const std::string name = scalar(item, "name");
    if (name.empty()) throw ParseError{item.Mark(), std::string(key) + " entry without a name"};
    YAML::Node body = item[body_key];
    if (body && !body.IsNull() && !body.IsMap()) {
      throw ParseError{body.Mark(),
                       std::string(key) + " " + quote(name) + ": " + body_key + " must be a map"};
    }
    fn(name, body && body.IsMap() ? body : YAML::Node(YAML::NodeType::Map), item.Mark());
  }
}

ExecConfig parseExec(const YAML::Node& node) {
  if (!node.IsMap()) throw ParseError{node.Mark(), "exec must be a map"};
  ExecConfig exec;
  exec.command = scalar(node, "command");
  const std::string api_version = scalar(node, "apiVersion");
  if (!api_version.empty()) exec.api_version = api_version;
  exec.install_hint = scalar(node, "installHint");
  exec.provide_cluster_info = boolean(node, "provideClusterInfo");
  if (const YAML::Node args = node["args"]; args && !args.IsNull()) {
    if (!args.IsSequence()) throw ParseError{args.Mark(), "exec args must be a list"};
    for (const YAML::Node& arg : args) {
      if (!arg.IsScalar()) throw ParseError{arg.Mark(), "exec args must be strings"};
      exec.args.push_back(arg.Scalar());
    }
  }
  if (const YAML::Node env = node["env"]; env && !env.IsNull()) {
    if (!env.IsSequence()) throw ParseError{env.Mark(), "exec env must be a list"};
    for (const YAML::Node& var : env) {
      if (!var.IsMap()) throw ParseError{var.Mark(), "exec env entries must be {name, value}"};
      std::string name = scalar(var, "name");
      if (name.empty()) throw ParseError{var.Mark(), "exec env entry without a name"};
      exec.env.emplace_back(std::move(name), scalar(var, "value"));
    }
  }
  return exec;
}

void parseDocument(const std::string& yaml, const std::string& file, const std::string& base_dir,
                   Merged& merged) {
  const YAML::Node root = YAML::Load(yaml);
  if (!root || root.IsNull()) return;
  if (!root.IsMap()) throw ParseError{root.Mark(), "expected a kubeconfig mapping at the top"};

  forEachNamed(root, "clusters", "cluster",
               [&](const std::string& name, const YAML::Node& body, const YAML::Mark& mark) {
                 if (merged.clusters.contains(name)) return;
                 RawCluster c;
                 c.file = file;
                 c.base_dir = base_dir;
                 c.mark = mark;
                 c.server = scalar(body, "server");
                 c.ca_file = scalar(body, "certificate-authority");
                 c.ca_data = scalar(body, "certificate-authority-data");
                 c.insecure_skip_verify = boolean(body, "insecure-skip-tls-verify");
                 c.server_name = scalar(body, "tls-server-name");
                 c.proxy_url = scalar(body, "proxy-url");
                 merged.clusters.emplace(name, std::move(c));
               });
  forEachNamed(root, "users", "user",
               [&](const std::string& name, const YAML::Node& body, const YAML::Mark& mark) {
                 if (merged.users.contains(name)) return;
                 RawUser u;
                 u.file = file;
                 u.base_dir = base_dir;
                 u.mark = mark;
                 u.token = scalar(body, "token");
                 u.token_file = scalar(body, "tokenFile");
                 u.cert_file = scalar(body, "client-certificate");
                 u.cert_data = scalar(body, "client-certificate-data");
                 u.key_file = scalar(body, "client-key");
                 u.key_data = scalar(body, "client-key-data");
                 u.username = scalar(body, "username");
                 u.password = scalar(body, "password");
                 if (const YAML::Node exec = body["exec"]; exec && !exec.IsNull()) {
                   u.exec = parseExec(exec);
                 }
                 if (const YAML::Node ap = body["auth-provider"]; ap && !ap.IsNull()) {
                   u.auth_provider_set = true;
                   if (ap.IsMap()) u.auth_provider = scalar(ap, "name");
                 }
                 u.impersonation = body["as"] || body["as-uid"] || body["as-groups"];
                 merged.users.emplace(name, std::move(u));
               });
  forEachNamed(root, "contexts", "context",
               [&](const std::string& name, const YAML::Node& body, const YAML::Mark& mark) {
                 if (merged.contexts.contains(name)) return;
                 RawContext c;
                 c.file = file;
                 c.mark = mark;
                 c.cluster = scalar(body, "cluster");
                 c.user = scalar(body, "user");
                 c.ns = scalar(body, "namespace");
                 merged.contexts.emplace(name, std::move(c));
               });
  if (merged.current_context.empty()) {
    merged.current_context = scalar(root, "current-context");
    if (!merged.current_context.empty()) merged.current_context_file = file;
  }
}

core::Status parseInto(const std::string& yaml, const std::string& file,
                       const std::string& base_dir, Merged& merged) {
  auto locate = [&](const YAML::Mark& mark) {
    if (mark.is_null()) return "kubeconfig " + file + ": ";
    return "kubeconfig " + file + ", line " + std::to_string(mark.line + 1) + ", column " +
           std::to_string(mark.column + 1) + ": ";
  };
  try {
    parseDocument(yaml, file, base_dir, merged);
  } catch (const ParseError& e) {
    return core::invalidError(locate(e.mark) + e.message);
  } catch (const YAML::Exception& e) {
    return core::invalidError(locate(e.mark) + e.msg);
  }
  merged.files.push_back(file);
  return {};
}

// Standard base64 (padding required, line breaks allowed) as kubeconfig's []byte fields use.
std::optional<std::string> decodeBase64(const std::string& text) {
  std::string compact;
  compact.reserve(text.size());
  for (char ch : text) {
    if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') compact.push_back(ch);
  }
  if (compact.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < compact.size(); ++i) {
    const char ch = compact[i];
    const bool alphabet = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                          (ch >= '0' && ch <= '9') || ch == '+' || ch == '/';
    if (ch == '=') {
      if (i + 2 < compact.size()) return std::nullopt;
      ++padding;
    } else if (!alphabet || padding > 0) {
      return std::nullopt;
    }
  }
  if (compact.empty()) return std::string();
  std::string out(compact.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(compact.data()),
                                static_cast<int>(compact.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the zero bytes that padding stands for.
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string resolvePath(const std::string& base_dir, const std::string& path) {
  if (path.empty() || base_dir.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(base_dir) / path).lexically_normal().string();
}

bool isSupportedExecApiVersion(const std::string& v) {
  return v == "client.authentication.k8s.io/v1" || v == "client.authentication.k8s.io/v1beta1";
}

core::Result<ClusterConfig> resolve(const Merged& merged, const std::string& requested) {
  const std::string files = join(merged.files);
  const std::string context_name = requested.empty() ? merged.current_context : requested;
  if (context_name.empty()) {
    return core::invalidError("kubeconfig " + files +
                              ": no context given and no current-context set");
  }
  const auto context_it = merged.contexts.find(context_name);
  if (context_it == merged.contexts.end()) {
    const std::string source =
        requested.empty() ? " (current-context in " + merged.current_context_file + ")" : "";
    return core::invalidError("kubeconfig " + files + ": context " + quote(context_name) + source +
                              " not found");
  }
  const RawContext& context = context_it->second;
  const std::string context_at =
      at(context.file, context.mark) + ": context " + quote(context_name);
  if (context.cluster.empty()) return core::invalidError(context_at + " names no cluster");
  const auto cluster_it = merged.clusters.find(context.cluster);
  if (cluster_it == merged.clusters.end()) {
    return core::invalidError(context_at + ": cluster " + quote(context.cluster) + " not found");
  }
  const RawUser* user = nullptr;
  if (!context.user.empty()) {
    const auto user_it = merged.users.find(context.user);
    if (user_it == merged.users.end()) {
      return core::invalidError(context_at + ": user " + quote(context.user) + " not found");
    }
    user = &user_it->second;
  }

  ClusterConfig config;
  config.origin = "kubeconfig " + context.file + ", context " + context_name;
  if (!context.ns.empty()) config.default_namespace = context.ns;

  const RawCluster& cluster = cluster_it->second;
  const std::string cluster_at =
      at(cluster.file, cluster.mark) + ": cluster " + quote(context.cluster);
  if (cluster.server.empty()) return core::invalidError(cluster_at + " has no server");
  config.server = cluster.server;
  if (config.server.ends_with('/')) config.server.pop_back();
  config.proxy_url = cluster.proxy_url;
  config.tls.ca_file = resolvePath(cluster.base_dir, cluster.ca_file);
  config.tls.insecure_skip_verify = cluster.insecure_skip_verify;
  config.tls.server_name = cluster.server_name;
  if (!cluster.ca_data.empty()) {
    auto pem = decodeBase64(cluster.ca_data);
    if (!pem) {
      return core::invalidError(cluster_at + ": certificate-authority-data is not valid base64");
    }
    config.tls.ca_data = std::move(*pem);
  }

  if (user == nullptr) return config;
  const std::string user_at = at(user->file, user->mark) + ": user " + quote(context.user);
  if (user->auth_provider_set) {
    return core::invalidError(user_at + ": auth-provider " + quote(user->auth_provider) +
                              " is not supported; use an exec credential plugin");
  }
  if (user->impersonation) {
    return core::invalidError(user_at + ": impersonation (as, as-uid, as-groups) is not supported");
  }
  config.token = user->token;
  config.token_file = resolvePath(user->base_dir, user->token_file);
  config.username = user->username;
  config.password = user->password;
  config.tls.client_cert_file = resolvePath(user->base_dir, user->cert_file);
  config.tls.client_key_file = resolvePath(user->base_dir, user->key_file);
  if (!user->cert_data.empty()) {
    auto pem = decodeBase64(user->cert_data);
    if (!pem) {
      return core::invalidError(user_at + ": client-certificate-data is not valid base64");
    }
    config.tls.client_cert_data = std::move(*pem);
  }
  if (!user->key_data.empty()) {
    auto pem = decodeBase64(user->key_data);
    if (!pem) return core::invalidError(user_at + ": client-key-data is not valid base64");
    config.tls.client_key_data = std::move(*pem);
  }
  if (user->exec) {
    ExecConfig exec = *user->exec;
    if (exec.command.empty()) return core::invalidError(user_at + ": exec has no command");
    if (!isSupportedExecApiVersion(exec.api_version)) {
      return core::invalidError(user_at + ": exec apiVersion " + quote(exec.api_version) +
                                " is not supported (use client.authentication.k8s.io/v1 or "
                                "v1beta1)");
    }
    if (exec.command.find('/') != std::string::npos) {
      exec.command = resolvePath(user->base_dir, exec.command);
    }
    config.exec = std::move(exec);
  }
  return config;
}

enum class ReadOutcome { kOk, kMissing, kError };

ReadOutcome readFile(const std::string& path, std::string& out, std::string& error) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    if (!ec || ec == std::errc::no_such_file_or_directory) return ReadOutcome::kMissing;
    error = ec.message();
    return ReadOutcome::kError;
  }
  if (fs::is_directory(st)) {
    error = "is a directory";
    return ReadOutcome::kError;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return ReadOutcome::kError;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return ReadOutcome::kOk;
}

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const auto end = s.find_last_not_of(" \t\r\n");
  return s.substr(begin, end - begin + 1);
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

core::Result<ClusterConfig> loadKubeconfig(const KubeconfigOptions& options) {
  std::vector<std::string> paths = options.paths;
  if (paths.empty()) {
    const std::string list = env("KUBECONFIG");
    std::stringstream split(list);
    for (std::string item; std::getline(split, item, ':');) {
      if (!item.empty() && std::find(paths.begin(), paths.end(), item) == paths.end()) {
        paths.push_back(item);
      }
    }
    if (paths.empty()) {
      const std::string home = env("HOME");
      if (home.empty()) {
        return core::notFoundError("no kubeconfig: neither $KUBECONFIG nor $HOME is set");
      }
      paths.push_back((fs::path(home) / ".kube" / "config").string());
    }
  }

  Merged merged;
  for (const std::string& path : paths) {
    std::string text;
    std::string error;
    switch (readFile(path, text, error)) {
      case ReadOutcome::kMissing:
        continue;
      case ReadOutcome::kError:
        return core::invalidError("kubeconfig " + path + ": cannot read: " + error);
      case ReadOutcome::kOk:
        break;
    }
    std::error_code ec;
    const fs::path absolute = fs::absolute(path, ec);
    const std::string base_dir = ec ? std::string() : absolute.parent_path().string();
    if (core::Status s = parseInto(text, path, base_dir, merged); !s.ok()) return s;
  }
  if (merged.files.empty()) {
    return core::notFoundError("no kubeconfig found (looked for " + join(paths) + ")");
  }
  return resolve(merged, options.context);
}

core::Result<ClusterConfig> parseKubeconfig(const std::string& yaml, const std::string& origin,
                                            const std::string& base_dir,
                                            const std::string& context) {
  Merged merged;
  if (core::Status s = parseInto(yaml, origin, base_dir, merged); !s.ok()) return s;
  return resolve(merged, context);
}

InClusterEnvironment InClusterEnvironment::fromProcess() {
  InClusterEnvironment environment;
  environment.service_host = env("KUBERNETES_SERVICE_HOST");
  environment.service_port = env("KUBERNETES_SERVICE_PORT");
  return environment;
}

core::Result<ClusterConfig> inClusterConfig(const InClusterEnvironment& environment) {
  if (environment.service_host.empty() || environment.service_port.empty()) {
    return core::notFoundError("not running in a cluster: KUBERNETES_SERVICE_HOST/PORT unset");
  }
  std::string host = environment.service_host;
  if (host.find(':') != std::string::npos && !host.starts_with('[')) host = "[" + host + "]";

  const fs::path dir(environment.secrets_dir);
  ClusterConfig config;
  config.server = "https://" + host + ":" + environment.service_port;
  config.token_file = (dir / "token").string();
  config.tls.ca_file = (dir / "ca.crt").string();
  config.origin = "in-cluster service account (" + environment.secrets_dir + ")";

  std::error_code ec;
  if (!fs::exists(config.token_file, ec)) {
    return core::notFoundError("in-cluster service account token " + config.token_file +
                               " not found");
  }
  std::string ns;
  std::string error;
  if (readFile((dir / "namespace").string(), ns, error) == ReadOutcome::kOk) {
    ns = trim(ns);
    if (!ns.empty()) config.default_namespace = ns;
  }
  return config;
}

}  // namespace gitopsd::kube
