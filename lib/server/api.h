// The HTTP API of docs/api.md: routes, authentication and roles, JSON in and out, on top of the
// AppController. Api::handle is the HttpServer's handler; it never blocks on the network (syncs
// and refreshes are queued for the controller's workers) and is safe to call from several
// threads at once.
//
// Mutating calls are logged with the caller's token name (never the token); webhook calls with
// the provider and the applications they refreshed (never the secret or the signature).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "app/controller.h"
#include "config/daemon_config.h"
#include "core/log.h"
#include "core/status.h"
#include "server/http_server.h"
#include "server/webhook.h"

namespace gitopsd::server {

enum class Role { kReadOnly, kAdmin };

struct ApiToken {
  std::string token;
  std::string name;
  Role role = Role::kReadOnly;
};

// Parses a tokens file: one "TOKEN,NAME,ROLE" per line (ROLE readonly or admin), blank lines
// and lines starting with '#' skipped. kInvalid "FILE:LINE: what" for a malformed line, an
// unknown role, an empty token or name, or a token or name given twice; the message never
// quotes a token.
core::Result<std::vector<ApiToken>> parseTokens(std::string_view text, std::string_view file);

struct ApiOptions {
  // No tokens file: anonymous read-only access, and every mutating call is refused.
  bool tokens_configured = false;
  std::vector<ApiToken> tokens;
  WebhookSecrets webhook_secrets;
  std::string version;
  std::function<std::string()> metrics;  // the /metrics text; may be empty (404)
  // The AnalysisRuns of the analysis engine, sorted by namespace and name; empty when the
  // engine is off (then /api/v1/analysisruns answers 404).
  std::function<std::vector<nlohmann::json>()> analysis_runs;
};

class Api {
 public:
  // controller outlives the Api.
  Api(app::AppController& controller, ApiOptions options, core::Logger logger);

  HttpResponse handle(const HttpRequest& request);

 private:
  struct Caller {
    std::string name;  // "anonymous" without a token
    bool authenticated = false;
    Role role = Role::kReadOnly;
  };

  HttpResponse applications(const HttpRequest& request, const Caller& caller);
  HttpResponse analysisRuns(const HttpRequest& request) const;
  HttpResponse webhook(const HttpRequest& request);
  HttpResponse readyz() const;

  app::AppController& controller_;
  ApiOptions options_;
  core::Logger logger_;
};

// The Api served by an HttpServer as gitopsd.yaml's `listen` and `webhook` settings say: reads
// the tokens file once at start (kInvalid naming file:line), webhooks get their own body limit.
class ApiServer {
 public:
  // analysis_runs: see ApiOptions.
  static core::Result<std::unique_ptr<ApiServer>> start(
      const config::DaemonConfig& config, app::AppController& controller,
      std::function<std::string()> metrics, core::Logger logger,
      std::function<std::vector<nlohmann::json>()> analysis_runs = {});
  ~ApiServer();  // stop()
  void stop();

 private:
  ApiServer() = default;
  std::unique_ptr<Api> api_;
  std::unique_ptr<HttpServer> http_;
};

}  // namespace gitopsd::server
