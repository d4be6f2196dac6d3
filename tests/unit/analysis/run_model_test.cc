#include "analysis/run_model.h"

#include <catch2/catch.hpp>

#include "core/time_text.h"
#include "fixtures.h"

namespace gitopsd::analysis {
namespace {

using nlohmann::json;
using testing::loadFixture;

TimePoint at(const char* text) { return *core::parseRfc3339(text); }

TEST_CASE("analysis: Go durations as Argo reads interval and initialDelay", "[analysis]") {
  CHECK(*parseGoDuration("30s") == std::chrono::seconds(30));
  CHECK(*parseGoDuration("5m") == std::chrono::minutes(5));
  CHECK(*parseGoDuration("1h") == std::chrono::hours(1));
  CHECK(*parseGoDuration("1h30m") == std::chrono::minutes(90));
  CHECK(*parseGoDuration("1.5s") == std::chrono::milliseconds(1500));
  CHECK(*parseGoDuration("250ms") == std::chrono::milliseconds(250));
  CHECK(*parseGoDuration("0") == Duration(0));
  CHECK(*parseGoDuration("-2m") == std::chrono::minutes(-2));
  for (const char* bad : {"", "5x", "30", "m", "1..5s", "s5", "1h 2m"}) {
    INFO(bad);
    CHECK_FALSE(parseGoDuration(bad).ok());
  }
  CHECK(parseGoDuration("5x").status().message() == "invalid duration \"5x\"");
}

TEST_CASE("analysis: phases by name", "[analysis]") {
  for (Phase p : {Phase::kNone, Phase::kPending, Phase::kRunning, Phase::kSuccessful,
                  Phase::kFailed, Phase::kError, Phase::kInconclusive}) {
    CHECK(*parsePhase(phaseName(p)) == p);
  }
  CHECK(phaseName(Phase::kInconclusive) == "Inconclusive");
  CHECK_FALSE(parsePhase("Done").ok());
  CHECK(phaseCompleted(Phase::kError));
  CHECK_FALSE(phaseCompleted(Phase::kRunning));
  CHECK_FALSE(phaseCompleted(Phase::kNone));
}

TEST_CASE("analysis: parses the Bookinfo apdex run's spec", "[analysis]") {
  const json run = loadFixture("run_apdex.json");
  // count holds a template: it only parses once the arguments are substituted.
  auto raw = parseRunSpec(run["spec"]);
  REQUIRE_FALSE(raw.ok());
  CHECK(raw.status().message() ==
        "spec.metrics[0].count: must be an integer or a string of one, not "
        "\"{{args.threshold}}\"");

  json spec = run["spec"];
  spec["metrics"][0]["count"] = "3";
  auto parsed = parseRunSpec(spec);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->metrics.size() == 2);
  const Metric& apdex = parsed->metrics[0];
  CHECK(apdex.name == "apdex");
  CHECK(apdex.interval == std::chrono::minutes(1));
  CHECK(apdex.initial_delay == std::chrono::seconds(30));
  CHECK(apdex.count == 3);
  CHECK(apdex.failure_limit == 1);
  CHECK_FALSE(apdex.inconclusive_limit.has_value());
  CHECK(apdex.consecutiveErrorLimitOrDefault() == 4);
  CHECK(apdex.success_condition == "result.service_apdex[0].value >= 9000");
  CHECK(apdex.failure_condition.empty());
  CHECK(apdex.providerType() == "skywalking");
  CHECK(apdex.provider["skywalking"]["address"] == "http://oap.skywalking:12800");
  CHECK(apdex.effectiveCount() == 3);
  const Metric& web = parsed->metrics[1];
  CHECK(web.providerType() == "web");
  CHECK_FALSE(web.interval.has_value());
  CHECK(web.effectiveCount() == 1);

  REQUIRE(parsed->args.size() == 5);
  CHECK(parsed->args[0].name == "service");
  CHECK(parsed->args[0].value == "reviews");
  REQUIRE(parsed->args[2].secret_key_ref.has_value());
  CHECK(parsed->args[2].secret_key_ref->name == "skywalking");
  CHECK(parsed->args[2].secret_key_ref->key == "token");
  CHECK_FALSE(parsed->args[2].value.has_value());
  CHECK(parsed->args[3].field_path == "metadata.labels['app']");
  REQUIRE(parsed->dry_run.size() == 1);
  CHECK(parsed->dry_run[0].metric_name == "web-.*");
  REQUIRE(parsed->measurement_retention.size() == 1);
  CHECK(parsed->measurement_retention[0].limit == 3);
  CHECK_FALSE(parsed->terminate);

