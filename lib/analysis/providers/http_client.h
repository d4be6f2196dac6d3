// The HTTP client of the metric providers: one exchange with any URL over libcurl, keeping
// connections alive in a pool of curl handles. lib/kube's transport is bound to one apiserver
// (its TLS material, credentials and request metrics); providers talk to many servers named by
// each metric, so they have this smaller client with the same RAII handles.
//
// Thread-safe: any number of threads may call send() at once; each call borrows a handle.
// Calls block. Transport failures come back as a Status naming the method and URL: kTimeout,
// kInvalid (malformed URL, unsupported scheme, TLS verification failure), kUnavailable
// (everything else: refused, reset, DNS, truncated). Any HTTP status is an answer, not an error.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace gitopsd::analysis {

struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{10'000};
  bool insecure = false;  // skip TLS verification of the server
  std::string username;   // basic authentication when not empty
  std::string password;
};

struct HttpReply {
  long status = 0;
  std::string body;
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  core::Result<HttpReply> send(const HttpCall& call);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "application/x-www-form-urlencoded" encoding of one value (RFC 3986 unreserved kept).
std::string formEncode(std::string_view text);

}  // namespace gitopsd::analysis
