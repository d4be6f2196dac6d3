// Running an external render tool (kustomize, helm) and collecting what it printed. ToolRunner
// is the seam between rendering logic and processes: kustomize.h and helm.h build a
// ToolInvocation and map its ToolOutput to manifests or errors; ProcessToolRunner
// (process_tool_runner.h) runs real processes, unit tests pass a fake.
//
// ToolPaths says where the tools are and how long and how loudly they may run; it is the one
// place both renderers take their tool settings from.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace gitopsd::manifest {

inline constexpr std::chrono::milliseconds kDefaultToolTimeout{90000};
inline constexpr std::size_t kDefaultMaxToolOutputBytes = std::size_t{64} * 1024 * 1024;

struct ToolInvocation {
  // The executable. A path with a '/' is used as is; a bare name is looked up in env's PATH
  // (never in the caller's own PATH).
  std::string program;
  std::vector<std::string> args;  // argv[1...]; argv[0] is program
  std::string working_dir;        // "" keeps the calling process's working directory
  // The tool's whole environment: nothing is inherited from the calling process.
  std::map<std::string, std::string> env;
  std::chrono::milliseconds timeout = kDefaultToolTimeout;    // must be positive
  std::size_t max_output_bytes = kDefaultMaxToolOutputBytes;  // stdout and stderr together
};

struct ToolOutput {
  int exit_code = 0;  // the exit status, or 128 + N when the tool was killed by signal N
  std::string out;    // everything written to stdout
  std::string err;    // everything written to stderr
};

class ToolRunner {
 public:
  virtual ~ToolRunner() = default;

  // Runs the tool to its end and returns its exit code and output. A tool that ran and exited
  // non-zero is not an error here: the caller decides what its exit code means.
  // Errors (the message names the tool by its file name):
  // - kTimeout "TOOL timed out after Ns" when it has not finished (exited and closed its
  //   output) within invocation.timeout; it is killed, nothing it printed is returned;
  // - kInvalid when it printed more than max_output_bytes (it is killed), when the program
  //   exists but is not an executable file, or for a non-positive timeout;
  // - kNotFound when the program or the working directory does not exist;
  // - kInternal when the system refuses to start it (pipes, process limits).
  // Implementations say whether they may be called from several threads at once.
  virtual core::Result<ToolOutput> run(const ToolInvocation& invocation) = 0;
};

// Where the render tools are and the limits every render applies to them.
struct ToolPaths {
  std::string kustomize;  // path of the kustomize binary (scripts/build-render-tools builds it)
  std::string helm;       // path of the helm v3 binary
  std::chrono::milliseconds timeout = kDefaultToolTimeout;    // per tool run
  std::size_t max_output_bytes = kDefaultMaxToolOutputBytes;  // per tool run
};

}  // namespace gitopsd::manifest
