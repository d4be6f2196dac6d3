// Turns an apiserver error response into a core::Status. Pure.
//
// The code follows the HTTP status and the Status object's reason: 400/422 → kInvalid (the
// message lists each field cause), 401 → kUnauthorized, 403 → kForbidden (the server's
// message names verb and resource), 404 → kNotFound, 409 → kAlreadyExists or kConflict,
// 410 → kGone, 429 → kTooManyRequests, 504 or reason Timeout → kTimeout, 500 → kInternal,
// 502/503 → kUnavailable.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "core/status.h"

namespace gitopsd::kube {

// what: the request, for context, e.g. "GET /api/v1/namespaces/x/configmaps/y".
core::Status decodeApiError(long http_status, std::string_view body, std::string_view what);

// The Retry-After header value in seconds (delta form only, as the apiserver sends it).
std::optional<std::chrono::seconds> parseRetryAfter(std::string_view header_value);

// Worth retrying the same request: kTooManyRequests, kUnavailable, kTimeout, kInternal.
bool isRetryable(const core::Status& status);

}  // namespace gitopsd::kube
