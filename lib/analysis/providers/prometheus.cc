#include "analysis/providers/prometheus.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "analysis/providers/fields.h"

namespace gitopsd::analysis {
namespace {

constexpr std::string_view kType = "prometheus";

std::optional<double> parseSampleValue(const nlohmann::json& text) {
  if (!text.is_string()) return std::nullopt;
  const auto& s = text.get_ref<const std::string&>();
  if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (s == "+Inf" || s == "Inf") return std::numeric_limits<double>::infinity();
  if (s == "-Inf") return -std::numeric_limits<double>::infinity();
  char* end = nullptr;
  const double value = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size()) return std::nullopt;
  return value;
}

// [timestamp, "value"] → value.
std::optional<double> samplePair(const nlohmann::json& pair) {
  if (!pair.is_array() || pair.size() != 2) return std::nullopt;
  return parseSampleValue(pair[1]);
}

// obj[key] when it is a string, else "".
std::string textOf(const nlohmann::json& obj, std::string_view key) {
  const auto found = obj.find(key);
  return found != obj.end() && found->is_string() ? found->get<std::string>() : std::string();
}

std::string joinValues(const std::vector<double>& values) {
  std::string text = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text += ",";
    text += formatPrometheusValue(values[i]);
  }
  return text + "]";
}

bool isUrl(const std::string& text) {
  const auto scheme = text.find("://");
  return scheme != std::string::npos && scheme > 0 && scheme + 3 < text.size() &&
         text[scheme + 3] != '/';
}

std::string unixTime(std::chrono::system_clock::time_point now) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  char text[40];
  std::snprintf(text, sizeof text, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return text;
}

}  // namespace

std::string formatPrometheusValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return std::signbit(value) ? "-0" : "0";
  char text[400];
  const auto written = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
  return std::string(text, written.ptr);
}

core::Result<ProviderResult> parsePrometheusAnswer(long http_status, std::string_view body,
                                                   std::string_view address) {
  const std::string where = "prometheus " + std::string(address);
  const nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  const bool ok_http = http_status >= 200 && http_status <= 299;
  if (answer.is_discarded() || !answer.is_object() || !answer.contains("status")) {
    if (!ok_http) {
      return core::Status(core::statusCodeForHttp(http_status),
                          where + ": HTTP " + std::to_string(http_status) + ": " + excerpt(body));
    }
    return core::invalidError(where + ": the answer is not the query API's JSON: " + excerpt(body));
  }
  if (answer["status"] != "success") {
    const std::string type = textOf(answer, "errorType");
    const std::string error = textOf(answer, "error");
    std::string message = where + ": query failed: " + (type.empty() ? "" : type + ": ") +
                          (error.empty() ? excerpt(body) : error);
    if (!ok_http) message += " (HTTP " + std::to_string(http_status) + ")";
    return core::Status(ok_http ? core::StatusCode::kInvalid : core::statusCodeForHttp(http_status),
                        message);
  }
  const auto& data = answer.contains("data") ? answer["data"] : nlohmann::json();
  const std::string type =
      data.is_object() && data.contains("resultType") && data["resultType"].is_string()
          ? data["resultType"].get<std::string>()
          : "";
  const auto bad = [&](const std::string& what) {
    return core::invalidError(where + ": " + what + ": " + excerpt(body));
  };
  if (!data.is_object() || !data.contains("result")) return bad("the answer has no data.result");
  const auto& raw = data["result"];
  ProviderResult result;
  if (type == "scalar") {
    const auto value = samplePair(raw);
    if (!value) return bad("a scalar that is not [time, \"value\"]");
    result.result = *value;
    result.value = formatPrometheusValue(*value);
  } else if (type == "vector" || type == "matrix") {
    if (!raw.is_array()) return bad("a " + type + " that is not a list");
    std::vector<double> values;
    for (const auto& series : raw) {
      if (!series.is_object()) return bad("a " + type + " entry that is not an object");
      if (type == "vector") {
        const auto value = series.contains("value") ? samplePair(series["value"]) : std::nullopt;
        if (!value) return bad("a sample without a value");
        values.push_back(*value);
      } else {
        if (!series.contains("values") || !series["values"].is_array()) {
          return bad("a series without values");
        }
        for (const auto& pair : series["values"]) {
          const auto value = samplePair(pair);
          if (!value) return bad("a sample without a value");
          values.push_back(*value);
        }
      }
    }
    result.result = nlohmann::json::array();
    for (const double value : values) result.result.push_back(value);
    result.value = joinValues(values);
  } else {
    return core::invalidError(where + ": Prometheus metric type not supported: \"" + type + "\"");
  }
  if (answer.contains("warnings") && answer["warnings"].is_array() && !answer["warnings"].empty()) {
    std::string warnings;
    for (const auto& warning : answer["warnings"]) {
      warnings += (warnings.empty() ? "\"" : ", \"") +
                  (warning.is_string() ? warning.get<std::string>() : warning.dump()) + "\"";
    }
    result.metadata["warnings"] = warnings;
  }
  return result;
}

