#include "manifest/source.h"

#include <yaml-cpp/yaml.h>

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "manifest/checkout.h"
#include "manifest/directory_source.h"

namespace gitopsd::manifest {

namespace {

constexpr std::array<std::string_view, 3> kKustomizationNames = {
    "kustomization.yaml", "kustomization.yml", "Kustomization"};

bool isAtOrBelow(const std::string& path, const std::string& base) {
  return base.empty() || path == base ||
         (path.size() > base.size() && path.starts_with(base) && path[base.size()] == '/');
}

// Collects the content ids of everything outside the application path that a render reads.
class DependencyScan {
 public:
  DependencyScan(TreeReader& tree, std::string app_path)
      : tree_(tree), app_path_(std::move(app_path)) {}

  // The application's kustomization and the components the application adds to it.
  core::Status kustomization(const std::string& folder,
                             const std::vector<std::string>& extra_components) {
    for (const auto& component : extra_components) {
      if (core::Status status = reference(folder, component, "components"); !status.ok()) {
        return status;
      }
    }
    return kustomization(folder);
  }

  // Follows the kustomization in folder (if any) and everything it names.
  core::Status kustomization(const std::string& folder) {
    if (!visited_.insert(folder).second) return {};
    std::optional<std::string> text;
    for (const auto name : kKustomizationNames) {
      auto content = tree_.read(joinPath(folder, name));
      if (content.ok()) {
        text = std::move(*content);
        break;
      }
      if (content.status().code() != core::StatusCode::kNotFound) return content.status();
    }
    if (!text) return {};
    YAML::Node document;
    try {
      document = YAML::Load(*text);
    } catch (const YAML::Exception&) {
      return {};  // the render itself reports the broken file
    }
    return walkKustomization(folder, document, /*field=*/"");
  }

  // Follows a Helm chart's file:// dependencies and the value files named relative to it.
  core::Status chart(const std::string& folder, const std::vector<std::string>& value_files) {
    for (const auto& file : value_files) {
      if (auto resolved = resolveInTree(folder, file)) {
        if (core::Status status = addIfOutside(*resolved); !status.ok()) return status;
      }
    }
    return chartDependencies(folder);
  }

  bool remote() const { return remote_; }
  const std::map<std::string, std::string>& ids() const { return ids_; }

 private:
  core::Status chartDependencies(const std::string& folder) {
    if (!visited_.insert(folder).second) return {};
    auto text = tree_.read(joinPath(folder, "Chart.yaml"));
    if (!text.ok()) {
      return text.status().code() == core::StatusCode::kNotFound ? core::Status() : text.status();
    }
    YAML::Node document;
    try {
      document = YAML::Load(*text);
    } catch (const YAML::Exception&) {
      return {};
    }
    if (!document.IsMap() || !document["dependencies"].IsSequence()) return {};
    for (const auto& dependency : document["dependencies"]) {
      if (!dependency.IsMap() || !dependency["repository"].IsScalar()) continue;
      const std::string repository = dependency["repository"].Scalar();
      if (!repository.starts_with("file://")) continue;
      if (auto resolved = resolveInTree(folder, repository.substr(7))) {
        if (core::Status status = addIfOutside(*resolved); !status.ok()) return status;
        if (core::Status status = chartDependencies(*resolved); !status.ok()) return status;
      }
    }
    return {};
  }

  core::Status walkKustomization(const std::string& folder, const YAML::Node& node,
                                 const std::string& field) {
    if (node.IsMap()) {
      for (const auto& item : node) {
        const std::string key = item.first.IsScalar() ? item.first.Scalar() : std::string();
        if (core::Status status =
                walkKustomization(folder, item.second, field.empty() ? key : field);
            !status.ok()) {
          return status;
        }
      }
    } else if (node.IsSequence()) {
      for (const auto& item : node) {
        if (core::Status status = walkKustomization(folder, item, field); !status.ok()) {
          return status;
        }
      }
    } else if (node.IsScalar()) {
      return reference(folder, node.Scalar(), field);
    }
    return {};
  }

