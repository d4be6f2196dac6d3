// Writing a tree to disk for the render tools (kustomize, helm), which read real folders.
// This file and process_tool_runner.h are the only parts of lib/manifest that touch the file
// system or start processes; everything else in the module is pure.
//
// exportTree(tree, dir) writes every folder and file of the tree below dir (an existing, empty
// folder the caller owns and removes afterwards). Symlinks are re-created only when their
// target stays inside the tree; a link that leaves it (absolute, or ".." past the root) is
// kInvalid naming the link and its target, and the export stops, so no tool can read outside
// the repository through it. Submodules are left out. Files are written 0644 (nothing in a
// render is executed). Errors: the tree's own, or kInternal naming the path that could not be
// written.
//
// TreeExport is a folder under a scratch directory that holds one export and removes itself.
//
// Thread safety: uses only `tree` (one thread at a time) and its own folder.
#pragma once

#include <string>

#include "core/status.h"
#include "manifest/tree.h"

namespace gitopsd::manifest {

core::Status exportTree(TreeReader& tree, const std::string& dir);

class TreeExport {
 public:
  // Creates a fresh folder under scratch_dir (created if missing) and exports tree into it.
  static core::Result<TreeExport> create(TreeReader& tree, const std::string& scratch_dir);

  TreeExport(TreeExport&& other) noexcept;
  TreeExport& operator=(TreeExport&&) = delete;
  TreeExport(const TreeExport&) = delete;
  ~TreeExport();  // removes the folder and everything in it

  const std::string& root() const { return root_; }

 private:
  explicit TreeExport(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace gitopsd::manifest
