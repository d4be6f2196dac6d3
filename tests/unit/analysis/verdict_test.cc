#include "analysis/verdict.h"

#include <catch2/catch.hpp>

#include "core/time_text.h"
#include "fixtures.h"

namespace gitopsd::analysis {
namespace {

using nlohmann::json;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::fakeEvaluate;
using testing::loadFixture;

const TimePoint kStart = *core::parseRfc3339("2026-12-04T10:00:00Z");

RunSpec specOf(const char* text) {
  auto parsed = parseRunSpec(json::parse(text));
  REQUIRE(parsed.ok());
  return *parsed;
}

Metric metricOf(const json& metric) {
  auto parsed = parseRunSpec(json{{"metrics", json::array({metric})}});
  REQUIRE(parsed.ok());
  return parsed->metrics[0];
}

Measurement done(Phase phase, TimePoint finished, std::string message = "") {
  Measurement m;
  m.phase = phase;
  m.started_at = finished;
  m.finished_at = finished;
  m.message = std::move(message);
  return m;
}

TEST_CASE("analysis: metric phase from counters and limits, as Argo assesses it", "[analysis]") {
  const json cases = loadFixture("metric_phase_cases.json");
  REQUIRE(cases.size() >= 30);
  for (const json& c : cases) {
    const std::string name = c["name"];
    INFO(name);
    const Metric metric = metricOf(c["metric"]);
    auto status = parseRunStatus(json{{"metricResults", json::array({c["result"]})}});
    REQUIRE(status.ok());
    const MetricResult& result = status->metric_results[0];
    CHECK(phaseName(assessMetric(metric, result, c["terminating"].get<bool>())) ==
          c["phase"].get<std::string>());
    const auto [limit_phase, reason] = assessLimits(metric, result);
    CHECK(phaseName(limit_phase) == c["limits"][0].get<std::string>());
    CHECK(reason == c["limits"][1].get<std::string>());
  }
}

TEST_CASE("analysis: conditions decide a measurement as evaluate.go does", "[analysis]") {
  const json result = json::array({0.5});
  auto phase = [&](const char* success, const char* failure) {
    json metric = {{"name", "m"}, {"provider", {{"web", json::object()}}}};
    if (success != nullptr) metric["successCondition"] = success;
    if (failure != nullptr) metric["failureCondition"] = failure;
    auto p = evaluateConditions(metricOf(metric), result, fakeEvaluate);
    REQUIRE(p.ok());
    return *p;
  };
  CHECK(phase(nullptr, nullptr) == Phase::kSuccessful);
  CHECK(phase("result[0] > 0.4", nullptr) == Phase::kSuccessful);
  CHECK(phase("result[0] > 0.9", nullptr) == Phase::kFailed);
  CHECK(phase(nullptr, "result[0] < 0.4") == Phase::kSuccessful);
  CHECK(phase(nullptr, "result[0] < 0.9") == Phase::kFailed);
  CHECK(phase("result[0] > 0.4", "result[0] > 0.9") == Phase::kSuccessful);
  CHECK(phase("result[0] > 0.9", "result[0] < 0.4") == Phase::kInconclusive);
  CHECK(phase("result[0] > 0.4", "result[0] < 0.9") == Phase::kFailed);  // failure wins
  CHECK(phase("result[0] > 0.9", "result[0] < 0.9") == Phase::kFailed);

  // The evaluator sees {"result": <the provider's result>}; an error is returned as such.
  json seen;
  auto spy = [&](std::string_view, const json& env) -> core::Result<bool> {
    seen = env;
    return true;
  };
  const Metric m = metricOf(
      {{"name", "m"}, {"successCondition", "result > 1"}, {"provider", {{"web", json::object()}}}});
  CHECK(*evaluateConditions(m, json{{"a", 1}}, spy) == Phase::kSuccessful);
  CHECK(seen == json{{"result", {{"a", 1}}}});
  auto error = evaluateConditions(m, "text", fakeEvaluate);
  REQUIRE_FALSE(error.ok());
  CHECK(error.status().message() == "result is not a number");
  const Metric both = metricOf({{"name", "m"},
                                {"successCondition", "result > 1"},
                                {"failureCondition", "boom"},
                                {"provider", {{"web", json::object()}}}});
  CHECK(evaluateConditions(both, 3, fakeEvaluate).status().message() == "cannot evaluate \"boom\"");
}

TEST_CASE("analysis: a measurement from each kind of provider outcome", "[analysis]") {
  const Metric metric = metricOf({{"name", "apdex"},
                                  {"successCondition", "result[0] >= 0.9"},
                                  {"provider", {{"skywalking", json::object()}}}});
  const TimePoint started = kStart;
  const TimePoint finished = kStart + seconds(2);

  Measurement good = measurementFromOutcome(metric, ProviderOutcome::value(json::array({0.97})),
                                            fakeEvaluate, started, finished);
  CHECK(good.phase == Phase::kSuccessful);
  CHECK(good.value == "[0.97]");
  CHECK(good.message.empty());
  CHECK(good.started_at == started);
  CHECK(good.finished_at == finished);

  Measurement bad = measurementFromOutcome(metric, ProviderOutcome::value(json::array({0.42})),
                                           fakeEvaluate, started, finished);
  CHECK(bad.phase == Phase::kFailed);
  CHECK(bad.value == "[0.42]");

  // The provider's own wording of the value wins over the JSON text of the result.
  ProviderOutcome worded = ProviderOutcome::value(json::array({0.97}));
  worded.value_text = "0.97";
  CHECK(measurementFromOutcome(metric, worded, fakeEvaluate, started, finished).value == "0.97");

  ProviderOutcome refused = ProviderOutcome::failure("dial tcp: connection refused");
  refused.metadata["attempt"] = "1";
  Measurement error = measurementFromOutcome(metric, refused, fakeEvaluate, started, finished);
  CHECK(error.phase == Phase::kError);
  CHECK(error.message == "dial tcp: connection refused");
  CHECK(error.value.empty());
  CHECK(error.metadata.at("attempt") == "1");

  // No data is never evaluated (a 0 would have failed the condition).
  auto must_not_run = [](std::string_view, const json&) -> core::Result<bool> {
    FAIL("the conditions were evaluated for a window without data");
    return false;
  };
  Measurement empty =
      measurementFromOutcome(metric, ProviderOutcome::noData(), must_not_run, started, finished);
  CHECK(empty.phase == Phase::kInconclusive);
  CHECK(empty.message == "no data in the window");
  CHECK(empty.value.empty());
  Measurement empty_seen = measurementFromOutcome(metric, ProviderOutcome::noData(json::array({0})),
                                                  must_not_run, started, finished);
  CHECK(empty_seen.phase == Phase::kInconclusive);
  CHECK(empty_seen.value == "[0]");

  Measurement broken = measurementFromOutcome(metric, ProviderOutcome::value("n/a"), fakeEvaluate,
                                              started, finished);
  CHECK(broken.phase == Phase::kError);
  CHECK(broken.message == "result is not a list");
  CHECK(broken.value.empty());

  CHECK(measurementValue(0.5) == "0.5");
  CHECK(measurementValue(12) == "12");
  CHECK(measurementValue("ok") == "ok");
  CHECK(measurementValue(true) == "true");
  CHECK(measurementValue(json{{"rate", 1}}) == "{\"rate\":1}");
  CHECK(measurementValue(nullptr).empty());
}

TEST_CASE("analysis: worst-of order and terminating", "[analysis]") {
  CHECK(isWorse(Phase::kSuccessful, Phase::kRunning));
  CHECK(isWorse(Phase::kRunning, Phase::kPending));
  CHECK(isWorse(Phase::kPending, Phase::kInconclusive));
  CHECK(isWorse(Phase::kInconclusive, Phase::kError));
  CHECK(isWorse(Phase::kError, Phase::kFailed));
  CHECK_FALSE(isWorse(Phase::kFailed, Phase::kError));
  CHECK_FALSE(isWorse(Phase::kNone, Phase::kSuccessful));
  CHECK(worst(Phase::kInconclusive, Phase::kFailed) == Phase::kFailed);
  CHECK(worst(Phase::kError, Phase::kSuccessful) == Phase::kError);

  RunSpec spec = specOf(R"({"metrics": [{"name": "a", "provider": {"web": {}}}]})");
  RunStatus status;
  CHECK_FALSE(isTerminating(spec, status));
  MetricResult unsure;
  unsure.name = "a";
  unsure.phase = Phase::kInconclusive;
  status.metric_results.push_back(unsure);
  CHECK(isTerminating(spec, status));
  status.metric_results[0].dry_run = true;
  CHECK_FALSE(isTerminating(spec, status));
  spec.terminate = true;
  CHECK(isTerminating(spec, status));
}

TEST_CASE("analysis: recording measurements keeps Argo's counters", "[analysis]") {
  const RunSpec spec = specOf(R"({"metrics": [
      {"name": "apdex", "interval": "1m", "provider": {"skywalking": {}}},
      {"name": "canary-web", "provider": {"web": {}}}],
      "dryRun": [{"metricName": "^canary-"}]})");
  RunStatus status;
  TimePoint t = kStart;
  recordMeasurement(spec, status, "apdex", done(Phase::kSuccessful, t), t,
                    {{"ResolvedSkyWalkingQuery", "q"}});
  REQUIRE(status.metric_results.size() == 1);
  MetricResult& r = status.metric_results[0];
  CHECK(r.phase == Phase::kRunning);
  CHECK_FALSE(r.dry_run);
  CHECK(r.metadata.at("ResolvedSkyWalkingQuery") == "q");
  CHECK(r.count == 1);
  CHECK(r.successful == 1);
  CHECK(r.consecutive_success == 1);