  // One string of a kustomization that may name a local path.
  core::Status reference(const std::string& folder, const std::string& text,
                         const std::string& field) {
    const bool must_be_path = field == "resources" || field == "bases" || field == "components";
    std::vector<std::string> candidates = {text};
    if (const auto equals = text.find('='); equals != std::string::npos) {
      candidates.push_back(text.substr(equals + 1));
    }
    bool found = false;
    for (const auto& candidate : candidates) {
      const auto resolved = resolveInTree(folder, candidate);
      if (!resolved) continue;
      auto id = contentIdOf(*resolved);
      if (!id.ok()) {
        if (id.status().code() == core::StatusCode::kNotFound) continue;
        return id.status();
      }
      found = true;
      if (core::Status status = addIfOutside(*resolved); !status.ok()) return status;
      if (tree_.list(*resolved, /*recursive=*/false).ok()) {
        if (core::Status status = kustomization(*resolved); !status.ok()) return status;
      }
    }
    if (must_be_path && !found && resolveInTree(folder, text)) remote_ = true;
    return {};
  }

  core::Result<std::string> contentIdOf(const std::string& path) {
    if (const auto known = known_.find(path); known != known_.end()) return known->second;
    auto id = tree_.contentId(path);
    if (id.ok()) known_.emplace(path, *id);
    return id;
  }

  core::Status addIfOutside(const std::string& path) {
    if (isAtOrBelow(path, app_path_)) return {};
    auto id = contentIdOf(path);
    if (!id.ok()) {
      return id.status().code() == core::StatusCode::kNotFound ? core::Status() : id.status();
    }
    ids_.emplace(path, *id);
    return {};
  }

