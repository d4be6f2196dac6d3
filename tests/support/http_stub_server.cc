#include "support/http_stub_server.h"

#include <utility>
// <utility> before Boost: 1.74's Asio uses std::exchange without including it (GCC 12).
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>

#include "support/io_thread.h"

namespace gitopsd::test_support {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace stub_detail {
class Session;
}

struct HttpStubServer::Impl {
  explicit Impl(StubHandler h);
  ~Impl();

  void doAccept();
  StubResponse handle(StubRequest request);

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  StubHandler handler;
  std::vector<StubRequest> requests;
  std::atomic<std::size_t> accepted{0};

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::uint16_t listen_port = 0;
  std::vector<std::weak_ptr<stub_detail::Session>> sessions;
  std::thread thread;
};

namespace stub_detail {
namespace {
constexpr std::uint64_t kBodyLimit = 64 * 1024 * 1024;
constexpr std::uint32_t kHeaderLimit = 1024 * 1024;

std::string lowerCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool statusHasNoBody(int status) {
  return (status >= 100 && status < 200) || status == 204 || status == 304;
}
}  // namespace

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpStubServer::Impl& server, tcp::socket socket, std::size_t index)
      : server_(server), socket_(std::move(socket)), timer_(server.io), index_(index) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    readNext();
  }

  void closeNow() {
    closed_ = true;
    error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
  }

 private:
  void readNext() {
    parser_.emplace();
    parser_->body_limit(kBodyLimit);
    parser_->header_limit(kHeaderLimit);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, std::size_t) {
                       if (self->closed_) return;
                       if (ec) return self->closeNow();
                       if (self->draining_) return self->readNext();
                       self->onRequest(self->parser_->release());
                     });
  }

  void onRequest(http::request<http::string_body> req) {
    StubRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.version = req.version();
    request.connection = index_;
    for (const auto& field : req) {
      const auto raw = field.name_string();
      auto name = lowerCase(std::string_view(raw.data(), raw.size()));
      auto [it, inserted] = request.headers.emplace(name, std::string(field.value()));
      if (!inserted) it->second.append(", ").append(field.value().data(), field.value().size());
    }
    request.body = std::move(req.body());
    const bool client_keep_alive = req.keep_alive();

    StubResponse response = server_.handle(std::move(request));

    res_ = {};
    res_.version(req.version());
    res_.result(static_cast<unsigned>(response.status));
    bool has_length = false;
    for (const auto& [name, value] : response.headers) {
      res_.insert(name, value);
      const auto lower = lowerCase(name);
      if (lower == "content-length" || lower == "transfer-encoding") has_length = true;
    }
    res_.body() = std::move(response.body);
    if (!has_length && !statusHasNoBody(response.status)) res_.content_length(res_.body().size());
    keep_alive_ = client_keep_alive && !response.close;
    res_.keep_alive(keep_alive_);

    if (response.delay.count() <= 0) return write();
    timer_.expires_after(response.delay);
    timer_.async_wait([self = shared_from_this()](error_code) {
      if (self->closed_) return;
      self->write();
    });
  }

  void write() {
    http::async_write(socket_, res_, [self = shared_from_this()](error_code ec, std::size_t) {
      if (self->closed_) return;
      if (ec) return self->closeNow();
      if (!self->keep_alive_) {
        error_code ignored;
        self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
        self->draining_ = true;
      }
      self->readNext();
    });
  }

  HttpStubServer::Impl& server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  std::size_t index_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool keep_alive_ = true;
  bool draining_ = false;
  bool closed_ = false;
};
}  // namespace stub_detail

HttpStubServer::Impl::Impl(StubHandler h) : handler(std::move(h)) {
  error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, "HttpStubServer: cannot listen");
  listen_port = acceptor.local_endpoint().port();
  doAccept();
  thread = startIoThread(io);
}

HttpStubServer::Impl::~Impl() {
  std::promise<void> done;
  asio::post(io, [this, &done] {
    error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    for (auto& weak : sessions) {
      if (auto session = weak.lock()) session->closeNow();
    }
    sessions.clear();
    io.stop();
    done.set_value();
  });
  done.get_future().wait();
  thread.join();
}

void HttpStubServer::Impl::doAccept() {
  acceptor.async_accept([this](error_code ec, tcp::socket socket) {
    if (!acceptor.is_open()) return;
    if (ec) {
      accept_retry.expires_after(std::chrono::milliseconds(10));
      accept_retry.async_wait([this](error_code tec) {
        if (!tec && acceptor.is_open()) doAccept();
      });
      return;
    }
    const std::size_t index = ++accepted;
    std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
    auto session = std::make_shared<stub_detail::Session>(*this, std::move(socket), index);
    sessions.push_back(session);
    session->start();
    doAccept();
  });
}

StubResponse HttpStubServer::Impl::handle(StubRequest request) {
  StubHandler current;
  {
    std::lock_guard lock(mu);
    requests.push_back(request);
    current = handler;
  }
  cv.notify_all();
  if (!current)
    return {.status = 500, .headers = {}, .body = "no handler", .delay = {}, .close = false};
  try {
    return current(request);
  } catch (const std::exception& e) {
    return {.status = 500, .headers = {}, .body = e.what(), .delay = {}, .close = false};
  } catch (...) {
    return {.status = 500, .headers = {}, .body = "unknown exception", .delay = {}, .close = false};
  }
}

HttpStubServer::HttpStubServer(StubHandler handler)
    : impl_(std::make_unique<Impl>(std::move(handler))) {}

HttpStubServer::~HttpStubServer() = default;

std::uint16_t HttpStubServer::port() const { return impl_->listen_port; }

std::string HttpStubServer::baseUrl() const {
  return "http://127.0.0.1:" + std::to_string(impl_->listen_port);
}

void HttpStubServer::setHandler(StubHandler handler) {
  std::lock_guard lock(impl_->mu);
  impl_->handler = std::move(handler);
}

std::vector<StubRequest> HttpStubServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests;
}

std::size_t HttpStubServer::requestCount() const {
  std::lock_guard lock(impl_->mu);
  return impl_->requests.size();
}

void HttpStubServer::clearRequests() {
  std::lock_guard lock(impl_->mu);
  impl_->requests.clear();
}

bool HttpStubServer::waitForRequests(std::size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [&] { return impl_->requests.size() >= count; });
}

std::size_t HttpStubServer::connectionsAccepted() const { return impl_->accepted.load(); }

}  // namespace gitopsd::test_support
