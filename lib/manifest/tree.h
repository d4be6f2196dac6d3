// TreeReader: what rendering needs from a source tree (a Git commit, or memory in tests): list
// a folder, read a file, name the tree in messages. The manifest module only consumes this
// interface; lib/git implements it on a mirror (git/tree_reader.h), so the dependency runs one
// way (git → manifest) and rendering stays free of I/O of its own.
//
// Paths are relative to the tree's root, '/'-separated, without a leading "/" or "./", without
// "." or ".." segments; "" is the root. Callers pass paths in that form (renderDirectory
// normalises the application path first).
//
// Thread safety: a TreeReader is not synchronised; one reader serves one render on one thread.
// Implementations may block on disk I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace gitopsd::manifest {

struct TreeEntry {
  enum class Type {
    kFile,       // a regular (or executable) file
    kDirectory,  // a folder
    kSymlink,    // a symbolic link; symlink_target holds the link text, never resolved here
    kOther,      // anything else (a Git submodule): never read
  };
  std::string path;  // from the tree's root
  Type type = Type::kFile;
  std::string symlink_target;         // for kSymlink
  std::optional<std::uint64_t> size;  // file size in bytes when known without reading it
};

class TreeReader {
 public:
  virtual ~TreeReader() = default;

  // The entries below dir ("" for the root), sorted by path; with recursive also those of every
  // sub-folder (the folders themselves included). Symlinks are listed, never followed.
  // Errors: kNotFound when dir does not exist, kInvalid when it is not a folder (a file or a
  // symlink); other codes for trouble reading the tree itself.
  virtual core::Result<std::vector<TreeEntry>> list(std::string_view dir, bool recursive) = 0;

  // The content of the file at path. kNotFound when missing; kInvalid for a folder or a
  // symlink (links are resolved by the caller, which checks that they stay in the tree).
  virtual core::Result<std::string> read(std::string_view path) = 0;

  // An id of the content at path (a folder with everything below it, or a file; "" is the
  // root): equal ids promise equal content, so render caches key on them. Git trees give their
  // object ids. kNotFound when path does not exist.
  virtual core::Result<std::string> contentId(std::string_view path) = 0;

  // The tree for messages, e.g. "https://git.example/apps.git at commit abc1234".
  virtual std::string describe() const = 0;
};

// Tree path helpers (paths in the form above). Pure.
// The '/'-separated parts of path, empty parts included ("a//b" → "a", "", "b").
std::vector<std::string_view> pathSegments(std::string_view path);
// The folder holding path ("" for a top-level entry).
std::string parentPath(std::string_view path);
// parent + "/" + name, or name when parent is the root.
std::string joinPath(std::string_view parent, std::string_view name);
// The tree path that relative names when read in folder (a symlink's target, a reference in a
// file): "." and empty parts dropped, ".." applied; nullopt when it leaves the tree (absolute,
// or ".." past the root).
std::optional<std::string> resolveInTree(std::string_view folder, std::string_view relative);

// A tree held in memory, for unit tests of rendering (and any caller that has the files
// already). Parent folders of added entries exist implicitly. Entries are replaced by path.
// Keeps the paths it was asked to read, so a test can prove a file was never read.
class MemoryTree final : public TreeReader {
 public:
  explicit MemoryTree(std::string description = "memory tree");

  MemoryTree& file(std::string path, std::string content);
  MemoryTree& symlink(std::string path, std::string target);
  MemoryTree& directory(std::string path);  // an empty folder
  MemoryTree& other(std::string path);      // e.g. a submodule

  core::Result<std::vector<TreeEntry>> list(std::string_view dir, bool recursive) override;
  core::Result<std::string> read(std::string_view path) override;
  // A hash of the paths, types and contents at and below path (not cryptographic: tests only).
  core::Result<std::string> contentId(std::string_view path) override;
  std::string describe() const override { return description_; }

  // Every path passed to read(), in call order.
  const std::vector<std::string>& reads() const { return reads_; }

 private:
  void addParents(const std::string& path);

  std::string description_;
  std::map<std::string, TreeEntry> entries_;  // by path
  std::map<std::string, std::string> contents_;
  std::vector<std::string> reads_;
};

}  // namespace gitopsd::manifest
