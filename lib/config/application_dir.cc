#include "config/application_dir.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>
#include <utility>

namespace gitopsd::config {
namespace {

namespace fs = std::filesystem;

std::uint64_t contentHash(std::string_view content) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a
  for (const char c : content) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash ^ content.size();
}

bool endsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         std::string_view(text).substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

bool isApplicationFileName(const std::string& file_name) {
  if (file_name.empty() || file_name[0] == '.') return false;
  return endsWith(file_name, ".yaml") || endsWith(file_name, ".yml") ||
         endsWith(file_name, ".json");
}

ApplicationDirWatcher::ApplicationDirWatcher(std::vector<std::string> dirs,
                                             ApplicationParseLimits limits)
    : limits_(limits) {
  for (auto& dir : dirs) {
    if (std::find(dirs_.begin(), dirs_.end(), dir) == dirs_.end()) dirs_.push_back(std::move(dir));
  }
}

DirScan ApplicationDirWatcher::scan() {
  using namespace std::chrono_literals;
  const auto start = fs::file_time_type::clock::now();
  DirScan out;
  std::set<std::string> present;
  std::set<std::string> failed_dirs;
  for (const auto& dir : dirs_) {
    std::error_code ec;
    std::vector<std::string> names;
    fs::directory_iterator it(dir, ec);
    if (!ec) {
      for (const fs::directory_iterator end; it != end; it.increment(ec)) {
        names.push_back(it->path().filename().string());
      }
    }
    if (ec) {
      failed_dirs.insert(dir);
      const std::string message = "application folder " + dir + ": " + ec.message();
      out.folder_errors.push_back(ec == std::errc::no_such_file_or_directory
                                      ? core::notFoundError(message)
                                      : core::invalidError(message));
      continue;
    }
    for (const auto& name : names) {
      if (!isApplicationFileName(name)) continue;
      const std::string path = (fs::path(dir) / name).string();
      const fs::file_status status = fs::status(path, ec);
      if (ec || !fs::is_regular_file(status)) continue;  // folders, dangling links
      const auto mtime = fs::last_write_time(path, ec);
      if (ec) continue;
      const auto size = fs::file_size(path, ec);
      if (ec) continue;
      present.insert(path);
      auto known = files_.find(path);
      const bool racy = !scanned_ || mtime + 2s >= last_scan_start_;
      if (known != files_.end() && known->second.hashed && known->second.mtime == mtime &&
          known->second.size == size && !racy) {
        continue;
      }
      Entry& entry = known != files_.end() ? known->second : files_[path];
      const bool was_unreadable = known != files_.end() && !entry.hashed;
      entry.state.path = path;
      entry.mtime = mtime;
      entry.size = size;
      core::Result<ParsedApplications> result = core::invalidError("unset");
      if (size > limits_.max_file_bytes) {
        entry.hashed = false;
        result =
            core::invalidError(path + ": " + std::to_string(size) + " bytes exceeds the limit of " +
                               std::to_string(limits_.max_file_bytes) + " bytes");
      } else {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream content;
        content << in.rdbuf();
        if (!in || in.bad()) {
          entry.hashed = false;
          result = core::invalidError(path + ": cannot be read");
        } else {
          const std::string text = content.str();
          const std::uint64_t hash = contentHash(text);
          if (known != files_.end() && entry.hashed && entry.hash == hash) continue;
          entry.hash = hash;
          entry.hashed = true;
          entry.size = text.size();
          result = parseApplications(path, text, limits_);
        }
      }
      if (!result.ok() && was_unreadable && entry.state.error == result.status()) {
        continue;  // still unreadable or too large: reported already
      }
      if (result.ok()) {
        entry.state.apps = result->apps;
        entry.state.warnings = result->warnings;
        entry.state.error = {};
      } else {
        entry.state.error = result.status();
      }
      out.changed.push_back(FileChange{path, std::move(result)});
    }
  }
  for (auto it = files_.begin(); it != files_.end();) {
    const std::string dir = fs::path(it->first).parent_path().string();
    if (present.count(it->first) == 0 && failed_dirs.count(dir) == 0) {
      out.removed.push_back(it->first);
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(out.changed.begin(), out.changed.end(),
            [](const FileChange& a, const FileChange& b) { return a.path < b.path; });
  last_scan_start_ = start;
  scanned_ = true;
  return out;
}

std::vector<AppFileState> ApplicationDirWatcher::files() const {
  std::vector<AppFileState> out;
  out.reserve(files_.size());
  for (const auto& [path, entry] : files_) out.push_back(entry.state);
  return out;
}

MergedApplications mergeApplications(const std::vector<Application>& inline_apps,
                                     const std::vector<AppFileState>& files) {
  MergedApplications out;
  std::map<std::string, const Application*> by_name;
  const auto addError = [&](const std::string& path, const core::Status& status) {
    auto [it, inserted] = out.file_errors.emplace(path, status);
    if (!inserted) {
      it->second = core::invalidError(it->second.message() + "; " + status.message());
    }
  };
  for (const auto& app : inline_apps) {
    if (by_name.emplace(app.name, &app).second) out.apps.push_back(app);
  }
  std::vector<const AppFileState*> sorted;
  sorted.reserve(files.size());
  for (const auto& file : files) sorted.push_back(&file);
  std::sort(sorted.begin(), sorted.end(),
            [](const AppFileState* a, const AppFileState* b) { return a->path < b->path; });
  for (const AppFileState* file : sorted) {
    if (!file->error.ok()) addError(file->path, file->error);
    out.warnings.insert(out.warnings.end(), file->warnings.begin(), file->warnings.end());
    for (const auto& app : file->apps) {
      const auto [it, inserted] = by_name.emplace(app.name, &app);
      if (!inserted) {
        addError(file->path, core::invalidError(app.origin() + ": application \"" + app.name +
                                                "\" is already defined in " + it->second->origin() +
                                                "; this one is ignored"));
        continue;
      }
      out.apps.push_back(app);
    }
  }
  return out;
}

}  // namespace gitopsd::config
