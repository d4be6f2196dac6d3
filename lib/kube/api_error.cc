#include "kube/api_error.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <string>

namespace gitopsd::kube {
namespace {

using core::StatusCode;

StatusCode codeFor(long http_status, std::string_view reason) {
  if (reason == "AlreadyExists") return StatusCode::kAlreadyExists;
  if (reason == "Conflict") return StatusCode::kConflict;
  if (reason == "Expired" || reason == "Gone") return StatusCode::kGone;
  if (reason == "Timeout" || reason == "ServerTimeout") return StatusCode::kTimeout;
  return core::statusCodeForHttp(http_status);
}

std::string stringField(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

core::Status decodeApiError(long http_status, std::string_view body, std::string_view what) {
  std::string reason;
  std::string message;
  std::string causes;
  const auto status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status.is_object() && stringField(status, "kind") == "Status") {
    reason = stringField(status, "reason");
    message = stringField(status, "message");
    const auto details = status.find("details");
    if (details != status.end() && details->is_object()) {
      const auto list = details->find("causes");
      if (list != details->end() && list->is_array()) {
        for (const auto& cause : *list) {
          if (!cause.is_object()) continue;
          const std::string field = stringField(cause, "field");
          const std::string text = stringField(cause, "message");
          // The top-level message of a 422 already repeats the causes; list them only
          // when it does not, so the text stays readable.
          if (!text.empty() && message.find(text) == std::string::npos) {
            causes.append("; ").append(field.empty() ? "" : field + ": ").append(text);
          }
        }
      }
    }
  } else {
    message = std::string(body.substr(0, 300));
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r'))
      message.pop_back();
  }
  std::string text(what);
  text.append(": HTTP ").append(std::to_string(http_status));
  if (!reason.empty()) text.append(" ").append(reason);
  if (!message.empty()) text.append(": ").append(message);
  text.append(causes);
  return {codeFor(http_status, reason), std::move(text)};
}

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view header_value) {
  while (!header_value.empty() && header_value.front() == ' ') header_value.remove_prefix(1);
  while (!header_value.empty() && (header_value.back() == ' ' || header_value.back() == '\r')) {
    header_value.remove_suffix(1);
  }
  long long seconds = 0;
  const auto* end = header_value.data() + header_value.size();
  const auto [ptr, error] = std::from_chars(header_value.data(), end, seconds);
  if (error != std::errc() || ptr != end || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

bool isRetryable(const core::Status& status) {
  switch (status.code()) {
    case StatusCode::kTooManyRequests:
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
    case StatusCode::kInternal:
      return true;
    default:
      return false;
  }
}

}  // namespace gitopsd::kube