  recordMeasurement(spec, status, "apdex", done(Phase::kError, t, "timeout"), t);
  CHECK(r.error == 1);
  CHECK(r.consecutive_error == 1);
  CHECK(r.count == 1);  // errors do not count
  CHECK(r.consecutive_success == 0);
  recordMeasurement(spec, status, "apdex", done(Phase::kError, t), t);
  CHECK(r.consecutive_error == 2);
  recordMeasurement(spec, status, "apdex", done(Phase::kFailed, t), t);
  CHECK(r.failed == 1);
  CHECK(r.count == 2);
  CHECK(r.consecutive_error == 0);
  recordMeasurement(spec, status, "apdex", done(Phase::kSuccessful, t), t);
  recordMeasurement(spec, status, "apdex", done(Phase::kSuccessful, t), t);
  CHECK(r.consecutive_success == 2);
  recordMeasurement(spec, status, "apdex", done(Phase::kInconclusive, t), t);
  CHECK(r.inconclusive == 1);
  CHECK(r.count == 5);
  CHECK(r.consecutive_success == 0);
  CHECK(r.measurements.size() == 7);

  // An in-flight measurement is replaced when it completes; finishedAt defaults to now.
  Measurement in_flight;
  in_flight.phase = Phase::kRunning;
  in_flight.started_at = t;
  in_flight.resume_at = t + seconds(30);
  recordMeasurement(spec, status, "apdex", in_flight, t);
  CHECK(r.measurements.size() == 8);
  CHECK(r.count == 5);
  Measurement finished;
  finished.phase = Phase::kSuccessful;
  finished.started_at = t;
  recordMeasurement(spec, status, "apdex", finished, t + seconds(40));
  CHECK(r.measurements.size() == 8);
  CHECK(r.measurements.back().finished_at == t + seconds(40));
  CHECK(r.count == 6);

