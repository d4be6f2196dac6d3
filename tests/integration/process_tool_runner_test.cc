// ProcessToolRunner against real processes (/bin/sh scripts): exit codes, both pipes, the
// environment, timeouts that kill the whole process group, the output limit, missing programs,
// and several runs at once.
#include "manifest/process_tool_runner.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

using gitopsd::core::StatusCode;
using gitopsd::manifest::ProcessToolRunner;
using gitopsd::manifest::ToolInvocation;
using gitopsd::test_support::TempDir;
using namespace std::chrono_literals;

namespace {

ToolInvocation script(const std::string& path) {
  ToolInvocation invocation;
  invocation.program = path;
  invocation.env = {{"PATH", "/usr/bin:/bin"}};
  invocation.timeout = 10s;
  invocation.max_output_bytes = 16 * 1024 * 1024;
  return invocation;
}

// True while pid is a live process (a zombie waiting for its parent counts as gone).
bool processAlive(long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(stat, text)) return false;
  const auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

long readPid(const std::string& file) {
  long pid = 0;
  std::ifstream(file) >> pid;
  return pid;
}

// Polls until pid is gone or the deadline passes.
bool waitGone(long pid, std::chrono::milliseconds within) {
  const auto deadline = std::chrono::steady_clock::now() + within;
  while (processAlive(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

}  // namespace

TEST_CASE("manifest: the process runner returns exit code, stdout and stderr", "[manifest]") {
  TempDir dir;
  ProcessToolRunner runner;
  auto invocation = script(dir.script("tool", "echo \"out:$1:$2\"\necho \"err:$0\" >&2\nexit 3\n"));
  invocation.args = {"a b", "c"};
  auto result = runner.run(invocation);
  INFO(result.status().toString());
  REQUIRE(result.ok());
  CHECK(result->exit_code == 3);
  CHECK(result->out == "out:a b:c\n");
  CHECK(result->err == "err:" + invocation.program + "\n");

  auto killed = runner.run(script(dir.script("killed", "kill -TERM $$\nsleep 5\n")));
  REQUIRE(killed.ok());
  CHECK(killed->exit_code == 128 + SIGTERM);
}

TEST_CASE("manifest: the process runner passes exactly the given environment and folder",
          "[manifest]") {
  TempDir dir;
  ::setenv("GITOPSD_RUNNER_TEST_SECRET", "leak", 1);
  ProcessToolRunner runner;
  std::filesystem::create_directories(dir.path() / "work");
  auto invocation = script(dir.script("tool", "echo \"$ONLY|$GITOPSD_RUNNER_TEST_SECRET\"\npwd\n"));
  invocation.env["ONLY"] = "given";
  invocation.working_dir = dir.file("work");
  auto result = runner.run(invocation);
  ::unsetenv("GITOPSD_RUNNER_TEST_SECRET");
  REQUIRE(result.ok());
  CHECK(result->out == "given|\n" + std::filesystem::canonical(dir.file("work")).string() + "\n");

  invocation.working_dir = dir.file("nowhere");
  auto missing = runner.run(invocation);
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message().find("nowhere") != std::string::npos);
}

TEST_CASE("manifest: the process runner drains stdout and stderr together", "[manifest]") {
  TempDir dir;
  ProcessToolRunner runner;
  // 1 MiB on each pipe, interleaved: a runner reading one pipe at a time would deadlock once
  // the other's 64 KiB buffer fills.
  auto result = runner.run(
      script(dir.script("tool",
                        "i=0\nwhile [ $i -lt 16 ]; do\n  head -c 65536 /dev/zero | tr '\\0' o\n"
                        "  head -c 65536 /dev/zero | tr '\\0' e >&2\n  i=$((i+1))\ndone\n")));
  INFO(result.status().toString());
  REQUIRE(result.ok());
  CHECK(result->exit_code == 0);
  CHECK(result->out == std::string(1 << 20, 'o'));
  CHECK(result->err == std::string(1 << 20, 'e'));
}

TEST_CASE("manifest: the process runner kills the whole process group at the timeout",
          "[manifest]") {
  TempDir dir;
  ProcessToolRunner runner;
  const std::string pid_file = dir.file("child.pid");
  auto invocation = script(dir.script(
      "hang", "sleep 60 &\necho $! > '" + pid_file + "'\necho started\nsleep 60\necho never\n"));
  invocation.timeout = 700ms;
  const auto start = std::chrono::steady_clock::now();
  auto result = runner.run(invocation);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kTimeout);
  CHECK(result.status().message() == "hang timed out after 0.7s");
  CHECK(elapsed >= 700ms);
  CHECK(elapsed < 1700ms);
  const long child = readPid(pid_file);
  REQUIRE(child > 0);
  CHECK(waitGone(child, 2s));  // the background sleep of the group was killed too
}

TEST_CASE("manifest: the process runner does not wait for leftovers of an exited tool",
          "[manifest]") {
  TempDir dir;
  ProcessToolRunner runner;
  const std::string pid_file = dir.file("child.pid");
  // The background sleep inherits stdout; the tool itself exits at once.
  auto invocation =
      script(dir.script("tool", "sleep 60 &\necho $! > '" + pid_file + "'\necho done\nexit 0\n"));
  const auto start = std::chrono::steady_clock::now();
  auto result = runner.run(invocation);
  REQUIRE(result.ok());
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(result->out == "done\n");
  CHECK(waitGone(readPid(pid_file), 2s));
}

TEST_CASE("manifest: the process runner stops a tool that prints too much", "[manifest]") {
  TempDir dir;
  ProcessToolRunner runner;
  auto invocation = script(dir.script("chatty", "exec yes\n"));
  invocation.max_output_bytes = 100000;
  const auto start = std::chrono::steady_clock::now();
  auto result = runner.run(invocation);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == StatusCode::kInvalid);
  CHECK(result.status().message().rfind("chatty wrote more than 100000 bytes", 0) == 0);
  CHECK(std::chrono::steady_clock::now() - start < 5s);

