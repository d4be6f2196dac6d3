#include "server/api.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "config/application.h"
#include "core/time_text.h"
#include "core/version.h"
#include "manifest/yaml_write.h"

namespace gitopsd::server {

namespace {

using Json = nlohmann::json;
constexpr std::string_view kAppsPrefix = "/api/v1/applications";
constexpr std::string_view kRunsPrefix = "/api/v1/analysisruns";

bool under(std::string_view path, std::string_view prefix) {
  return path == prefix ||
         (path.starts_with(prefix) && path.substr(prefix.size()).starts_with('/'));
}

HttpResponse json(int status, const Json& body) {
  return {status, "application/json", body.dump(), {}};
}

HttpResponse error(int status, std::string_view code, const std::string& message) {
  return json(status, {{"error", {{"code", code}, {"message", message}}}});
}

HttpResponse error(const core::Status& status) {
  const std::string_view code = status.code() == core::StatusCode::kUnauthorized
                                    ? "Unauthenticated"
                                    : core::statusCodeName(status.code());
  return error(core::httpStatusFor(status.code()), code, status.message());
}

// Compares the SHA-256 digests in constant time, so neither the content nor the length of a
// token shows in the time taken.
bool sameSecret(std::string_view a, std::string_view b) {
  unsigned char digest_a[SHA256_DIGEST_LENGTH];
  unsigned char digest_b[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(a.data()), a.size(), digest_a);
  SHA256(reinterpret_cast<const unsigned char*>(b.data()), b.size(), digest_b);
  return CRYPTO_memcmp(digest_a, digest_b, sizeof digest_a) == 0;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

Json applicationJson(const app::AppView& view, bool with_diffs) {
  Json status = view.status.toJson();
  status.erase("name");
  if (!with_diffs) {
    for (auto& resource : status["resources"]) resource.erase("diff");
  }
  const auto document = config::applicationToJson(view.spec);
  return {{"metadata", {{"name", view.spec.name}}},
          {"spec", Json::parse(document["spec"].dump())},
          {"status", std::move(status)}};
}

// Reads the body of a POST as a JSON object whose fields are all in `known`.
core::Result<Json> readBody(const HttpRequest& request, const std::set<std::string>& known) {
  if (request.body.empty()) return Json::object();
  Json body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded()) return core::invalidError("the request body is not valid JSON");
  if (!body.is_object()) return core::invalidError("the request body must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (!known.contains(key)) return core::invalidError(key + ": unknown field");
  }
  return body;
}

core::Status readBool(const Json& body, const char* field, bool& out) {
  if (!body.contains(field)) return {};
  if (!body[field].is_boolean())
    return core::invalidError(std::string(field) + ": must be true or false");
  out = body[field].get<bool>();
  return {};
}

core::Result<app::SyncRequest> syncRequestOf(const Json& body) {
  app::SyncRequest request;
  if (body.contains("revision")) {
    if (!body["revision"].is_string()) return core::invalidError("revision: must be a string");
    request.revision = body["revision"].get<std::string>();
  }
  for (const auto& [field, out] :
       {std::pair{"prune", &request.prune}, std::pair{"dryRun", &request.dry_run},
        std::pair{"force", &request.force}}) {
    if (auto s = readBool(body, field, *out); !s.ok()) return s;
  }
  if (body.contains("resources")) {
    if (!body["resources"].is_array()) return core::invalidError("resources: must be a list");
    std::size_t index = 0;
    for (const auto& item : body["resources"]) {
      const std::string at = "resources[" + std::to_string(index++) + "]";
      if (!item.is_object()) return core::invalidError(at + ": must be an object");
      core::ResourceKey key;
      for (const auto& [field, value] : item.items()) {
        if (!value.is_string()) return core::invalidError(at + "." + field + ": must be a string");
        const auto text = value.get<std::string>();
        if (field == "group") {
          key.group = text;
        } else if (field == "kind") {
          key.kind = text;
        } else if (field == "namespace") {
          key.namespace_ = text;
        } else if (field == "name") {
          key.name = text;
        } else {
          return core::invalidError(at + "." + field + ": unknown field");
        }
      }
      if (key.kind.empty() || key.name.empty()) {
        return core::invalidError(at + ": kind and name are required");
      }
      request.resources.push_back(std::move(key));
    }
  }
  return request;
}

Json historyJson(const std::vector<app::SyncRecord>& records) {
  Json items = Json::array();
  for (const auto& record : records) {
    items.push_back({{"id", record.id},
                     {"revision", record.revision},
                     {"sourcePath", record.source_path},
                     {"phase", record.phase},
                     {"message", record.message},
                     {"initiatedBy", record.initiated_by},
                     {"automated", record.automated},
                     {"startedAt", core::formatRfc3339(record.started_at)},
                     {"finishedAt", core::formatRfc3339(record.finished_at)}});
  }
  return {{"items", std::move(items)}};
}

// The OutOfSync resources with their diffs; an object missing live shows the whole desired
// object as added lines.
Json diffJson(const app::AppView& view, const app::DesiredManifests* desired) {
  Json items = Json::array();
  for (const auto& resource : view.status.resources) {
    if (resource.status != "OutOfSync") continue;
    std::string diff = resource.diff;
    if (diff.empty() && !resource.requires_pruning && desired != nullptr) {
      for (const auto& object : desired->objects) {
        const auto& metadata = object.value("metadata", Json::object());
        if (object.value("kind", "") != resource.key.kind ||
            metadata.value("name", "") != resource.key.name ||
            metadata.value("namespace", "") != resource.key.namespace_) {
          continue;
        }
        std::istringstream lines(manifest::toBlockYaml(object));
        diff = "--- live\n+++ desired\n";
        for (std::string line; std::getline(lines, line);) diff += "+" + line + "\n";
        break;
      }
    }
    items.push_back({{"group", resource.key.group},
                     {"kind", resource.key.kind},
                     {"namespace", resource.key.namespace_},
                     {"name", resource.key.name},
                     {"status", resource.status},
                     {"requiresPruning", resource.requires_pruning},
                     {"diff", diff}});
  }
  return {{"revision", view.status.revision}, {"items", std::move(items)}};
}

}  // namespace

core::Result<std::vector<ApiToken>> parseTokens(std::string_view text, std::string_view file) {
  std::vector<ApiToken> tokens;
  std::set<std::string> names;
  std::size_t line_number = 0;
  for (const auto& raw : split(text, '\n')) {
    ++line_number;
    const std::string line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    const auto where = std::string(file) + ":" + std::to_string(line_number) + ": ";
    const auto fields = split(line, ',');
    if (fields.size() != 3) {
      return core::invalidError(where + "expected TOKEN,NAME,ROLE (" +
                                std::to_string(fields.size()) + " fields)");
    }
    ApiToken token{trim(fields[0]), trim(fields[1]), Role::kReadOnly};
    const std::string role = trim(fields[2]);
    if (token.token.empty()) return core::invalidError(where + "empty token");
    if (token.name.empty()) return core::invalidError(where + "empty name");
    if (role == "admin") {
      token.role = Role::kAdmin;
    } else if (role != "readonly") {
      return core::invalidError(where + "role \"" + role + "\" is neither readonly nor admin");
    }
    if (!names.insert(token.name).second) {
      return core::invalidError(where + "name \"" + token.name + "\" is given twice");
    }
    for (const auto& other : tokens) {
      if (other.token == token.token) {
        return core::invalidError(where + "the token of \"" + token.name +
                                  "\" is also the token of \"" + other.name + "\"");
      }
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

Api::Api(app::AppController& controller, ApiOptions options, core::Logger logger)
    : controller_(controller), options_(std::move(options)), logger_(std::move(logger)) {}

HttpResponse Api::readyz() const {
  std::string reason;
  if (controller_.ready(reason)) return json(200, {{"status", "ready"}});
  return json(503, {{"status", "not ready"}, {"reason", reason}});
}

HttpResponse Api::handle(const HttpRequest& request) {
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (path == "/healthz")
    return get ? json(200, {{"status", "ok"}}) : error(405, "MethodNotAllowed", "use GET");
  if (path == "/readyz") return get ? readyz() : error(405, "MethodNotAllowed", "use GET");
  if (path == "/version") {
    return get ? json(200, {{"version", options_.version}})
               : error(405, "MethodNotAllowed", "use GET");
  }
  if (path == "/metrics") {
    if (!get) return error(405, "MethodNotAllowed", "use GET");
    if (!options_.metrics) return error(404, "NotFound", "metrics are off");
    return {200, "text/plain; version=0.0.4; charset=utf-8", options_.metrics(), {}};
  }
  if (path == "/api/webhook") {
    return request.method == "POST" ? webhook(request) : error(405, "MethodNotAllowed", "use POST");
  }
  if (!under(path, kAppsPrefix) && !under(path, kRunsPrefix)) {
    return error(404, "NotFound", "no such endpoint: " + path);
  }

  Caller caller;
  caller.name = "anonymous";
  if (const auto* header = request.header("authorization")) {
    if (!header->starts_with("Bearer ")) {
      return error(401, "Unauthenticated", "the Authorization header must be \"Bearer TOKEN\"");
    }
    const std::string_view given = std::string_view(*header).substr(7);
    if (options_.tokens_configured) {
      const ApiToken* match = nullptr;
      for (const auto& token : options_.tokens) {
        if (sameSecret(token.token, given)) match = &token;  // no early exit: constant time
      }
      if (match == nullptr) return error(401, "Unauthenticated", "unknown token");
      caller = {match->name, true, match->role};
    }
  } else if (options_.tokens_configured) {
    return error(401, "Unauthenticated",
                 "a bearer token is required (Authorization: Bearer TOKEN; gitopsctl --token)");
  }
  if (under(path, kRunsPrefix)) return analysisRuns(request);
  return applications(request, caller);
}

HttpResponse Api::analysisRuns(const HttpRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    return error(405, "MethodNotAllowed", "use GET");
  }
  if (!options_.analysis_runs) {
    return error(404, "NotFound", "the analysis engine is off (rollouts.enabled in gitopsd.yaml)");
  }
  const auto parts = split(std::string_view(request.path).substr(kRunsPrefix.size()), '/');
  // "" → list (optionally ?namespace=); ["", namespace, name] → one run.
  if (parts.size() == 1 && parts[0].empty()) {
    const auto ns = request.query.find("namespace");
    Json items = Json::array();
    for (auto& run : options_.analysis_runs()) {
      if (ns != request.query.end() &&
          run.value("/metadata/namespace"_json_pointer, Json("")) != ns->second) {
        continue;
      }
      items.push_back(std::move(run));
    }
    return json(200, {{"items", std::move(items)}});
  }
  if (parts.size() != 3 || parts[1].empty() || parts[2].empty()) {
    return error(404, "NotFound",
                 "no such endpoint: " + request.path + " (use " + std::string(kRunsPrefix) +
                     "/NAMESPACE/NAME)");
  }
  for (auto& run : options_.analysis_runs()) {
    if (run.value("/metadata/namespace"_json_pointer, Json("")) == parts[1] &&
        run.value("/metadata/name"_json_pointer, Json("")) == parts[2]) {
      return json(200, std::move(run));
    }
  }
  return error(404, "NotFound", "AnalysisRun " + parts[1] + "/" + parts[2] + " not found");
}

HttpResponse Api::applications(const HttpRequest& request, const Caller& caller) {
  const auto parts = split(std::string_view(request.path).substr(kAppsPrefix.size()), '/');
  // "" → list; ["", name] → one; ["", name, sub] → a sub-resource.
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (parts.size() == 1 && parts[0].empty()) {
    if (!get) return error(405, "MethodNotAllowed", "use GET");
    Json items = Json::array();
    for (const auto& view : controller_.views()) items.push_back(applicationJson(view, false));
    return json(200, {{"items", std::move(items)}});
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[1].empty()) {
    return error(404, "NotFound", "no such endpoint: " + request.path);
  }
  const std::string& name = parts[1];
  const std::string sub = parts.size() == 3 ? parts[2] : "";
  const auto view = controller_.view(name);
  if (!view) return error(404, "NotFound", "application '" + name + "' not found");

  if (get) {
    if (sub.empty()) return json(200, applicationJson(*view, true));
    if (sub == "diff") {
      auto desired = controller_.manifests(name);
      return json(200, diffJson(*view, desired.ok() ? &*desired : nullptr));
    }
    if (sub == "manifests") {
      auto desired = controller_.manifests(name);
      if (!desired.ok()) return error(desired.status());
      return json(200, {{"revision", desired->revision}, {"manifests", desired->objects}});
    }
    if (sub == "history") {
      auto records = controller_.history(name);
      if (!records.ok()) return error(records.status());
      return json(200, historyJson(*records));
    }
    return error(404, "NotFound", "no such endpoint: " + request.path);
  }

  const bool post = sub == "sync" || sub == "rollback" || sub == "refresh";
  if ((request.method != "POST" || !post) && (request.method != "DELETE" || sub != "operation")) {
    const bool exists = sub.empty() || sub == "diff" || sub == "manifests" || sub == "history" ||
                        post || sub == "operation";
    return exists ? error(405, "MethodNotAllowed", request.method + " is not allowed here")
                  : error(404, "NotFound", "no such endpoint: " + request.path);
  }
  if (!caller.authenticated || caller.role != Role::kAdmin) {
    return error(
        403, "Forbidden",
        options_.tokens_configured
            ? "'" + caller.name + "' has a read-only token; " + sub + " needs an admin token"
            : sub +
                  " needs an admin token, and no tokens file is configured "
                  "(listen.tokensFile)");
  }
  auto log = logger_.with({{"app", name}, {"by", caller.name}, {"remote", request.remote}});
  if (sub == "refresh") {
    const auto hard = request.query.find("hard");
    const bool is_hard = hard != request.query.end() && hard->second == "true";
    if (hard != request.query.end() && hard->second != "true" && hard->second != "false") {
      return error(400, "Invalid", "hard: must be true or false");
    }
    if (auto s = controller_.refresh(name, is_hard); !s.ok()) return error(s);
    log.info("refresh requested", {{"hard", is_hard}});
    return json(200, Json::object());
  }
  if (sub == "operation") {
    if (auto s = controller_.terminate(name); !s.ok()) return error(s);
    log.info("terminate requested");
    return json(200, Json::object());
  }
  const bool rollback = sub == "rollback";
  auto body = rollback ? readBody(request, {"id", "prune", "dryRun"})
                       : readBody(request, {"revision", "prune", "dryRun", "force", "resources"});
  if (!body.ok()) return error(body.status());
  auto sync_request = syncRequestOf(*body);
  if (!sync_request.ok()) return error(sync_request.status());
  sync_request->requested_by = caller.name;
  core::Result<std::string> id = core::internalError("not requested");
  if (rollback) {
    if (!body->contains("id") || !(*body)["id"].is_number_integer()) {
      return error(400, "Invalid", "id: the history id to roll back to is required (an integer)");
    }
    const auto history_id = (*body)["id"].get<std::int64_t>();
    id = controller_.requestRollback(name, history_id, std::move(sync_request).value());
    if (id.ok()) log.info("rollback requested", {{"history_id", history_id}, {"request_id", *id}});
  } else {
    const std::string revision = sync_request->revision;
    id = controller_.requestSync(name, std::move(sync_request).value());
    if (id.ok()) log.info("sync requested", {{"revision", revision}, {"request_id", *id}});
  }
  if (!id.ok()) return error(id.status());
  return json(202, {{"requestId", *id}});
}

HttpResponse Api::webhook(const HttpRequest& request) {
  WebhookRequest hook;
  hook.headers = request.headers;
  hook.body = request.body;
  auto event = parseWebhook(hook, options_.webhook_secrets);
  if (!event.ok()) {
    logger_.warn("webhook refused",
                 {{"remote", request.remote}, {"error", event.status().message()}});
    return error(event.status());
  }
  if (const auto* ignored = std::get_if<IgnoredEvent>(&*event)) {
    return json(200, {{"ignored", ignored->reason}});
  }
  const auto& push = std::get<PushEvent>(*event);
  const auto refreshed = controller_.refreshWhere([&](const config::Application& spec) {
    return webhookMatches(push, spec.source.repo_url, spec.source.target_revision);
  });
  std::string refs;
  for (const auto& ref : push.refs) refs += (refs.empty() ? "" : ",") + ref.ref;
  logger_.info("webhook push", {{"provider", push.provider},
                                {"refs", refs},
                                {"refreshed", static_cast<std::int64_t>(refreshed.size())}});
  return json(200, {{"refreshed", refreshed}});
}

core::Result<std::unique_ptr<ApiServer>> ApiServer::start(
    const config::DaemonConfig& config, app::AppController& controller,
    std::function<std::string()> metrics, core::Logger logger,
    std::function<std::vector<Json>()> analysis_runs) {
  ApiOptions options;
  options.version = core::kVersion;
  options.metrics = std::move(metrics);
  options.analysis_runs = std::move(analysis_runs);
  const auto& webhook = config.webhook;
  options.webhook_secrets = {webhook.github_secret, webhook.gitlab_secret, webhook.gitea_secret,
                             webhook.bitbucket_uuid};
  if (!config.listen.tokens_file.empty()) {
    std::ifstream in(config.listen.tokens_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      return core::invalidError("listen.tokensFile " + config.listen.tokens_file +
                                ": cannot be read");
    }
    auto tokens = parseTokens(text.str(), config.listen.tokens_file);
    if (!tokens.ok()) return tokens.status();
    options.tokens_configured = true;
    options.tokens = std::move(tokens).value();
  }
  HttpServerOptions http;
  http.address = config.listen.address;
  http.tls_cert_file = config.listen.tls_cert_file;
  http.tls_key_file = config.listen.tls_key_file;
  http.body_limit = [limit = webhook.max_payload_bytes](std::string_view path) -> std::size_t {
    return path == "/api/webhook" ? limit : 1024 * 1024;
  };
  std::unique_ptr<ApiServer> server(new ApiServer());
  const bool anonymous = !options.tokens_configured;
  const auto token_count = options.tokens.size();
  server->api_ = std::make_unique<Api>(controller, std::move(options), logger);
  auto started = HttpServer::start(
      std::move(http), [api = server->api_.get()](const HttpRequest& r) { return api->handle(r); },
      logger);
  if (!started.ok()) return started.status();
  server->http_ = std::move(started).value();
  logger.info("API listening", {{"address", config.listen.address},
                                {"port", static_cast<std::int64_t>(server->http_->port())},
                                {"tls", server->http_->tls()},
                                {"tokens", static_cast<std::int64_t>(token_count)},
                                {"anonymous_read_only", anonymous}});
  return server;
}

ApiServer::~ApiServer() { stop(); }

void ApiServer::stop() {
  if (http_) http_->stop();
}

}  // namespace gitopsd::server
