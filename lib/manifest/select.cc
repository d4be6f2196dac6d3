#include "manifest/select.h"

#include <fnmatch.h>

#include <cstddef>

namespace gitopsd::manifest {
namespace {

// fnmatch(3) handles one segment's `*`, `?`, `[...]` and `\` escapes. It has no `{a,b}`
// alternation (glibc offers that only in glob(3), which reads the file system) and no `**`
// (with FNM_PATHNAME `*` stops at "/", without it every `*` crosses "/"), so those two are
// done here: braces are expanded into alternatives, and patterns are matched segment by
// segment with `**` standing for any number of segments.

// Index of the '}' closing the '{' at `open`, or npos.
std::size_t closingBrace(std::string_view pattern, std::size_t open) {
  int depth = 0;
  for (std::size_t i = open; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
    } else if (pattern[i] == '{') {
      ++depth;
    } else if (pattern[i] == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

void expandBraces(std::string_view pattern, std::vector<std::string>& out) {
  std::size_t open = std::string_view::npos;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
    } else if (pattern[i] == '{') {
      open = i;
      break;
    }
  }
  const std::size_t close = open == std::string_view::npos ? open : closingBrace(pattern, open);
  if (close == std::string_view::npos) {  // no (balanced) braces: a literal pattern
    out.emplace_back(pattern);
    return;
  }
  const std::string_view prefix = pattern.substr(0, open);
  const std::string_view suffix = pattern.substr(close + 1);
  const std::string_view body = pattern.substr(open + 1, close - open - 1);
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= body.size(); ++i) {
    if (i < body.size() && body[i] == '\\') {
      ++i;
      continue;
    }
    if (i < body.size() && body[i] == '{') ++depth;
    if (i < body.size() && body[i] == '}') --depth;
    if (i == body.size() || (body[i] == ',' && depth == 0)) {
      std::string alternative(prefix);
      alternative.append(body.substr(start, i - start)).append(suffix);
      expandBraces(alternative, out);
      start = i + 1;
    }
  }
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    const std::string_view part = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!part.empty() && part != ".") out.push_back(part);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

bool matchSegments(const std::vector<std::string_view>& pattern, std::size_t p,
                   const std::vector<std::string_view>& path, std::size_t s) {
  while (p < pattern.size()) {
    if (pattern[p] == "**") {
      while (p < pattern.size() && pattern[p] == "**") ++p;  // "**/**" is "**"
      if (p == pattern.size()) return true;
      for (std::size_t skip = s; skip < path.size(); ++skip) {
        if (matchSegments(pattern, p, path, skip)) return true;
      }
      return false;
    }
    if (s == path.size()) return false;
    const std::string segment_pattern(pattern[p]);
    const std::string segment(path[s]);
    if (fnmatch(segment_pattern.c_str(), segment.c_str(), FNM_PATHNAME) != 0) return false;
    ++p;
    ++s;
  }
  return s == path.size();
}

bool isManifestName(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  auto ends = [name](std::string_view suffix) {
    return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  return ends(".yaml") || ends(".yml") || ends(".json");
}

}  // namespace

bool globMatch(std::string_view pattern, std::string_view path) {
  const auto path_segments = segments(path);
  std::vector<std::string> alternatives;
  expandBraces(pattern, alternatives);
  for (const auto& alternative : alternatives) {
    if (matchSegments(segments(alternative), 0, path_segments, 0)) return true;
  }
  return false;
}

bool selectedForDirectory(std::string_view relative_path, const DirectoryOptions& options) {
  if (!isManifestName(relative_path)) return false;
  if (!options.recurse && segments(relative_path).size() > 1) return false;
  for (const auto& pattern : options.exclude) {
    if (globMatch(pattern, relative_path)) return false;
  }
  if (options.include.empty()) return true;
  for (const auto& pattern : options.include) {
    if (globMatch(pattern, relative_path)) return true;
  }
  return false;
}

}  // namespace gitopsd::manifest
