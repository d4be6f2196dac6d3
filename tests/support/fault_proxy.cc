#include "support/fault_proxy.h"

#include <utility>
// <utility> before Boost: 1.74's Asio uses std::exchange without including it (GCC 12).
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <future>
#include <system_error>
#include <thread>
#include <vector>

#include "support/io_thread.h"

namespace gitopsd::test_support {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace proxy_detail {
class Session;
}

struct FaultProxy::Impl {
  Impl(std::string host, std::uint16_t port);
  ~Impl();

  template <typename F>
  auto runOnIo(F f) -> decltype(f()) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    return result.get();
  }

  error_code listen(std::uint16_t port);
  void doAccept();
  void onAccepted(tcp::socket socket);
  void pruneSessions();

  const std::string upstream_host;
  const std::string upstream_port;

  std::atomic<std::int64_t> delay_ms{0};
  std::atomic<std::int64_t> truncate_after{-1};
  std::atomic<std::int64_t> reset_after{-1};
  std::atomic<bool> reset_new{false};
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> active{0};
  std::atomic<std::uint64_t> bytes_to_client{0};

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  tcp::acceptor acceptor{io};
  asio::steady_timer accept_retry{io};
  std::uint16_t listen_port = 0;
  unsigned generation = 0;
  std::vector<std::weak_ptr<proxy_detail::Session>> sessions;
  std::thread thread;
};

namespace proxy_detail {
namespace {
constexpr std::size_t kChunk = 16 * 1024;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(FaultProxy::Impl& proxy, tcp::socket client, std::optional<std::size_t> limit,
          bool reset_at_limit)
      : proxy_(proxy),
        client_(std::move(client)),
        upstream_(proxy.io),
        resolver_(proxy.io),
        timer_(proxy.io),
        remaining_(limit),
        reset_at_limit_(reset_at_limit) {
    ++proxy_.active;
  }
  ~Session() { --proxy_.active; }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() {
    resolver_.async_resolve(
        proxy_.upstream_host, proxy_.upstream_port,
        [self = shared_from_this()](error_code ec, const tcp::resolver::results_type& results) {
          if (self->closed_) return;
          if (ec) return self->closeNow();
          asio::async_connect(self->upstream_, results,
                              [self](error_code cec, const tcp::endpoint&) {
                                if (self->closed_) return;
                                if (cec) return self->closeNow();
                                error_code ignored;
                                self->client_.set_option(tcp::no_delay(true), ignored);
                                self->upstream_.set_option(tcp::no_delay(true), ignored);
                                self->pumpClientToUpstream();
                                self->pumpUpstreamToClient();
                              });
        });
  }

  void resetNow() {
    if (closed_) return;
    error_code ignored;
    client_.set_option(asio::socket_base::linger(true, 0), ignored);
    closeNow();
  }

  void closeNow() {
    closed_ = true;
    error_code ignored;
    timer_.cancel();
    resolver_.cancel();
    client_.close(ignored);
    upstream_.close(ignored);
  }

 private:
  void pumpClientToUpstream() {
    client_.async_read_some(asio::buffer(up_buf_),
                            [self = shared_from_this()](error_code ec, std::size_t n) {
                              if (self->closed_) return;
                              if (ec) {
                                if (ec != asio::error::eof) return self->closeNow();
                                self->client_done_ = true;
                                error_code ignored;
                                if (!self->upstream_gone_)
                                  self->upstream_.shutdown(tcp::socket::shutdown_send, ignored);
                                return self->maybeFinish();
                              }
                              if (self->upstream_gone_) return self->pumpClientToUpstream();
                              asio::async_write(self->upstream_, asio::buffer(self->up_buf_, n),
                                                [self](error_code wec, std::size_t) {
                                                  if (self->closed_) return;
                                                  if (wec && !self->upstream_gone_)
                                                    return self->closeNow();
                                                  self->pumpClientToUpstream();
                                                });
                            });
  }

  void pumpUpstreamToClient() {
    std::size_t want = kChunk;
    if (remaining_) {
      if (*remaining_ == 0) return hitLimit();
      want = std::min(want, *remaining_);
    }
    upstream_.async_read_some(
        asio::buffer(down_buf_, want), [self = shared_from_this()](error_code ec, std::size_t n) {
          if (self->closed_) return;
          if (ec == asio::error::eof) {
            self->upstream_done_ = true;
            error_code ignored;
            self->client_.shutdown(tcp::socket::shutdown_send, ignored);
            return self->maybeFinish();
          }
          if (ec) return self->resetNow();
          const auto delay = std::chrono::milliseconds(self->proxy_.delay_ms.load());
          if (delay.count() <= 0) return self->writeToClient(n);
          self->timer_.expires_after(delay);
          self->timer_.async_wait([self, n](error_code) {
            if (self->closed_) return;
            self->writeToClient(n);
          });
        });
  }

  void writeToClient(std::size_t n) {
    asio::async_write(client_, asio::buffer(down_buf_, n),
                      [self = shared_from_this()](error_code ec, std::size_t written) {
                        if (self->closed_) return;
                        self->proxy_.bytes_to_client += written;
                        if (ec) return self->closeNow();
                        if (self->remaining_) *self->remaining_ -= written;
                        self->pumpUpstreamToClient();
                      });
  }

