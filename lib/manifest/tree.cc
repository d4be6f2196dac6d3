#include "manifest/tree.h"

#include <functional>
#include <iomanip>
#include <sstream>
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

std::vector<std::string_view> pathSegments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    const auto slash = path.find('/', pos);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    out.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

std::string parentPath(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

std::string joinPath(std::string_view parent, std::string_view name) {
  return parent.empty() ? std::string(name) : std::string(parent) + "/" + std::string(name);
}

std::optional<std::string> resolveInTree(std::string_view folder, std::string_view relative) {
  if (!relative.empty() && relative.front() == '/') return std::nullopt;
  std::vector<std::string_view> parts;
  if (!folder.empty()) {
    for (const auto part : pathSegments(folder)) parts.push_back(part);
  }
  for (const auto part : pathSegments(relative)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  std::string out;
  for (const auto part : parts) out = joinPath(out, part);
  return out;
}

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

core::Result<std::string> MemoryTree::contentId(std::string_view path) {
  const std::string key(path);
  if (!key.empty() && !entries_.contains(key)) {
    return core::notFoundError("path '" + key + "' not found in " + description_);
  }
  const std::string prefix = key.empty() ? "" : key + "/";
  std::string digest_input;
  for (auto it = entries_.lower_bound(key); it != entries_.end(); ++it) {
    const bool at_or_below = it->first == key || it->first.compare(0, prefix.size(), prefix) == 0;
    if (!at_or_below) break;
    const auto content = contents_.find(it->first);
    digest_input += it->first.substr(key.size()) + '\0' +
                    std::to_string(static_cast<int>(it->second.type)) + '\0' +
                    it->second.symlink_target + '\0' +
                    (content == contents_.end() ? std::string() : content->second) + '\0';
  }
  std::ostringstream hex;
  hex << std::hex << std::setw(16) << std::setfill('0') << std::hash<std::string>{}(digest_input);
  return hex.str();
}

}  // namespace gitopsd::manifest
