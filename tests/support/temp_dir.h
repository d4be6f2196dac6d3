// TempDir: a fresh folder under the system temp directory for one test, removed with
// everything in it when the object dies. Tests only (fails the test through Catch2).
#pragma once

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace gitopsd::test_support {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gitopsd-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

  // Writes (replacing) a file below the folder, creating subfolders; returns its path.
  std::string write(const std::string& name, const std::string& content) const {
    const std::filesystem::path target = path_ / name;
    std::filesystem::create_directories(target.parent_path());
    std::ofstream(target, std::ios::binary | std::ios::trunc) << content;
    return target.string();
  }

  // Writes an executable shell script; returns its path.
  std::string script(const std::string& name, const std::string& body) const {
    const std::string target = write(name, "#!/bin/sh\n" + body);
    std::filesystem::permissions(target, std::filesystem::perms::owner_all);
    return target;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace gitopsd::test_support
