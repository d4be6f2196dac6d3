// Internal to lib/manifest: what the tool-based renderers (kustomize.cc, helm.cc) share. Not
// part of the module's interface; other modules include kustomize.h and helm.h instead.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/status.h"
#include "manifest/manifest_set.h"
#include "manifest/parse.h"
#include "manifest/tool_runner.h"

namespace gitopsd::manifest::render_detail {

// A new private folder (mode 0700) under the system temp directory ($TMPDIR or /tmp), with
// empty sub-folders "home" and "tmp", removed with everything in it when the object dies.
// Movable, not copyable.
class ScratchDir {
 public:
  static core::Result<ScratchDir> create();
  ScratchDir(ScratchDir&& other) noexcept;
  ScratchDir& operator=(ScratchDir&& other) noexcept;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();

  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// The application folder of a checkout: checkout_root/<app_path in normal form>, checked to
// exist as a folder that (after resolving symlinks) stays inside checkout_root.
// display_path receives the normal form ("." for the root) for messages.
// Errors: kInvalid for ".." in app_path, a path that is not a folder or that leaves the
// checkout; kNotFound when it does not exist.
core::Result<std::string> applicationDir(const std::string& checkout_root,
                                         std::string_view app_path, std::string& display_path);

// A tool's text (stderr) fit for a message: checkout_root removed from paths (as given and
// with symlinks resolved) so they read repository-relative, surrounding blank space trimmed,
// cut to 4 KiB.
std::string toolText(std::string_view text, const std::string& checkout_root);

// The environment every render tool gets, and nothing else: HOME, TMPDIR and the XDG folders
// inside scratch, and HTTP(S)_PROXY pointing at a closed loopback port so a tool that tries
// to fetch something remote fails instead of reaching the network. No PATH, so tools cannot
// start git (remote kustomize bases) or plugins either.
std::map<std::string, std::string> toolEnvironment(const std::string& scratch);

// Runs invocation. Runner errors keep their code and get `what` as context ("kustomize build
// apps/web: kustomize timed out after 90s"); a non-zero exit is kInvalid "<what> failed:
// <toolText(stderr)>" (or "exit code N" when stderr is empty).
core::Result<ToolOutput> runTool(ToolRunner& runner, const ToolInvocation& invocation,
                                 std::string_view what, const std::string& checkout_root);

// Parses a tool's stdout as one YAML stream named display_name ("apps/web (kustomize build)")
// and collects its objects (collectManifests). The size limit is the larger of
// limits.max_file_bytes and max_output_bytes: the tool's output limit already bounds it.
// Non-empty stderr of the successful run is added as a warning "<what>: <text>".
core::Result<ManifestSet> parseToolOutput(std::string_view display_name, const ToolOutput& output,
                                          std::string_view what, const std::string& checkout_root,
                                          const ParseLimits& limits, std::size_t max_output_bytes);

}  // namespace gitopsd::manifest::render_detail