  recordMeasurement(spec, status, "canary-web", done(Phase::kFailed, t), t);
  CHECK(status.result("canary-web")->dry_run);
}

// One pass of a controller: measure what is due with the given outcome, then conclude.
Decision pass(const RunSpec& spec, RunStatus& status, TimePoint now,
              const std::function<ProviderOutcome(const std::string&)>& outcome) {
  Decision d = decide(spec, status, now);
  for (const std::string& name : d.metrics_to_measure) {
    const Metric* metric = nullptr;
    for (const Metric& m : spec.metrics) {
      if (m.name == name) metric = &m;
    }
    recordMeasurement(spec, status, name,
                      measurementFromOutcome(*metric, outcome(name), fakeEvaluate, now, now), now);
  }
  conclude(spec, status, now);
  return decide(spec, status, now);
}

TEST_CASE("analysis: the apdex run fails in Argo's words once failures pass the limit",
          "[analysis]") {
  const RunSpec spec = specOf(R"({"metrics": [{"name": "apdex", "interval": "1m", "count": 5,
      "failureLimit": 3, "successCondition": "result[0] >= 0.9",
      "provider": {"skywalking": {}}}]})");
  RunStatus status;
  TimePoint now = kStart;
  const double values[] = {0.95, 0.5, 0.4, 0.3, 0.2};
  for (int i = 0; i < 5; ++i) {
    Decision next = pass(spec, status, now, [&](const std::string&) {
      return ProviderOutcome::value(json::array({values[i]}));
    });
    if (i < 4) {
      INFO(i);
      CHECK(status.phase == Phase::kRunning);
      CHECK(status.message.empty());
      CHECK(next.next_due == now + minutes(1));
      CHECK_FALSE(next.completed);
    } else {
      CHECK(next.completed);
      CHECK_FALSE(next.next_due.has_value());
    }
    now += minutes(1);
  }
  CHECK(status.phase == Phase::kFailed);
  CHECK(status.message == "Metric \"apdex\" assessed Failed due to failed (4) > failureLimit (3)");
  CHECK(status.started_at == kStart);
  CHECK(status.completed_at == kStart + minutes(4));
  CHECK(status.run_summary == RunSummary{1, 0, 1, 0, 0});
  CHECK(status.dry_run_summary == RunSummary{});
  const MetricResult& r = *status.result("apdex");
  CHECK(r.phase == Phase::kFailed);
  CHECK(r.count == 5);
  CHECK(r.failed == 4);
  CHECK(r.measurements[0].value == "[0.95]");
  CHECK(toJson(status)["metricResults"][0]["measurements"][4]["value"] == "[0.2]");

  // A completed run is left alone.
  const RunStatus before = status;
  conclude(spec, status, now + minutes(10));
  CHECK(toJson(status) == toJson(before));
  CHECK(decide(spec, status, now).metrics_to_measure.empty());
}

