#include "core/status.h"

namespace gitopsd::core {

std::string_view statusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kCancelled:
      return "Cancelled";
    case StatusCode::kInvalid:
      return "Invalid";
    case StatusCode::kNotFound:
      return "NotFound";
    case StatusCode::kAlreadyExists:
      return "AlreadyExists";
    case StatusCode::kConflict:
      return "Conflict";
    case StatusCode::kForbidden:
      return "Forbidden";
    case StatusCode::kUnauthorized:
      return "Unauthorized";
    case StatusCode::kTooManyRequests:
      return "TooManyRequests";
    case StatusCode::kGone:
      return "Gone";
    case StatusCode::kTimeout:
      return "Timeout";
    case StatusCode::kUnavailable:
      return "Unavailable";
    case StatusCode::kInternal:
      return "Internal";
    case StatusCode::kUnimplemented:
      return "Unimplemented";
  }
  return "Unknown";
}

Status::Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {
  if (code_ == StatusCode::kOk) message_.clear();
}

std::string Status::toString() const {
  if (ok()) return "OK";
  std::string out(statusCodeName(code_));
  if (!message_.empty()) out.append(": ").append(message_);
  return out;
}

Status Status::withContext(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  if (!message_.empty()) message.append(": ").append(message_);
  return {code_, std::move(message)};
}

}  // namespace gitopsd::core
