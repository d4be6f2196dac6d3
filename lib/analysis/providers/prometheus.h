// The Prometheus provider (Argo Rollouts' `prometheus`: address, query, timeout (seconds;
// absent or 0: 30), insecure, headers [{key, value}], authentication.basicAuth): an instant query,
// POST {address}/api/v1/query with `query` and `time` (the measurement's time), GET when the
// server refuses POST (405/501), as Prometheus' Go client does.
//
// result and value, as Argo Rollouts gives them: a vector is the list of its sample values
// (labels dropped, [] when empty) and the value text "[v1,v2]"; a matrix the list of all its
// samples' values; a scalar the number. Values are written as Go does ('f' format, shortest
// round trip: "0.5", "100", "NaN", "+Inf", "-Inf").
// NaN and ±Inf stay doubles inside the result JSON (nlohmann::json holds them; the expression
// engine's isNaN/isInf see them, and comparisons with them are false as in Go). Only a JSON
// text of the result (dump()) would write them as null, so the value text is the record of them.
// Metadata: ResolvedPrometheusQuery (the query sent) and, when Prometheus warns, warnings.
// Errors: HTTP status without a Prometheus answer, `status: error` (its errorType and error),
// a string result, a body that is not the API's JSON; each message names the address.
// Not supported (kUnimplemented): rangeQuery, authentication.oauth2, authentication.sigv4.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "analysis/providers/http_client.h"
#include "analysis/providers/provider.h"

namespace gitopsd::analysis {

// A sample value as Go's strconv.FormatFloat(v, 'f', -1, 64) writes it.
std::string formatPrometheusValue(double value);

// The provider's reading of an answer of /api/v1/query (HTTP status and body). The metadata is
// left to the caller.
core::Result<ProviderResult> parsePrometheusAnswer(long http_status, std::string_view body,
                                                   std::string_view address);

class PrometheusProvider final : public MetricProvider {
 public:
  explicit PrometheusProvider(std::shared_ptr<HttpClient> http);
  std::string_view type() const override { return "prometheus"; }
  core::Result<ProviderResult> measure(const ProviderQuery& query) override;

 private:
  // measure() without the guard that turns an unexpected exception into kInternal.
  core::Result<ProviderResult> measureOnce(const ProviderQuery& query);
  std::shared_ptr<HttpClient> http_;
};

}  // namespace gitopsd::analysis
