// The metric providers' pure parts: the SkyWalking window and time zones, the reading of OAP,
// Prometheus and web answers (fixtures in tests/testdata/analysis/providers), JSONPath, and the
// choice of provider.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "analysis/providers/json_path.h"
#include "analysis/providers/prometheus.h"
#include "analysis/providers/provider.h"
#include "analysis/providers/skywalking.h"
#include "analysis/providers/web.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using gitopsd::analysis::formatOapMinute;
using gitopsd::analysis::formatPrometheusValue;
using gitopsd::analysis::JsonPath;
using gitopsd::analysis::makeProvider;
using gitopsd::analysis::parseOapTimezone;
using gitopsd::analysis::parsePrometheusAnswer;
using gitopsd::analysis::parseSkyWalkingAnswer;
using gitopsd::analysis::parseWebAnswer;
using gitopsd::analysis::providerType;
using gitopsd::analysis::skyWalkingWindow;
using gitopsd::analysis::withEmptyValueFlags;
using gitopsd::core::StatusCode;
using Json = nlohmann::json;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(fs::path(GITOPSD_TESTDATA_DIR) / "analysis" / "providers" / name,
                   std::ios::binary);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::chrono::system_clock::time_point at(std::chrono::year_month_day day, std::chrono::hours h,
                                         std::chrono::minutes m, std::chrono::seconds s = 0s) {
  return std::chrono::sys_days(day) + h + m + s;
}

constexpr auto kAddress = "http://oap:12800";

}  // namespace

TEST_CASE("analysis: OAP time zones parse as offsets from UTC", "[analysis][providers]") {
  CHECK(parseOapTimezone("+0000") == 0min);
  CHECK(parseOapTimezone("+0800") == 480min);
  CHECK(parseOapTimezone("-0500") == -300min);
  CHECK(parseOapTimezone("+0530") == 330min);
  CHECK(parseOapTimezone("-03:30") == -210min);
  CHECK_FALSE(parseOapTimezone(""));
  CHECK_FALSE(parseOapTimezone("UTC"));
  CHECK_FALSE(parseOapTimezone("0800"));
  CHECK_FALSE(parseOapTimezone("+080"));
  CHECK_FALSE(parseOapTimezone("+2500"));
  CHECK_FALSE(parseOapTimezone("+0860"));
}

TEST_CASE("analysis: OAP minutes are written yyyy-MM-dd HHmm in the OAP's zone",
          "[analysis][providers]") {
  using namespace std::chrono;
  const auto t = at(2026y / December / 5, 9h, 7min, 59s);
  CHECK(formatOapMinute(t, 0min) == "2026-12-05 0907");
  CHECK(formatOapMinute(t, 480min) == "2026-12-05 1707");
  CHECK(formatOapMinute(t, -600min) == "2026-12-04 2307");
  CHECK(formatOapMinute(at(1999y / January / 1, 0h, 0min), 0min) == "1999-01-01 0000");
}

