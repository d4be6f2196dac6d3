#include "core/log.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using gitopsd::core::LogFormat;
using gitopsd::core::Logger;
using gitopsd::core::LogLevel;
using gitopsd::core::LogSink;
using gitopsd::core::ManualClock;

namespace {

// A sink that keeps lines in memory, with a clock fixed at 2026-01-02T03:04:05.678Z.
struct CapturedLog {
  CapturedLog() : clock(ManualClock::WallTime{1767323045678ms}) {}
  ManualClock clock;
  std::vector<std::string> lines;
  LogSink sink{[this](std::string_view line) { lines.emplace_back(line); }, LogLevel::kInfo,
               LogFormat::kLogfmt, clock};
};

}  // namespace

TEST_CASE("log: logfmt line with typed fields and quoting", "[core]") {
  CapturedLog captured;
  Logger(captured.sink)
      .with({{"app", "bookinfo"}})
      .info("sync finished", {{"objects", 12},
                              {"dry_run", false},
                              {"ratio", 0.5},
                              {"reason", "hook \"pre\" = done"},
                              {"empty", ""}});
  REQUIRE(captured.lines.size() == 1);
  CHECK(captured.lines[0] ==
        "time=2026-01-02T03:04:05.678Z level=info msg=\"sync finished\" app=bookinfo objects=12 "
        "dry_run=false ratio=0.5 reason=\"hook \\\"pre\\\" = done\" empty=\"\"");
}

TEST_CASE("log: json line keeps field types", "[core]") {
  CapturedLog captured;
  captured.sink.setFormat(LogFormat::kJson);
  Logger(captured.sink).warn("slow", {{"ms", 250}, {"retry", true}, {"who", "line\nbreak"}});
  REQUIRE(captured.lines.size() == 1);
  const auto line = nlohmann::json::parse(captured.lines[0]);
  CHECK(line["time"] == "2026-01-02T03:04:05.678Z");
  CHECK(line["level"] == "warn");
  CHECK(line["msg"] == "slow");
  CHECK(line["ms"] == 250);
  CHECK(line["retry"] == true);
  CHECK(line["who"] == "line\nbreak");
}

TEST_CASE("log: records below the level are dropped", "[core]") {
  CapturedLog captured;
  Logger log(captured.sink);
  log.debug("hidden");
  captured.sink.setLevel(LogLevel::kError);
  log.warn("hidden too");
  log.error("shown");
  REQUIRE(captured.lines.size() == 1);
  CHECK_THAT(captured.lines[0], Catch::Contains("level=error msg=shown"));
}

TEST_CASE("log: level and format names parse", "[core]") {
  CHECK(gitopsd::core::parseLogLevel("debug") == LogLevel::kDebug);
  CHECK(gitopsd::core::parseLogLevel("warn") == LogLevel::kWarn);
  CHECK_FALSE(gitopsd::core::parseLogLevel("verbose").has_value());
  CHECK(gitopsd::core::parseLogFormat("json") == LogFormat::kJson);
  CHECK_FALSE(gitopsd::core::parseLogFormat("xml").has_value());
}

TEST_CASE("log: concurrent writers never interleave lines", "[core]") {
  CapturedLog captured;
  Logger log(captured.sink);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < 200; ++i) log.info("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE(captured.lines.size() == 800);
  for (const auto& line : captured.lines) {
    CHECK(line.rfind("time=2026-01-02T03:04:05.678Z level=info msg=tick thread=", 0) == 0);
  }
}