TEST_CASE("analysis: run phase is the worst of its metrics, in Argo's order", "[analysis]") {
  const RunSpec spec = specOf(R"({"metrics": [
      {"name": "ok", "provider": {"web": {}}},
      {"name": "flaky", "consecutiveErrorLimit": 0, "provider": {"web": {}}},
      {"name": "unsure", "provider": {"web": {}}},
      {"name": "bad", "provider": {"web": {}}}]})");
  auto run = [&](std::map<std::string, ProviderOutcome> outcomes) {
    RunStatus status;
    pass(spec, status, kStart, [&](const std::string& name) { return outcomes.at(name); });
    return status;
  };
  const auto ok = ProviderOutcome::value(1);
  const auto unsure = ProviderOutcome::noData();
  const auto err = ProviderOutcome::failure("503 from web");
  RunStatus all_ok = run({{"ok", ok}, {"flaky", ok}, {"unsure", ok}, {"bad", ok}});
  CHECK(all_ok.phase == Phase::kSuccessful);
  CHECK(all_ok.message.empty());
  CHECK(all_ok.run_summary == RunSummary{4, 4, 0, 0, 0});

  // Measurements of value 1 with a failing condition for "bad".
  const RunSpec with_failure = specOf(R"({"metrics": [
      {"name": "ok", "provider": {"web": {}}},
      {"name": "flaky", "consecutiveErrorLimit": 0, "provider": {"web": {}}},
      {"name": "unsure", "provider": {"web": {}}},
      {"name": "bad", "successCondition": "result > 5", "provider": {"web": {}}}]})");
  RunStatus mixed;
  pass(with_failure, mixed, kStart, [&](const std::string& name) {
    if (name == "flaky") return err;
    if (name == "unsure") return unsure;
    return ok;
  });
  CHECK(mixed.phase == Phase::kFailed);
  CHECK(mixed.message == "Metric \"bad\" assessed Failed due to failed (1) > failureLimit (0)");
  CHECK(mixed.run_summary == RunSummary{4, 1, 1, 1, 1});
  CHECK(mixed.result("flaky")->phase == Phase::kError);
  CHECK(mixed.result("flaky")->message == "503 from web");
  CHECK(mixed.result("unsure")->phase == Phase::kInconclusive);
  CHECK(mixed.result("unsure")->message == "no data in the window");

  RunStatus errored = run({{"ok", ok}, {"flaky", err}, {"unsure", unsure}, {"bad", ok}});
  CHECK(errored.phase == Phase::kError);
  CHECK(errored.message ==
        "Metric \"flaky\" assessed Error due to consecutiveErrors (1) > consecutiveErrorLimit "
        "(0): \"Error Message: 503 from web\"");

  RunStatus inconclusive = run({{"ok", ok}, {"flaky", ok}, {"unsure", unsure}, {"bad", ok}});
  CHECK(inconclusive.phase == Phase::kInconclusive);
  CHECK(inconclusive.message ==
        "Metric \"unsure\" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0): "
        "\"Error Message: no data in the window\"");
}

