#include "manifest/directory_source.h"

#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace gitopsd::manifest {

namespace {

std::string relativeTo(const std::string& path, const std::string& base) {
  return base.empty() ? path : path.substr(base.size() + 1);
}

std::optional<std::string> resolveTarget(const std::string& link_path, std::string_view target) {
  return resolveInTree(parentPath(link_path), target);
}

const char* typeName(TreeEntry::Type type) {
  switch (type) {
    case TreeEntry::Type::kFile:
      return "a file";
    case TreeEntry::Type::kDirectory:
      return "a directory";
    case TreeEntry::Type::kSymlink:
      return "a symbolic link";
    case TreeEntry::Type::kOther:
      return "a submodule";
  }
  return "an unknown entry";
}

class DirectoryRender {
 public:
  DirectoryRender(TreeReader& tree, std::string app_path, const DirectoryOptions& options,
                  const ParseLimits& limits)
      : tree_(tree), app_path_(std::move(app_path)), options_(options), limits_(limits) {}

  core::Result<ManifestSet> run() {
    auto listing = tree_.list(app_path_, options_.recurse);
    if (!listing.ok()) {
      const auto code = listing.status().code();
      if (code == core::StatusCode::kNotFound || code == core::StatusCode::kInvalid) {
        return explainListFailure(listing.status());
      }
      return listing.status();
    }
    for (const TreeEntry& entry : *listing) {
      core::Status status;
      if (entry.type == TreeEntry::Type::kFile) {
        if (selectedForDirectory(relativeTo(entry.path, app_path_), options_)) {
          status = parseFile(entry.path, entry.path, entry.size);
        }
      } else if (entry.type == TreeEntry::Type::kSymlink) {
        status = handleLink(entry);
      }
      if (!status.ok()) return status;
    }
    return collectManifests(std::move(files_));
  }

 private:
  struct Followed {
    std::string path;                // where the chain of links ends
    std::optional<TreeEntry> entry;  // nullopt: nothing there
  };

  core::Status parseFile(const std::string& name, const std::string& read_path,
                         std::optional<std::uint64_t> size) {
    if (size && *size > limits_.max_file_bytes) {
      return core::invalidError(name + ": " + std::to_string(*size) +
                                " bytes exceeds the limit of " +
                                std::to_string(limits_.max_file_bytes) + " bytes (not read)");
    }
    auto content = tree_.read(read_path);
    if (!content.ok()) return content.status();
    auto parsed = parseManifestFile(name, *content, limits_);
    if (!parsed.ok()) return parsed.status();
    files_.push_back(std::move(parsed).value());
    return {};
  }

  core::Status handleLink(const TreeEntry& link) {
    if (!resolveTarget(link.path, link.symlink_target)) return outside(link, link);
    const bool selected = selectedForDirectory(relativeTo(link.path, app_path_), options_);
    if (!selected && !options_.recurse) return {};
    auto followed = follow(link);
    if (!followed.ok()) return followed.status();
    const std::string shown = link.path + ": symbolic link to '" + link.symlink_target + "'";
    if (!followed->entry) {
      if (!selected) return {};
      return core::invalidError(shown + " points to '" + followed->path +
                                "', which does not exist in " + tree_.describe());
    }
    switch (followed->entry->type) {
      case TreeEntry::Type::kFile:
        if (!selected) return {};
        return parseFile(link.path, followed->path, followed->entry->size);
      case TreeEntry::Type::kDirectory:
        files_.push_back(ParsedFile{
            .file = link.path,
            .manifests = {},
            .warnings = {shown + " is a directory; linked directories are not rendered"}});
        return {};
      default:
        if (!selected) return {};
        return core::invalidError(shown + " points to " + typeName(followed->entry->type) +
                                  ", not a file");
    }
  }

