// MirrorTreeReader: manifest::TreeReader over one commit of a Mirror, reading straight from
// the object database (no checkout). Lets lib/manifest render a Git commit without knowing
// about Git; the dependency runs one way (lib/git uses lib/manifest's tree.h, never back).
//
//   MirrorTreeReader tree(mirror, *mirror.resolve("main"));
//   auto set = manifest::renderDirectory(tree, "apps/web", options, limits);
//
// Paths follow tree.h; errors are Mirror's (kNotFound for a missing folder, file or commit,
// kInvalid for a folder where a file is wanted and the reverse). Git's executable files are
// kFile, submodules kOther. Files carry their size from the object header (read without
// inflating the blob), so an oversized file is refused unread; contentId is the Git object id.
//
// Thread safety: borrows the Mirror, which must outlive the reader and must not be used from
// another thread while the reader works (Mirror is not synchronised). One reader per render.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "git/mirror.h"
#include "manifest/tree.h"

namespace gitopsd::git {

class MirrorTreeReader final : public manifest::TreeReader {
 public:
  // commit: a full 40-hex commit id, as Mirror::resolve returns.
  MirrorTreeReader(const Mirror& mirror, std::string commit);

  core::Result<std::vector<manifest::TreeEntry>> list(std::string_view dir,
                                                      bool recursive) override;
  core::Result<std::string> read(std::string_view path) override;
  core::Result<std::string> contentId(std::string_view path) override;
  // "<URL without password> at commit <first 7 hex>".
  std::string describe() const override;

  const std::string& commit() const { return commit_; }

 private:
  const Mirror& mirror_;
  std::string commit_;
};

}  // namespace gitopsd::git
