// Rendering a Kustomize application source (a kustomization.yaml, .yml or Kustomization file in
// the application's path) with the external `kustomize build`, as Argo CD does.
//
// renderKustomize(runner, tools, checkout_root, app_path, options, limits):
// - checkout_root is a folder holding the repository's files at the commit to render: a
//   private copy for this one render, owned by the caller. app_path is relative to it ("" and
//   "." are the root; ".." is kInvalid); a missing path is kNotFound, a file or a symlink that
//   leaves the checkout kInvalid.
// - options (Argo CD's spec.source.kustomize) are applied the way Argo CD applies them: by
//   running `kustomize edit ...` in the application folder, which rewrites its kustomization
//   file in place (allowed because the checkout is the caller's private copy), in Argo CD's
//   order: `edit set nameprefix -- P`, `edit set namesuffix -- S`, `edit set image I...`,
//   `edit set replicas NAME=N...`, `edit add label [--force] K:V...`, `edit add annotation
//   [--force] K:V...`, `edit set namespace -- NS`, `edit add component PATH...`. Not supported
//   (yet): patches, buildOptions, commonLabels/annotations envsubst, labelWithoutSelector.
// - Then `kustomize build <checkout_root>/<app_path>` runs with the checkout root as working
//   folder and kustomize's default load restrictor (LoadRestrictionsRootOnly: files outside the
//   kustomization's folder tree cannot be loaded). The environment is
//   render_detail::toolEnvironment: private HOME/TMPDIR in a temporary folder removed after
//   the render, no PATH (so no git for remote bases) and unreachable HTTP proxies, i.e. no
//   network use.
// - stdout is parsed as one YAML stream named "<app_path> (kustomize build)" (parse.h, with the
//   limit raised to tools.max_output_bytes) and collected by collectManifests (manifest_set.h).
//   Text kustomize printed on stderr while succeeding becomes a warning.
// Errors (never an empty or partial set): a non-zero exit of any kustomize command is kInvalid
// "kustomize build <app_path> failed: <stderr>" (or "kustomize edit set ... <app_path>
// failed: ..."), with the checkout root removed from paths so they read repository-relative; a
// timeout is kTimeout "kustomize build <app_path>: kustomize timed out after Ns"; a missing
// binary kNotFound; bad options (an empty label key, a key with ':', a negative replica count)
// kInvalid before anything runs; output parse errors and duplicates as in parse.h and
// manifest_set.h.
//
// Thread safety: no shared state; concurrent renders need distinct checkouts and a runner that
// allows concurrent calls (ProcessToolRunner does).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "manifest/manifest_set.h"
#include "manifest/parse.h"
#include "manifest/tool_runner.h"

namespace gitopsd::manifest {

// Argo CD's spec.source.kustomize, the supported part.
struct KustomizeOptions {
  std::string name_prefix;  // namePrefix
  std::string name_suffix;  // nameSuffix
  // images: "nginx=registry.example/nginx:1.25", "nginx:1.25", "nginx@sha256:...", as
  // `kustomize edit set image` takes them.
  std::vector<std::string> images;
  std::vector<std::pair<std::string, std::int64_t>> replicas;  // replicas: name → count
  std::map<std::string, std::string> common_labels;            // commonLabels
  bool force_common_labels = false;                            // forceCommonLabels
  std::map<std::string, std::string> common_annotations;       // commonAnnotations
  bool force_common_annotations = false;                       // forceCommonAnnotations
  std::string namespace_;                                      // namespace
  std::vector<std::string> components;  // components: paths relative to the app folder
};

core::Result<ManifestSet> renderKustomize(ToolRunner& runner, const ToolPaths& tools,
                                          const std::string& checkout_root,
                                          std::string_view app_path,
                                          const KustomizeOptions& options = {},
                                          const ParseLimits& limits = {});

}  // namespace gitopsd::manifest