TEST_CASE("analysis: the SkyWalking window ends at the last complete minute",
          "[analysis][providers]") {
  using namespace std::chrono;
  SECTION("mid-minute, three minutes") {
    const auto w = skyWalkingWindow(at(2026y / December / 5, 10h, 42min, 30s), 0min, 180s);
    CHECK(w.start == "2026-12-05 1039");
    CHECK(w.end == "2026-12-05 1041");
    CHECK(w.minutes == 3);
  }
  SECTION("exactly on a minute boundary the minute just begun is not complete") {
    const auto w = skyWalkingWindow(at(2026y / December / 5, 10h, 42min, 0s), 0min, 60s);
    CHECK(w.start == "2026-12-05 1041");
    CHECK(w.end == "2026-12-05 1041");
  }
  SECTION("one second before the boundary") {
    const auto w = skyWalkingWindow(at(2026y / December / 5, 10h, 41min, 59s), 0min, 60s);
    CHECK(w.end == "2026-12-05 1040");
  }
  SECTION("intervals round up to whole minutes, at least one") {
    const auto now = at(2026y / December / 5, 10h, 42min, 30s);
    CHECK(skyWalkingWindow(now, 0min, 0s).minutes == 1);
    CHECK(skyWalkingWindow(now, 0min, 30s).minutes == 1);
    CHECK(skyWalkingWindow(now, 0min, 61s).minutes == 2);
    CHECK(skyWalkingWindow(now, 0min, -5s).minutes == 1);
    CHECK(skyWalkingWindow(now, 0min, 300s).start == "2026-12-05 1037");
  }
  SECTION("a negative offset moves across midnight into the day before") {
    const auto w = skyWalkingWindow(at(2026y / December / 5, 3h, 1min, 10s), -300min, 300s);
    CHECK(w.start == "2026-12-04 2156");
    CHECK(w.end == "2026-12-04 2200");
  }
  SECTION("a positive offset moves into the next day") {
    const auto w = skyWalkingWindow(at(2026y / December / 5, 20h, 30min, 10s), 330min, 60s);
    CHECK(w.end == "2026-12-06 0159");
  }
  SECTION("the year rolls back at the first minute of a year") {
    const auto w = skyWalkingWindow(at(2027y / January / 1, 0h, 0min, 20s), 0min, 120s);
    CHECK(w.start == "2026-12-31 2358");
    CHECK(w.end == "2026-12-31 2359");
  }
  SECTION("the year rolls forward with a positive offset") {
    const auto w = skyWalkingWindow(at(2026y / December / 31, 16h, 0min, 5s), 480min, 60s);
    CHECK(w.end == "2026-12-31 2359");
    const auto next = skyWalkingWindow(at(2026y / December / 31, 16h, 1min, 5s), 480min, 60s);
    CHECK(next.end == "2027-01-01 0000");
  }
  SECTION("leap day") {
    const auto w = skyWalkingWindow(at(2028y / March / 1, 0h, 1min), 0min, 120s);
    CHECK(w.start == "2028-02-29 2359");
    CHECK(w.end == "2028-03-01 0000");
  }
}

TEST_CASE("analysis: isEmptyValue is added to point selections that lack it",
          "[analysis][providers]") {
  const std::string demo =
      "query q($duration: Duration!) { service_apdex: readMetricsValues(condition: {name: "
      "\"service_apdex\", entity: {scope: Service, serviceName: \"r\", normal: true}}, duration: "
      "$duration) { label values { values { value } } } }";
  const std::string sent = withEmptyValueFlags(demo);
  CHECK(sent.find("values { values { value  isEmptyValue } }") != std::string::npos);
  const std::string two =
      "{ a: x { values {values{id value}} } b: y { values\n{ values { value } } } }";
  const std::string both = withEmptyValueFlags(two);
  CHECK(both ==
        "{ a: x { values {values{id value isEmptyValue }} } b: y { values\n{ values { value  "
        "isEmptyValue } } } }");
  const std::string asked = "{ x { values { values { value isEmptyValue } } } }";
  CHECK(withEmptyValueFlags(asked) == asked);
  const std::string mqe = "{ execExpression(expression: \"a\") { results { values { value } } } }";
  CHECK(withEmptyValueFlags(mqe) == mqe);
}

TEST_CASE("analysis: a SkyWalking answer's data is the result", "[analysis][providers]") {
  auto ok = parseSkyWalkingAnswer(200, fixture("skywalking_apdex_ok.json"), kAddress, false);
  REQUIRE(ok.ok());
  CHECK_FALSE(ok->no_data);
  CHECK(ok->result["service_apdex"]["values"]["values"].size() == 3);
  CHECK(ok->result["service_apdex"]["values"]["values"][2]["isEmptyValue"] == true);
  CHECK(Json::parse(ok->value) == Json::parse(fixture("skywalking_apdex_ok.json"))["data"]);

  auto stripped = parseSkyWalkingAnswer(200, fixture("skywalking_apdex_ok.json"), kAddress, true);
  REQUIRE(stripped.ok());
  CHECK_FALSE(stripped->no_data);
  CHECK(stripped->result["service_apdex"]["values"]["values"][0] == Json{{"value", 10000}});
}

