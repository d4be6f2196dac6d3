#include "manifest/render_support.h"

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "manifest/directory_source.h"

namespace gitopsd::manifest::render_detail {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxMessageText = 4096;

void replaceAll(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  std::size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

bool isInside(const fs::path& path, const fs::path& root) {
  return std::mismatch(root.begin(), root.end(), path.begin(), path.end()).first == root.end();
}

}  // namespace

core::Result<ScratchDir> ScratchDir::create() {
  std::error_code error;
  const fs::path base = fs::temp_directory_path(error);
  if (error) return core::internalError("no temporary folder: " + error.message());
  std::string pattern = (base / "gitopsd-render-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return core::internalError("cannot create a temporary folder under " + base.string());
  }
  ScratchDir dir(std::move(pattern));
  for (const char* sub : {"home", "tmp"}) {
    if (!fs::create_directory(fs::path(dir.path_) / sub, error) || error) {
      return core::internalError("cannot create " + dir.path_ + "/" + sub);
    }
  }
  return dir;
}

ScratchDir::ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

ScratchDir& ScratchDir::operator=(ScratchDir&& other) noexcept {
  if (this != &other) {
    std::swap(path_, other.path_);
  }
  return *this;
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

core::Result<std::string> applicationDir(const std::string& checkout_root,
                                         std::string_view app_path, std::string& display_path) {
  display_path = std::string(app_path);
  auto normal = normalizeAppPath(app_path);
  if (!normal.ok()) return normal.status();
  display_path = normal->empty() ? "." : *normal;
  const fs::path dir =
      normal->empty() ? fs::path(checkout_root) : fs::path(checkout_root) / *normal;
  std::error_code error;
  const auto status = fs::status(dir, error);
  if (!fs::exists(status)) {
    return core::notFoundError("path '" + display_path + "' not found in the checkout");
  }
  if (!fs::is_directory(status)) {
    return core::invalidError("path '" + display_path + "' is not a folder");
  }
  const fs::path real_root = fs::canonical(checkout_root, error);
  const fs::path real_dir = error ? fs::path() : fs::canonical(dir, error);
  if (error) {
    return core::internalError("path '" + display_path + "': cannot resolve: " + error.message());
  }
  if (!isInside(real_dir, real_root)) {
    return core::invalidError("path '" + display_path + "' leaves the repository (a symlink to " +
                              real_dir.string() + ")");
  }
  return dir.string();
}

std::string toolText(std::string_view text, const std::string& checkout_root) {
  std::string out(text);
  std::vector<std::string> roots{checkout_root};
  std::error_code error;
  const fs::path real_root = fs::canonical(checkout_root, error);
  if (!error && real_root.string() != checkout_root) roots.push_back(real_root.string());
  for (auto root : roots) {
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    replaceAll(out, root + "/", "");
    replaceAll(out, root, ".");
  }
  out = trim(out);
  if (out.size() > kMaxMessageText) {
    out.resize(kMaxMessageText);
    out += "...";
  }
  return out;
}

std::map<std::string, std::string> toolEnvironment(const std::string& scratch) {
  // Port 0 never accepts connections, so every proxied request fails at once.
  const std::string no_proxy_server = "http://127.0.0.1:0";
  return {
      {"HOME", scratch + "/home"},
      {"TMPDIR", scratch + "/tmp"},
      {"XDG_CACHE_HOME", scratch + "/home/.cache"},
      {"XDG_CONFIG_HOME", scratch + "/home/.config"},
      {"XDG_DATA_HOME", scratch + "/home/.local/share"},
      {"HTTP_PROXY", no_proxy_server},
      {"HTTPS_PROXY", no_proxy_server},
      {"http_proxy", no_proxy_server},
      {"https_proxy", no_proxy_server},
      {"NO_PROXY", ""},
  };
}

core::Result<ToolOutput> runTool(ToolRunner& runner, const ToolInvocation& invocation,
                                 std::string_view what, const std::string& checkout_root) {
  auto output = runner.run(invocation);
  if (!output.ok()) return output.status().withContext(what);
  if (output->exit_code != 0) {
    std::string detail = toolText(output->err, checkout_root);
    if (detail.empty()) detail = "exit code " + std::to_string(output->exit_code);
    return core::invalidError(std::string(what) + " failed: " + detail);
  }
  return output;
}

core::Result<ManifestSet> parseToolOutput(std::string_view display_name, const ToolOutput& output,
                                          std::string_view what, const std::string& checkout_root,
                                          const ParseLimits& limits, std::size_t max_output_bytes) {
  // parseManifestFile picks the format by extension; the stream is YAML, and messages use the
  // display name without the extension.
  const std::string parse_name = std::string(display_name) + ".yaml";
  ParseLimits stream_limits = limits;
  stream_limits.max_file_bytes = std::max(limits.max_file_bytes, max_output_bytes);
  auto parsed = parseManifestFile(parse_name, output.out, stream_limits);
  if (!parsed.ok()) {
    std::string message = parsed.status().message();
    replaceAll(message, parse_name, display_name);
    return core::Status(parsed.status().code(), message);
  }
  ParsedFile file = std::move(parsed).value();
  file.file = std::string(display_name);
  for (auto& manifest : file.manifests) manifest.file = std::string(display_name);
  for (auto& warning : file.warnings) replaceAll(warning, parse_name, display_name);
  const std::string stderr_text = toolText(output.err, checkout_root);
  if (!stderr_text.empty()) file.warnings.push_back(std::string(what) + ": " + stderr_text);
  std::vector<ParsedFile> files;
  files.push_back(std::move(file));
  return collectManifests(std::move(files));
}

}  // namespace gitopsd::manifest::render_detail
