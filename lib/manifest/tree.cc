#include "manifest/tree.h"

#include <utility>

namespace gitopsd::manifest {

namespace {

TreeEntry makeEntry(std::string path, TreeEntry::Type type) {
  TreeEntry entry;
  entry.path = std::move(path);
  entry.type = type;
  return entry;
}

}  // namespace

MemoryTree::MemoryTree(std::string description) : description_(std::move(description)) {}

void MemoryTree::addParents(const std::string& path) {
  for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    const std::string parent = path.substr(0, slash);
    entries_[parent] = makeEntry(parent, TreeEntry::Type::kDirectory);
    contents_.erase(parent);
  }
}

MemoryTree& MemoryTree::file(std::string path, std::string content) {
  addParents(path);
  TreeEntry entry = makeEntry(path, TreeEntry::Type::kFile);
  entry.size = std::uint64_t{content.size()};
  entries_[path] = std::move(entry);
  contents_[path] = std::move(content);
  return *this;
}

MemoryTree& MemoryTree::symlink(std::string path, std::string target) {
  addParents(path);
  TreeEntry entry = makeEntry(path, TreeEntry::Type::kSymlink);
  entry.symlink_target = std::move(target);
  entries_[path] = std::move(entry);
  contents_.erase(path);
  return *this;
}

MemoryTree& MemoryTree::directory(std::string path) {
  addParents(path);
  entries_[path] = makeEntry(path, TreeEntry::Type::kDirectory);
  contents_.erase(path);
  return *this;
}

MemoryTree& MemoryTree::other(std::string path) {
  addParents(path);
  entries_[path] = makeEntry(path, TreeEntry::Type::kOther);
  contents_.erase(path);
  return *this;
}

core::Result<std::vector<TreeEntry>> MemoryTree::list(std::string_view dir, bool recursive) {
  std::string prefix;
  if (!dir.empty()) {
    const auto found = entries_.find(std::string(dir));
    if (found == entries_.end()) {
      return core::notFoundError("directory '" + std::string(dir) + "' not found in " +
                                 description_);
    }
    if (found->second.type != TreeEntry::Type::kDirectory) {
      return core::invalidError("'" + std::string(dir) + "' in " + description_ +
                                " is not a directory");
    }
    prefix = std::string(dir) + "/";
  }
  std::vector<TreeEntry> out;
  for (auto it = entries_.lower_bound(prefix); it != entries_.end(); ++it) {
    const std::string& path = it->first;
    if (path.compare(0, prefix.size(), prefix) != 0) break;
    if (path.size() == prefix.size()) continue;
    if (!recursive && path.find('/', prefix.size()) != std::string::npos) continue;
    out.push_back(it->second);
  }
  return out;
}

core::Result<std::string> MemoryTree::read(std::string_view path) {
  reads_.emplace_back(path);
  const auto found = entries_.find(std::string(path));
  if (found == entries_.end()) {
    return core::notFoundError("path '" + std::string(path) + "' not found in " + description_);
  }
  if (found->second.type != TreeEntry::Type::kFile) {
    return core::invalidError("path '" + std::string(path) + "' in " + description_ +
                              " is not a file");
  }
  return contents_.at(found->first);
}

}  // namespace gitopsd::manifest