  void hitLimit() {
    if (reset_at_limit_) return resetNow();
    error_code ignored;
    upstream_gone_ = true;
    upstream_.close(ignored);
    upstream_done_ = true;
    client_.shutdown(tcp::socket::shutdown_send, ignored);
    maybeFinish();
  }

  void maybeFinish() {
    if (client_done_ && upstream_done_) closeNow();
  }

  FaultProxy::Impl& proxy_;
  tcp::socket client_;
  tcp::socket upstream_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  std::array<char, kChunk> up_buf_{};
  std::array<char, kChunk> down_buf_{};
  std::optional<std::size_t> remaining_;
  bool reset_at_limit_;
  bool closed_ = false;
  bool client_done_ = false;
  bool upstream_done_ = false;
  bool upstream_gone_ = false;
};
}  // namespace proxy_detail

FaultProxy::Impl::Impl(std::string host, std::uint16_t port)
    : upstream_host(std::move(host)), upstream_port(std::to_string(port)) {
  if (auto ec = listen(0)) throw std::system_error(ec, "FaultProxy: cannot listen");
  listen_port = acceptor.local_endpoint().port();
  thread = startIoThread(io);
}

FaultProxy::Impl::~Impl() {
  runOnIo([this] {
    ++generation;
    error_code ignored;
    acceptor.close(ignored);
    accept_retry.cancel();
    for (auto& weak : sessions) {
      if (auto session = weak.lock()) session->closeNow();
    }
    sessions.clear();
    io.stop();
  });
  thread.join();
}

error_code FaultProxy::Impl::listen(std::uint16_t port) {
  error_code ec;
  const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor.close(ignored);
    return ec;
  }
  ++generation;
  doAccept();
  return {};
}

void FaultProxy::Impl::doAccept() {
  acceptor.async_accept([this, gen = generation](error_code ec, tcp::socket socket) {
    if (gen != generation || !acceptor.is_open()) {
      if (!ec) onAccepted(std::move(socket));
      return;
    }
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      accept_retry.expires_after(std::chrono::milliseconds(10));
      accept_retry.async_wait([this, gen](error_code tec) {
        if (!tec && gen == generation && acceptor.is_open()) doAccept();
      });
      return;
    }
    onAccepted(std::move(socket));
    doAccept();
  });
}

void FaultProxy::Impl::onAccepted(tcp::socket socket) {
  ++accepted;
  error_code ignored;
  if (reset_new.load()) {
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
    return;
  }
  const std::int64_t truncate = truncate_after.load();
  const std::int64_t reset = reset_after.load();
  std::optional<std::size_t> limit;
  bool reset_at_limit = false;
  if (reset >= 0 && (truncate < 0 || reset <= truncate)) {
    limit = static_cast<std::size_t>(reset);
    reset_at_limit = true;
  } else if (truncate >= 0) {
    limit = static_cast<std::size_t>(truncate);
  }
  pruneSessions();
  auto session =
      std::make_shared<proxy_detail::Session>(*this, std::move(socket), limit, reset_at_limit);
  sessions.push_back(session);
  session->start();
}

void FaultProxy::Impl::pruneSessions() {
  std::erase_if(sessions, [](const auto& weak) { return weak.expired(); });
}

FaultProxy::FaultProxy(std::string upstream_host, std::uint16_t upstream_port)
    : impl_(std::make_unique<Impl>(std::move(upstream_host), upstream_port)) {}

FaultProxy::~FaultProxy() = default;

std::uint16_t FaultProxy::port() const { return impl_->listen_port; }

void FaultProxy::setDelay(std::chrono::milliseconds delay) { impl_->delay_ms = delay.count(); }

void FaultProxy::setTruncateAfter(std::optional<std::size_t> bytes) {
  impl_->truncate_after = bytes ? static_cast<std::int64_t>(*bytes) : -1;
}

void FaultProxy::setResetAfter(std::optional<std::size_t> bytes) {
  impl_->reset_after = bytes ? static_cast<std::int64_t>(*bytes) : -1;
}

void FaultProxy::setResetNewConnections(bool on) { impl_->reset_new = on; }

void FaultProxy::resetAll() {
  impl_->runOnIo([this] {
    for (auto& weak : impl_->sessions) {
      if (auto session = weak.lock()) session->resetNow();
    }
    impl_->pruneSessions();
  });
}

void FaultProxy::stopListening() {
  impl_->runOnIo([this] {
    ++impl_->generation;
    error_code ignored;
    impl_->acceptor.close(ignored);
    impl_->accept_retry.cancel();
  });
}

bool FaultProxy::startListening() {
  return impl_->runOnIo([this] {
    if (impl_->acceptor.is_open()) return true;
    return !impl_->listen(impl_->listen_port);
  });
}

std::size_t FaultProxy::connectionsAccepted() const { return impl_->accepted.load(); }

std::size_t FaultProxy::activeConnections() const { return impl_->active.load(); }

std::uint64_t FaultProxy::bytesToClient() const { return impl_->bytes_to_client.load(); }

}  // namespace gitopsd::test_support
