#include "core/metrics.h"

#include <catch2/catch.hpp>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using gitopsd::core::CollectorId;
using gitopsd::core::defaultSecondsBuckets;
using gitopsd::core::Emitter;
using gitopsd::core::MetricsRegistry;
using gitopsd::core::ScopedCollector;

TEST_CASE("metrics: counters and gauges render exactly", "[metrics]") {
  MetricsRegistry registry;
  auto& requests = registry.counter("test_requests_total", "Requests handled.", {"method", "code"});
  requests.labels({"GET", "200"}).inc();
  requests.labels({"GET", "200"}).inc(2);
  requests.labels({"DELETE", "404"}).inc();
  auto& temperature = registry.gauge("test_temperature_celsius", "Temperature.");
  temperature.get().set(21.5);
  temperature.get().inc();
  temperature.get().dec(0.25);
  registry.counter("test_idle_total", "Never incremented.");

  CHECK(requests.labels({"GET", "200"}).value() == 3);
  CHECK(temperature.get().value() == 22.25);
  CHECK(registry.exposition() ==
        "# HELP test_idle_total Never incremented.\n"
        "# TYPE test_idle_total counter\n"
        "test_idle_total 0\n"
        "# HELP test_requests_total Requests handled.\n"
        "# TYPE test_requests_total counter\n"
        "test_requests_total{method=\"DELETE\",code=\"404\"} 1\n"
        "test_requests_total{method=\"GET\",code=\"200\"} 3\n"
        "# HELP test_temperature_celsius Temperature.\n"
        "# TYPE test_temperature_celsius gauge\n"
        "test_temperature_celsius 22.25\n");
}