TEST_CASE("analysis: the run stays Running until every metric completes", "[analysis]") {
  const RunSpec spec = specOf(R"({"metrics": [
      {"name": "once", "provider": {"web": {}}},
      {"name": "later", "initialDelay": "5m", "provider": {"web": {}}}]})");
  RunStatus status;
  Decision next =
      pass(spec, status, kStart, [](const std::string&) { return ProviderOutcome::value(1); });
  CHECK(status.phase == Phase::kRunning);
  CHECK(status.result("once")->phase == Phase::kSuccessful);
  CHECK(status.result("later") == nullptr);
  CHECK(status.run_summary == RunSummary{2, 1, 0, 0, 0});
  CHECK(next.next_due == kStart + minutes(5));
  CHECK(next.metrics_to_measure.empty());
  next = pass(spec, status, kStart + minutes(5),
              [](const std::string&) { return ProviderOutcome::value(1); });
  CHECK(status.phase == Phase::kSuccessful);
  CHECK(status.completed_at == kStart + minutes(5));
  CHECK(next.completed);
}

TEST_CASE("analysis: a failed metric stops the others on the next pass", "[analysis]") {
  const RunSpec spec = specOf(R"({"metrics": [
      {"name": "gate", "successCondition": "result > 5", "provider": {"web": {}}},
      {"name": "watch", "interval": "1m", "provider": {"web": {}}}]})");
  RunStatus status;
  Decision next =
      pass(spec, status, kStart, [](const std::string&) { return ProviderOutcome::value(1); });
  CHECK(status.phase == Phase::kRunning);  // "watch" was still running during the assessment
  CHECK(status.result("gate")->phase == Phase::kFailed);
  CHECK(next.terminating);
  CHECK(next.metrics_to_measure.empty());
  CHECK(next.next_due == kStart);  // conclude at once
  conclude(spec, status, kStart);
  CHECK(status.phase == Phase::kFailed);
  CHECK(status.result("watch")->phase == Phase::kSuccessful);
  CHECK(status.message == "Metric \"gate\" assessed Failed due to failed (1) > failureLimit (0)");
}

TEST_CASE("analysis: dryRun metrics are summarised but never decide the run", "[analysis]") {
  const RunSpec spec = specOf(R"({"metrics": [
      {"name": "apdex", "provider": {"skywalking": {}}},
      {"name": "dry-latency", "successCondition": "result < 0.1", "provider": {"web": {}}},
      {"name": "dry-errors", "provider": {"web": {}}}],
      "dryRun": [{"metricName": "dry-.*"}]})");
  RunStatus status;
  pass(spec, status, kStart, [](const std::string& name) {
    if (name == "dry-errors") return ProviderOutcome::failure("boom");
    return ProviderOutcome::value(1);
  });
  // dry-errors has only one error (limit 4): still running; then it errors out.
  CHECK(status.phase == Phase::kRunning);
  CHECK(status.result("dry-latency")->dry_run);
  CHECK(status.result("dry-latency")->phase == Phase::kFailed);
  CHECK(status.result("dry-latency")->message ==
        "Metric assessed Failed due to failed (1) > failureLimit (0)");
  for (int i = 1; i <= 4; ++i) {
    pass(spec, status, kStart + seconds(10 * i),
         [](const std::string&) { return ProviderOutcome::failure("boom"); });
  }
  CHECK(status.phase == Phase::kSuccessful);
  CHECK(status.message.empty());
  CHECK(status.result("dry-errors")->phase == Phase::kError);
  CHECK(status.result("dry-errors")->message ==
        "Metric assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4)");
  CHECK(status.run_summary == RunSummary{1, 1, 0, 0, 0});
  CHECK(status.dry_run_summary == RunSummary{2, 0, 1, 0, 1});
  CHECK(toJson(status)["dryRunSummary"] == json{{"count", 2}, {"failed", 1}, {"error", 1}});

  // Only dryRun metrics, all failing: the run is Successful.
  const RunSpec only_dry = specOf(R"({"metrics": [
      {"name": "x", "successCondition": "result > 5", "provider": {"web": {}}}],
      "dryRun": [{"metricName": ".*"}]})");
  RunStatus dry_status;
  pass(only_dry, dry_status, kStart, [](const std::string&) { return ProviderOutcome::value(1); });
  CHECK(dry_status.phase == Phase::kSuccessful);
  CHECK(dry_status.run_summary == RunSummary{});
  CHECK(dry_status.dry_run_summary == RunSummary{1, 0, 1, 0, 0});
}

