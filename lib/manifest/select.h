// Which files of an application's path a directory-type source renders (Argo CD's
// `spec.source.directory`: recurse, include, exclude). Pure functions of the path text.
//
// Semantics:
// - Only files named *.yaml, *.yml or *.json (case-sensitive) are manifests.
// - Without recurse only files directly in the application path count.
// - include and exclude hold glob patterns matched against the path relative to the
//   application path ("sub/dir/file.yaml", "/" separators, no leading "./"). A file is taken
//   when no exclude pattern matches and, if include is not empty, some include pattern
//   matches: exclude wins.
// - Patterns: `*` and `?` match within one path segment, `[...]` a character class, `\` escapes,
//   `{a,b}` alternation (nestable), and a whole segment `**` matches any number (also zero) of
//   folders. Unlike Argo CD (whose `*` also crosses "/"), `*.yaml` matches only top-level files;
//   use `**/*.yaml` for any depth.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gitopsd::manifest {

struct DirectoryOptions {
  bool recurse = false;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

// True when `path` matches the glob `pattern` as described above.
bool globMatch(std::string_view pattern, std::string_view path);

// True when the file at `relative_path` is rendered for a directory source with `options`.
bool selectedForDirectory(std::string_view relative_path, const DirectoryOptions& options);

}  // namespace gitopsd::manifest
