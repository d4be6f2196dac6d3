#include "server/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <limits>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace gitopsd::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kDefaultBodyLimit = 1024 * 1024;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string errorBody(std::string_view code, std::string_view message) {
  // Built by hand: the server answers these before any JSON library is involved, and the
  // messages are fixed text without characters that need escaping.
  return "{\"error\":{\"code\":\"" + std::string(code) + "\",\"message\":\"" +
         std::string(message) + "\"}}";
}

struct Shared {
  HttpServer::Handler handler;
  HttpServerOptions options;
  core::Logger logger;
  std::atomic<std::size_t> connections{0};
};

// One connection: read a request (header, then body within its limit), call the handler,
// write the answer, and again while the client keeps the connection alive.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, std::shared_ptr<Shared> shared, std::string remote)
      : stream_(std::move(stream)),
        deadline_(stream_.get_executor()),
        shared_(std::move(shared)),
        remote_(std::move(remote)) {}

  ~Session() { --shared_->connections; }

  void run() {
    if constexpr (kTls) {
      lowest().expires_after(shared_->options.read_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code error) {
                                if (!error) self->readHeader(self->shared_->options.read_timeout);
                              });
    } else {
      readHeader(shared_->options.read_timeout);
    }
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  beast::tcp_stream& lowest() {
    if constexpr (kTls) {
      return beast::get_lowest_layer(stream_);
    } else {
      return stream_;
    }
  }

  // Reads run under our own deadline rather than the stream's: the stream's timeout closes the
  // socket, and a client that is too slow should still be told so (408).
  void armDeadline(std::chrono::milliseconds wait) {
    lowest().expires_never();
    timed_out_ = false;
    deadline_.expires_after(wait);
    // A deadline that expired just as its read finished may still run: the generation tells it
    // that it is stale.
    deadline_.async_wait([self = this->shared_from_this(),
                          generation = ++deadline_generation_](beast::error_code error) {
      if (error || generation != self->deadline_generation_) return;  // cancelled or stale
      self->timed_out_ = true;
      beast::error_code ignored;
      self->lowest().socket().cancel(ignored);
    });
  }

  void readHeader(std::chrono::milliseconds wait) {
    header_.emplace();
    header_->header_limit(static_cast<std::uint32_t>(shared_->options.max_header_bytes));
    // The body's limit depends on the path, checked in onHeader; none while reading the header.
    header_->body_limit(std::numeric_limits<std::uint64_t>::max());
    armDeadline(wait);
    http::async_read_header(stream_, buffer_, *header_,
                            [self = this->shared_from_this()](
                                beast::error_code error, std::size_t) { self->onHeader(error); });
  }

  void onHeader(beast::error_code error) {
    if (timed_out_) {
      // An idle keep-alive connection just closes; a client that began a request hears why.
      return buffer_.size() == 0 ? close() : fail(408, "Timeout", "request not received in time");
    }
    if (error == http::error::end_of_stream || error == asio::error::eof ||
        error == asio::error::operation_aborted || error == asio::ssl::error::stream_truncated) {
      return close();
    }
    if (error == http::error::header_limit) {
      return fail(431, "TooLarge", "request headers too large");
    }
    if (error) return fail(400, "Invalid", "malformed HTTP request");
    // From the end of the header, the body must arrive within read_timeout.
    armDeadline(shared_->options.read_timeout);
    const auto& header = header_->get();
    const std::string target(header.target());
    path_ = HttpServer::decode(target.substr(0, target.find('?')), false);
    const std::size_t limit = shared_->options.body_limit && path_
                                  ? shared_->options.body_limit(*path_)
                                  : kDefaultBodyLimit;
    if (header_->content_length() && *header_->content_length() > limit) {
      return fail(413, "TooLarge",
                  "request body over the limit of " + std::to_string(limit) + " bytes");
    }
    body_.emplace(std::move(*header_));
    body_->body_limit(limit);
    if (beast::iequals(body_->get()[http::field::expect], "100-continue")) {
      auto continue_response = std::make_shared<http::response<http::empty_body>>(
          http::status::continue_, body_->get().version());
      http::async_write(stream_, *continue_response,
                        [self = this->shared_from_this(), continue_response](
                            beast::error_code write_error, std::size_t) {
                          if (write_error) return self->close();
                          self->readBody();
                        });
      return;
    }
    readBody();
  }

  void readBody() {
    http::async_read(stream_, buffer_, *body_,
                     [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                       self->onRequest(error);
                     });
  }

  void onRequest(beast::error_code error) {
    ++deadline_generation_;
    deadline_.cancel();
    if (timed_out_) return fail(408, "Timeout", "request not received in time");
    if (error == http::error::body_limit) return fail(413, "TooLarge", "request body too large");
    if (error == asio::error::operation_aborted) return close();
    if (error) return fail(400, "Invalid", "malformed HTTP request");
    auto& message = body_->get();
    HttpRequest request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.remote = remote_;
    const auto question = request.target.find('?');
    if (!path_) return fail(400, "Invalid", "malformed escape in the request path");
    request.path = std::move(*path_);
    if (question != std::string::npos) {
      std::string_view query = std::string_view(request.target).substr(question + 1);
      while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (pair.empty()) continue;
        const auto equals = pair.find('=');
        auto key = HttpServer::decode(pair.substr(0, equals), true);
        auto value = HttpServer::decode(
            equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
        if (!key || !value) return fail(400, "Invalid", "malformed escape in the query");
        request.query[*key] = *value;
      }
    }
    for (const auto& field : message) {
      const auto field_name = field.name_string();
      request.headers.emplace_back(lower(std::string_view(field_name.data(), field_name.size())),
                                   std::string(field.value()));
    }
    request.body = std::move(message.body());
    HttpResponse response;
    try {
      response = shared_->handler(request);
    } catch (const std::exception& caught) {
      shared_->logger.error("request handler failed",
                            {{"path", request.path}, {"error", caught.what()}});
      response = {500, "application/json", errorBody("Internal", "internal error"), {}};
    }
    respond(std::move(response), message.keep_alive());
  }

  void fail(int status, std::string_view code, const std::string& message) {
    respond({status, "application/json", errorBody(code, message), {}}, false);
  }

  void respond(HttpResponse response, bool keep_alive) {
    ++deadline_generation_;
    deadline_.cancel();
    auto out = std::make_shared<http::response<http::string_body>>();
    out->version(11);
    out->result(static_cast<unsigned>(response.status));
    out->set(http::field::server, "gitopsd");
    out->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) out->set(name, value);
    out->body() = std::move(response.body);
    out->keep_alive(keep_alive);
    out->prepare_payload();
    lowest().expires_after(shared_->options.read_timeout);
    http::async_write(stream_, *out,
                      [self = this->shared_from_this(), out](beast::error_code error, std::size_t) {
                        if (error || !out->keep_alive()) return self->close();
                        self->readHeader(self->shared_->options.idle_timeout);
                      });
  }

  void close() {
    beast::error_code ignored;
    if constexpr (kTls) {
      // No TLS close_notify round trip: the client may be gone, and waiting for it would let
      // a slow client hold the connection.
      beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    } else {
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
  }

  Stream stream_;
  asio::steady_timer deadline_;
  bool timed_out_ = false;
  std::uint64_t deadline_generation_ = 0;
  std::shared_ptr<Shared> shared_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<std::string> path_;  // the request's decoded path, from its header
  std::optional<http::request_parser<http::empty_body>> header_;
  std::optional<http::request_parser<http::string_body>> body_;
};

}  // namespace

