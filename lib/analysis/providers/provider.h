// Metric providers: where an AnalysisRun's measurements come from. One interface for every
// provider type (SkyWalking, Prometheus, Web); the engine picks the provider from the metric's
// `provider` object, asks it for one measurement, and evaluates successCondition/failureCondition
// on `result`.
//
// Contract:
// - A provider reads every field from ProviderQuery::provider on each call (argument
//   substitution has already happened), so one provider object serves every metric of its type.
// - Providers are thread-safe: any number of measure() calls may run at once on one provider.
//   Calls block on the network (one HTTP exchange, two for the first SkyWalking call to an
//   address), so they belong on worker threads, never on the Asio I/O thread.
// - measure() returns a ProviderResult when the server answered with something to evaluate,
//   and an error Status otherwise; the message names the provider, the address and what failed:
//   kInvalid for a bad provider object (missing field, wrong type, bad duration), the HTTP
//   code's meaning (core::statusCodeForHttp) for a non-2xx answer, kInvalid for a GraphQL
//   `errors` list, an MQE `error`, a Prometheus `status: error` or an answer that is not the
//   JSON expected, kTimeout for a timeout, kUnavailable for a refused or broken connection.
//   Each of these is an Error measurement for the engine. No exception leaves measure(): one
//   raised inside (a library's) is returned as kInternal naming the provider.
// - no_data is set when the provider knows that nothing was measured (SkyWalking minutes without
//   data); the engine records such a measurement as Inconclusive and never evaluates it as 0.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gitopsd::analysis {

struct ProviderQuery {
  // The metric's `provider` object with arguments substituted: exactly one key naming the type,
  // e.g. {"skywalking": {"address": ..., "query": ..., "interval": "3m"}}.
  nlohmann::json provider;
  // The metric's interval; the SkyWalking window when its provider has no `interval` of its
  // own. 0: none.
  std::chrono::seconds interval{0};
  // The time of the measurement (the engine's Clock): the end of the SkyWalking window, the
  // evaluation time of a Prometheus instant query.
  std::chrono::system_clock::time_point now;
};

struct ProviderResult {
  // What successCondition/failureCondition see as `result`.
  nlohmann::json result;
  // The measurement's value text, as Argo Rollouts stores it for this provider.
  std::string value;
  // Nothing was measured in the window: the engine records Inconclusive, never 0.
  bool no_data = false;
  // Shown with the measurement (e.g. the resolved Prometheus query, its warnings).
  std::map<std::string, std::string> metadata;
};

class MetricProvider {
 public:
  virtual ~MetricProvider() = default;
  // "skywalking", "prometheus" or "web": the key of the provider object.
  virtual std::string_view type() const = 0;
  // One measurement; see the contract above.
  virtual core::Result<ProviderResult> measure(const ProviderQuery& query) = 0;
};

// The provider type a metric's provider object names: its one key. kInvalid when the object is
// not an object, has no key or several, or names a type this build does not support (the
// message names the key and the supported ones).
core::Result<std::string> providerType(const nlohmann::json& provider);

// A new provider of the type the provider object names (see providerType). The provider keeps
// caches (the SkyWalking time zone of each address, HTTP connections): keep it and reuse it
// for every metric of its type rather than making one per measurement (ProviderSet does that).
core::Result<std::unique_ptr<MetricProvider>> makeProvider(const nlohmann::json& provider);

// One provider per type, made on first use and kept for the set's lifetime. Thread-safe.
class ProviderSet {
 public:
  // The provider for this provider object (see providerType); the pointer lives as long as the
  // set.
  core::Result<MetricProvider*> providerFor(const nlohmann::json& provider);
  // providerFor(query.provider), then its measure(query).
  core::Result<ProviderResult> measure(const ProviderQuery& query);

 private:
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<MetricProvider>, std::less<>> providers_;
};

}  // namespace gitopsd::analysis