TEST_CASE("analysis: SkyWalking minutes without data are no data, not zero",
          "[analysis][providers]") {
  auto empty = parseSkyWalkingAnswer(200, fixture("skywalking_apdex_empty.json"), kAddress, true);
  REQUIRE(empty.ok());
  CHECK(empty->no_data);
  // The result keeps every point as the OAP returned it (minus the flag the provider added).
  CHECK(empty->result["service_apdex"]["values"]["values"].size() == 3);
  CHECK(empty->result["service_apdex"]["values"]["values"][0] == Json{{"value", 0}});

  auto mqe_null = parseSkyWalkingAnswer(200, fixture("skywalking_mqe_null.json"), kAddress, false);
  REQUIRE(mqe_null.ok());
  CHECK(mqe_null->no_data);
  auto mqe_ok = parseSkyWalkingAnswer(200, fixture("skywalking_mqe_ok.json"), kAddress, false);
  REQUIRE(mqe_ok.ok());
  CHECK_FALSE(mqe_ok->no_data);
  CHECK(mqe_ok->result["apdex"]["results"][0]["values"][1]["value"] == "9800");

  auto no_results = parseSkyWalkingAnswer(
      200, R"({"data":{"apdex":{"type":"TIME_SERIES_VALUES","error":null,"results":[]}}})",
      kAddress, false);
  REQUIRE(no_results.ok());
  CHECK(no_results->no_data);

  // An answer without metric values (metadata queries) is data.
  auto other = parseSkyWalkingAnswer(200, fixture("skywalking_time_info.json"), kAddress, false);
  REQUIRE(other.ok());
  CHECK_FALSE(other->no_data);
}

TEST_CASE("analysis: SkyWalking errors name the address and what failed", "[analysis][providers]") {
  auto mqe = parseSkyWalkingAnswer(200, fixture("skywalking_mqe_error.json"), kAddress, false);
  REQUIRE_FALSE(mqe.ok());
  CHECK(mqe.status().code() == StatusCode::kInvalid);
  CHECK(mqe.status().message() ==
        "skywalking http://oap:12800/graphql: MQE error: Metric: [no_such_metric] does not exist.");

  auto graphql =
      parseSkyWalkingAnswer(200, fixture("skywalking_graphql_errors.json"), kAddress, false);
  REQUIRE_FALSE(graphql.ok());
  CHECK_THAT(graphql.status().message(),
             Catch::StartsWith("skywalking http://oap:12800/graphql: GraphQL errors: Validation "
                               "error (FieldUndefined"));

  // OAP answers a query that fails validation with HTTP 400 and the GraphQL errors.
  auto rejected =
      parseSkyWalkingAnswer(400, fixture("skywalking_graphql_errors.json"), kAddress, false);
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.status().code() == StatusCode::kInvalid);
  CHECK_THAT(rejected.status().message(),
             Catch::StartsWith("skywalking http://oap:12800/graphql: GraphQL errors: ") &&
                 Catch::EndsWith(" (HTTP 400)"));

  auto http = parseSkyWalkingAnswer(503, "busy", kAddress, false);
  REQUIRE_FALSE(http.ok());
  CHECK(http.status().code() == StatusCode::kUnavailable);
  CHECK(http.status().message() == "skywalking http://oap:12800/graphql: HTTP 503: busy");

  auto not_json = parseSkyWalkingAnswer(200, "<html>", kAddress, false);
  REQUIRE_FALSE(not_json.ok());
  CHECK_THAT(not_json.status().message(), Catch::Contains("not a JSON object: <html>"));

  auto no_data = parseSkyWalkingAnswer(200, R"({"data":null})", kAddress, false);
  REQUIRE_FALSE(no_data.ok());
  CHECK_THAT(no_data.status().message(), Catch::Contains("no results returned"));
}

TEST_CASE("analysis: Prometheus values are written as Go writes them", "[analysis][providers]") {
  CHECK(formatPrometheusValue(42) == "42");
  CHECK(formatPrometheusValue(0.25) == "0.25");
  CHECK(formatPrometheusValue(1e-7) == "0.0000001");
  CHECK(formatPrometheusValue(1e21) == "1000000000000000000000");
  CHECK(formatPrometheusValue(0) == "0");
  CHECK(formatPrometheusValue(-1.5) == "-1.5");
  CHECK(formatPrometheusValue(std::nan("")) == "NaN");
  CHECK(formatPrometheusValue(HUGE_VAL) == "+Inf");
  CHECK(formatPrometheusValue(-HUGE_VAL) == "-Inf");
}