TEST_CASE("analysis: terminate ends the run as Argo does", "[analysis]") {
  RunSpec spec = specOf(R"({"metrics": [
      {"name": "watch", "interval": "1m", "provider": {"web": {}}},
      {"name": "later", "initialDelay": "10m", "provider": {"web": {}}}]})");
  SECTION("before any measurement: Successful, Run Terminated") {
    spec.terminate = true;
    RunStatus status;
    Decision d = decide(spec, status, kStart);
    CHECK(d.terminating);
    CHECK(d.metrics_to_measure.empty());
    conclude(spec, status, kStart);
    CHECK(status.phase == Phase::kSuccessful);
    CHECK(status.message == "Run Terminated");
    CHECK(status.completed_at == kStart);
    CHECK(decide(spec, status, kStart).completed);
  }
  SECTION("a metric running until stopped is Successful") {
    RunStatus status;
    pass(spec, status, kStart, [](const std::string&) { return ProviderOutcome::value(1); });
    CHECK(status.phase == Phase::kRunning);
    spec.terminate = true;
    conclude(spec, status, kStart + seconds(30));
    CHECK(status.phase == Phase::kSuccessful);
    CHECK(status.message == "Run Terminated");
    CHECK(status.result("watch")->phase == Phase::kSuccessful);
    CHECK(status.result("later") == nullptr);
  }
  SECTION("a worse metric's message replaces Run Terminated") {
    RunStatus status;
    pass(spec, status, kStart, [](const std::string&) { return ProviderOutcome::noData(); });
    spec.terminate = true;
    conclude(spec, status, kStart + seconds(30));
    CHECK(status.phase == Phase::kInconclusive);
    CHECK(status.message ==
          "Metric \"watch\" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit "
          "(0): \"Error Message: no data in the window\"");
  }
  SECTION("an in-flight measurement is handed back to be ended") {
    RunStatus status;
    Measurement in_flight;
    in_flight.phase = Phase::kRunning;
    in_flight.started_at = kStart;
    in_flight.resume_at = kStart + minutes(5);
    recordMeasurement(spec, status, "watch", in_flight, kStart);
    spec.terminate = true;
    Decision d = decide(spec, status, kStart + seconds(1));
    CHECK(d.metrics_to_resume.empty());  // its resumeAt has not come
    CHECK(d.next_due == kStart + seconds(1));
    d = decide(spec, status, kStart + minutes(5));
    CHECK(d.metrics_to_resume == std::vector<std::string>{"watch"});
  }
}

