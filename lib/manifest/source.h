// Rendering one application source: which kind of source a path holds, the cache key that names
// everything its render reads, and the render itself (directory, Kustomize or Helm), with the
// result cached by that key.
//
// detectSourceType(tree, path): a folder with kustomization.yaml, kustomization.yml or
// Kustomization is kKustomize; one with Chart.yaml is kHelm (Kustomize wins when both exist, as
// in Argo CD); anything else is kDirectory. A missing path is kNotFound, a file kInvalid.
//
// renderCacheKey(tree, type, spec): "<type>|<options fingerprint>|<ids>", where ids are
// TreeReader::contentId values, so a commit that changes nothing the render reads gives the
// same key:
// - directory: the id of the application path (with recurse or not, the folder's id covers
//   everything below it).
// - Kustomize: the id of the path, plus the ids of every local file or folder outside the path
//   that a kustomization reachable from it names (any string in the file, and the part after
//   '=' of "key=path" entries, that resolves to an existing path of the tree), following
//   kustomizations in named folders. A resources/bases/components entry that names no local
//   path is taken to be remote: the key then uses the id of the whole tree, so every commit
//   renders again (content behind a URL can still change without a commit, as with any cache
//   keyed by commit).
// - Helm: the id of the chart folder, plus the value files and `file://` dependencies (followed
//   through their Chart.yaml) that lie outside it.
// - References that leave the tree are not keyed (the render refuses them).
//
// renderSource(tree, spec, environment): renders by the detected type and returns the set with
// its key. With environment.cache, the type detected for a folder is remembered by the folder's
// content id, and a hit returns the cached set without reading the tree beyond the key (for a
// directory source: one contentId lookup); a successful render is inserted; failures are never
// cached and never an empty set. Kustomize and Helm export the whole tree to a fresh folder under
// environment.scratch_dir (checkout.h; a symlink leaving the repository is kInvalid) and run the
// tool through environment.tools; without tools configured they are kInvalid "... needs the
// kustomize tool".
//
// Thread safety: uses `tree` from the calling thread only; the cache and the tool runner are
// shared safely (see their headers).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "manifest/helm.h"
#include "manifest/kustomize.h"
#include "manifest/manifest_set.h"
#include "manifest/parse.h"
#include "manifest/render_cache.h"
#include "manifest/select.h"
#include "manifest/source_type.h"
#include "manifest/tool_runner.h"
#include "manifest/tree.h"

namespace gitopsd::manifest {

struct SourceSpec {
  std::string path;  // the application's path in the tree; "" is the root
  DirectoryOptions directory;
  KustomizeOptions kustomize;
  HelmOptions helm;
};

struct RenderEnvironment {
  ToolRunner* tools = nullptr;  // needed for Kustomize and Helm sources
  ToolPaths tool_paths;
  ParseLimits limits;
  std::string scratch_dir;       // tools read exported trees from folders made here
  RenderCache* cache = nullptr;  // optional
};

struct RenderedSource {
  SourceType type = SourceType::kDirectory;
  std::string cache_key;
  bool from_cache = false;
  std::shared_ptr<const ManifestSet> manifests;  // never null on success
};

core::Result<SourceType> detectSourceType(TreeReader& tree, std::string_view app_path);

core::Result<std::string> renderCacheKey(TreeReader& tree, SourceType type, const SourceSpec& spec);

core::Result<RenderedSource> renderSource(TreeReader& tree, const SourceSpec& spec,
                                          const RenderEnvironment& environment);

}  // namespace gitopsd::manifest
