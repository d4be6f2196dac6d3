#include "manifest/checkout.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

namespace gitopsd::manifest {

namespace fs = std::filesystem;

core::Status exportTree(TreeReader& tree, const std::string& dir) {
  auto entries = tree.list("", /*recursive=*/true);
  if (!entries.ok()) return entries.status();
  for (const auto& entry : *entries) {
    const fs::path target = fs::path(dir) / entry.path;
    std::error_code error;
    switch (entry.type) {
      case TreeEntry::Type::kDirectory:
        fs::create_directories(target, error);
        break;
      case TreeEntry::Type::kFile: {
        auto content = tree.read(entry.path);
        if (!content.ok()) return content.status();
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        out.write(content->data(), static_cast<std::streamsize>(content->size()));
        out.close();
        if (!out) error = std::make_error_code(std::errc::io_error);
        break;
      }
      case TreeEntry::Type::kSymlink:
        if (!resolveInTree(parentPath(entry.path), entry.symlink_target)) {
          return core::invalidError("symbolic link '" + entry.path + "' in " + tree.describe() +
                                    " points outside the repository (to '" + entry.symlink_target +
                                    "')");
        }
        fs::create_symlink(entry.symlink_target, target, error);
        break;
      case TreeEntry::Type::kOther:
        break;
    }
    if (error) {
      return core::internalError("cannot write '" + target.string() + "': " + error.message());
    }
  }
  return {};
}

core::Result<TreeExport> TreeExport::create(TreeReader& tree, const std::string& scratch_dir) {
  std::error_code error;
  fs::create_directories(scratch_dir, error);
  if (error) {
    return core::internalError("cannot create scratch folder '" + scratch_dir +
                               "': " + error.message());
  }
  std::string pattern = (fs::path(scratch_dir) / "render-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    return core::internalError("cannot create a folder in '" + scratch_dir + "'");
  }
  TreeExport created{std::string(buffer.data())};
  if (core::Status status = exportTree(tree, created.root()); !status.ok()) return status;
  return created;
}

TreeExport::TreeExport(TreeExport&& other) noexcept : root_(std::move(other.root_)) {
  other.root_.clear();
}

TreeExport::~TreeExport() {
  if (root_.empty()) return;
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

}  // namespace gitopsd::manifest
