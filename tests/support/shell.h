// Runs a shell script for a test and captures what it prints (stderr joined to stdout).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace gitopsd::test_support {

struct ShellResult {
  int status = -1;  // the exit status, -1 when the shell could not run or was killed
  std::string output;
};

inline ShellResult runScript(const std::string& script) {
  ShellResult result;
  FILE* pipe = ::popen(("exec 2>&1\n" + script + "\n").c_str(), "r");
  if (pipe == nullptr) {
    result.output = "popen failed";
    return result;
  }
  std::array<char, 4096> buffer{};
  for (size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0;) {
    result.output.append(buffer.data(), n);
  }
  const int status = ::pclose(pipe);
  if (WIFEXITED(status)) result.status = WEXITSTATUS(status);
  return result;
}

}  // namespace gitopsd::test_support
