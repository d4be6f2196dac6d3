// HttpStubServer: a small HTTP/1.1 server for tests that need answers a real server cannot be
// made to give on demand (429 with Retry-After, 5xx, slow replies), and that records what the
// client sent.
//
// Contract:
// - Listens on 127.0.0.1 on an ephemeral port (port(), baseUrl()), plain HTTP, keep-alive and
//   pipelining handled one request at a time per connection, HTTP/1.0 and 1.1.
// - Runs its own I/O thread, started by the constructor. The handler is called on that thread,
//   one request at a time across all connections; it must not call the destructor. The
//   destructor closes the listener and every connection, stops the thread and joins it; no
//   handler runs after it returns.
// - Every request is recorded before the handler is called. All public member functions are
//   thread-safe and may be called from any thread (also from the handler, except the
//   destructor).
// - A handler that throws produces a 500 with the exception's message as body. Content-Length
//   is set from the body unless the response headers give Content-Length or Transfer-Encoding
//   (or the status has no body: 1xx, 204, 304).
// - The constructor throws std::system_error if it cannot listen. I/O errors close the
//   connection concerned; nothing is logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gitopsd::test_support {

struct StubRequest {
  std::string method;                          // "GET"
  std::string target;                          // "/api/v1/namespaces?limit=5"
  std::map<std::string, std::string> headers;  // lower-case names; repeated fields joined by ", "
  std::string body;
  unsigned version = 11;       // 10 or 11
  std::size_t connection = 0;  // 1-based index of the connection the request came on
};

struct StubResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // sent in order, repeats allowed
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before sending the response
  bool close = false;                  // close the connection after this response
};

using StubHandler = std::function<StubResponse(const StubRequest&)>;

class HttpStubServer {
 public:
  explicit HttpStubServer(StubHandler handler);
  ~HttpStubServer();
  HttpStubServer(const HttpStubServer&) = delete;
  HttpStubServer& operator=(const HttpStubServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] std::string baseUrl() const;  // "http://127.0.0.1:<port>"

  // Replaces the handler for requests received from now on.
  void setHandler(StubHandler handler);

  // Copies of the requests received so far, in arrival order.
  [[nodiscard]] std::vector<StubRequest> requests() const;
  [[nodiscard]] std::size_t requestCount() const;
  void clearRequests();

  // Waits until at least `count` requests were received (since the last clearRequests());
  // returns false on timeout.
  [[nodiscard]] bool waitForRequests(std::size_t count, std::chrono::milliseconds timeout) const;

  [[nodiscard]] std::size_t connectionsAccepted() const;

  struct Impl;  // opaque; public only so that the implementation's helpers can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gitopsd::test_support
