#include "analysis/providers/web.h"

#include <algorithm>
#include <cctype>

#include "analysis/providers/fields.h"

namespace gitopsd::analysis {
namespace {

constexpr std::string_view kType = "web";

bool sameHeader(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

core::Result<ProviderResult> parseWebAnswer(long http_status, std::string_view body,
                                            const JsonPath& path, std::string_view url) {
  const std::string where = "web " + std::string(url);
  if (http_status < 200 || http_status > 299) {
    return core::Status(core::statusCodeForHttp(http_status),
                        where + ": received non 2xx response code: " + std::to_string(http_status) +
                            " (" + excerpt(body, 200) + ")");
  }
  ProviderResult result;
  const nlohmann::json document = nlohmann::json::parse(body, nullptr, false);
  if (document.is_discarded()) {
    result.result = std::string(body);
    result.value = std::string(body);
    return result;
  }
  auto found = path.find(document);
  if (!found.ok()) {
    return core::Status(found.status().code(),
                        where + ": could not find JSONPath in body: " + found.status().message());
  }
  if (found->empty()) {
    return core::invalidError(where + ": result of web metric produced no value (jsonPath " +
                              path.text() + ")");
  }
  result.result = std::move(found->front());
  result.value = result.result.dump();
  return result;
}

WebProvider::WebProvider(std::shared_ptr<HttpClient> http) : http_(std::move(http)) {}

core::Result<ProviderResult> WebProvider::measure(const ProviderQuery& query) {
  try {
    return measureOnce(query);
  } catch (const std::exception& e) {
    return core::internalError("web: " + std::string(e.what()));
  }
}

core::Result<ProviderResult> WebProvider::measureOnce(const ProviderQuery& query) {
  auto fields = providerFields(query.provider, kType);
  if (!fields.ok()) return fields.status();
  auto url = stringField(*fields, kType, "url", true);
  if (!url.ok()) return url.status();
  auto method = stringField(*fields, kType, "method", false);
  if (!method.ok()) return method.status();
  if (method->empty()) *method = "GET";
  if (*method != "GET" && *method != "POST" && *method != "PUT") {
    return core::invalidError("provider web.method \"" + *method + "\" must be GET, POST or PUT");
  }
  auto headers = headersField(*fields, kType);
  if (!headers.ok()) return headers.status();
  auto body = stringField(*fields, kType, "body", false);
  if (!body.ok()) return body.status();
  auto timeout = integerField(*fields, kType, "timeoutSeconds");
  if (!timeout.ok()) return timeout.status();
  auto insecure = boolField(*fields, kType, "insecure");
  if (!insecure.ok()) return insecure.status();
  auto json_path = stringField(*fields, kType, "jsonPath", false);
  if (!json_path.ok()) return json_path.status();
  auto path = JsonPath::parse(*json_path);
  if (!path.ok()) return path.status().withContext("provider web.jsonPath");
  if (const auto auth = fields->find("authentication");
      auth != fields->end() && auth->is_object() && auth->contains("oauth2")) {
    return core::Status(core::StatusCode::kUnimplemented,
                        "provider web.authentication.oauth2 is not supported");
  }
  const auto json_body = fields->find("jsonBody");
  const bool has_json_body = json_body != fields->end() && !json_body->is_null();
  if (!body->empty() && has_json_body) {
    return core::invalidError(
        "provider web: use either body or jsonBody; both cannot exist for a web metric payload");
  }
  if ((!body->empty() || has_json_body) && *method == "GET") {
    return core::invalidError("provider web: body/jsonBody can only be used with POST or PUT");
  }
  HttpCall call;
  call.method = *method;
  call.url = *url;
  // A later header of the same name replaces an earlier one, as Go's Header.Set does.
  for (auto& [name, value] : *headers) {
    std::erase_if(call.headers, [&](const auto& h) { return sameHeader(h.first, name); });
    call.headers.emplace_back(name, value);
  }
  if (has_json_body) {
    std::erase_if(call.headers, [](const auto& h) { return sameHeader(h.first, "Content-Type"); });
    call.headers.emplace_back("Content-Type", "application/json");
    call.body = json_body->dump();
  } else {
    call.body = *body;
  }
  call.timeout = std::chrono::seconds(timeout->value_or(0) > 0 ? timeout->value_or(0) : 10);
  call.insecure = *insecure;
  auto reply = http_->send(call);
  if (!reply.ok()) return reply.status().withContext("web");
  return parseWebAnswer(reply->status, reply->body, *path, *url);
}

}  // namespace gitopsd::analysis