TEST_CASE("analysis: when each metric is due, with a fixed clock", "[analysis]") {
  const RunSpec spec = specOf(R"({"metrics": [
      {"name": "delayed", "initialDelay": "2m", "interval": "5m", "provider": {"web": {}}},
      {"name": "every", "interval": "1m", "count": 3, "provider": {"web": {}}},
      {"name": "once", "provider": {"web": {}}}]})");
  RunStatus status;

  // Not started yet: the delay counts from now, nothing delayed is due.
  Decision d = decide(spec, status, kStart);
  CHECK(d.metrics_to_measure == std::vector<std::string>{"every", "once"});
  CHECK(d.next_due == kStart + minutes(2));
  CHECK_FALSE(d.completed);

  status.started_at = kStart;
  recordMeasurement(spec, status, "every", done(Phase::kSuccessful, kStart + seconds(1)), kStart);
  recordMeasurement(spec, status, "once", done(Phase::kSuccessful, kStart + seconds(1)), kStart);
  conclude(spec, status, kStart + seconds(1));
  CHECK(status.result("once")->phase == Phase::kSuccessful);

  d = decide(spec, status, kStart + seconds(30));
  CHECK(d.metrics_to_measure.empty());
  CHECK(d.next_due == kStart + seconds(61));  // every: 1m after its last finishedAt

  d = decide(spec, status, kStart + seconds(61));
  CHECK(d.metrics_to_measure == std::vector<std::string>{"every"});
  CHECK(d.next_due == kStart + minutes(2));

  d = decide(spec, status, kStart + minutes(2));
  CHECK(d.metrics_to_measure == std::vector<std::string>{"delayed", "every"});

  // After an error the retry comes 10s later, whatever the interval.
  recordMeasurement(spec, status, "delayed", done(Phase::kError, kStart + minutes(2), "x"), kStart);
  recordMeasurement(spec, status, "every", done(Phase::kSuccessful, kStart + minutes(2)), kStart);
  d = decide(spec, status, kStart + minutes(2));
  CHECK(d.metrics_to_measure.empty());
  CHECK(d.next_due == kStart + minutes(2) + seconds(10));
  recordMeasurement(spec, status, "delayed", done(Phase::kSuccessful, kStart + minutes(3)), kStart);
  d = decide(spec, status, kStart + minutes(3));
  CHECK(d.metrics_to_measure == std::vector<std::string>{"every"});  // 1m after 10:02
  CHECK(d.next_due == kStart + minutes(8));                          // delayed: 5m after 10:03

  // The count reached: no more measurements of "every".
  recordMeasurement(spec, status, "every", done(Phase::kSuccessful, kStart + minutes(3)), kStart);
  CHECK(status.result("every")->count == 3);
  d = decide(spec, status, kStart + minutes(4));
  CHECK(d.metrics_to_measure.empty());
  CHECK(d.next_due == kStart + minutes(8));  // delayed: 5m after 10:03
  conclude(spec, status, kStart + minutes(4));
  CHECK(status.result("every")->phase == Phase::kSuccessful);
  CHECK(status.phase == Phase::kRunning);

  // An in-flight measurement: due again at its resumeAt.
  Measurement in_flight;
  in_flight.phase = Phase::kRunning;
  in_flight.started_at = kStart + minutes(8);
  in_flight.resume_at = kStart + minutes(8) + seconds(20);
  recordMeasurement(spec, status, "delayed", in_flight, kStart + minutes(8));
  d = decide(spec, status, kStart + minutes(8));
  CHECK(d.metrics_to_measure.empty());
  CHECK(d.metrics_to_resume.empty());
  CHECK(d.next_due == kStart + minutes(8) + seconds(20));
  d = decide(spec, status, kStart + minutes(8) + seconds(20));
  CHECK(d.metrics_to_resume == std::vector<std::string>{"delayed"});
  CHECK_FALSE(d.next_due.has_value());
}

TEST_CASE("analysis: measurements are trimmed to the retention limit", "[analysis]") {
  const RunSpec spec = specOf(R"({"metrics": [
      {"name": "kept", "interval": "1s", "provider": {"web": {}}},
      {"name": "default", "interval": "1s", "provider": {"web": {}}},
      {"name": "zero", "interval": "1s", "provider": {"web": {}}}],
      "measurementRetention": [{"metricName": "kept", "limit": 3},
                               {"metricName": "zero", "limit": 0}]})");
  RunStatus status;
  for (int i = 0; i < 12; ++i) {
    const TimePoint t = kStart + seconds(i);
    for (const char* name : {"kept", "default", "zero"}) {
      Measurement m = done(Phase::kSuccessful, t);
      m.value = std::to_string(i);
      recordMeasurement(spec, status, name, m, t);
    }
    conclude(spec, status, t);
  }
  const MetricResult& kept = *status.result("kept");
  REQUIRE(kept.measurements.size() == 3);
  CHECK(kept.measurements.front().value == "9");
  CHECK(kept.measurements.back().value == "11");
  CHECK(kept.count == 12);  // counters are not trimmed
  REQUIRE(status.result("default")->measurements.size() == 10);
  CHECK(status.result("default")->measurements.front().value == "2");
  CHECK(status.result("zero")->measurements.size() == 10);
}

TEST_CASE("analysis: an invalid spec ends the run with Error", "[analysis]") {
  const RunSpec spec = specOf(R"({"metrics": [
      {"name": "a", "count": 3, "provider": {"web": {}}}]})");
  RunStatus status;
  Decision d = decide(spec, status, kStart);
  CHECK(d.metrics_to_measure.empty());
  CHECK_FALSE(d.next_due.has_value());
  conclude(spec, status, kStart);
  CHECK(status.phase == Phase::kError);
  CHECK(status.message ==
        "Analysis spec invalid: metrics[0]: interval must be specified when count > 1");
  CHECK_FALSE(status.completed_at.has_value());
  CHECK(decide(spec, status, kStart).completed);

  RunStatus args_failed;
  failRun(args_failed, "Unable to resolve metric arguments: args.token: no value");
  CHECK(args_failed.phase == Phase::kError);
  CHECK(toJson(args_failed)["message"] ==
        "Unable to resolve metric arguments: args.token: no value");
}

}  // namespace
}  // namespace gitopsd::analysis
