#include "git/tree_reader.h"

#include <utility>

namespace gitopsd::git {

namespace {

manifest::TreeEntry::Type treeType(EntryType type) {
  switch (type) {
    case EntryType::kFile:
    case EntryType::kExecutable:
      return manifest::TreeEntry::Type::kFile;
    case EntryType::kDirectory:
      return manifest::TreeEntry::Type::kDirectory;
    case EntryType::kSymlink:
      return manifest::TreeEntry::Type::kSymlink;
    case EntryType::kSubmodule:
      return manifest::TreeEntry::Type::kOther;
  }
  return manifest::TreeEntry::Type::kOther;
}

}  // namespace

MirrorTreeReader::MirrorTreeReader(const Mirror& mirror, std::string commit)
    : mirror_(mirror), commit_(std::move(commit)) {}

core::Result<std::vector<manifest::TreeEntry>> MirrorTreeReader::list(std::string_view dir,
                                                                      bool recursive) {
  auto entries = mirror_.listTree(commit_, std::string(dir), recursive);
  if (!entries.ok()) return entries.status();
  std::vector<manifest::TreeEntry> out;
  out.reserve(entries->size());
  for (auto& entry : *entries) {
    out.push_back(manifest::TreeEntry{.path = std::move(entry.path),
                                      .type = treeType(entry.type),
                                      .symlink_target = std::move(entry.symlink_target),
                                      .size = entry.size});
  }
  return out;
}

core::Result<std::string> MirrorTreeReader::read(std::string_view path) {
  return mirror_.readFile(commit_, std::string(path));
}

core::Result<std::string> MirrorTreeReader::contentId(std::string_view path) {
  return mirror_.contentId(commit_, std::string(path));
}

std::string MirrorTreeReader::describe() const {
  return mirror_.displayUrl() + " at commit " + commit_.substr(0, 7);
}

}  // namespace gitopsd::git
