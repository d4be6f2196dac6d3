// Status and Result<T>: how every module reports failure. No exception crosses a module
// boundary; functions that can fail return one of these.
//
// A Status is a code plus a message that names what failed (object, file, line, field). The
// default-constructed Status is OK and carries no message. Result<T> holds either a T or a
// non-OK Status. Both are plain values: copyable, movable, not synchronised.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace gitopsd::core {

enum class StatusCode {
  kOk,
  kCancelled,
  kInvalid,  // bad input: manifest, config, request; the message names where
  kNotFound,
  kAlreadyExists,
  kConflict,  // optimistic-concurrency or field-ownership conflict
  kForbidden,
  kUnauthorized,
  kTooManyRequests,
  kGone,  // e.g. a watch resourceVersion that was compacted away
  kTimeout,
  kUnavailable,  // transient: connection refused, server not ready; worth a retry
  kInternal,
  kUnimplemented,
};

// The code's name as written in logs and API responses, e.g. "NotFound".
std::string_view statusCodeName(StatusCode code);

// The code an HTTP error status stands for (the usual REST meanings: 400/413/415/422 kInvalid,
// 408/504 kTimeout, 502/503 kUnavailable, other 5xx kInternal, other 4xx kInvalid), and the
// HTTP status gitopsd's API answers a code with. Servers with richer errors (the Kubernetes
// API's reasons) refine the first.
StatusCode statusCodeForHttp(long http_status);
int httpStatusFor(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "NotFound: configmap default/x not found", or "OK".
  std::string toString() const;

  // The same code with "context: " put before the message; OK stays OK.
  Status withContext(std::string_view context) const;

  friend bool operator==(const Status&, const Status&) = default;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status okStatus() { return {}; }
inline Status invalidError(std::string m) { return {StatusCode::kInvalid, std::move(m)}; }
inline Status notFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status conflictError(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
inline Status unavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status internalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A T, or the Status that says why there is none. Constructing from an OK Status is a
// programming error (asserted in debug builds, turned into kInternal otherwise).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok() && "Result built from an OK Status");
    if (std::get<Status>(state_).ok()) {
      state_ = Status(StatusCode::kInternal, "Result built from an OK Status");
    }
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(state_); }

  // Precondition: ok().
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  T valueOr(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace gitopsd::core