  CHECK(validateRunSpec(*parsed).ok());
  const auto dry = dryRunMetrics(*parsed);
  CHECK(dry.count("web-check") == 1);
  CHECK(dry.count("apdex") == 0);
  CHECK(measurementLimit(*parsed, "apdex") == 3);
  CHECK(measurementLimit(*parsed, "web-check") == kDefaultMeasurementHistoryLimit);
}

TEST_CASE("analysis: spec parse errors name the field", "[analysis]") {
  for (const json& c : loadFixture("spec_errors.json")) {
    const std::string expected = c["error"];
    INFO(expected);
    auto parsed = parseRunSpec(c["spec"]);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == core::StatusCode::kInvalid);
    CHECK(parsed.status().message() == expected);
  }
  CHECK(parseRunSpec(json::array()).status().message() == "spec: must be an object");
}

TEST_CASE("analysis: terminate, ttlStrategy and int-or-string limits", "[analysis]") {
  auto parsed = parseRunSpec(json::parse(R"({
    "terminate": true, "ttlStrategy": {"secondsAfterCompletion": 60},
    "metrics": [{"name": "m", "interval": "10s", "count": 0, "consecutiveErrorLimit": "0",
                 "inconclusiveLimit": 2, "consecutiveSuccessLimit": "+3",
                 "failureCondition": "result > 1", "provider": {"prometheus": {"query": "q"}}}]})"));
  REQUIRE(parsed.ok());
  CHECK(parsed->terminate);
  const Metric& m = parsed->metrics[0];
  CHECK(m.count == 0);
  CHECK_FALSE(m.effectiveCount().has_value());  // count 0 with an interval: until stopped
  CHECK(m.consecutiveErrorLimitOrDefault() == 0);
  CHECK(m.inconclusive_limit == 2);
  CHECK(m.consecutive_success_limit == 3);
  CHECK(m.failure_condition == "result > 1");
}

TEST_CASE("analysis: Argo's validation of a run's metrics", "[analysis]") {
  auto check = [](const char* spec_text, const std::string& expected) {
    INFO(spec_text);
    auto parsed = parseRunSpec(json::parse(spec_text));
    REQUIRE(parsed.ok());
    core::Status status = validateRunSpec(*parsed);
    if (expected.empty()) {
      CHECK(status.ok());
    } else {
      CHECK(status.message() == expected);
    }
  };
  const std::string p = R"("provider": {"web": {}})";
  check(R"({"metrics": []})", "no metrics specified");
  check((R"({"metrics": [{"name": "a", )" + p + R"(}, {"name": "a", )" + p + "}]}").c_str(),
        "metrics[1]: duplicate name 'a'");
  check((R"({"metrics": [{"name": "a", "count": 3, )" + p + "}]}").c_str(),
        "metrics[0]: interval must be specified when count > 1");
  check((R"({"metrics": [{"name": "a", "failureLimit": -2, )" + p + "}]}").c_str(),
        "metrics[0]: failureLimit must be >= 0, or -1 to be disabled");
  check((R"({"metrics": [{"name": "a", "failureLimit": -1, )" + p + "}]}").c_str(),
        "metrics[0]: failureLimit and consecutiveSuccessLimit cannot both be disabled");
  check((R"({"metrics": [{"name": "a", "consecutiveSuccessLimit": -1, )" + p + "}]}").c_str(),
        "metrics[0]: consecutiveSuccessLimit must be >= 0");
  check((R"({"metrics": [{"name": "a", "inconclusiveLimit": -1, )" + p + "}]}").c_str(),
        "metrics[0]: inconclusiveLimit must be >= 0");
  check((R"({"metrics": [{"name": "a", "consecutiveErrorLimit": -1, )" + p + "}]}").c_str(),
        "metrics[0]: consecutiveErrorLimit must be >= 0");
  check((R"({"metrics": [{"name": "a", "interval": "1m", "count": 3, "failureLimit": 2,
             "consecutiveSuccessLimit": 2, )" +
         p + "}]}")
            .c_str(),
        "metrics[0]: count (3) must be >= failureLimit + consecutiveSuccessLimit (2 + 2) if "
        "both >= 0");
  check((R"({"metrics": [{"name": "a", "interval": "1m", "count": 2, "failureLimit": -1,
             "consecutiveSuccessLimit": 3, )" +
         p + "}]}")
            .c_str(),
        "metrics[0]: count must be >= consecutiveSuccessLimit");
  check((R"({"metrics": [{"name": "a", "interval": "1m", "count": 2, "inconclusiveLimit": 3, )" +
         p + "}]}")
            .c_str(),
        "metrics[0]: count must be >= inconclusiveLimit");
  check((R"({"metrics": [{"name": "a", )" + p + R"(}], "dryRun": [{"metricName": "b"}]})").c_str(),
        "dryRun[0]: Rule didn't match any metric name(s)");
  check((R"({"metrics": [{"name": "a", )" + p +
         R"(}], "measurementRetention": [{"metricName": ".*", "limit": 2},
                                          {"metricName": "z"}]})")
            .c_str(),
        "measurementRetention[1]: Rule didn't match any metric name(s)");
  check((R"({"metrics": [{"name": "a", )" + p + R"(}], "dryRun": [{"metricName": "["}]})").c_str(),
        "dryRun[0]: Rule didn't match any metric name(s)");
  check((R"({"metrics": [{"name": "a", "interval": "1m", "count": 5, "failureLimit": 2,
             "consecutiveSuccessLimit": 3, )" +
         p + R"(}], "dryRun": [{"metricName": ".*"}]})")
            .c_str(),
        "");
}