TEST_CASE("analysis: a Prometheus vector is the list of its values", "[analysis][providers]") {
  auto vector = parsePrometheusAnswer(200, fixture("prometheus_vector.json"), "http://prom:9090");
  REQUIRE(vector.ok());
  CHECK(vector->result == Json::parse("[42.0, 0.25]"));
  CHECK(vector->value == "[42,0.25]");
  CHECK_FALSE(vector->no_data);
  CHECK(vector->metadata.empty());

  auto empty =
      parsePrometheusAnswer(200, fixture("prometheus_empty_vector.json"), "http://prom:9090");
  REQUIRE(empty.ok());
  CHECK(empty->result == Json::array());
  CHECK(empty->value == "[]");

  auto matrix = parsePrometheusAnswer(200, fixture("prometheus_matrix.json"), "http://prom:9090");
  REQUIRE(matrix.ok());
  CHECK(matrix->value == "[1,2,3]");
}

TEST_CASE("analysis: a Prometheus scalar is its value, and NaN and Inf stay doubles",
          "[analysis][providers]") {
  auto scalar = parsePrometheusAnswer(200, fixture("prometheus_scalar.json"), "http://prom:9090");
  REQUIRE(scalar.ok());
  CHECK(scalar->result.is_number_float());
  CHECK(scalar->result.get<double>() == Approx(1e-7));
  CHECK(scalar->value == "0.0000001");

  auto special =
      parsePrometheusAnswer(200, fixture("prometheus_vector_nan.json"), "http://prom:9090");
  REQUIRE(special.ok());
  REQUIRE(special->result.size() == 3);
  CHECK(std::isnan(special->result[0].get<double>()));
  CHECK(std::isinf(special->result[1].get<double>()));
  CHECK(special->result[1].get<double>() > 0);
  CHECK(special->result[2].get<double>() < 0);
  CHECK(special->value == "[NaN,+Inf,-Inf]");
  CHECK(special->metadata.at("warnings") == "\"PromQL info: metric might not be a counter\"");
}

TEST_CASE("analysis: Prometheus errors carry errorType and error", "[analysis][providers]") {
  auto bad = parsePrometheusAnswer(400, fixture("prometheus_error.json"), "http://prom:9090");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalid);
  CHECK(bad.status().message() ==
        "prometheus http://prom:9090: query failed: bad_data: invalid parameter \"query\": 1:5: "
        "parse error: unexpected right parenthesis ')' (HTTP 400)");

  auto http = parsePrometheusAnswer(502, "Bad Gateway", "http://prom:9090");
  REQUIRE_FALSE(http.ok());
  CHECK(http.status().code() == StatusCode::kUnavailable);
  CHECK(http.status().message() == "prometheus http://prom:9090: HTTP 502: Bad Gateway");

  auto text = parsePrometheusAnswer(200, fixture("prometheus_string.json"), "http://prom:9090");
  REQUIRE_FALSE(text.ok());
  CHECK_THAT(text.status().message(), Catch::Contains("type not supported: \"string\""));

  auto odd = parsePrometheusAnswer(422, R"({"status":"error","errorType":5,"error":"boom"})",
                                   "http://prom:9090");
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.status().message() == "prometheus http://prom:9090: query failed: boom (HTTP 422)");

  auto garbage = parsePrometheusAnswer(200, "{}", "http://prom:9090");
  REQUIRE_FALSE(garbage.ok());
  CHECK_THAT(garbage.status().message(), Catch::Contains("not the query API's JSON"));
}

