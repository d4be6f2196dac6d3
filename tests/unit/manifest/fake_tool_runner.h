// FakeToolRunner: a ToolRunner for unit tests of the renderers' pure logic. It records every
// invocation and answers with scripted results, in order; once they are used up it answers
// with exit code 0 and no output. `on_run` (optional) sees each invocation while it "runs", e.g.
// to read a temporary file the renderer wrote for the tool.
#pragma once

#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "manifest/tool_runner.h"

namespace gitopsd::test_support {

class FakeToolRunner : public manifest::ToolRunner {
 public:
  core::Result<manifest::ToolOutput> run(const manifest::ToolInvocation& invocation) override {
    calls.push_back(invocation);
    if (on_run) on_run(invocation);
    if (results.empty()) return manifest::ToolOutput{};
    auto result = std::move(results.front());
    results.pop_front();
    return result;
  }

  void answer(int exit_code, std::string out, std::string err = {}) {
    results.emplace_back(manifest::ToolOutput{exit_code, std::move(out), std::move(err)});
  }
  void fail(core::Status status) { results.emplace_back(std::move(status)); }

  std::vector<manifest::ToolInvocation> calls;
  std::deque<core::Result<manifest::ToolOutput>> results;
  std::function<void(const manifest::ToolInvocation&)> on_run;
};

}  // namespace gitopsd::test_support
