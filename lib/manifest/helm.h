// Rendering a Helm application source (a Chart.yaml in the application's path) with the
// external `helm template` of Helm v3, as Argo CD does for charts kept in Git.
//
// renderHelm(runner, tools, checkout_root, app_path, options, limits):
// - checkout_root and app_path as for renderKustomize (kustomize.h): the chart is the folder
//   checkout_root/app_path of the caller's private checkout; "" and "." are the root, ".." is
//   kInvalid, a missing path kNotFound.
// - Runs, in the chart folder, `helm template RELEASE CHART_DIR [--namespace NS]
//   [--include-crds] [-f VALUE_FILE]... [-f INLINE_VALUES] [--set NAME=VALUE]...`:
//   --include-crds unless skip_crds; value files in the given order, then the inline values
//   (written to a temporary file), then the parameters, so later ones win as in Argo CD.
//   A parameter value has its unescaped commas escaped ("a,b" → "a\,b") unless it is a
//   "{x,y}" list, as Argo CD does; a parameter name may not be empty or contain '=' or ','.
// - Value files are relative to the chart folder and must stay inside checkout_root: an
//   absolute path, a URL ("scheme://...") or a path whose ".." segments or symlinks lead
//   out of the checkout is kInvalid naming the file; a file that does not exist is kInvalid
//   too (Argo CD's ignoreMissingValueFiles is not supported).
// - HOME, TMPDIR, HELM_CACHE_HOME, HELM_CONFIG_HOME and HELM_DATA_HOME point into a private
//   temporary folder removed after the render; no PATH and unreachable HTTP proxies
//   (render_detail::toolEnvironment), so helm uses no network, no repositories and no plugins
//   of the machine. Chart dependencies must be vendored in charts/.
// - stdout is parsed as one YAML stream named "<app_path> (helm template)" and collected as
//   for kustomize; text helm printed on stderr while succeeding becomes a warning.
// Errors (never an empty or partial set): an empty release_name is kInvalid; a non-zero exit
// is kInvalid "helm template <app_path> failed: <stderr>" with the checkout root removed from
// paths; a timeout kTimeout "helm template <app_path>: helm timed out after Ns"; a missing
// binary kNotFound; parse errors and duplicates as in parse.h and manifest_set.h.
//
// Thread safety: as renderKustomize.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "manifest/manifest_set.h"
#include "manifest/parse.h"
#include "manifest/tool_runner.h"

namespace gitopsd::manifest {

// Argo CD's spec.source.helm, the supported part, plus the release's namespace.
struct HelmOptions {
  std::string release_name;  // releaseName (Argo CD defaults it to the application's name)
  std::string namespace_;    // the destination namespace; "" leaves helm's default
  std::vector<std::string> value_files;  // valueFiles, relative to the chart folder
  std::string values;                    // values: inline YAML
  std::vector<std::pair<std::string, std::string>> parameters;  // parameters: --set name=value
  bool skip_crds = false;                                       // skipCrds
};

core::Result<ManifestSet> renderHelm(ToolRunner& runner, const ToolPaths& tools,
                                     const std::string& checkout_root, std::string_view app_path,
                                     const HelmOptions& options, const ParseLimits& limits = {});

}  // namespace gitopsd::manifest
