#include "manifest/helm.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "manifest/render_support.h"

namespace gitopsd::manifest {

namespace fs = std::filesystem;

namespace {

// The value file `file` (relative to the chart folder app_dir) as a path under checkout_root,
// or why it cannot be used.
core::Result<std::string> resolveValueFile(const std::string& checkout_root,
                                           const std::string& app_dir, const std::string& file) {
  const std::string named = "value file '" + file + "'";
  if (file.empty()) return core::invalidError("a value file name is empty");
  if (file.find("://") != std::string::npos) {
    return core::invalidError(named + " is a URL; only files in the repository are supported");
  }
  if (file.front() == '/') {
    return core::invalidError(named +
                              " is an absolute path; value files are relative to the chart");
  }
  // Lexically first: ".." may move up inside the repository but never past its root.
  const fs::path root(checkout_root);
  const fs::path relative = fs::path(app_dir).lexically_relative(root) / file;
  const fs::path normal = relative.lexically_normal();
  if (normal.empty() || *normal.begin() == "..") {
    return core::invalidError(named + " leaves the repository");
  }
  const fs::path path = root / normal;
  std::error_code error;
  if (!fs::exists(path, error)) {
    return core::invalidError(named + " not found (" + normal.string() + ")");
  }
  const fs::path real_root = fs::canonical(root, error);
  const fs::path real = error ? fs::path() : fs::canonical(path, error);
  if (error) return core::invalidError(named + ": " + error.message());
  const auto mismatch = std::mismatch(real_root.begin(), real_root.end(), real.begin(), real.end());
  if (mismatch.first != real_root.end()) {
    return core::invalidError(named + " leaves the repository through a symlink");
  }
  if (!fs::is_regular_file(real, error)) return core::invalidError(named + " is not a file");
  return path.string();
}

// Argo CD's escaping of --set values: unescaped commas would split the value into several
// assignments; a "{a,b}" list is passed as written.
std::string escapeSetValue(const std::string& value) {
  if (value.size() >= 2 && value.front() == '{' && value.back() == '}') return value;
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == ',' && (i == 0 || value[i - 1] != '\\')) out += '\\';
    out += value[i];
  }
  return out;
}

}  // namespace

core::Result<ManifestSet> renderHelm(ToolRunner& runner, const ToolPaths& tools,
                                     const std::string& checkout_root, std::string_view app_path,
                                     const HelmOptions& options, const ParseLimits& limits) {
  std::string display_path;
  auto app_dir = render_detail::applicationDir(checkout_root, app_path, display_path);
  const std::string what = "helm template " + display_path;
  if (!app_dir.ok()) return app_dir.status().withContext(what);
  if (options.release_name.empty()) {
    return core::invalidError(what + ": the release name is empty");
  }

  std::vector<std::string> args{"template", options.release_name, *app_dir};
  if (!options.namespace_.empty()) {
    args.insert(args.end(), {"--namespace", options.namespace_});
  }
  if (!options.skip_crds) args.emplace_back("--include-crds");
  for (const auto& file : options.value_files) {
    auto path = resolveValueFile(checkout_root, *app_dir, file);
    if (!path.ok()) return path.status().withContext(what);
    args.insert(args.end(), {"-f", *path});
  }
  for (const auto& [name, value] : options.parameters) {
    if (name.empty() || name.find_first_of("=,") != std::string::npos) {
      return core::invalidError(what + ": parameter name '" + name +
                                "' is empty or contains '=' or ','");
    }
  }

  auto scratch = render_detail::ScratchDir::create();
  if (!scratch.ok()) return scratch.status().withContext(what);
  if (!options.values.empty()) {
    const std::string inline_values = scratch->path() + "/inline-values.yaml";
    std::ofstream stream(inline_values, std::ios::binary | std::ios::trunc);
    stream << options.values;
    stream.close();
    if (!stream) return core::internalError(what + ": cannot write " + inline_values);
    args.insert(args.end(), {"-f", inline_values});
  }
  for (const auto& [name, value] : options.parameters) {
    args.insert(args.end(), {"--set", name + "=" + escapeSetValue(value)});
  }

  ToolInvocation invocation;
  invocation.program = tools.helm;
  invocation.args = std::move(args);
  invocation.working_dir = *app_dir;
  invocation.env = render_detail::toolEnvironment(scratch->path());
  const std::string home = scratch->path() + "/home";
  invocation.env["HELM_CACHE_HOME"] = home + "/.cache/helm";
  invocation.env["HELM_CONFIG_HOME"] = home + "/.config/helm";
  invocation.env["HELM_DATA_HOME"] = home + "/.local/share/helm";
  invocation.timeout = tools.timeout;
  invocation.max_output_bytes = tools.max_output_bytes;

  auto output = render_detail::runTool(runner, invocation, what, checkout_root);
  if (!output.ok()) return output.status();
  return render_detail::parseToolOutput(display_path + " (helm template)", *output, what,
                                        checkout_root, limits, tools.max_output_bytes);
}

}  // namespace gitopsd::manifest
