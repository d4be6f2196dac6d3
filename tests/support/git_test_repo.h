// Repositories on the test Git servers (tests/git, CTest fixture git_servers) for C++
// integration tests: git.env values, a shell runner for the git CLI, and GitTestRepo, a bare
// repository on the servers plus a work tree to change it with. Every helper fails the current
// test loudly when the servers are missing or a command fails.
#pragma once

#include <map>
#include <string>

#include "support/temp_dir.h"

namespace gitopsd::test_support {

// A value from $GIT_ENV (git.env): GIT_DAEMON_URL, GIT_HTTP_URL, GIT_SSH_KEY, ...
std::string gitEnv(const std::string& key);

// text in single quotes for the shell.
std::string shellQuote(const std::string& text);

// Runs a shell command (stderr joined to stdout) without the machine's CA overrides and system
// git config, which would override the git CLI's own settings; returns its output without
// trailing newlines.
std::string runShell(const std::string& command);

class GitTestRepo {
 public:
  // A new, empty bare repository named "<prefix>-<unique>" on the servers (branch main).
  explicit GitTestRepo(const std::string& prefix);

  // The repository's URL over one transport: base_key is GIT_DAEMON_URL, GIT_HTTP_URL,
  // GIT_HTTPS_URL or GIT_SSH_URL.
  std::string url(const std::string& base_key = "GIT_DAEMON_URL") const;

  // git with the arguments, in the work tree unless in_work is false.
  std::string git(const std::string& arguments, bool in_work = true) const;

  void write(const std::string& path, const std::string& content) const;
  void link(const std::string& path, const std::string& target) const;
  void remove(const std::string& path) const;

  // Writes files, commits everything in the work tree and returns the commit id (not pushed).
  std::string commit(const std::map<std::string, std::string>& files, const std::string& message);
  // git push to the bare repository on disk with the arguments ("main", "-f main", ...).
  void push(const std::string& arguments) const;
  // commit({}, message) then push("main").
  std::string commitAndPush(const std::string& message);

  const std::string& work() const { return work_; }

 private:
  TempDir scratch_;
  std::string name_;
  std::string bare_;
  std::string work_;
};

}  // namespace gitopsd::test_support
