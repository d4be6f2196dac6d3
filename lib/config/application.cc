#include "config/application.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "config/application_internal.h"
#include "config/yaml_reader.h"
#include "git/url.h"
#include "manifest/yaml_write.h"

namespace gitopsd::config {
namespace {

using detail::YamlReader;
using Field = YamlReader::Field;
using Json = nlohmann::json;

core::Status ok() { return {}; }

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// valuesObject: YAML → JSON the way Kubernetes' YAML decoding reads it.
core::Status toJson(YamlReader& reader, const YAML::Node& node, const std::string& path, Json& out,
                    int depth) {
  if (auto status = reader.charge(node); !status.ok()) return status;
  if (depth > 100) return reader.error(node, path, "nested deeper than 100 levels");
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out = nullptr;
      return ok();
    case YAML::NodeType::Sequence: {
      out = Json::array();
      std::size_t index = 0;
      for (const auto& item : node) {
        Json value;
        if (auto status = toJson(reader, item, detail::indexPath(path, index++), value, depth + 1);
            !status.ok()) {
          return status;
        }
        out.push_back(std::move(value));
      }
      return ok();
    }
    case YAML::NodeType::Map: {
      out = Json::object();
      std::vector<YAML::Node> merges;
      for (auto it = node.begin(); it != node.end(); ++it) {
        const YAML::Node key = it->first;
        if (!key.IsScalar()) return reader.error(key, path, "a key must be a string");
        if (detail::isPlain(key) && key.Scalar() == "<<") {
          merges.push_back(it->second);
          continue;
        }
        std::string name = key.Scalar();
        if (detail::isPlain(key)) {
          const auto type = detail::resolvePlainScalar(name);
          if (type == detail::ScalarType::kNull) name = "null";
        }
        Json value;
        if (auto status =
                toJson(reader, it->second, detail::joinPath(path, name), value, depth + 1);
            !status.ok()) {
          return status;
        }
        out[name] = std::move(value);
      }
      for (const auto& merge : merges) {
        std::vector<YAML::Node> sources;
        if (merge.IsSequence()) {
          for (const auto& item : merge) sources.push_back(item);
        } else {
          sources.push_back(merge);
        }
        for (const auto& source : sources) {
          if (!source.IsMap())
            return reader.error(source, path, "a merge key (<<) needs a mapping");
          Json merged;
          if (auto status = toJson(reader, source, path, merged, depth + 1); !status.ok()) {
            return status;
          }
          for (auto& [name, value] : merged.items()) {
            if (!out.contains(name)) out[name] = std::move(value);
          }
        }
      }
      return ok();
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string& text = node.Scalar();
  if (!detail::isPlain(node)) {
    out = text;
    return ok();
  }
  switch (detail::resolvePlainScalar(text)) {
    case detail::ScalarType::kNull:
      out = nullptr;
      return ok();
    case detail::ScalarType::kBool: {
      bool value = false;
      if (auto status = reader.readBool(node, path, value); !status.ok()) return status;
      out = value;
      return ok();
    }
    case detail::ScalarType::kInt: {
      std::string digits;
      for (const char c : text) {
        if (c != '_') digits.push_back(c);
      }
      errno = 0;
      char* end = nullptr;
      const long long value = std::strtoll(digits.c_str(), &end, 0);
      const bool leading_zero_octal =
          digits.size() > 1 && digits[0] == '0' && digits[1] != 'x' && digits[1] != 'X';
      if (errno == 0 && end == digits.c_str() + digits.size() && !leading_zero_octal) {
        out = static_cast<std::int64_t>(value);
        return ok();
      }
      // 0o/0b prefixes, leading-0 octal and out-of-range values: keep the text.
      return reader.error(node, path,
                          "integer \"" + text +
                              "\" is not supported in valuesObject; quote it "
                              "or write it in decimal");
    }
    case detail::ScalarType::kFloat: {
      char* end = nullptr;
      std::string digits;
      for (const char c : text) {
        if (c != '_') digits.push_back(c);
      }
      const double value = std::strtod(digits.c_str(), &end);
      if (end != digits.c_str() + digits.size() || value != value ||
          value == std::numeric_limits<double>::infinity() ||
          value == -std::numeric_limits<double>::infinity()) {
        return reader.error(node, path, "\"" + text + "\" cannot be represented in JSON");
      }
      out = value;
      return ok();
    }
    case detail::ScalarType::kString:
      break;
  }
  out = text;
  return ok();
}

// True when `repo_url` is a URL a Git mirror can be made from.
bool isGitUrl(std::string_view url) {
  const auto parsed = git::parseUrl(url);
  if (!parsed) return false;
  if (parsed->scheme == "file") return !parsed->path.empty();
  return !parsed->host.empty();
}

class ApplicationReader {
 public:
  ApplicationReader(YamlReader& reader, Application& app) : r_(reader), app_(app) {}

  core::Status read(const YAML::Node& node, std::string_view path, std::string_view what,
                    bool require_type) {
    if (!node.IsMap()) {
      return r_.error(node, path, std::string(what) + " is not a mapping");
    }
    app_.line = r_.lineOf(node);
    app_.file = std::string(r_.file());
    if (auto status = checkType(node, what, require_type); !status.ok()) return status;
    bool has_metadata = false;
    bool has_spec = false;
    const auto status = r_.readMapping(
        node, path,
        {
            {"apiVersion", [](const YAML::Node&, const std::string&) { return ok(); }},
            {"kind", [](const YAML::Node&, const std::string&) { return ok(); }},
            {"metadata",
             [&](const YAML::Node& v, const std::string& p) {
               has_metadata = true;
               app_.name.clear();
               app_.namespace_.clear();
               app_.finalizers.clear();
               app_.labels.clear();
               app_.annotations.clear();
               return metadata(v, p);
             }},
            {"spec",
             [&](const YAML::Node& v, const std::string& p) {
               has_spec = true;
               return spec(v, p);
             }},
            {"operation", nullptr, "operations are not read from files; ignored"},
            {"status", nullptr, "status is not read from files; ignored"},
        });
    if (!status.ok()) return status;
    if (!has_metadata || app_.name.empty()) {
      return r_.error(node, detail::joinPath(path, "metadata.name"), "required");
    }
    if (!has_spec) return r_.error(node, detail::joinPath(path, "spec"), "required");
    return ok();
  }

 private:
  core::Status checkType(const YAML::Node& node, std::string_view what, bool require_type) {
    const YAML::Node api_version = node["apiVersion"];
    const YAML::Node kind = node["kind"];
    std::string version_text;
    std::string kind_text;
    if (api_version && !YamlReader::isNull(api_version) && api_version.IsScalar()) {
      version_text = api_version.Scalar();
    }
    if (kind && !YamlReader::isNull(kind) && kind.IsScalar()) kind_text = kind.Scalar();
    if (!require_type && version_text.empty() && kind_text.empty()) return ok();
    if (kind_text != kApplicationKind || version_text != kApplicationApiVersion) {
      std::string message(what);
      if (kind_text.empty() && version_text.empty()) {
        message += " has no apiVersion/kind";
      } else {
        message +=
            " is a " + (kind_text.empty() ? std::string("document without kind") : kind_text);
        message +=
            " (" + (version_text.empty() ? std::string("no apiVersion") : version_text) + ")";
      }
      message += ", expected an Argo CD Application (" + std::string(kApplicationApiVersion) + ")";
      return r_.error(node, "", message);
    }
    return ok();
  }

  core::Status metadata(const YAML::Node& node, const std::string& path) {
    constexpr std::string_view kServerSet = "set by the Kubernetes API server; ignored";
    return r_.readMapping(
        node, path,
        {
            {"name",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, app_.name); !s.ok()) return s;
               if (!detail::isDnsSubdomain(app_.name)) {
                 return r_.error(v, p,
                                 "\"" + app_.name +
                                     "\" is not a valid name (DNS-1123 subdomain: lower-case "
                                     "letters, digits, '-' and '.', at most 253 characters)");
               }
               return ok();
             }},
            {"namespace",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, app_.namespace_); !s.ok()) return s;
               if (!detail::isDnsLabel(app_.namespace_)) {
                 return r_.error(v, p, "\"" + app_.namespace_ + "\" is not a valid namespace");
               }
               return ok();
             }},
            {"finalizers",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readStringList(v, p, app_.finalizers);
             }},
            {"labels", [&](const YAML::Node& v,
                           const std::string& p) { return r_.readStringMap(v, p, app_.labels); }},
            {"annotations",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readStringMap(v, p, app_.annotations);
             }},
            {"generateName", nullptr, "not supported (metadata.name is required); ignored"},
            {"uid", nullptr, kServerSet},
            {"resourceVersion", nullptr, kServerSet},
            {"generation", nullptr, kServerSet},
            {"creationTimestamp", nullptr, kServerSet},
            {"deletionTimestamp", nullptr, kServerSet},
            {"deletionGracePeriodSeconds", nullptr, kServerSet},
            {"managedFields", nullptr, kServerSet},
            {"selfLink", nullptr, kServerSet},
            {"ownerReferences", nullptr, "not supported for applications; ignored"},
        });
  }

  core::Status spec(const YAML::Node& node, const std::string& path) {
    bool has_source = false;
    bool has_sources = false;
    bool has_destination = false;
    const auto status = r_.readMapping(
        node, path,
        {
            {"project",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, app_.project); !s.ok()) return s;
               if (app_.project.empty()) return r_.error(v, p, "must not be empty");
               return ok();
             }},
            {"source",
             [&](const YAML::Node& v, const std::string& p) {
               has_source = true;
               app_.source = ApplicationSource{};
               return source(v, p);
             }},
            {"sources",
             [&](const YAML::Node&, const std::string& p) {
               has_sources = true;
               r_.warn(r_.currentKey(), p,
                       "multiple sources are not supported; only spec.source is used");
               return ok();
             }},
            {"destination",
             [&](const YAML::Node& v, const std::string& p) {
               has_destination = true;
               app_.destination = ApplicationDestination{};
               return destination(v, p);
             }},
            {"syncPolicy",
             [&](const YAML::Node& v, const std::string& p) {
               app_.sync_policy = SyncPolicy{};
               return syncPolicy(v, p);
             }},
            {"ignoreDifferences",
             [&](const YAML::Node& v, const std::string& p) {
               app_.ignore_differences.clear();
               return r_.readList(v, p, [&](const YAML::Node& item, const std::string& at) {
                 app_.ignore_differences.emplace_back();
                 return ignoreDifferences(item, at, app_.ignore_differences.back());
               });
             }},
            {"revisionHistoryLimit",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readInt(v, p, app_.revision_history_limit); !s.ok()) return s;
               if (app_.revision_history_limit < 0) return r_.error(v, p, "must not be negative");
               return ok();
             }},
            {"info", nullptr, "not supported; ignored"},
        },
        "not supported by gitopsd; ignored");
    if (!status.ok()) return status;
    if (!has_source) {
      return r_.error(
          node, detail::joinPath(path, "source"),
          has_sources ? "required (spec.sources, multiple sources, is not supported)" : "required");
    }
    if (!has_destination) return r_.error(node, detail::joinPath(path, "destination"), "required");
    return ok();
  }

  core::Status source(const YAML::Node& node, const std::string& path) {
    ApplicationSource& src = app_.source;
    const auto status = r_.readMapping(
        node, path,
        {
            {"repoURL",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, src.repo_url); !s.ok()) return s;
               if (src.repo_url.empty()) return r_.error(v, p, "required");
               if (!isGitUrl(src.repo_url)) {
                 return r_.error(v, p,
                                 "\"" + git::redactUrl(src.repo_url) +
                                     "\" is not a Git repository URL (expected "
                                     "scheme://host/path or user@host:path)");
               }
               return ok();
             }},
            {"targetRevision",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, src.target_revision); !s.ok()) return s;
               if (src.target_revision.empty()) src.target_revision = "HEAD";
               return ok();
             }},
            {"path", [&](const YAML::Node& v,
                         const std::string& p) { return r_.readString(v, p, src.path); }},
            {"chart",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.error(v, p,
                               "Helm chart repositories are not supported; put the chart in "
                               "a Git repository and set path to its folder");
             }},
            {"directory",
             [&](const YAML::Node& v, const std::string& p) {
               src.directory.emplace();
               return directory(v, p, *src.directory);
             }},
            {"kustomize",
             [&](const YAML::Node& v, const std::string& p) {
               src.kustomize.emplace();
               return kustomize(v, p, *src.kustomize);
             }},
            {"helm",
             [&](const YAML::Node& v, const std::string& p) {
               src.helm.emplace();
               return helm(v, p, *src.helm);
             }},
            {"plugin", nullptr, "config management plugins are not supported; ignored"},
            {"ref", nullptr, "only used with spec.sources, which is not supported; ignored"},
            {"name", nullptr, "only used with spec.sources, which is not supported; ignored"},
        },
        "not supported by gitopsd; ignored");
    if (!status.ok()) return status;
    if (src.repo_url.empty()) return r_.error(node, detail::joinPath(path, "repoURL"), "required");
    const int types = (src.directory ? 1 : 0) + (src.kustomize ? 1 : 0) + (src.helm ? 1 : 0);
    if (types > 1) {
      return r_.error(node, path,
                      "more than one source type (directory, kustomize, helm) is set; "
                      "keep one");
    }
    return ok();
  }

  core::Status directory(const YAML::Node& node, const std::string& path, DirectorySource& dir) {
    if (YamlReader::isNull(node)) return ok();
    return r_.readMapping(
        node, path,
        {
            {"recurse", [&](const YAML::Node& v,
                            const std::string& p) { return r_.readBool(v, p, dir.recurse); }},
            {"include", [&](const YAML::Node& v,
                            const std::string& p) { return r_.readString(v, p, dir.include); }},
            {"exclude", [&](const YAML::Node& v,
                            const std::string& p) { return r_.readString(v, p, dir.exclude); }},
            {"jsonnet", nullptr,
             "Jsonnet is not supported (only YAML and JSON files are rendered); ignored"},
        },
        "not supported by gitopsd; ignored");
  }

  core::Status kustomize(const YAML::Node& node, const std::string& path, KustomizeSource& k) {
    if (YamlReader::isNull(node)) return ok();
    return r_.readMapping(
        node, path,
        {
            {"namePrefix",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readString(v, p, k.name_prefix);
             }},
            {"nameSuffix",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readString(v, p, k.name_suffix);
             }},
            {"images", [&](const YAML::Node& v,
                           const std::string& p) { return r_.readStringList(v, p, k.images); }},
            {"commonLabels",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readStringMap(v, p, k.common_labels);
             }},
            {"commonAnnotations",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readStringMap(v, p, k.common_annotations);
             }},
            {"namespace",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, k.namespace_); !s.ok()) return s;
               if (!k.namespace_.empty() && !detail::isDnsLabel(k.namespace_)) {
                 return r_.error(v, p, "\"" + k.namespace_ + "\" is not a valid namespace");
               }
               return ok();
             }},
            {"version", nullptr,
             "choosing a kustomize version is not supported (the configured kustomize "
             "binary is used); ignored"},
        },
        "not supported by gitopsd; ignored");
  }

  core::Status helm(const YAML::Node& node, const std::string& path, HelmSource& h) {
    if (YamlReader::isNull(node)) return ok();
    return r_.readMapping(
        node, path,
        {
            {"releaseName",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readString(v, p, h.release_name);
             }},
            {"valueFiles",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readStringList(v, p, h.value_files);
             }},
            {"values", [&](const YAML::Node& v,
                           const std::string& p) { return r_.readString(v, p, h.values); }},
            {"valuesObject",
             [&](const YAML::Node& v, const std::string& p) {
               if (!v.IsMap()) return r_.error(v, p, "expected a mapping");
               Json json;
               if (auto s = toJson(r_, v, p, json, 0); !s.ok()) return s;
               h.values_object = json.dump();
               return ok();
             }},
            {"parameters",
             [&](const YAML::Node& v, const std::string& p) {
               h.parameters.clear();
               return r_.readList(v, p, [&](const YAML::Node& item, const std::string& at) {
                 h.parameters.emplace_back();
                 return helmParameter(item, at, h.parameters.back());
               });
             }},
            {"skipCrds", [&](const YAML::Node& v,
                             const std::string& p) { return r_.readBool(v, p, h.skip_crds); }},
            {"passCredentials", nullptr,
             "only matters for Helm chart repositories, which are not supported; ignored"},
        },
        "not supported by gitopsd; ignored");
  }

  core::Status helmParameter(const YAML::Node& node, const std::string& path, HelmParameter& p) {
    const auto status = r_.readMapping(
        node, path,
        {
            {"name", [&](const YAML::Node& v,
                         const std::string& at) { return r_.readString(v, at, p.name); }},
            {"value", [&](const YAML::Node& v,
                          const std::string& at) { return r_.readString(v, at, p.value); }},
            {"forceString",
             [&](const YAML::Node& v, const std::string& at) {
               return r_.readBool(v, at, p.force_string);
             }},
        });
    if (!status.ok()) return status;
    if (p.name.empty()) return r_.error(node, detail::joinPath(path, "name"), "required");
    return ok();
  }

  core::Status destination(const YAML::Node& node, const std::string& path) {
    ApplicationDestination& d = app_.destination;
    const auto status = r_.readMapping(
        node, path,
        {
            {"server",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, d.server); !s.ok()) return s;
               if (!d.server.empty() && !startsWith(d.server, "https://") &&
                   !startsWith(d.server, "http://")) {
                 return r_.error(v, p, "\"" + d.server + "\" is not an http(s) URL");
               }
               return ok();
             }},
            {"name", [&](const YAML::Node& v,
                         const std::string& p) { return r_.readString(v, p, d.name); }},
            {"namespace",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readString(v, p, d.namespace_); !s.ok()) return s;
               if (!d.namespace_.empty() && !detail::isDnsLabel(d.namespace_)) {
                 return r_.error(v, p, "\"" + d.namespace_ + "\" is not a valid namespace");
               }
               return ok();
             }},
        },
        "not supported by gitopsd; ignored");
    if (!status.ok()) return status;
    if (d.server.empty() == d.name.empty()) {
      return r_.error(node, path,
                      d.server.empty() ? "one of server or name is required"
                                       : "set either server or name, not both");
    }
    return ok();
  }

  core::Status syncPolicy(const YAML::Node& node, const std::string& path) {
    SyncPolicy& policy = app_.sync_policy;
    return r_.readMapping(
        node, path,
        {
            {"automated",
             [&](const YAML::Node& v, const std::string& p) {
               if (YamlReader::isNull(v)) {
                 r_.warn(r_.currentKey(), p,
                         "null leaves automated sync off (as in Argo CD); write "
                         "`automated: {}` to turn it on");
                 return ok();
               }
               policy.automated.emplace();
               return automated(v, p, *policy.automated);
             },
             {},
             true},
            {"syncOptions",
             [&](const YAML::Node& v, const std::string& p) { return syncOptions(v, p); }},
            {"retry",
             [&](const YAML::Node& v, const std::string& p) {
               policy.retry.emplace();
               return retry(v, p, *policy.retry);
             }},
            {"managedNamespaceMetadata", nullptr,
             "managed namespace metadata is not supported; ignored"},
        },
        "not supported by gitopsd; ignored");
  }

  core::Status automated(const YAML::Node& node, const std::string& path, AutomatedSync& a) {
    return r_.readMapping(
        node, path,
        {
            {"enabled", [&](const YAML::Node& v,
                            const std::string& p) { return r_.readBool(v, p, a.enabled); }},
            {"prune",
             [&](const YAML::Node& v, const std::string& p) { return r_.readBool(v, p, a.prune); }},
            {"selfHeal", [&](const YAML::Node& v,
                             const std::string& p) { return r_.readBool(v, p, a.self_heal); }},
            {"allowEmpty", [&](const YAML::Node& v,
                               const std::string& p) { return r_.readBool(v, p, a.allow_empty); }},
        },
        "not supported by gitopsd; ignored");
  }

  core::Status syncOptions(const YAML::Node& node, const std::string& path) {
    SyncOptions& options = app_.sync_policy.options;
    options = SyncOptions{};
    return r_.readList(node, path, [&](const YAML::Node& item, const std::string& at) {
      std::string entry;
      if (YamlReader::isNull(item)) return r_.error(item, at, "expected a string, got null");
      if (auto s = r_.readString(item, at, entry); !s.ok()) return s;
      const auto eq = entry.find('=');
      if (eq == std::string::npos || eq == 0) {
        return r_.error(item, at, "\"" + entry + "\" is not a Key=value sync option");
      }
      const std::string key = entry.substr(0, eq);
      const std::string value = entry.substr(eq + 1);
      const auto flag = [&](std::optional<bool>& out) {
        if (value != "true" && value != "false") {
          return r_.error(item, at, key + " must be true or false, got \"" + value + "\"");
        }
        out = value == "true";
        return ok();
      };
      if (key == "CreateNamespace") return flag(options.create_namespace);
      if (key == "PruneLast") return flag(options.prune_last);
      if (key == "ServerSideApply") return flag(options.server_side_apply);
      if (key == "Validate") return flag(options.validate);
      if (key == "ApplyOutOfSyncOnly") return flag(options.apply_out_of_sync_only);
      if (key == "RespectIgnoreDifferences") return flag(options.respect_ignore_differences);
      if (key == "Replace") return flag(options.replace);
      if (key == "FailOnSharedResource") return flag(options.fail_on_shared_resource);
      if (key == "PrunePropagationPolicy") {
        if (value == "foreground") {
          options.prune_propagation_policy = PropagationPolicy::kForeground;
        } else if (value == "background") {
          options.prune_propagation_policy = PropagationPolicy::kBackground;
        } else if (value == "orphan") {
          options.prune_propagation_policy = PropagationPolicy::kOrphan;
        } else {
          return r_.error(item, at,
                          "PrunePropagationPolicy must be foreground, background or orphan, "
                          "got \"" +
                              value + "\"");
        }
        return ok();
      }
      if (key == "Prune") {
        r_.warn(item, at,
                "\"" + entry +
                    "\" applies per resource (annotation argocd.argoproj.io/sync-options), "
                    "not per application; ignored here");
      } else {
        r_.warn(item, at, "sync option \"" + key + "\" is not supported; ignored");
      }
      options.other.push_back(entry);
      return ok();
    });
  }

  core::Status retry(const YAML::Node& node, const std::string& path, RetryStrategy& retry) {
    if (YamlReader::isNull(node)) return ok();
    return r_.readMapping(
        node, path,
        {
            {"limit", [&](const YAML::Node& v,
                          const std::string& p) { return r_.readInt(v, p, retry.limit); }},
            {"backoff",
             [&](const YAML::Node& v, const std::string& p) {
               retry.backoff = RetryBackoff{};
               return backoff(v, p, retry.backoff);
             }},
        },
        "not supported by gitopsd; ignored");
  }

  core::Status backoff(const YAML::Node& node, const std::string& path, RetryBackoff& b) {
    const auto status = r_.readMapping(
        node, path,
        {
            {"duration", [&](const YAML::Node& v,
                             const std::string& p) { return r_.readDuration(v, p, b.duration); }},
            {"factor",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readInt(v, p, b.factor); !s.ok()) return s;
               if (b.factor < 1) return r_.error(v, p, "must be at least 1");
               return ok();
             }},
            {"maxDuration",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readDuration(v, p, b.max_duration);
             }},
        },
        "not supported by gitopsd; ignored");
    if (!status.ok()) return status;
    return ok();
  }

  core::Status ignoreDifferences(const YAML::Node& node, const std::string& path,
                                 IgnoreDifferences& rule) {
    const auto status = r_.readMapping(
        node, path,
        {
            {"group", [&](const YAML::Node& v,
                          const std::string& p) { return r_.readString(v, p, rule.group); }},
            {"kind", [&](const YAML::Node& v,
                         const std::string& p) { return r_.readString(v, p, rule.kind); }},
            {"name", [&](const YAML::Node& v,
                         const std::string& p) { return r_.readString(v, p, rule.name); }},
            {"namespace",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readString(v, p, rule.namespace_);
             }},
            {"jsonPointers",
             [&](const YAML::Node& v, const std::string& p) {
               if (auto s = r_.readStringList(v, p, rule.json_pointers); !s.ok()) return s;
               std::size_t index = 0;
               for (const auto& pointer : rule.json_pointers) {
                 if (!startsWith(pointer, "/")) {
                   return r_.error(v[index], detail::indexPath(p, index),
                                   "\"" + pointer + "\" is not a JSON pointer (must start with /)");
                 }
                 ++index;
               }
               return ok();
             }},
            {"jqPathExpressions",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readStringList(v, p, rule.jq_path_expressions);
             }},
            {"managedFieldsManagers",
             [&](const YAML::Node& v, const std::string& p) {
               return r_.readStringList(v, p, rule.managed_fields_managers);
             }},
        },
        "not supported by gitopsd; ignored");
    if (!status.ok()) return status;
    if (rule.kind.empty()) return r_.error(node, detail::joinPath(path, "kind"), "required");
    return ok();
  }

  YamlReader& r_;
  Application& app_;
};

}  // namespace