const std::string* HttpRequest::header(std::string_view name) const {
  const std::string wanted = lower(name);
  for (const auto& [key, value] : headers) {
    if (key == wanted) return &value;
  }
  return nullptr;
}

std::optional<std::string> HttpServer::decode(std::string_view text, bool query) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && query) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const auto hex = [](char h) -> int {
        if (h >= '0' && h <= '9') return h - '0';
        if (h >= 'a' && h <= 'f') return h - 'a' + 10;
        if (h >= 'A' && h <= 'F') return h - 'A' + 10;
        return -1;
      };
      const int high = hex(text[i + 1]);
      const int low = hex(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct HttpServer::Impl {
  asio::io_context io;
  std::optional<asio::ssl::context> tls;
  tcp::acceptor acceptor{io};
  std::shared_ptr<Shared> shared;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::once_flag stopped;

  void accept() {
    acceptor.async_accept(asio::make_strand(io), [this](beast::error_code error,
                                                        tcp::socket socket) {
      if (error == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!error) {
        beast::error_code ignored;
        const auto endpoint = socket.remote_endpoint(ignored);
        std::string remote = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
        if (++shared->connections > shared->options.max_connections) {
          --shared->connections;
          socket.close(ignored);
        } else if (tls) {
          std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
              beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls),
              shared, std::move(remote))
              ->run();
        } else {
          std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), shared,
                                                       std::move(remote))
              ->run();
        }
      }
      accept();
    });
  }
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

