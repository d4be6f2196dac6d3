// The Web provider (Argo Rollouts' `web`: url, method GET (default)/POST/PUT, headers
// [{key, value}], body or jsonBody (POST/PUT only; jsonBody sets Content-Type application/json),
// timeoutSeconds (default 10), jsonPath (default "{$}", see json_path.h), insecure).
//
// A 2xx answer whose body is JSON: `result` is the first value the jsonPath selects and the value
// text that value's JSON (a string keeps its quotes, as Argo Rollouts writes it); a path that
// selects nothing is an error. A body that is not JSON: `result` and value are the body text.
// Errors: a non-2xx answer ("received non 2xx response code"), a path not found, timeouts and
// transport failures, each naming the URL. authentication.oauth2 is kUnimplemented.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "analysis/providers/http_client.h"
#include "analysis/providers/json_path.h"
#include "analysis/providers/provider.h"

namespace gitopsd::analysis {

// The provider's reading of an answer (HTTP status and body) with the given path.
core::Result<ProviderResult> parseWebAnswer(long http_status, std::string_view body,
                                            const JsonPath& path, std::string_view url);

class WebProvider final : public MetricProvider {
 public:
  explicit WebProvider(std::shared_ptr<HttpClient> http);
  std::string_view type() const override { return "web"; }
  core::Result<ProviderResult> measure(const ProviderQuery& query) override;

 private:
  // measure() without the guard that turns an unexpected exception into kInternal.
  core::Result<ProviderResult> measureOnce(const ProviderQuery& query);
  std::shared_ptr<HttpClient> http_;
};

}  // namespace gitopsd::analysis
