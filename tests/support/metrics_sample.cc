// Prints the exposition of a registry holding every kind of metric lib/core/metrics.h offers
// (labelled and unlabelled counters, gauges and histograms, collected gauges and counters, values
// and help text that need escaping), for tests/integration/metrics_promtool_test.sh to check
// with the real `promtool check metrics`.
#include <iostream>
#include <limits>

#include "core/metrics.h"

int main() {
  gitopsd::core::MetricsRegistry registry;
  auto& requests = registry.counter("gitopsd_sample_requests_total", "Requests by verb and code.",
                                    {"verb", "code"});
  requests.labels({"get", "200"}).inc(3);
  requests.labels({"apply", "error"}).inc();
  registry.counter("gitopsd_sample_restarts_total", "Never incremented.");

  auto& queue = registry.gauge("gitopsd_sample_queue_depth", "Keys waiting.");
  queue.get().set(4);
  auto& odd = registry.gauge("gitopsd_sample_odd_values",
                             "Values that need care: \\ and\nnewlines in help.", {"case"});
  odd.labels({"quote \" backslash \\ newline \n end"}).set(-1.5);
  odd.labels({"nan"}).set(std::numeric_limits<double>::quiet_NaN());
  odd.labels({"inf"}).set(std::numeric_limits<double>::infinity());
  odd.labels({"tiny"}).set(1e-9);
  odd.labels({"utf8 \xc3\xa9"}).set(2);

  auto& durations =
      registry.histogram("gitopsd_sample_request_duration_seconds", "Request durations.", {"verb"});
  for (const double seconds : {0.001, 0.02, 0.3, 4.0, 100.0}) {
    durations.labels({"get"}).observe(seconds);
  }
  durations.labels({"list"}).observe(0.5);
  registry.histogram("gitopsd_sample_size_bytes", "Sizes.", {}, {64, 1024, 65536})
      .get()
      .observe(700);

  gitopsd::core::ScopedCollector collector(registry, [](gitopsd::core::Emitter& out) {
    out.gauge("gitopsd_sample_watch_cache_objects", "Objects in the watch cache.",
              {"cluster", "group", "kind"}, {"in-cluster", "", "ConfigMap"}, 12);
    out.gauge("gitopsd_sample_watch_cache_objects", "Objects in the watch cache.",
              {"cluster", "group", "kind"}, {"in-cluster", "apps", "Deployment"}, 3);
    out.gauge("gitopsd_sample_app_info", "Applications.", {"name", "project"},
              {"bookinfo", "default"}, 1);
    out.counter("gitopsd_sample_relists_total", "Relists.", {}, {}, 2);
  });

  std::cout << registry.exposition();
  return 0;
}