PrometheusProvider::PrometheusProvider(std::shared_ptr<HttpClient> http) : http_(std::move(http)) {}

core::Result<ProviderResult> PrometheusProvider::measure(const ProviderQuery& query) {
  try {
    return measureOnce(query);
  } catch (const std::exception& e) {
    return core::internalError("prometheus: " + std::string(e.what()));
  }
}

core::Result<ProviderResult> PrometheusProvider::measureOnce(const ProviderQuery& query) {
  auto fields = providerFields(query.provider, kType);
  if (!fields.ok()) return fields.status();
  auto address = stringField(*fields, kType, "address", false);
  if (!address.ok()) return address.status();
  if (address->empty()) return core::invalidError("provider prometheus.address is required");
  if (!isUrl(*address)) {
    return core::invalidError("provider prometheus.address \"" + *address + "\" is not a URL");
  }
  auto text = stringField(*fields, kType, "query", true);
  if (!text.ok()) return text.status();
  auto timeout = integerField(*fields, kType, "timeout");
  if (!timeout.ok()) return timeout.status();
  auto insecure = boolField(*fields, kType, "insecure");
  if (!insecure.ok()) return insecure.status();
  auto headers = headersField(*fields, kType);
  if (!headers.ok()) return headers.status();
  if (fields->contains("rangeQuery") && !(*fields)["rangeQuery"].is_null()) {
    return core::Status(core::StatusCode::kUnimplemented,
                        "provider prometheus.rangeQuery is not supported");
  }
  HttpCall call;
  if (const auto auth = fields->find("authentication");
      auth != fields->end() && auth->is_object()) {
    if (auth->contains("oauth2") && (*auth)["oauth2"].is_object() &&
        !textOf((*auth)["oauth2"], "tokenUrl").empty()) {
      return core::Status(core::StatusCode::kUnimplemented,
                          "provider prometheus.authentication.oauth2 is not supported");
    }
    if (auth->contains("sigv4") && (*auth)["sigv4"].is_object() && !(*auth)["sigv4"].empty()) {
      return core::Status(core::StatusCode::kUnimplemented,
                          "provider prometheus.authentication.sigv4 is not supported");
    }
    if (auth->contains("basicAuth") && (*auth)["basicAuth"].is_object()) {
      const auto& basic = (*auth)["basicAuth"];
      call.username = textOf(basic, "username");
      call.password = textOf(basic, "password");
      if (!call.username.empty() || !call.password.empty()) {
        if (call.username.empty() || call.password.empty()) {
          return core::invalidError(
              std::string("provider prometheus.authentication.basicAuth needs ") +
              (call.username.empty() ? "username" : "password"));
        }
      }
    }
  }
  if (timeout->has_value() && **timeout < 0) {
    return core::invalidError("provider prometheus.timeout must not be negative");
  }
  std::string base = *address;
  while (!base.empty() && base.back() == '/') base.pop_back();
  call.method = "POST";
  call.url = base + "/api/v1/query";
  call.headers = *headers;
  call.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  call.headers.emplace_back("Accept", "application/json");
  const std::string form = "query=" + formEncode(*text) + "&time=" + unixTime(query.now);
  call.body = form;
  call.timeout = std::chrono::seconds(timeout->value_or(30) > 0 ? timeout->value_or(30) : 30);
  call.insecure = *insecure;
  auto reply = http_->send(call);
  if (reply.ok() && (reply->status == 405 || reply->status == 501)) {
    call.method = "GET";
    call.url += "?" + form;
    call.body.clear();
    call.headers.pop_back();
    call.headers.pop_back();
    call.headers.emplace_back("Accept", "application/json");
    reply = http_->send(call);
  }
  if (!reply.ok()) return reply.status().withContext("prometheus");
  auto result = parsePrometheusAnswer(reply->status, reply->body, base);
  if (result.ok()) result->metadata["ResolvedPrometheusQuery"] = *text;
  return result;
}

}  // namespace gitopsd::analysis
