// Rendering a directory-type source (Argo CD's `spec.source.directory`): the manifests of the
// files under an application's path in a tree (a Git commit through git::MirrorTreeReader, or
// a MemoryTree in tests). No kustomize or helm here.
//
// renderDirectory(tree, app_path, options, limits):
// - app_path is relative to the tree's root; "" and "." are the root. It is normalised: empty
//   and "." segments dropped (so "./apps/web/", "/apps//web" and "apps/web" are the same path).
//   A ".." segment anywhere is kInvalid.
// - A path that does not exist is kNotFound "path 'x' not found in <tree.describe()>"; a path
//   that is a file or a symlink is kInvalid (a directory source needs a folder).
// - Files are chosen by selectedForDirectory (select.h) on their path relative to app_path;
//   sub-folders are read only with options.recurse. Each chosen file is parsed by
//   parseManifestFile (parse.h); Manifest::file and every message use the path from the tree's
//   root ("apps/web/deploy.yaml"). A file whose size the tree reports above
//   limits.max_file_bytes is refused (kInvalid) without being read.
// - Symlinks: the target is resolved against the link's folder. A target that leaves the tree
//   (absolute, or ".." past the root) is kInvalid naming the link and its target, and nothing
//   is read through it; this holds for every link the render sees (in app_path, and with
//   recurse in its sub-folders), whether or not its name is selected, as Argo CD refuses
//   out-of-bounds links anywhere in a checkout. A link inside the tree is followed: to a file,
//   which is read and parsed under the link's name (selection and file type by the link's
//   name); to a folder, which is not descended into (a warning when recurse is on or the
//   link's name is selected). Chains of links are followed up to kMaxSymlinkHops links; a
//   longer chain (a loop) is kInvalid. A chosen link whose target does not exist is kInvalid.
//   Links inside a link's target path are not resolved (such a target counts as missing).
//   Submodules are ignored.
// - The first error ends the render: the result is that error and nothing else, never a
//   partial or empty set, so the caller keeps the application's last good state. Errors name
//   the file (and line and column for parse errors).
// - On success: collectManifests (manifest_set.h) of all files, in path order: objects sorted
//   by key, duplicates across files kInvalid naming both origins, every file's warnings plus
//   the render's own (linked folders).
//
// Thread safety: uses only `tree`, which must not be shared with another thread meanwhile.
#pragma once

#include <string_view>

#include "core/status.h"
#include "manifest/manifest_set.h"
#include "manifest/parse.h"
#include "manifest/select.h"
#include "manifest/tree.h"

namespace gitopsd::manifest {

inline constexpr int kMaxSymlinkHops = 8;

// app_path in its normal form ("" for the root), or kInvalid for a ".." segment.
core::Result<std::string> normalizeAppPath(std::string_view app_path);

core::Result<ManifestSet> renderDirectory(TreeReader& tree, std::string_view app_path,
                                          const DirectoryOptions& options,
                                          const ParseLimits& limits = {});

}  // namespace gitopsd::manifest