core::Result<std::unique_ptr<HttpServer>> HttpServer::start(HttpServerOptions options,
                                                            Handler handler, core::Logger logger) {
  auto impl = std::make_unique<Impl>();
  const std::string address = options.address;
  const auto colon = address.rfind(':');
  if (colon == std::string::npos)
    return core::invalidError("listen address " + address + ": no port");
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  try {
    port = std::stoi(address.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535)
    return core::invalidError("listen address " + address + ": bad port");
  beast::error_code error;
  asio::ip::address ip;
  if (host.empty() || host == "localhost") {
    ip = asio::ip::make_address("127.0.0.1");
  } else {
    ip = asio::ip::make_address(host, error);
    if (error) {
      return core::invalidError("listen address " + address + ": \"" + host +
                                "\" is not an IP address");
    }
  }
  if (!options.tls_cert_file.empty()) {
    impl->tls.emplace(asio::ssl::context::tls_server);
    impl->tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                           asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                           asio::ssl::context::no_tlsv1_1);
    impl->tls->use_certificate_chain_file(options.tls_cert_file, error);
    if (error) {
      return core::invalidError("listen.tls.certFile " + options.tls_cert_file + ": " +
                                error.message());
    }
    impl->tls->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, error);
    if (error) {
      return core::invalidError("listen.tls.keyFile " + options.tls_key_file + ": " +
                                error.message());
    }
  }
  const tcp::endpoint endpoint(ip, static_cast<std::uint16_t>(port));
  auto& acceptor = impl->acceptor;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return core::unavailableError("listening on " + address + " failed: " + error.message());
  }
  impl->port = acceptor.local_endpoint().port();
  const int threads = std::max(1, options.threads);
  impl->shared = std::make_shared<Shared>();
  impl->shared->handler = std::move(handler);
  impl->shared->options = std::move(options);
  impl->shared->logger = std::move(logger);
  impl->accept();
  for (int i = 0; i < threads; ++i) {
    impl->threads.emplace_back([io = &impl->io] { io->run(); });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

void HttpServer::stop() {
  if (!impl_) return;
  std::call_once(impl_->stopped, [this] {
    asio::post(impl_->io, [this] {
      beast::error_code ignored;
      impl_->acceptor.close(ignored);
    });
    impl_->io.stop();
    for (auto& thread : impl_->threads) thread.join();
    impl_->threads.clear();
  });
}

std::uint16_t HttpServer::port() const { return impl_->port; }

bool HttpServer::tls() const { return impl_->tls.has_value(); }

}  // namespace gitopsd::server
