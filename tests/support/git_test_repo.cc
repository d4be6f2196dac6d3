#include "support/git_test_repo.h"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "support/env_file.h"
#include "support/shell.h"

namespace gitopsd::test_support {

namespace fs = std::filesystem;

std::string gitEnv(const std::string& key) {
  static const std::map<std::string, std::string> values = readEnvFile(std::getenv("GIT_ENV"));
  if (values.empty()) {
    FAIL("no test Git servers: GIT_ENV is unset or unreadable (did git.servers.up fail?)");
  }
  const auto found = values.find(key);
  if (found == values.end()) FAIL("git.env has no " << key);
  return found->second;
}

std::string shellQuote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string runShell(const std::string& command) {
  ShellResult result = runScript(
      "unset GIT_SSL_CAINFO SSL_CERT_FILE SSL_CERT_DIR GIT_SSL_CAPATH\n"
      "export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0\n" +
      command);
  if (result.status != 0) FAIL("command failed: " << command << "\n" << result.output);
  while (!result.output.empty() && result.output.back() == '\n') result.output.pop_back();
  return result.output;
}

GitTestRepo::GitTestRepo(const std::string& prefix) {
  static std::atomic<int> counter{0};
  name_ = prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" +
          std::to_string(std::random_device()() % 100000);
  bare_ = runShell(shellQuote(std::string(GITOPSD_SOURCE_DIR) + "/tests/git/new-repo") + " " +
                   name_ + " --dir " + shellQuote(gitEnv("GIT_SERVERS_DIR")));
  work_ = scratch_.file("work");
  git("init -q -b main " + shellQuote(work_), /*in_work=*/false);
  git("config core.symlinks true");
}

std::string GitTestRepo::url(const std::string& base_key) const {
  return gitEnv(base_key) + "/" + name_ + ".git";
}

std::string GitTestRepo::git(const std::string& arguments, bool in_work) const {
  return runShell("git " + (in_work ? "-C " + shellQuote(work_) + " " : std::string()) +
                  "-c user.name=gitopsd-test -c user.email=test@127.0.0.1 " + arguments);
}

void GitTestRepo::write(const std::string& path, const std::string& content) const {
  const fs::path target = fs::path(work_) / path;
  fs::create_directories(target.parent_path());
  std::ofstream(target, std::ios::binary | std::ios::trunc) << content;
}

void GitTestRepo::link(const std::string& path, const std::string& target) const {
  const fs::path at = fs::path(work_) / path;
  fs::create_directories(at.parent_path());
  fs::create_symlink(target, at);
}

void GitTestRepo::remove(const std::string& path) const { fs::remove_all(fs::path(work_) / path); }

std::string GitTestRepo::commit(const std::map<std::string, std::string>& files,
                                const std::string& message) {
  for (const auto& [path, content] : files) write(path, content);
  git("add -A");
  git("commit -q --allow-empty -m " + shellQuote(message));
  return git("rev-parse HEAD");
}

void GitTestRepo::push(const std::string& arguments) const {
  git("push -q " + shellQuote(bare_) + " " + arguments);
}

std::string GitTestRepo::commitAndPush(const std::string& message) {
  const std::string id = commit({}, message);
  push("main");
  return id;
}

}  // namespace gitopsd::test_support