  TreeReader& tree_;
  const std::string app_path_;
  std::set<std::string> visited_;
  std::map<std::string, std::string> known_;  // contentId by path, looked up once
  std::map<std::string, std::string> ids_;    // dependencies outside the app path
  bool remote_ = false;
};

// The options that change what a render of this type produces, as text for the cache key.
std::string optionsFingerprint(SourceType type, const SourceSpec& spec) {
  nlohmann::json options;
  switch (type) {
    case SourceType::kDirectory:
      options = {spec.directory.recurse, spec.directory.include, spec.directory.exclude};
      break;
    case SourceType::kKustomize: {
      const auto& k = spec.kustomize;
      options = {k.name_prefix,
                 k.name_suffix,
                 k.images,
                 k.replicas,
                 k.common_labels,
                 k.force_common_labels,
                 k.common_annotations,
                 k.force_common_annotations,
                 k.namespace_,
                 k.components};
      break;
    }
    case SourceType::kHelm: {
      const auto& h = spec.helm;
      options = {h.release_name, h.namespace_, h.value_files, h.values, h.parameters, h.skip_crds};
      break;
    }
  }
  return options.dump();
}

}  // namespace

std::string_view sourceTypeName(SourceType type) {
  switch (type) {
    case SourceType::kDirectory:
      return "Directory";
    case SourceType::kKustomize:
      return "Kustomize";
    case SourceType::kHelm:
      return "Helm";
  }
  return "Unknown";
}

core::Result<SourceType> detectSourceType(TreeReader& tree, std::string_view app_path) {
  auto path = normalizeAppPath(app_path);
  if (!path.ok()) return path.status();
  auto entries = tree.list(*path, /*recursive=*/false);
  if (!entries.ok()) {
    if (entries.status().code() == core::StatusCode::kNotFound) {
      return core::notFoundError("path '" + *path + "' not found in " + tree.describe());
    }
    return entries.status();
  }
  bool chart = false;
  for (const auto& entry : *entries) {
    const std::string name = entry.path.substr(path->empty() ? 0 : path->size() + 1);
    if (entry.type == TreeEntry::Type::kDirectory || entry.type == TreeEntry::Type::kOther)
      continue;
    for (const auto kustomization : kKustomizationNames) {
      if (name == kustomization) return SourceType::kKustomize;
    }
    if (name == "Chart.yaml") chart = true;
  }
  return chart ? SourceType::kHelm : SourceType::kDirectory;
}

namespace {

core::Result<std::string> keyFor(TreeReader& tree, SourceType type, const SourceSpec& spec,
                                 const std::string& path, const std::string& own_id) {
  std::string key = std::string(sourceTypeName(type)) + "|" + optionsFingerprint(type, spec) + "|" +
                    path + "=" + own_id;
  if (type == SourceType::kDirectory) return key;
  DependencyScan scan(tree, path);
  core::Status scanned = type == SourceType::kKustomize
                             ? scan.kustomization(path, spec.kustomize.components)
                             : scan.chart(path, spec.helm.value_files);
  if (!scanned.ok()) return scanned;
  for (const auto& [dependency, id] : scan.ids()) key += ";" + dependency + "=" + id;
  if (scan.remote()) {
    auto root = tree.contentId("");
    if (!root.ok()) return root.status();
    key += "|tree=" + *root;
  }
  return key;
}

}  // namespace

core::Result<std::string> renderCacheKey(TreeReader& tree, SourceType type,
                                         const SourceSpec& spec) {
  auto path = normalizeAppPath(spec.path);
  if (!path.ok()) return path.status();
  auto own = tree.contentId(*path);
  if (!own.ok()) return own.status();
  return keyFor(tree, type, spec, *path, *own);
}

core::Result<RenderedSource> renderSource(TreeReader& tree, const SourceSpec& spec,
                                          const RenderEnvironment& environment) {
  auto path = normalizeAppPath(spec.path);
  if (!path.ok()) return path.status();
  auto own = tree.contentId(*path);
  if (!own.ok()) {
    if (own.status().code() == core::StatusCode::kNotFound) {
      return core::notFoundError("path '" + *path + "' not found in " + tree.describe());
    }
    return own.status();
  }
  std::optional<SourceType> known;
  if (environment.cache != nullptr) known = environment.cache->sourceType(*own);
  core::Result<SourceType> type =
      known ? core::Result<SourceType>(*known) : detectSourceType(tree, *path);
  if (!type.ok()) return type.status();
  if (environment.cache != nullptr && !known) environment.cache->rememberSourceType(*own, *type);
  auto key = keyFor(tree, *type, spec, *path, *own);
  if (!key.ok()) return key.status();
  RenderedSource out;
  out.type = *type;
  out.cache_key = std::move(*key);
  if (environment.cache != nullptr) {
    if (auto hit = environment.cache->find(out.cache_key)) {
      out.from_cache = true;
      out.manifests = std::move(hit);
      return out;
    }
  }
  core::Result<ManifestSet> rendered = core::internalError("not rendered");
  if (*type == SourceType::kDirectory) {
    rendered = renderDirectory(tree, *path, spec.directory, environment.limits);
  } else {
    const std::string_view tool = *type == SourceType::kKustomize ? "kustomize" : "helm";
    if (environment.tools == nullptr) {
      return core::invalidError("path '" + *path + "' in " + tree.describe() + " is a " +
                                std::string(sourceTypeName(*type)) + " source and needs the " +
                                std::string(tool) + " tool, which is not configured");
    }
    auto exported = TreeExport::create(tree, environment.scratch_dir);
    if (!exported.ok()) return exported.status();
    rendered = *type == SourceType::kKustomize
                   ? renderKustomize(*environment.tools, environment.tool_paths, exported->root(),
                                     *path, spec.kustomize, environment.limits)
                   : renderHelm(*environment.tools, environment.tool_paths, exported->root(), *path,
                                spec.helm, environment.limits);
  }
  if (!rendered.ok()) return rendered.status();
  out.manifests = std::make_shared<const ManifestSet>(std::move(*rendered));
  if (environment.cache != nullptr) environment.cache->insert(out.cache_key, out.manifests);
  return out;
}

}  // namespace gitopsd::manifest
