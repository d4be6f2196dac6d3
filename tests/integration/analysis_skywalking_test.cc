// The SkyWalking provider against a real OAP 10.1.0 (the `skywalking` ctest fixture of
// tests/skywalking): fast traffic fed as real trace segments reads as service_apdex >= 9900 in
// readMetricsValues and MQE; a service without traffic is no data; an unknown metric in MQE and a
// bad query are errors naming the address.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "analysis/providers/provider.h"
#include "support/env_file.h"
#include "support/shell.h"

using gitopsd::analysis::makeProvider;
using gitopsd::analysis::MetricProvider;
using gitopsd::analysis::ProviderQuery;
using gitopsd::analysis::ProviderResult;
using gitopsd::core::Result;
using gitopsd::core::StatusCode;
using gitopsd::test_support::readEnvFile;
using gitopsd::test_support::runScript;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string oapUrl() {
  static const auto env = readEnvFile(std::getenv("SKYWALKING_ENV"));
  const auto found = env.find("OAP_URL");
  if (found == env.end()) {
    FAIL("no SkyWalking OAP: SKYWALKING_ENV is unset or unreadable (did skywalking.oap.up fail?)");
  }
  return found->second;
}

std::string uniqueService(const std::string& stem) {
  static std::mt19937_64 random{std::random_device{}()};
  return stem + "-" + std::to_string(random() % 1'000'000'000);
}

std::string readMetricsQuery(const std::string& metric, const std::string& service) {
  // The demo template's query (examples/bookinfo/rollout/analysis.yaml), without isEmptyValue.
  return "query queryData($duration: Duration!) {\n  service_apdex: readMetricsValues(\n"
         "    condition: {name: \"" +
         metric + "\", entity: {scope: Service, serviceName: \"" + service +
         "\", normal: true}},\n    duration: $duration) {\n    label\n"
         "    values { values { value } }\n  }\n}\n";
}

std::string mqeQuery(const std::string& expression, const std::string& service) {
  return "query q($duration: Duration!) { apdex: execExpression(expression: \"" + expression +
         "\", entity: {serviceName: \"" + service +
         "\", normal: true}, duration: $duration) { type error results { values { id value } } } }";
}

Json skywalking(const std::string& query, const std::string& interval = "1m") {
  return Json{{"skywalking", {{"address", oapUrl()}, {"query", query}, {"interval", interval}}}};
}

// The time of a measurement taken just after the current minute completes: the window then
// ends at the minute traffic is fed in now. Waits for the next minute when fewer than 5 s of
// the current one remain, so the fed segments and the window agree.
std::chrono::system_clock::time_point nextMinuteStart() {
  auto now = std::chrono::system_clock::now();
  if (now - std::chrono::floor<std::chrono::minutes>(now) > 55s) {
    std::this_thread::sleep_until(std::chrono::ceil<std::chrono::minutes>(now) + 100ms);
    now = std::chrono::system_clock::now();
  }
  return std::chrono::floor<std::chrono::minutes>(now) + 1min + 1s;
}

void feed(const std::string& service, int count, int latency_ms) {
  const auto fed = runScript("python3 '" GITOPSD_SOURCE_DIR "/tests/skywalking/feed' --oap '" +
                             oapUrl() + "' --service '" + service + "' --count " +
                             std::to_string(count) + " --latency-ms " + std::to_string(latency_ms));
  INFO(fed.output);
  REQUIRE(fed.status == 0);
}

// Measures until the result has data or 30 s pass (OAP persists every 2 s here).
Result<ProviderResult> measureUntilData(MetricProvider& provider, const ProviderQuery& query) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (true) {
    auto result = provider.measure(query);
    if (!result.ok() || !result->no_data || std::chrono::steady_clock::now() > deadline) {
      return result;
    }
    std::this_thread::sleep_for(500ms);
  }
}

}  // namespace