namespace detail {

core::Status readApplication(YamlReader& reader, const YAML::Node& node, std::string_view path,
                             std::string_view what, bool require_type, Application& app) {
  return ApplicationReader(reader, app).read(node, path, what, require_type);
}

}  // namespace detail

manifest::DirectoryOptions DirectorySource::toOptions() const {
  manifest::DirectoryOptions options;
  options.recurse = recurse;
  if (!include.empty()) options.include.push_back(include);
  if (!exclude.empty()) options.exclude.push_back(exclude);
  return options;
}

bool Application::cascadeDelete() const {
  for (const auto& finalizer : finalizers) {
    if (finalizer == kResourcesFinalizer || (startsWith(finalizer, kResourcesFinalizer) &&
                                             finalizer.size() > kResourcesFinalizer.size() &&
                                             finalizer[kResourcesFinalizer.size()] == '/')) {
      return true;
    }
  }
  return false;
}

core::Result<ParsedApplications> parseApplications(std::string_view file_for_messages,
                                                   std::string_view text,
                                                   const ApplicationParseLimits& limits) {
  const std::string file(file_for_messages);
  if (text.size() > limits.max_file_bytes) {
    return core::invalidError(file + ": " + std::to_string(text.size()) +
                              " bytes exceeds the limit of " +
                              std::to_string(limits.max_file_bytes) + " bytes");
  }
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return detail::yamlSyntaxError(file, text, e);
  }
  ParsedApplications parsed;
  YamlReader reader(file, 2 * text.size() + 1024, parsed.warnings);
  try {
    int index = 0;
    for (const auto& document : documents) {
      ++index;
      if (YamlReader::isNull(document)) continue;
      const std::string doc = "document " + std::to_string(index);
      if (!document.IsMap()) {
        return reader.error(document, "",
                            doc + " is " + (document.IsSequence() ? "a list" : "a scalar") +
                                ", expected an Argo CD Application");
      }
      std::vector<YAML::Node> items;
      const YAML::Node kind = document["kind"];
      const bool is_list = kind && kind.IsScalar() && kind.Scalar() == "List";
      if (is_list) {
        const YAML::Node list = document["items"];
        if (list && !YamlReader::isNull(list)) {
          if (!list.IsSequence()) return reader.error(list, "items", "expected a list");
          for (const auto& item : list) items.push_back(item);
        }
      } else {
        items.push_back(document);
      }
      std::size_t item_index = 0;
      for (const auto& item : items) {
        ++item_index;
        const std::string what =
            is_list ? "item " + std::to_string(item_index) + " of the List in " + doc : doc;
        Application app;
        if (auto status = detail::readApplication(reader, item, "", what, true, app);
            !status.ok()) {
          return status;
        }
        for (const auto& other : parsed.apps) {
          if (other.name == app.name) {
            return reader.error(item, "metadata.name",
                                "application \"" + app.name + "\" is defined twice (lines " +
                                    std::to_string(other.line) + " and " +
                                    std::to_string(app.line) + ")");
          }
        }
        parsed.apps.push_back(std::move(app));
      }
    }
  } catch (const YAML::Exception& e) {
    return detail::yamlSyntaxError(file, text, e);
  } catch (const std::exception& e) {
    return core::internalError(file + ": " + e.what());
  }
  return parsed;
}

