#include "kube/api_error.h"

#include <catch2/catch.hpp>

using gitopsd::core::StatusCode;
using gitopsd::kube::decodeApiError;
using gitopsd::kube::isRetryable;
using gitopsd::kube::parseRetryAfter;

TEST_CASE("api error: HTTP status and reason map to codes", "[kube]") {
  struct Case {
    long http;
    const char* reason;
    StatusCode code;
  };
  for (const Case& c :
       {Case{404, "NotFound", StatusCode::kNotFound},
        Case{409, "AlreadyExists", StatusCode::kAlreadyExists},
        Case{409, "Conflict", StatusCode::kConflict}, Case{422, "Invalid", StatusCode::kInvalid},
        Case{400, "BadRequest", StatusCode::kInvalid},
        Case{401, "Unauthorized", StatusCode::kUnauthorized},
        Case{403, "Forbidden", StatusCode::kForbidden}, Case{410, "Expired", StatusCode::kGone},
        Case{429, "TooManyRequests", StatusCode::kTooManyRequests},
        Case{500, "InternalError", StatusCode::kInternal},
        Case{503, "ServiceUnavailable", StatusCode::kUnavailable},
        Case{504, "Timeout", StatusCode::kTimeout},
        Case{500, "ServerTimeout", StatusCode::kTimeout}}) {
    const std::string body =
        std::string(R"({"kind":"Status","apiVersion":"v1","status":"Failure",)") +
        R"("message":"m","reason":")" + c.reason + R"(","code":)" + std::to_string(c.http) + "}";
    INFO(c.http << " " << c.reason);
    CHECK(decodeApiError(c.http, body, "GET /x").code() == c.code);
  }
}

TEST_CASE("api error: message names the request, reason and field causes", "[kube]") {
  const char* body = R"({"kind":"Status","apiVersion":"v1","status":"Failure",
    "message":"ConfigMap \"Bad\" is invalid",
    "reason":"Invalid","code":422,
    "details":{"name":"Bad","kind":"ConfigMap","causes":[
      {"reason":"FieldValueInvalid","message":"Invalid value: \"Bad\": a lowercase RFC 1123 subdomain","field":"metadata.name"}]}})";
  const auto status = decodeApiError(422, body, "POST /api/v1/namespaces/x/configmaps");
  CHECK(status.code() == StatusCode::kInvalid);
  CHECK(status.message() ==
        "POST /api/v1/namespaces/x/configmaps: HTTP 422 Invalid: ConfigMap \"Bad\" is invalid; "
        "metadata.name: Invalid value: \"Bad\": a lowercase RFC 1123 subdomain");
}

TEST_CASE("api error: a body that is not a Status is quoted, shortened", "[kube]") {
  const auto status = decodeApiError(502, std::string(1000, 'x') + "\n", "GET /readyz");
  CHECK(status.code() == StatusCode::kUnavailable);
  CHECK(status.message().size() < 400);
  CHECK_THAT(status.message(), Catch::StartsWith("GET /readyz: HTTP 502: xxx"));
}

TEST_CASE("api error: Retry-After in seconds", "[kube]") {
  CHECK(parseRetryAfter("1") == std::chrono::seconds(1));
  CHECK(parseRetryAfter(" 30\r") == std::chrono::seconds(30));
  CHECK_FALSE(parseRetryAfter("").has_value());
  CHECK_FALSE(parseRetryAfter("-1").has_value());
  CHECK_FALSE(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT").has_value());
}

TEST_CASE("api error: only transient codes are retryable", "[kube]") {
  CHECK(isRetryable({StatusCode::kTooManyRequests, ""}));
  CHECK(isRetryable({StatusCode::kUnavailable, ""}));
  CHECK(isRetryable({StatusCode::kTimeout, ""}));
  CHECK(isRetryable({StatusCode::kInternal, ""}));
  CHECK_FALSE(isRetryable({StatusCode::kConflict, ""}));
  CHECK_FALSE(isRetryable({StatusCode::kInvalid, ""}));
  CHECK_FALSE(isRetryable({StatusCode::kForbidden, ""}));
  CHECK_FALSE(isRetryable({StatusCode::kNotFound, ""}));
}
