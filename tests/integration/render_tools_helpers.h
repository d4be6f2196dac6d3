// The real kustomize and helm built by scripts/build-render-tools, for integration tests. The
// folder comes from the environment variable GITOPSD_RENDER_TOOLS_DIR, else from the CMake
// variable of the same name compiled in as GITOPSD_RENDER_TOOLS_DIR_DEFAULT; without working
// tools the calling test fails (never skips) saying how to build them.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "manifest/tool_runner.h"

namespace gitopsd::test_support {

inline manifest::ToolPaths realTools() {
  const char* from_env = ::getenv("GITOPSD_RENDER_TOOLS_DIR");
  const std::string dir =
      from_env != nullptr && *from_env != '\0' ? from_env : GITOPSD_RENDER_TOOLS_DIR_DEFAULT;
  INFO("GITOPSD_RENDER_TOOLS_DIR=" << dir);
  if (dir.empty()) {
    FAIL(
        "GITOPSD_RENDER_TOOLS_DIR is not set: build the tools with scripts/build-render-tools and "
        "configure with -DGITOPSD_RENDER_TOOLS_DIR=$(scripts/build-render-tools --print-dir), or "
        "export GITOPSD_RENDER_TOOLS_DIR");
  }
  manifest::ToolPaths tools;
  tools.kustomize = dir + "/kustomize";
  tools.helm = dir + "/helm";
  for (const auto& tool : {tools.kustomize, tools.helm}) {
    if (::access(tool.c_str(), X_OK) != 0) {
      FAIL(tool + " is missing or not executable: run scripts/build-render-tools");
    }
  }
  tools.timeout = std::chrono::seconds(60);
  return tools;
}

}  // namespace gitopsd::test_support
