// Application files in folders (the daemon config's applicationDirs): detecting changes between
// scans (small file I/O) and merging every source of applications into one set (pure).
//
// Files: only *.yaml, *.yml and *.json directly in a folder (no sub-folders); names starting
// with '.' are ignored (editor swap files, Kubernetes ConfigMap mounts' "..data"). Symbolic
// links are followed, so a ConfigMap mounted as a folder works. Each file holds any number of
// Applications (see parseApplications).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "config/application.h"
#include "core/status.h"

namespace gitopsd::config {

// What is known about one application file.
struct AppFileState {
  std::string path;
  // The last good definition: the apps of the latest version that parsed (empty until one did).
  std::vector<Application> apps;
  std::vector<std::string> warnings;  // of that version
  // The latest version's read or parse error; OK when the latest version parsed. With an error
  // the caller decides whether to keep using `apps` (mergeApplications does).
  core::Status error;
};

struct FileChange {
  std::string path;
  core::Result<ParsedApplications> result;  // the new content's parse result, or read error
};

struct DirScan {
  std::vector<FileChange> changed;   // new or modified files, by path
  std::vector<std::string> removed;  // files gone since the last scan, by path
  // A folder that is missing or cannot be listed (kNotFound / kInvalid naming it). Its files
  // known from earlier scans are kept, not reported as removed: an unmounted volume must not
  // read as "every application deleted".
  std::vector<core::Status> folder_errors;

  bool empty() const { return changed.empty() && removed.empty() && folder_errors.empty(); }
};

// Finds the application files that changed in a set of folders since the previous scan.
// A file counts as changed when its content differs (a 64-bit content hash); mtime and size
// only decide when the content must be read: a file is re-read when either differs or when its
// mtime is within 2 seconds of the previous scan's start (a rewrite in the same timestamp tick
// keeps mtime; it is still seen). A touched file with the same content is not a change. A file
// that cannot be read (or exceeds the size limit) is retried on every scan but reported again
// only when its error changes.
// Not thread-safe: one owner calls scan() and files().
class ApplicationDirWatcher {
 public:
  explicit ApplicationDirWatcher(std::vector<std::string> dirs, ApplicationParseLimits limits = {});

  // Lists the folders and reports what changed; the first scan reports every file as changed.
  DirScan scan();

  // Every known file in path order, for mergeApplications.
  std::vector<AppFileState> files() const;

  const std::vector<std::string>& dirs() const { return dirs_; }

 private:
  struct Entry {
    std::filesystem::file_time_type mtime;
    std::uintmax_t size = 0;
    std::uint64_t hash = 0;
    bool hashed = false;
    AppFileState state;
  };

  std::vector<std::string> dirs_;
  ApplicationParseLimits limits_;
  std::map<std::string, Entry> files_;
  std::filesystem::file_time_type last_scan_start_{};
  bool scanned_ = false;
};

// True for the file names a folder scan considers (extension and not hidden).
bool isApplicationFileName(const std::string& file_name);

struct MergedApplications {
  // Unique names: the inline applications first, then each file's in path order.
  std::vector<Application> apps;
  // By file path: the file's own error (its last good apps are still used) and, for the later
  // of two definitions of a name (the inline one counts as first), a kInvalid naming both
  // files; that later definition is left out. Several problems of one file are joined by "; ".
  std::map<std::string, core::Status> file_errors;
  // Every file's warnings (of the definition used), in path order.
  std::vector<std::string> warnings;
};

// Pure: combines the config file's inline applications with the application files' states.
MergedApplications mergeApplications(const std::vector<Application>& inline_apps,
                                     const std::vector<AppFileState>& files);

}  // namespace gitopsd::config
