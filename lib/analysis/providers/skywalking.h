// The SkyWalking provider (Argo Rollouts' `skywalking`: address, query, interval): POSTs the
// metric's GraphQL query to {address}/graphql with the variable `duration` {start, end, step:
// MINUTE}; `result` is the GraphQL `data` object, the value its JSON text.
//
// The window is `interval` long (the provider's, else the metric's; rounded up to whole minutes,
// at least one) and ends at the last complete minute: the current minute still changes as
// traffic arrives. Minutes are written in the OAP's time zone, asked once per address with
// `getTimeInfo` and cached; when the OAP answers without a usable one, UTC (a failed request is
// not cached and is asked again next time).
//
// No data is not zero. A point with `isEmptyValue: true` (readMetricsValues, readLabeledMetrics
// Values, readNullableMetricsValue) or a null `value` in a `values` list (MQE execExpression) has
// no data; when the answer holds metric values and none of them has data, no_data is set. The
// result stays as the OAP returned it (empty points included). A query that selects
// `values { values { ... } }` without `isEmptyValue` is sent with `isEmptyValue` added there,
// because an empty minute reads as value 0; the added field is removed from the result again.
// Errors: HTTP status, GraphQL `errors`, a non-empty MQE `error`, `data` missing or null, a body
// that is not JSON; each message names the address. Requests time out after 30 s.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "analysis/providers/http_client.h"
#include "analysis/providers/provider.h"

namespace gitopsd::analysis {

// getTimeInfo's timezone ("+0800", "-0500"; "+05:30" accepted) as an offset from UTC; nullopt
// for anything else.
std::optional<std::chrono::minutes> parseOapTimezone(std::string_view text);

// A minute as the OAP's MINUTE step writes it, "yyyy-MM-dd HHmm", at the given offset from UTC
// (seconds are dropped).
std::string formatOapMinute(std::chrono::system_clock::time_point time,
                            std::chrono::minutes offset);

struct SkyWalkingWindow {
  std::string start;  // "yyyy-MM-dd HHmm": both ends included, as the OAP reads a MINUTE duration
  std::string end;
  int minutes = 1;
};

// The query window at `now`: `interval` rounded up to whole minutes (at least one), ending at the
// last complete minute (the one before now's), in the zone `offset` from UTC.
SkyWalkingWindow skyWalkingWindow(std::chrono::system_clock::time_point now,
                                  std::chrono::minutes offset, std::chrono::seconds interval);

// The query with `isEmptyValue` added to each `values { values { ... } }` selection that lacks it;
// the text unchanged when it names isEmptyValue anywhere.
std::string withEmptyValueFlags(std::string_view query);

// The provider's reading of an OAP answer: HTTP status and body of POST {address}/graphql.
// strip_empty_flags removes every `isEmptyValue` from the result (after no_data is decided),
// for a query that withEmptyValueFlags changed.
core::Result<ProviderResult> parseSkyWalkingAnswer(long http_status, std::string_view body,
                                                   std::string_view address,
                                                   bool strip_empty_flags);

class SkyWalkingProvider final : public MetricProvider {
 public:
  explicit SkyWalkingProvider(std::shared_ptr<HttpClient> http);
  std::string_view type() const override { return "skywalking"; }
  core::Result<ProviderResult> measure(const ProviderQuery& query) override;

 private:
  // measure() without the guard that turns an unexpected exception into kInternal.
  core::Result<ProviderResult> measureOnce(const ProviderQuery& query);
  std::chrono::minutes timezoneOf(const std::string& address);

  std::shared_ptr<HttpClient> http_;
  std::mutex mutex_;
  std::map<std::string, std::chrono::minutes> timezones_;  // by address
};

}  // namespace gitopsd::analysis