nlohmann::ordered_json applicationToJson(const Application& app) {
  using Yaml = nlohmann::ordered_json;
  const auto stringList = [](const std::vector<std::string>& values) {
    Yaml list = Yaml::array();
    for (const auto& value : values) list.push_back(value);
    return list;
  };
  const auto stringMap = [](const std::map<std::string, std::string>& values) {
    Yaml map = Yaml::object();
    for (const auto& [key, value] : values) map[key] = value;
    return map;
  };

  Yaml root = Yaml::object();
  root["apiVersion"] = std::string(kApplicationApiVersion);
  root["kind"] = std::string(kApplicationKind);

  Yaml metadata = Yaml::object();
  metadata["name"] = app.name;
  if (!app.namespace_.empty()) metadata["namespace"] = app.namespace_;
  if (!app.labels.empty()) metadata["labels"] = stringMap(app.labels);
  if (!app.annotations.empty()) metadata["annotations"] = stringMap(app.annotations);
  if (!app.finalizers.empty()) metadata["finalizers"] = stringList(app.finalizers);
  root["metadata"] = std::move(metadata);

  Yaml spec = Yaml::object();
  spec["project"] = app.project;

  const ApplicationSource& src = app.source;
  Yaml source = Yaml::object();
  source["repoURL"] = src.repo_url;
  source["targetRevision"] = src.target_revision;
  if (!src.path.empty()) source["path"] = src.path;
  if (src.directory) {
    Yaml dir = Yaml::object();
    if (src.directory->recurse) dir["recurse"] = true;
    if (!src.directory->include.empty()) dir["include"] = src.directory->include;
    if (!src.directory->exclude.empty()) dir["exclude"] = src.directory->exclude;
    source["directory"] = std::move(dir);
  }
  if (src.kustomize) {
    const KustomizeSource& k = *src.kustomize;
    Yaml node = Yaml::object();
    if (!k.name_prefix.empty()) node["namePrefix"] = k.name_prefix;
    if (!k.name_suffix.empty()) node["nameSuffix"] = k.name_suffix;
    if (!k.images.empty()) node["images"] = stringList(k.images);
    if (!k.common_labels.empty()) node["commonLabels"] = stringMap(k.common_labels);
    if (!k.common_annotations.empty()) node["commonAnnotations"] = stringMap(k.common_annotations);
    if (!k.namespace_.empty()) node["namespace"] = k.namespace_;
    source["kustomize"] = std::move(node);
  }
  if (src.helm) {
    const HelmSource& h = *src.helm;
    Yaml node = Yaml::object();
    if (!h.release_name.empty()) node["releaseName"] = h.release_name;
    if (!h.value_files.empty()) node["valueFiles"] = stringList(h.value_files);
    if (!h.values.empty()) node["values"] = h.values;
    if (!h.values_object.empty()) {
      // Parsed as Json, so its keys are written sorted.
      const Json values = Json::parse(h.values_object, nullptr, /*allow_exceptions=*/false);
      // Text that is not JSON is written as a string, which parseApplications refuses.
      node["valuesObject"] = values.is_discarded() ? Yaml(h.values_object) : Yaml(values);
    }
    if (!h.parameters.empty()) {
      Yaml list = Yaml::array();
      for (const auto& parameter : h.parameters) {
        Yaml item = Yaml::object();
        item["name"] = parameter.name;
        item["value"] = parameter.value;
        if (parameter.force_string) item["forceString"] = true;
        list.push_back(std::move(item));
      }
      node["parameters"] = std::move(list);
    }
    if (h.skip_crds) node["skipCrds"] = true;
    source["helm"] = std::move(node);
  }
  spec["source"] = std::move(source);

  Yaml destination = Yaml::object();
  if (!app.destination.server.empty()) destination["server"] = app.destination.server;
  if (!app.destination.name.empty()) destination["name"] = app.destination.name;
  if (!app.destination.namespace_.empty()) destination["namespace"] = app.destination.namespace_;
  spec["destination"] = std::move(destination);

  const SyncPolicy& policy = app.sync_policy;
  Yaml sync = Yaml::object();
  if (policy.automated) {
    const AutomatedSync& a = *policy.automated;
    Yaml node = Yaml::object();
    if (!a.enabled) node["enabled"] = false;
    if (a.prune) node["prune"] = true;
    if (a.self_heal) node["selfHeal"] = true;
    if (a.allow_empty) node["allowEmpty"] = true;
    sync["automated"] = std::move(node);
  }
  std::vector<std::string> options;
  const SyncOptions& o = policy.options;
  const auto flag = [&](const char* key, const std::optional<bool>& value) {
    if (value) options.push_back(std::string(key) + "=" + (*value ? "true" : "false"));
  };
  flag("CreateNamespace", o.create_namespace);
  flag("PruneLast", o.prune_last);
  if (o.prune_propagation_policy) {
    const char* names[] = {"foreground", "background", "orphan"};
    options.push_back(std::string("PrunePropagationPolicy=") +
                      names[static_cast<int>(*o.prune_propagation_policy)]);
  }
  flag("ServerSideApply", o.server_side_apply);
  flag("Validate", o.validate);
  flag("ApplyOutOfSyncOnly", o.apply_out_of_sync_only);
  flag("RespectIgnoreDifferences", o.respect_ignore_differences);
  flag("Replace", o.replace);
  flag("FailOnSharedResource", o.fail_on_shared_resource);
  options.insert(options.end(), o.other.begin(), o.other.end());
  if (!options.empty()) sync["syncOptions"] = stringList(options);
  if (policy.retry) {
    const RetryStrategy& r = *policy.retry;
    Yaml node = Yaml::object();
    if (r.limit != 0) node["limit"] = r.limit;
    const RetryBackoff defaults;
    if (!(r.backoff == defaults)) {
      Yaml backoff = Yaml::object();
      if (r.backoff.duration != defaults.duration) {
        backoff["duration"] = formatDuration(r.backoff.duration);
      }
      if (r.backoff.factor != defaults.factor) backoff["factor"] = r.backoff.factor;
      if (r.backoff.max_duration != defaults.max_duration) {
        backoff["maxDuration"] = formatDuration(r.backoff.max_duration);
      }
      node["backoff"] = std::move(backoff);
    }
    sync["retry"] = std::move(node);
  }
  if (!sync.empty()) spec["syncPolicy"] = std::move(sync);

  if (!app.ignore_differences.empty()) {
    Yaml list = Yaml::array();
    for (const auto& rule : app.ignore_differences) {
      Yaml item = Yaml::object();
      if (!rule.group.empty()) item["group"] = rule.group;
      item["kind"] = rule.kind;
      if (!rule.name.empty()) item["name"] = rule.name;
      if (!rule.namespace_.empty()) item["namespace"] = rule.namespace_;
      if (!rule.json_pointers.empty()) item["jsonPointers"] = stringList(rule.json_pointers);
      if (!rule.jq_path_expressions.empty()) {
        item["jqPathExpressions"] = stringList(rule.jq_path_expressions);
      }
      if (!rule.managed_fields_managers.empty()) {
        item["managedFieldsManagers"] = stringList(rule.managed_fields_managers);
      }
      list.push_back(std::move(item));
    }
    spec["ignoreDifferences"] = std::move(list);
  }
  if (app.revision_history_limit != 10) spec["revisionHistoryLimit"] = app.revision_history_limit;
  root["spec"] = std::move(spec);
  return root;
}

std::string applicationToYaml(const Application& app) {
  return manifest::toBlockYaml(applicationToJson(app));
}

core::Status validateApplication(const Application& app) {
  constexpr std::string_view kName = "application";
  const auto parsed = parseApplications(kName, applicationToYaml(app));
  if (parsed.ok()) return {};
  // Drop the position in the generated text: "application:12:5: spec.x: ..." → "spec.x: ...".
  std::string message = parsed.status().message();
  std::size_t i = kName.size();
  for (int part = 0; part < 2 && i < message.size() && message[i] == ':'; ++part) {
    ++i;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
  }
  if (message.compare(i, 2, ": ") == 0) message = message.substr(i + 2);
  return core::invalidError("application \"" + app.name + "\": " + message);
}

}  // namespace gitopsd::config
