// HttpServer: a small HTTP/1.1 server (Boost.Beast, optional TLS) that hands each complete
// request to one handler function and writes back what it returns. It owns its io_context and
// threads, so the rest of gitopsd never sees Asio or Beast.
//
//   HttpServerOptions options;
//   options.address = "127.0.0.1:8080";
//   auto server = HttpServer::start(options, [](const HttpRequest& r) { ... }, logger);
//   ... server->value()->port() ...
//   server->value()->stop();   // or the destructor
//
// Protection against bad clients, answered by the server itself before the handler runs:
// headers over max_header_bytes (431), a body over body_limit(path) (413, by Content-Length
// before any of it is read, and the connection closed), a request not read completely within
// read_timeout (408 and closed), malformed HTTP (400 and closed). Idle keep-alive connections
// close after idle_timeout; connections beyond max_connections are closed at accept.
// `Expect: 100-continue` is answered when the body is acceptable.
//
// Threads: `threads` threads run the io_context; the handler is called on them, for several
// requests at once, so it must be thread-safe and must not block for long (hand long work to
// other threads and answer at once). stop() closes the listener and every connection and joins
// the threads; it is called by the destructor.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/log.h"
#include "core/status.h"

namespace gitopsd::server {

struct HttpRequest {
  std::string method;                                        // "GET", "POST" ...
  std::string target;                                        // as received, with the query
  std::string path;                                          // percent-decoded, no query
  std::map<std::string, std::string> query;                  // decoded; the last value wins
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote;  // "127.0.0.1:54321"

  // The first header of that name (case-insensitive), or nullptr.
  const std::string* header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

struct HttpServerOptions {
  std::string address = "127.0.0.1:8080";  // host:port, [v6]:port; port 0 picks a free one
  std::string tls_cert_file;               // both set: HTTPS (PEM files)
  std::string tls_key_file;
  std::size_t max_header_bytes = 16 * 1024;
  // The largest body accepted for a request path; default 1 MiB for every path.
  std::function<std::size_t(std::string_view path)> body_limit;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{30'000};
  std::size_t max_connections = 512;
  int threads = 2;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Binds and starts serving. kInvalid for a bad address or TLS files that do not load;
  // kUnavailable when the address cannot be bound (in use, not local), naming it.
  static core::Result<std::unique_ptr<HttpServer>> start(HttpServerOptions options, Handler handler,
                                                         core::Logger logger);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void stop();
  std::uint16_t port() const;  // the bound port
  bool tls() const;

  // Percent-decodes a path or query component ("+" is a space only in queries); nullopt for a
  // malformed escape.
  static std::optional<std::string> decode(std::string_view text, bool query);

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gitopsd::server