TEST_CASE("analysis: status JSON round-trips in Argo's shape", "[analysis]") {
  for (const char* name : {"status_running.json", "status_completed.json"}) {
    INFO(name);
    const json fixture = loadFixture(name);
    auto parsed = parseRunStatus(fixture);
    REQUIRE(parsed.ok());
    CHECK(toJson(*parsed) == fixture);
    auto again = parseRunStatus(toJson(*parsed));
    REQUIRE(again.ok());
    CHECK(toJson(*again) == fixture);
  }
  auto running = parseRunStatus(loadFixture("status_running.json"));
  REQUIRE(running.ok());
  CHECK(running->phase == Phase::kRunning);
  CHECK(running->started_at == at("2026-12-04T10:00:00Z"));
  CHECK_FALSE(running->completed_at.has_value());
  CHECK_FALSE(running->dry_run_summary.has_value());
  CHECK(running->run_summary.count == 1);
  const MetricResult* apdex = running->result("apdex");
  REQUIRE(apdex != nullptr);
  CHECK(running->result("other") == nullptr);
  REQUIRE(apdex->measurements.size() == 4);
  CHECK(apdex->measurements[0].value == "[0.97]");
  CHECK(apdex->measurements[1].metadata.at("query") == "service_apdex");
  CHECK(apdex->measurements[2].message == "connection refused");
  CHECK(apdex->measurements[3].resume_at == at("2026-12-04T10:03:30Z"));
  CHECK_FALSE(apdex->measurements[3].finished_at.has_value());
  CHECK(apdex->count == 2);
  CHECK(apdex->consecutive_error == 1);
  CHECK(apdex->metadata.at("ResolvedSkyWalkingQuery") == "query { apdex }");

  auto completed = parseRunStatus(loadFixture("status_completed.json"));
  REQUIRE(completed.ok());
  CHECK(completed->result("latency")->dry_run);
  CHECK(completed->dry_run_summary == RunSummary{1, 0, 0, 1, 0});
  CHECK(completed->completed_at == at("2026-12-04T10:05:00Z"));
}

TEST_CASE("analysis: an empty status writes Argo's always-present fields", "[analysis]") {
  auto empty = parseRunStatus(json());
  REQUIRE(empty.ok());
  CHECK(empty->phase == Phase::kNone);
  CHECK(toJson(*empty) == json::parse(R"({"phase": "", "runSummary": {}})"));
  auto from_object = parseRunStatus(json::object());
  REQUIRE(from_object.ok());
  CHECK(toJson(*from_object) == toJson(*empty));
}

TEST_CASE("analysis: status parse errors name the field", "[analysis]") {
  for (const json& c : loadFixture("status_errors.json")) {
    const std::string expected = c["error"];
    INFO(expected);
    auto parsed = parseRunStatus(c["status"]);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().message() == expected);
  }
}

}  // namespace
}  // namespace gitopsd::analysis
