// The Prometheus and Web providers against real servers: Debian's Prometheus, started by the test
// on 127.0.0.1 with a free port, scraping an exporter the test serves; and a local HTTP server
// for the web provider. A server that does not start fails the test.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "analysis/providers/provider.h"
#include "support/free_port.h"
#include "support/http_stub_server.h"
#include "support/temp_dir.h"

using gitopsd::analysis::makeProvider;
using gitopsd::analysis::MetricProvider;
using gitopsd::core::StatusCode;
using gitopsd::test_support::freeLoopbackPort;
using gitopsd::test_support::HttpStubServer;
using gitopsd::test_support::StubRequest;
using gitopsd::test_support::StubResponse;
using gitopsd::test_support::TempDir;
using Json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string readAll(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The exporter: a few gauges in the text exposition format.
StubResponse exporter(const StubRequest& request) {
  if (request.target != "/metrics") return {404, {}, "not found"};
  return {200,
          {{"Content-Type", "text/plain; version=0.0.4"}},
          "# TYPE demo_requests_total counter\n"
          "demo_requests_total{code=\"200\"} 42\n"
          "demo_requests_total{code=\"500\"} 3\n"
          "# TYPE demo_ratio gauge\ndemo_ratio 0.25\n"
          "# TYPE demo_nan gauge\ndemo_nan NaN\n"};
}

// A real Prometheus server, stopped with the object.
class Prometheus {
 public:
  explicit Prometheus(const std::string& target) {
    port_ = freeLoopbackPort();
    const std::string config =
        dir_.write("prometheus.yml",
                   "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                   "scrape_configs:\n  - job_name: demo\n    static_configs:\n"
                   "      - targets: ['" +
                       target + "']\n");
    log_ = dir_.file("prometheus.log");
    const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
    const std::string storage = "--storage.tsdb.path=" + dir_.file("data");
    const std::string config_flag = "--config.file=" + config;
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execlp("prometheus", "prometheus", config_flag.c_str(), storage.c_str(), listen.c_str(),
               "--log.level=warn", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Prometheus() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  Prometheus(const Prometheus&) = delete;
  Prometheus& operator=(const Prometheus&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool running() const {
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == 0;
  }
  std::string log() const { return readAll(log_); }

 private:
  TempDir dir_;
  std::string log_;
  int port_ = 0;
  pid_t pid_ = -1;
};

Json prometheus(const std::string& address, const std::string& query) {
  return Json{{"prometheus", {{"address", address}, {"query", query}, {"timeout", 10}}}};
}

// Waits (at most 60 s) until Prometheus answers `demo_ratio` with a sample; fails with its log
// if it exits or never does.
void waitForSample(const Prometheus& server, MetricProvider& provider) {
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + 60s;
  std::string last;
  while (true) {
    REQUIRE(server.running());
    auto result = provider.measure(
        {prometheus(server.url(), "demo_ratio"), 0s, std::chrono::system_clock::now()});
    if (result.ok() && result->result.size() == 1) break;
    last = result.ok() ? result->value : result.status().toString();
    if (std::chrono::steady_clock::now() > deadline) {
      FAIL("Prometheus at " << server.url() << " has no sample after 60 s (last: " << last
                            << "); log:\n"
                            << server.log());
    }
    std::this_thread::sleep_for(200ms);
  }
  WARN("Prometheus started and scraped a sample in "
       << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
       << " s");
}

}  // namespace

TEST_CASE("analysis: Prometheus vector, scalar, NaN and error queries against a real server",
          "[analysis][prometheus]") {
  HttpStubServer target(exporter);
  Prometheus server("127.0.0.1:" + std::to_string(target.port()));
  auto provider = makeProvider(Json{{"prometheus", Json::object()}});
  REQUIRE(provider.ok());
  waitForSample(server, **provider);
  const auto now = std::chrono::system_clock::now();

  auto vector =
      (*provider)->measure({prometheus(server.url(), "sort_desc(demo_requests_total)"), 0s, now});
  INFO(vector.status().toString());
  REQUIRE(vector.ok());
  CHECK(vector->result == Json::parse("[42.0, 3.0]"));
  CHECK(vector->value == "[42,3]");
  CHECK(vector->metadata.at("ResolvedPrometheusQuery") == "sort_desc(demo_requests_total)");

  auto summed =
      (*provider)->measure({prometheus(server.url(), "sum(demo_requests_total) / 45"), 0s, now});
  REQUIRE(summed.ok());
  CHECK(summed->value == "[1]");

  auto scalar = (*provider)->measure({prometheus(server.url(), "scalar(demo_ratio)"), 0s, now});
  INFO(scalar.status().toString());
  REQUIRE(scalar.ok());
  CHECK(scalar->result == 0.25);
  CHECK(scalar->value == "0.25");

  auto nan = (*provider)->measure({prometheus(server.url(), "demo_nan"), 0s, now});
  REQUIRE(nan.ok());
  REQUIRE(nan->result.size() == 1);
  CHECK(std::isnan(nan->result[0].get<double>()));
  CHECK(nan->value == "[NaN]");

  auto inf = (*provider)->measure({prometheus(server.url(), "scalar(demo_ratio) / 0"), 0s, now});
  REQUIRE(inf.ok());
  CHECK(std::isinf(inf->result.get<double>()));
  CHECK(inf->value == "+Inf");

  auto empty = (*provider)->measure({prometheus(server.url(), "demo_missing"), 0s, now});
  REQUIRE(empty.ok());
  CHECK(empty->result == Json::array());
  CHECK(empty->value == "[]");
  CHECK_FALSE(empty->no_data);

  auto bad = (*provider)->measure({prometheus(server.url(), "rate(demo_ratio[1m]"), 0s, now});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == StatusCode::kInvalid);
  CHECK_THAT(bad.status().message(),
             Catch::StartsWith("prometheus " + server.url() + ": query failed: bad_data: "));

  // Custom headers reach the server (Prometheus ignores them; the exporter is not asked).
  Json with_headers = prometheus(server.url() + "/", "demo_ratio");
  with_headers["prometheus"]["headers"] = Json::array({{{"key", "X-Scope-OrgID"}, {"value", "a"}}});
  CHECK((*provider)->measure({with_headers, 0s, now}).ok());
}

TEST_CASE("analysis: Prometheus that cannot be reached is an error naming it",
          "[analysis][prometheus]") {
  auto provider = makeProvider(Json{{"prometheus", Json::object()}});
  REQUIRE(provider.ok());
  const std::string address = "http://127.0.0.1:" + std::to_string(freeLoopbackPort());
  auto refused = (*provider)->measure({prometheus(address, "up"), 0s, {}});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kUnavailable);
  CHECK_THAT(refused.status().message(), Catch::Contains(address + "/api/v1/query"));
  auto not_url = (*provider)->measure({prometheus("prometheus:9090", "up"), 0s, {}});
  CHECK(not_url.status().code() == StatusCode::kInvalid);
}

TEST_CASE("analysis: Web provider selects with jsonPath from a real HTTP server",
          "[analysis][web]") {
  HttpStubServer server([](const StubRequest& request) -> StubResponse {
    if (request.target == "/status") {
      return {200,
              {{"Content-Type", "application/json"}},
              R"({"data":{"ok":true,"rate":0.995,"items":[{"v":7},{"v":8}],"name":"reviews"}})"};
    }
    if (request.target == "/echo") {
      const Json echo = {
          {"method", request.method},
          {"contentType",
           request.headers.count("content-type") != 0 ? request.headers.at("content-type") : ""},
          {"token", request.headers.count("x-token") != 0 ? request.headers.at("x-token") : ""},
          {"body", request.body}};
      return {200, {{"Content-Type", "application/json"}}, echo.dump()};
    }
    if (request.target == "/text") return {200, {}, "healthy"};
    if (request.target == "/slow") return {200, {}, "{}", 3s};
    return {503, {}, "unavailable"};
  });
  auto provider = makeProvider(Json{{"web", Json::object()}});
  REQUIRE(provider.ok());
  auto web = [&](Json fields) { return (*provider)->measure({Json{{"web", fields}}, 0s, {}}); };
  const std::string base = server.baseUrl();

  auto rate = web({{"url", base + "/status"}, {"jsonPath", "{$.data.rate}"}});
  INFO(rate.status().toString());
  REQUIRE(rate.ok());
  CHECK(rate->result == 0.995);
  CHECK(rate->value == "0.995");
  auto item = web({{"url", base + "/status"}, {"jsonPath", "{$.data.items[1].v}"}});
  REQUIRE(item.ok());
  CHECK(item->result == 8);
  auto name = web({{"url", base + "/status"}, {"jsonPath", "{.data.name}"}});
  REQUIRE(name.ok());
  CHECK(name->value == "\"reviews\"");
  auto whole = web({{"url", base + "/status"}});
  REQUIRE(whole.ok());
  CHECK(whole->result["data"]["ok"] == true);
  auto text = web({{"url", base + "/text"}});
  REQUIRE(text.ok());
  CHECK(text->result == "healthy");

  auto posted = web({{"url", base + "/echo"},
                     {"method", "POST"},
                     {"headers", Json::array({{{"key", "X-Token"}, {"value", "t1"}}})},
                     {"jsonBody", {{"service", "reviews"}}},
                     {"jsonPath", "{$}"}});
  INFO(posted.status().toString());
  REQUIRE(posted.ok());
  CHECK(posted->result["method"] == "POST");
  CHECK(posted->result["contentType"] == "application/json");
  CHECK(posted->result["token"] == "t1");
  CHECK(Json::parse(posted->result["body"].get<std::string>()) == Json{{"service", "reviews"}});
  auto put = web({{"url", base + "/echo"}, {"method", "PUT"}, {"body", "plain"}});
  REQUIRE(put.ok());
  CHECK(put->result["method"] == "PUT");
  CHECK(put->result["body"] == "plain");

  auto failed = web({{"url", base + "/down"}});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == StatusCode::kUnavailable);
  CHECK(failed.status().message() ==
        "web " + base + "/down: received non 2xx response code: 503 (unavailable)");
  auto missing = web({{"url", base + "/status"}, {"jsonPath", "{$.data.nope}"}});
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("could not find JSONPath in body"));
  auto slow = web({{"url", base + "/slow"}, {"timeoutSeconds", 1}});
  REQUIRE_FALSE(slow.ok());
  CHECK(slow.status().code() == StatusCode::kTimeout);
  CHECK_THAT(slow.status().message(), Catch::Contains(base + "/slow"));
}