TEST_CASE("analysis: JSONPath selects as the web provider does", "[analysis][providers]") {
  const Json doc = Json::parse(fixture("web_document.json"));
  auto first = [&](const std::string& text) {
    auto path = JsonPath::parse(text);
    INFO(text << ": " << path.status().toString());
    REQUIRE(path.ok());
    auto found = path->find(doc);
    INFO(found.status().toString());
    REQUIRE(found.ok());
    REQUIRE_FALSE(found->empty());
    return found->front();
  };
  CHECK(first("") == doc);
  CHECK(first("{$}") == doc);
  CHECK(first("{.}") == doc);
  CHECK(first("{$.data.rate}") == 0.99);
  CHECK(first("{.data.count}") == 12);
  CHECK(first("{$.data.items[0].v}") == 1);
  CHECK(first("{$.data.items[-1].v}") == 3);
  CHECK(first("{.data.items[*].v}") == 1);
  CHECK(first("{$.data['a-b'].c}") == "d");
  CHECK(first("{$.data[\"name\"]}") == "reviews");
  CHECK(first(" { $.data.ok } ") == true);

  auto path = JsonPath::parse("{$.data.missing}");
  REQUIRE(path.ok());
  auto missing = path->find(doc);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "jsonPath {$.data.missing}: missing is not found");
  auto out_of_range = JsonPath::parse("{$.data.items[7]}")->find(doc);
  REQUIRE_FALSE(out_of_range.ok());
  CHECK_THAT(out_of_range.status().message(), Catch::Contains("out of range (3 elements)"));

  for (const char* bad : {"$.data", "{$.data", "{$..data}", "{$.data[?(@.v==1)]}", "{$.a[1:2]}",
                          "{$.a b}", "x {$.a}"}) {
    INFO(bad);
    CHECK(JsonPath::parse(bad).status().code() == StatusCode::kInvalid);
  }
  CHECK(JsonPath::parse("{$..data}").status().message() ==
        "jsonPath \"{$..data}\": recursive descent '..' is not supported at position 4");
}

TEST_CASE("analysis: a web answer is the selected JSON, or the body text",
          "[analysis][providers]") {
  auto path = JsonPath::parse("{$.data.name}");
  REQUIRE(path.ok());
  auto named = parseWebAnswer(200, fixture("web_document.json"), *path, "http://web/x");
  REQUIRE(named.ok());
  CHECK(named->result == "reviews");
  CHECK(named->value == "\"reviews\"");

  auto text = parseWebAnswer(200, "all good", *path, "http://web/x");
  REQUIRE(text.ok());
  CHECK(text->result == "all good");
  CHECK(text->value == "all good");

  auto failed = parseWebAnswer(500, "boom", *path, "http://web/x");
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == StatusCode::kInternal);
  CHECK(failed.status().message() ==
        "web http://web/x: received non 2xx response code: 500 (boom)");

  auto none = parseWebAnswer(200, R"({"data":{"items":[]}})", *JsonPath::parse("{.data.items[*]}"),
                             "http://web/x");
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.status().message(), Catch::Contains("produced no value"));
}

TEST_CASE("analysis: the provider object's one key picks the provider", "[analysis][providers]") {
  CHECK(providerType(Json{{"skywalking", Json::object()}}).valueOr("") == "skywalking");
  CHECK(providerType(Json{{"prometheus", Json::object()}}).valueOr("") == "prometheus");
  CHECK(providerType(Json{{"web", Json::object()}}).valueOr("") == "web");
  auto unknown = providerType(Json{{"datadog", Json::object()}});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().code() == StatusCode::kInvalid);
  CHECK(unknown.status().message() ==
        "unsupported metric provider \"datadog\" (supported: skywalking, prometheus, web)");
  CHECK_FALSE(providerType(Json::object()).ok());
  CHECK_FALSE(providerType(Json{{"web", 1}, {"prometheus", 2}}).ok());
  CHECK_FALSE(makeProvider(Json{{"job", Json::object()}}).ok());

  auto web = makeProvider(Json{{"web", Json::object()}});
  REQUIRE(web.ok());
  CHECK((*web)->type() == "web");
  auto missing = (*web)->measure({Json{{"web", Json::object()}}, 0s, {}});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "provider web.url is required");
  auto get_body =
      (*web)->measure({Json{{"web", {{"url", "http://127.0.0.1:1/"}, {"body", "x"}}}}, 0s, {}});
  CHECK(get_body.status().message() ==
        "provider web: body/jsonBody can only be used with POST or PUT");
  auto sky = makeProvider(Json{{"skywalking", Json::object()}});
  REQUIRE(sky.ok());
  auto bad_interval = (*sky)->measure(
      {Json{{"skywalking",
             {{"address", "http://127.0.0.1:1"}, {"query", "{x}"}, {"interval", "5x"}}}},
       0s,
       {}});
  REQUIRE_FALSE(bad_interval.ok());
  CHECK_THAT(bad_interval.status().message(), Catch::StartsWith("provider skywalking.interval"));
}
