// The client side of gitopsd's HTTP API (docs/api.md) for gitopsctl: JSON over HTTP or HTTPS
// with libcurl, a bearer token, a per-request timeout, and errors turned into a Status whose
// message can be shown to the user as it is ("gitopsctl: MESSAGE").
//
// Errors:
// - an HTTP error answer: the API's {"error": {"code", "message"}} message, with the code from
//   the HTTP status (400/413 kInvalid, 401 kUnauthorized, 403 kForbidden, 404 kNotFound,
//   405 kUnimplemented, 408 kTimeout, 409 kConflict, 429 kTooManyRequests, 503 and other
//   gateway errors kUnavailable, other 5xx kInternal, other 4xx kInvalid); 401 and 403 say
//   which token and role are needed;
// - transport failures: kUnavailable naming the server address (connection refused: with a
//   hint at --server / $GITOPSD_SERVER), kTimeout naming --request-timeout, kInvalid for TLS
//   failures (with a hint at --ca-file / --insecure) and for a body that is not JSON.
//
// serverBaseUrl, apiErrorStatus and escapePathSegment are pure and thread-safe. An ApiClient
// keeps one curl handle (and its connection) for the requests it sends: use it from one thread
// at a time; calls block for at most the request timeout.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"

namespace gitopsd::cli {

// Where gitopsd listens when neither --server nor $GITOPSD_SERVER says (its listen.address
// default).
inline constexpr std::string_view kDefaultServer = "127.0.0.1:8080";
inline constexpr const char* kServerEnv = "GITOPSD_SERVER";
inline constexpr const char* kTokenEnv = "GITOPSD_TOKEN";

struct ApiClientOptions {
  // "HOST:PORT" ("[::1]:8080" for IPv6), or a URL "http://HOST[:PORT][/PREFIX]" or
  // "https://...". Without a scheme: http, or https when ca_file or insecure is set.
  std::string server = std::string(kDefaultServer);
  std::string token;      // sent as "Authorization: Bearer TOKEN" when not empty
  bool insecure = false;  // https: do not verify the server's certificate
  std::string ca_file;    // https: PEM file of the CA(s) to verify the server with
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};  // 0: none
};

// The base URL requests go to, without a trailing '/': "http://127.0.0.1:8080". kInvalid for an
// empty server, another scheme, a missing host or a bad port, or ca_file with an http:// URL.
core::Result<std::string> serverBaseUrl(const ApiClientOptions& options);

// The Status of an HTTP error answer (http_status >= 300) to `method` `path`. The message is the
// body's error.message (or, for a body that is not the API's error shape, "HTTP STATUS from
// gitopsd" and the start of the body), followed for 401 by what token to pass and for 403 by
// the role the call needs (admin for everything but GET) unless the message names it already.
core::Status apiErrorStatus(std::string_view method, std::string_view path, long http_status,
                            std::string_view body, bool token_given);

// `segment` percent-encoded for use as one path segment (RFC 3986 unreserved characters stay).
std::string escapePathSegment(std::string_view segment);

class ApiClient {
 public:
  // Checks the options (serverBaseUrl; ca_file readable). Does not connect.
  static core::Result<std::unique_ptr<ApiClient>> create(ApiClientOptions options);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // `path` starts with "/" and may carry a query ("/api/v1/applications/x/refresh?hard=true").
  // The answer's body parsed as JSON (an empty body is an empty object).
  core::Result<nlohmann::json> get(std::string_view path);
  core::Result<nlohmann::json> post(std::string_view path, const nlohmann::json& body);
  core::Result<nlohmann::json> del(std::string_view path);

  const std::string& baseUrl() const;

 private:
  struct Impl;
  explicit ApiClient(std::unique_ptr<Impl> impl);
  core::Result<nlohmann::json> send(std::string_view method, std::string_view path,
                                    const std::string* body);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gitopsd::cli