TEST_CASE("metrics: handles are stable and registration is idempotent", "[metrics]") {
  MetricsRegistry registry;
  auto& family = registry.counter("test_events_total", "Events.", {"kind"});
  auto& child = family.labels({"a"});
  for (int i = 0; i < 100; ++i) family.labels({"k" + std::to_string(i)}).inc();
  CHECK(&family.labels({"a"}) == &child);
  CHECK(&family.labels(std::vector<std::string>{"a"}) == &child);
  CHECK(&registry.counter("test_events_total", "Events.", {"kind"}) == &family);
  CHECK_THROWS_AS(registry.counter("test_events_total", "Other help.", {"kind"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(registry.counter("test_events_total", "Events.", {"type"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(registry.gauge("test_events_total", "Events.", {"kind"}), std::invalid_argument);
  CHECK_THROWS_AS(family.labels({"a", "b"}), std::invalid_argument);
  CHECK_THROWS_AS(family.labels({}), std::invalid_argument);
  CHECK_THROWS_AS(family.get(), std::invalid_argument);
}

TEST_CASE("metrics: a labelled family without children is left out", "[metrics]") {
  MetricsRegistry registry;
  registry.gauge("test_unused", "Nothing yet.", {"x"});
  registry.histogram("test_unused_seconds", "Nothing yet.", {"x"});
  CHECK(registry.exposition().empty());
}

TEST_CASE("metrics: histograms count into cumulative buckets", "[metrics]") {
  MetricsRegistry registry;
  auto& durations =
      registry.histogram("test_duration_seconds", "Request duration.", {"verb"}, {0.25, 1, 10});
  auto& get = durations.labels({"get"});
  get.observe(0.125);
  get.observe(0.25);  // upper bounds are inclusive
  get.observe(0.5);
  get.observe(20);
  get.observe(std::numeric_limits<double>::quiet_NaN());  // ignored

  const auto snapshot = get.snapshot();
  CHECK(snapshot.cumulative == std::vector<std::uint64_t>{2, 3, 3, 4});
  CHECK(snapshot.count == 4);
  CHECK(snapshot.sum == 20.875);
  CHECK(registry.exposition() ==
        "# HELP test_duration_seconds Request duration.\n"
        "# TYPE test_duration_seconds histogram\n"
        "test_duration_seconds_bucket{verb=\"get\",le=\"0.25\"} 2\n"
        "test_duration_seconds_bucket{verb=\"get\",le=\"1\"} 3\n"
        "test_duration_seconds_bucket{verb=\"get\",le=\"10\"} 3\n"
        "test_duration_seconds_bucket{verb=\"get\",le=\"+Inf\"} 4\n"
        "test_duration_seconds_sum{verb=\"get\"} 20.875\n"
        "test_duration_seconds_count{verb=\"get\"} 4\n");
}

TEST_CASE("metrics: default buckets cover 5 ms to 60 s", "[metrics]") {
  MetricsRegistry registry;
  auto& family = registry.histogram("test_wait_seconds", "Wait.");
  family.get().observe(0.003);
  family.get().observe(45);
  CHECK(family.get().bounds() == defaultSecondsBuckets());
  CHECK(registry.exposition() ==
        "# HELP test_wait_seconds Wait.\n"
        "# TYPE test_wait_seconds histogram\n"
        "test_wait_seconds_bucket{le=\"0.005\"} 1\n"
        "test_wait_seconds_bucket{le=\"0.01\"} 1\n"
        "test_wait_seconds_bucket{le=\"0.025\"} 1\n"
        "test_wait_seconds_bucket{le=\"0.05\"} 1\n"
        "test_wait_seconds_bucket{le=\"0.1\"} 1\n"
        "test_wait_seconds_bucket{le=\"0.25\"} 1\n"
        "test_wait_seconds_bucket{le=\"0.5\"} 1\n"
        "test_wait_seconds_bucket{le=\"1\"} 1\n"
        "test_wait_seconds_bucket{le=\"2.5\"} 1\n"
        "test_wait_seconds_bucket{le=\"5\"} 1\n"
        "test_wait_seconds_bucket{le=\"10\"} 1\n"
        "test_wait_seconds_bucket{le=\"30\"} 1\n"
        "test_wait_seconds_bucket{le=\"60\"} 2\n"
        "test_wait_seconds_bucket{le=\"+Inf\"} 2\n"
        "test_wait_seconds_sum 45.003\n"
        "test_wait_seconds_count 2\n");
  // A trailing +Inf bound is implicit and dropped.
  auto& explicit_inf = registry.histogram("test_inf_seconds", "Inf.", {},
                                          {1, std::numeric_limits<double>::infinity()});
  CHECK(explicit_inf.get().bounds() == std::vector<double>{1});
}

TEST_CASE("metrics: label values and help text are escaped", "[metrics]") {
  MetricsRegistry registry;
  auto& family = registry.gauge("test_escaped", "Help with \\ backslash\nand a \"quote\".", {"v"});
  family.labels({"a\\b\"c\nd"}).set(1);
  CHECK(registry.exposition() ==
        "# HELP test_escaped Help with \\\\ backslash\\nand a \"quote\".\n"
        "# TYPE test_escaped gauge\n"
        "test_escaped{v=\"a\\\\b\\\"c\\nd\"} 1\n");
  CHECK(gitopsd::core::escapeLabelValue("plain \xc3\xa9") == "plain \xc3\xa9");
}

TEST_CASE("metrics: values are printed as Prometheus parses them", "[metrics]") {
  MetricsRegistry registry;
  auto& family = registry.gauge("test_value", "Values.", {"case"});
  family.labels({"a_nan"}).set(std::numeric_limits<double>::quiet_NaN());
  family.labels({"b_inf"}).set(std::numeric_limits<double>::infinity());
  family.labels({"c_minus_inf"}).set(-std::numeric_limits<double>::infinity());
  family.labels({"d_fraction"}).set(0.1);
  family.labels({"e_integer"}).set(1e15);
  family.labels({"f_huge"}).set(1e21);
  family.labels({"g_negative"}).set(-2.5);
  CHECK(registry.exposition() ==
        "# HELP test_value Values.\n"
        "# TYPE test_value gauge\n"
        "test_value{case=\"a_nan\"} NaN\n"
        "test_value{case=\"b_inf\"} +Inf\n"
        "test_value{case=\"c_minus_inf\"} -Inf\n"
        "test_value{case=\"d_fraction\"} 0.1\n"
        "test_value{case=\"e_integer\"} 1000000000000000\n"
        "test_value{case=\"f_huge\"} 1e+21\n"
        "test_value{case=\"g_negative\"} -2.5\n");
}

TEST_CASE("metrics: concurrent updates are exact", "[metrics]") {
  MetricsRegistry registry;
  auto& counters = registry.counter("test_hits_total", "Hits.", {"worker"});
  auto& shared = registry.counter("test_shared_total", "Shared.");
  auto& gauge = registry.gauge("test_level", "Level.");
  auto& histogram = registry.histogram("test_latency_seconds", "Latency.", {"verb"});
  constexpr int kThreads = 8;
  constexpr int kIterations = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string own = "w" + std::to_string(t % 4);  // children created concurrently
      for (int i = 0; i < kIterations; ++i) {
        counters.labels({own}).inc();
        shared.get().inc(0.5);
        gauge.get().inc();
        gauge.get().dec(2);
        histogram.labels({"get"}).observe(1.0);
        if (i % 5'000 == 0) (void)registry.exposition();  // scrapes race the updates
      }
    });
  }
  for (auto& thread : threads) thread.join();
  double per_worker_total = 0;
  counters.forEach([&](const std::vector<std::string>&, const gitopsd::core::Counter& counter) {
    CHECK(counter.value() == 2 * kIterations);
    per_worker_total += counter.value();
  });
  CHECK(per_worker_total == kThreads * kIterations);
  CHECK(shared.get().value() == kThreads * kIterations * 0.5);
  CHECK(gauge.get().value() == -1.0 * kThreads * kIterations);
  const auto snapshot = histogram.labels({"get"}).snapshot();
  CHECK(snapshot.count == kThreads * kIterations);
  CHECK(snapshot.sum == kThreads * kIterations);
}

TEST_CASE("metrics: collectors report values at scrape time", "[metrics]") {
  MetricsRegistry registry;
  registry.counter("test_b_total", "Registered.").get().inc(7);
  int objects = 3;
  const CollectorId first = registry.addCollector([&](Emitter& out) {
    out.gauge("test_objects", "Objects cached.", {"cluster", "kind"}, {"prod", "Pod"}, objects);
    out.gauge("test_objects", "Objects cached.", {"cluster", "kind"}, {"prod", "ConfigMap"}, 2);
  });
  std::string app = "bookinfo";
  {
    ScopedCollector second(registry, [&](Emitter& out) {
      out.gauge("test_objects", "Objects cached.", {"cluster", "kind"}, {"dev", "Pod"}, 1);
      out.gauge("test_a_info", "Applications.", {"name"}, {app}, 1);
      out.counter("test_c_relists_total", "Relists.", {}, {}, 4);
    });
    objects = 5;  // read at scrape time, not when registered
    CHECK(registry.exposition() ==
          "# HELP test_a_info Applications.\n"
          "# TYPE test_a_info gauge\n"
          "test_a_info{name=\"bookinfo\"} 1\n"
          "# HELP test_b_total Registered.\n"
          "# TYPE test_b_total counter\n"
          "test_b_total 7\n"
          "# HELP test_c_relists_total Relists.\n"
          "# TYPE test_c_relists_total counter\n"
          "test_c_relists_total 4\n"
          "# HELP test_objects Objects cached.\n"
          "# TYPE test_objects gauge\n"
          "test_objects{cluster=\"dev\",kind=\"Pod\"} 1\n"
          "test_objects{cluster=\"prod\",kind=\"ConfigMap\"} 2\n"
          "test_objects{cluster=\"prod\",kind=\"Pod\"} 5\n");
  }
  // The scoped collector is gone; then the other one.
  CHECK(registry.exposition() ==
        "# HELP test_b_total Registered.\n"
        "# TYPE test_b_total counter\n"
        "test_b_total 7\n"
        "# HELP test_objects Objects cached.\n"
        "# TYPE test_objects gauge\n"
        "test_objects{cluster=\"prod\",kind=\"ConfigMap\"} 2\n"
        "test_objects{cluster=\"prod\",kind=\"Pod\"} 5\n");
  registry.removeCollector(first);
  registry.removeCollector(first);  // unknown ids are ignored
  CHECK(registry.exposition() ==
        "# HELP test_b_total Registered.\n"
        "# TYPE test_b_total counter\n"
        "test_b_total 7\n");

  ScopedCollector moved_from(registry, [](Emitter& out) { out.gauge("test_x", "X.", {}, {}, 1); });
  ScopedCollector moved_to = std::move(moved_from);
  CHECK(registry.exposition().find("test_x 1\n") != std::string::npos);
  moved_to.reset();
  CHECK(registry.exposition().find("test_x") == std::string::npos);
}

TEST_CASE("metrics: collector mistakes surface from exposition", "[metrics]") {
  MetricsRegistry registry;
  registry.gauge("test_registered", "Registered.");
  auto expect_refused = [&](std::function<void(Emitter&)> collect) {
    ScopedCollector collector(registry, std::move(collect));
    CHECK_THROWS_AS(registry.exposition(), std::invalid_argument);
  };
  expect_refused([](Emitter& out) { out.gauge("test_registered", "Registered.", {}, {}, 1); });
  expect_refused([](Emitter& out) { out.gauge("bad-name", "Bad.", {}, {}, 1); });
  expect_refused([](Emitter& out) { out.gauge("test_g", "G.", {"a"}, {}, 1); });
  expect_refused([](Emitter& out) { out.gauge("test_g", "G.", {"__a"}, {"x"}, 1); });
  expect_refused([](Emitter& out) { out.counter("test_no_suffix", "C.", {}, {}, 1); });
  expect_refused([](Emitter& out) {
    out.gauge("test_g", "G.", {"a"}, {"x"}, 1);
    out.gauge("test_g", "G.", {"a"}, {"x"}, 2);
  });
  expect_refused([](Emitter& out) {
    out.gauge("test_g", "G.", {"a"}, {"x"}, 1);
    out.gauge("test_g", "Other help.", {"a"}, {"y"}, 1);
  });
  expect_refused([](Emitter& out) {
    out.gauge("test_g", "G.", {"a"}, {"x"}, 1);
    out.gauge("test_g", "G.", {"b"}, {"y"}, 1);
  });
  CHECK(registry.exposition() ==
        "# HELP test_registered Registered.\n"
        "# TYPE test_registered gauge\n"
        "test_registered 0\n");
}

TEST_CASE("metrics: invalid names and uses are refused", "[metrics]") {
  MetricsRegistry registry;
  for (const char* name : {"", "1abc", "a-b", "a b", "é", "a.b"}) {
    INFO(name);
    CHECK_THROWS_AS(registry.gauge(name, "Bad."), std::invalid_argument);
  }
  CHECK_NOTHROW(registry.gauge("_ok:name_1", "Colons and underscores are fine."));
  CHECK_NOTHROW(registry.gauge(":also_ok", "A leading colon is fine."));
  CHECK_THROWS_AS(registry.counter("test_requests", "No _total."), std::invalid_argument);
  for (const char* label : {"", "1a", "a-b", "a:b", "__reserved"}) {
    INFO(label);
    CHECK_THROWS_AS(registry.gauge("test_labelled", "Bad label.", {label}), std::invalid_argument);
  }
  CHECK_THROWS_AS(registry.gauge("test_twice", "Twice.", {"a", "a"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("test_le_seconds", "le.", {"le"}), std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("test_order_seconds", "Order.", {}, {1, 0.5}),
                  std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("test_same_seconds", "Same.", {}, {1, 1}),
                  std::invalid_argument);
  CHECK_THROWS_AS(registry.histogram("test_nan_seconds", "NaN.", {},
                                     {std::numeric_limits<double>::quiet_NaN()}),
                  std::invalid_argument);
  registry.histogram("test_series_seconds", "Series.");
  CHECK_THROWS_AS(registry.gauge("test_series_seconds_count", "Collides."), std::invalid_argument);
  registry.counter("test_other_sum_total", "Counter.");
  registry.gauge("test_other_sum", "Gauge.");
  CHECK_THROWS_AS(registry.histogram("test_other", "Collides with test_other_sum."),
                  std::invalid_argument);
  auto& counter = registry.counter("test_up_total", "Up.").get();
  CHECK_THROWS_AS(counter.inc(-1), std::invalid_argument);
  CHECK(counter.value() == 0);
}

TEST_CASE("metrics: the default registry is one per process", "[metrics]") {
  auto& registry = gitopsd::core::defaultMetrics();
  CHECK(&registry == &gitopsd::core::defaultMetrics());
  auto& family = registry.counter("gitopsd_test_default_total", "Default registry test.");
  family.get().inc();
  CHECK(registry.exposition().find("gitopsd_test_default_total ") != std::string::npos);
}