  invocation.max_output_bytes = 4;
  auto fits = runner.run(script(dir.script("quiet", "printf abcd\n")));
  REQUIRE(fits.ok());
  CHECK(fits->out == "abcd");
}

TEST_CASE("manifest: the process runner names missing and unusable programs", "[manifest]") {
  TempDir dir;
  ProcessToolRunner runner;

  auto missing = runner.run(script(dir.file("no-such-tool")));
  CHECK(missing.status().code() == StatusCode::kNotFound);
  CHECK(missing.status().message() == "program '" + dir.file("no-such-tool") + "' not found");

  dir.write("plain.sh", "echo hi\n");
  auto plain = runner.run(script(dir.file("plain.sh")));
  CHECK(plain.status().code() == StatusCode::kInvalid);
  CHECK(plain.status().message() == "program '" + dir.file("plain.sh") + "' is not executable");

  auto folder = runner.run(script(dir.path().string()));
  CHECK(folder.status().code() == StatusCode::kInvalid);

  ToolInvocation bare;
  bare.program = "sh";
  bare.args = {"-c", "echo found"};
  auto no_path = runner.run(bare);
  CHECK(no_path.status().code() == StatusCode::kNotFound);
  bare.env["PATH"] = "/nonexistent:/bin";
  auto found = runner.run(bare);
  REQUIRE(found.ok());
  CHECK(found->out == "found\n");

  bare.timeout = 0ms;
  CHECK(runner.run(bare).status().code() == StatusCode::kInvalid);
}

TEST_CASE("manifest: the process runner serves several threads at once", "[manifest]") {
  TempDir dir;
  ProcessToolRunner runner;
  const std::string tool =
      dir.script("tool", "sleep 0.3\necho \"out $1\"\necho \"err $1\" >&2\nexit $2\n");
  const std::string hang = dir.script("hang", "exec sleep 60\n");
  constexpr int kThreads = 4;
  std::vector<std::string> failures(kThreads);
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        const std::string id = std::to_string(t) + "." + std::to_string(i);
        auto invocation = script(tool);
        invocation.args = {id, std::to_string(t)};
        auto result = runner.run(invocation);
        if (!result.ok() || result->exit_code != t || result->out != "out " + id + "\n" ||
            result->err != "err " + id + "\n") {
          failures[t] += "run " + id + " wrong: " + result.status().toString() + "; ";
        }
      }
      auto slow = script(hang);
      slow.timeout = 300ms;
      if (runner.run(slow).status().code() != StatusCode::kTimeout) {
        failures[t] += "no timeout; ";
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    INFO("thread " << t);
    CHECK(failures[t].empty());
  }
  // Twelve 0.3 s runs and four 0.3 s timeouts run in parallel, not one after another (4.8 s).
  CHECK(std::chrono::steady_clock::now() - start < 4s);
}
