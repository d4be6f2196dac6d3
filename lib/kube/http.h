// HTTP to one apiserver over libcurl: TLS per ClusterConfig, credentials from a
// CredentialProvider, connection reuse (a pool of curl handles, each keeping its connection
// alive), HTTP/2 when the server offers it over TLS, a request timeout, and streaming bodies for
// watches.
//
// Thread-safe: any number of threads may call send()/stream() at once; each call borrows a
// handle from the pool. Calls block, so they belong on worker threads, never on the Asio I/O
// thread. Transport failures come back as a Status that says what failed: kUnavailable
// (connection refused or reset, DNS, truncated response), kTimeout, or kInvalid for TLS
// verification failures, which retrying cannot fix (unknown CA, wrong server name, expired
// certificate; the message says which).
//
// Metrics (core::defaultMetrics()): every HTTP exchange, including the retry after a 401, counts
// once in gitopsd_kube_requests_total{verb,code} when it completes; code is the HTTP status, or
// "error" for a transport failure (a stream cancelled after its headers arrived keeps its status).
// Requests other than streams are timed in gitopsd_kube_request_duration_seconds{verb} (a watch
// lasts as long as the server keeps it open, which says nothing about latency).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "kube/config.h"
#include "kube/credentials.h"

namespace gitopsd::kube {

struct HttpRequest {
  std::string method = "GET";
  std::string path;  // path and query, e.g. "/api/v1/namespaces/x/configmaps?limit=500"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // 0: the config's request_timeout. Streaming calls ignore it (the stream has no deadline;
  // a watch's timeoutSeconds ends it server-side).
  std::chrono::milliseconds timeout{0};
  // The Kubernetes verb for metrics (get, list, watch, create, update, patch, apply, delete);
  // empty: the method in lower case.
  std::string verb;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string retry_after;   // the Retry-After header, if any
  std::string http_version;  // "1.1" or "2"
};

class HttpTransport {
 public:
  // Loads the CA and client certificate material named by config. credentials must outlive
  // the transport.
  static core::Result<std::unique_ptr<HttpTransport>> create(const ClusterConfig& config,
                                                             CredentialProvider& credentials);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  // Sends one request and returns whatever status the server answered (non-2xx included); a
  // Status only for transport failures. A 401 invalidates cached credentials and is retried
  // once with fresh ones.
  core::Result<HttpResponse> send(const HttpRequest& request);

  // Sends a request and hands the body to on_data as it arrives. Returns the HTTP status when
  // the server ends the stream or on_data returns false; kCancelled when stop is requested;
  // for a non-2xx answer, the status with the whole (error) body in error_body.
  core::Result<long> stream(const HttpRequest& request,
                            const std::function<bool(std::string_view)>& on_data,
                            std::stop_token stop, std::string* error_body = nullptr);

 private:
  struct Impl;
  explicit HttpTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gitopsd::kube