TEST_CASE("analysis: many web measurements at once on one provider", "[analysis][web]") {
  HttpStubServer server([](const StubRequest& request) -> StubResponse {
    return {200, {}, R"({"path":")" + request.target + R"("})"};
  });
  auto provider = makeProvider(Json{{"web", Json::object()}});
  REQUIRE(provider.ok());
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string target = "/m" + std::to_string(t) + "-" + std::to_string(i);
        auto result = (*provider)->measure(
            {Json{{"web", {{"url", server.baseUrl() + target}, {"jsonPath", "{.path}"}}}}, 0s, {}});
        if (result.ok() && result->result == target) ++right;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(right == kThreads * kEach);
  // Connections are kept and reused.
  CHECK(server.connectionsAccepted() <= static_cast<std::size_t>(kThreads) * 2);
}

// OAP here always runs in UTC (tests/skywalking/up), so a server in another zone is played by
// the stub server: the zone is asked once per address and the window is written in it.
TEST_CASE("analysis: SkyWalking asks an address's time zone once and writes the window in it",
          "[analysis][skywalking]") {
  HttpStubServer server([](const StubRequest& request) -> StubResponse {
    const Json body = Json::parse(request.body);
    if (body["query"].get<std::string>().find("getTimeInfo") != std::string::npos) {
      return {200, {}, R"({"data":{"getTimeInfo":{"timezone":"-0500"}}})"};
    }
    return {200, {}, Json{{"data", {{"sent", body}}}}.dump()};
  });
  auto provider = makeProvider(Json{{"skywalking", Json::object()}});
  REQUIRE(provider.ok());
  using namespace std::chrono;
  const auto now = sys_days(2027y / January / 1) + 3h + 0min + 30s;  // 22:00:30 the day before
  const Json fields = {
      {"skywalking",
       {{"address", server.baseUrl() + "/"}, {"query", "{ x }"}, {"interval", "2m"}}}};
  for (int i = 0; i < 3; ++i) {
    auto result = (*provider)->measure({fields, 0s, now});
    INFO(result.status().toString());
    REQUIRE(result.ok());
    CHECK(result->result["sent"]["variables"]["duration"] ==
          Json{{"start", "2026-12-31 2158"}, {"end", "2026-12-31 2159"}, {"step", "MINUTE"}});
    CHECK(result->result["sent"]["query"] == "{ x }");
  }
  const auto requests = server.requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[0].target == "/graphql");
  CHECK(requests[0].body.find("getTimeInfo") != std::string::npos);
  CHECK(requests[1].headers.at("content-type") == "application/json");
}