  // Follows a chain of links from link to the first entry that is not a link.
  core::Result<Followed> follow(const TreeEntry& link) {
    TreeEntry current = link;
    for (int hop = 0; hop < kMaxSymlinkHops; ++hop) {
      auto target = resolveTarget(current.path, current.symlink_target);
      if (!target) return outside(link, current);
      auto found = lookup(*target);
      if (!found.ok()) return found.status();
      if (!*found || (*found)->type != TreeEntry::Type::kSymlink) {
        return Followed{.path = *target, .entry = std::move(found).value()};
      }
      current = **found;
    }
    return core::invalidError(link.path + ": symbolic link to '" + link.symlink_target +
                              "' starts a chain of more than " + std::to_string(kMaxSymlinkHops) +
                              " links (a loop?)");
  }

  core::Status outside(const TreeEntry& link, const TreeEntry& hop) const {
    std::string message = link.path + ": symbolic link to '" + link.symlink_target + "'";
    if (hop.path != link.path) {
      message +=
          " leads to " + hop.path + ", a symbolic link to '" + hop.symlink_target + "', which";
    }
    return core::invalidError(message + " points outside the repository; refused");
  }

  // The entry at path (nullopt when there is none), from its folder's listing.
  core::Result<std::optional<TreeEntry>> lookup(const std::string& path) {
    if (path.empty()) {
      TreeEntry root;
      root.type = TreeEntry::Type::kDirectory;
      return std::optional<TreeEntry>(root);
    }
    const std::string folder = parentPath(path);
    auto cached = listings_.find(folder);
    if (cached == listings_.end()) {
      auto listing = tree_.list(folder, false);
      std::optional<std::vector<TreeEntry>> entries;
      if (listing.ok()) {
        entries = std::move(listing).value();
      } else if (listing.status().code() != core::StatusCode::kNotFound &&
                 listing.status().code() != core::StatusCode::kInvalid) {
        return listing.status();
      }
      cached = listings_.emplace(folder, std::move(entries)).first;
    }
    if (cached->second) {
      for (const TreeEntry& entry : *cached->second) {
        if (entry.path == path) return std::optional<TreeEntry>(entry);
      }
    }
    return std::optional<TreeEntry>();
  }

  // Turns a failed listing of the application path into "not found" or "not a directory" by
  // walking down from the root; keeps the original error when the walk cannot explain it.
  core::Status explainListFailure(const core::Status& original) {
    const std::string where = "path '" + app_path_ + "'";
    std::string current;
    for (const auto part : pathSegments(app_path_)) {
      auto listing = tree_.list(current, false);
      if (!listing.ok()) return original;
      current = joinPath(current, part);
      const TreeEntry* found = nullptr;
      for (const TreeEntry& entry : *listing) {
        if (entry.path == current) found = &entry;
      }
      if (found == nullptr) return core::notFoundError(where + " not found in " + tree_.describe());
      if (found->type == TreeEntry::Type::kDirectory) continue;
      std::string what = typeName(found->type);
      if (found->type == TreeEntry::Type::kSymlink) {
        what += " (to '" + found->symlink_target + "')";
      }
      if (current != app_path_) {
        return core::notFoundError(where + " not found in " + tree_.describe() + ": '" + current +
                                   "' is " + what + ", not a directory");
      }
      return core::invalidError(where + " in " + tree_.describe() + " is " + what +
                                ", not a directory; a directory source needs a folder");
    }
    return original;
  }

  TreeReader& tree_;
  std::string app_path_;
  const DirectoryOptions& options_;
  const ParseLimits& limits_;
  std::vector<ParsedFile> files_;
  std::map<std::string, std::optional<std::vector<TreeEntry>>> listings_;
};

}  // namespace

core::Result<std::string> normalizeAppPath(std::string_view app_path) {
  std::string out;
  for (const auto part : pathSegments(app_path)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return core::invalidError("application path '" + std::string(app_path) +
                                "' must not contain '..'");
    }
    out = joinPath(out, part);
  }
  return out;
}

core::Result<ManifestSet> renderDirectory(TreeReader& tree, std::string_view app_path,
                                          const DirectoryOptions& options,
                                          const ParseLimits& limits) {
  auto normal = normalizeAppPath(app_path);
  if (!normal.ok()) return normal.status();
  return DirectoryRender(tree, std::move(normal).value(), options, limits).run();
}

}  // namespace gitopsd::manifest