TEST_CASE("analysis: SkyWalking reads a fast service's apdex from a real OAP",
          "[analysis][skywalking]") {
  const std::string service = uniqueService("fast");
  const auto now = nextMinuteStart();
  feed(service, 60, 20);
  auto provider = makeProvider(Json{{"skywalking", Json::object()}});
  REQUIRE(provider.ok());

  ProviderQuery query{skywalking(readMetricsQuery("service_apdex", service)), 0s, now};
  auto result = measureUntilData(**provider, query);
  INFO(result.status().toString());
  REQUIRE(result.ok());
  INFO(result->value);
  CHECK_FALSE(result->no_data);
  const auto& points = result->result["service_apdex"]["values"]["values"];
  REQUIRE(points.size() == 1);
  CHECK(points[0]["value"].get<double>() >= 9900);
  // The flag the provider added to learn about empty minutes is not in the result.
  CHECK_FALSE(points[0].contains("isEmptyValue"));
  CHECK(result->metadata.count("window") == 1);

  const auto started = std::chrono::steady_clock::now();
  constexpr int kRounds = 10;
  for (int i = 0; i < kRounds; ++i) REQUIRE((*provider)->measure(query).ok());
  const auto took =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started) /
      kRounds;
  WARN("readMetricsValues measurement: " << took.count() << " ms on average");

  // A three-minute window: the two minutes before had no traffic for this service, and are
  // kept in the result as the OAP returned them.
  ProviderQuery wide{skywalking(readMetricsQuery("service_apdex", service), "3m"), 0s, now};
  auto three = (*provider)->measure(wide);
  REQUIRE(three.ok());
  REQUIRE(three->result["service_apdex"]["values"]["values"].size() == 3);
  CHECK_FALSE(three->no_data);

  ProviderQuery mqe{skywalking(mqeQuery("service_apdex", service)), 0s, now};
  auto by_mqe = measureUntilData(**provider, mqe);
  INFO(by_mqe.status().toString());
  REQUIRE(by_mqe.ok());
  INFO(by_mqe->value);
  CHECK_FALSE(by_mqe->no_data);
  const auto& values = by_mqe->result["apdex"]["results"][0]["values"];
  REQUIRE(values.size() == 1);
  CHECK(std::stod(values[0]["value"].get<std::string>()) >= 9900);
}

TEST_CASE("analysis: SkyWalking reads a service without traffic as no data",
          "[analysis][skywalking]") {
  const std::string service = uniqueService("idle");
  auto provider = makeProvider(Json{{"skywalking", Json::object()}});
  REQUIRE(provider.ok());
  const auto now = std::chrono::system_clock::now();

  auto read =
      (*provider)->measure({skywalking(readMetricsQuery("service_apdex", service), "3m"), 0s, now});
  INFO(read.status().toString());
  REQUIRE(read.ok());
  INFO(read->value);
  CHECK(read->no_data);
  const auto& points = read->result["service_apdex"]["values"]["values"];
  REQUIRE(points.size() == 3);
  CHECK(points[0] == Json{{"value", 0}});

  // The metric's interval is the window when the provider has none.
  Json no_interval = skywalking(mqeQuery("service_apdex", service));
  no_interval["skywalking"].erase("interval");
  auto mqe = (*provider)->measure({no_interval, 120s, now});
  INFO(mqe.status().toString());
  REQUIRE(mqe.ok());
  CHECK(mqe->no_data);
  CHECK(mqe->result["apdex"]["results"][0]["values"].size() == 2);
}

TEST_CASE("analysis: SkyWalking errors: unknown MQE metric, bad query, no server",
          "[analysis][skywalking]") {
  auto provider = makeProvider(Json{{"skywalking", Json::object()}});
  REQUIRE(provider.ok());
  const auto now = std::chrono::system_clock::now();

  auto unknown = (*provider)->measure({skywalking(mqeQuery("no_such_metric", "x")), 0s, now});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == StatusCode::kInvalid);
  CHECK(unknown.status().message() == "skywalking " + oapUrl() +
                                          "/graphql: MQE error: Metric: [no_such_metric] does "
                                          "not exist.");

  auto bad = (*provider)->measure(
      {skywalking(
           "query q($duration: Duration!) { readMetricsValues(duration: $duration) { nope } }"),
       0s, now});
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(),
             Catch::StartsWith("skywalking " + oapUrl() + "/graphql: GraphQL errors: "));

  Json gone = skywalking(readMetricsQuery("service_apdex", "x"));
  gone["skywalking"]["address"] = "http://127.0.0.1:1";
  auto refused = (*provider)->measure({gone, 0s, now});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(refused.status().message(), Catch::Contains("POST http://127.0.0.1:1/graphql"));
}
