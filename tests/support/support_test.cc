#include <utility>
// <utility> before Boost: 1.74's Asio uses std::exchange without including it (GCC 12).
#include <curl/curl.h>

#include <atomic>
#include <boost/asio.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "support/fault_proxy.h"
#include "support/http_stub_server.h"

namespace {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using gitopsd::test_support::FaultProxy;
using gitopsd::test_support::HttpStubServer;
using gitopsd::test_support::StubRequest;
using gitopsd::test_support::StubResponse;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Upstream for the proxy tests: sends `greeting` on each new connection, then echoes.
class EchoServer {
 public:
  explicit EchoServer(std::string greeting = {}) : greeting_(std::move(greeting)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address_v4("127.0.0.1"), 0});
    acceptor_.listen();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~EchoServer() {
    asio::post(io_, [this] { io_.stop(); });
    thread_.join();
  }
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  struct Conn : std::enable_shared_from_this<Conn> {
    explicit Conn(tcp::socket s) : socket(std::move(s)) {}
    void echo() {
      socket.async_read_some(asio::buffer(buf),
                             [self = shared_from_this()](error_code ec, std::size_t n) {
                               if (ec) {
                                 error_code ignored;
                                 self->socket.shutdown(tcp::socket::shutdown_send, ignored);
                                 return;
                               }
                               asio::async_write(self->socket, asio::buffer(self->buf, n),
                                                 [self](error_code wec, std::size_t) {
                                                   if (!wec) self->echo();
                                                 });
                             });
    }
    tcp::socket socket;
    std::array<char, 4096> buf{};
  };

  void accept() {
    acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec) return;
      auto conn = std::make_shared<Conn>(std::move(socket));
      asio::async_write(conn->socket, asio::buffer(greeting_), [conn](error_code wec, std::size_t) {
        if (!wec) conn->echo();
      });
      accept();
    });
  }

  std::string greeting_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

// A client on the test thread; every operation runs its own io_context with a deadline.
class Client {
 public:
  struct Read {
    std::string data;
    error_code ec;
    bool timed_out = false;
  };

  error_code connect(std::uint16_t port) {
    error_code ec;
    socket_.connect({asio::ip::make_address_v4("127.0.0.1"), port}, ec);
    return ec;
  }

  error_code write(const std::string& data) {
    error_code ec;
    asio::write(socket_, asio::buffer(data), ec);
    return ec;
  }

  // Reads until `max` bytes arrived, EOF, an error or the timeout.
  Read read(std::size_t max, std::chrono::milliseconds timeout = 2s) {
    Read result;
    bool done = false;
    asio::async_read(socket_, asio::dynamic_buffer(result.data, max),
                     [&](error_code ec, std::size_t) {
                       result.ec = ec;
                       done = true;
                     });
    io_.restart();
    io_.run_for(timeout);
    if (!done) {
      result.timed_out = true;
      socket_.cancel();
      io_.restart();
      io_.run();
    }
    return result;
  }

  Read readToEof(std::chrono::milliseconds timeout = 2s) { return read(1 << 30, timeout); }

 private:
  asio::io_context io_;
  tcp::socket socket_{io_};
};

template <typename Pred>
bool waitFor(Pred pred, std::chrono::milliseconds timeout = 2s) {
  const auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

struct CurlResult {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::vector<std::string> header_lines;
  long connects = 0;

  bool hasHeader(const std::string& line) const {
    for (const auto& h : header_lines) {
      if (h.rfind(line, 0) == 0) return true;
    }
    return false;
  }
};

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

struct CurlSlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

std::size_t appendBody(char* data, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

std::size_t appendHeader(char* data, std::size_t size, std::size_t n, void* out) {
  std::string line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  static_cast<std::vector<std::string>*>(out)->push_back(line);
  return size * n;
}

CurlResult perform(CURL* curl, const std::string& url, const std::string& method = "GET",
                   const std::vector<std::string>& headers = {}, const std::string& body = {},
                   long timeout_ms = 2000) {
  CurlResult result;
  std::unique_ptr<curl_slist, CurlSlistDeleter> list;
  for (const auto& h : headers) list.reset(curl_slist_append(list.release(), h.c_str()));
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list.get());
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method == "GET" ? nullptr : method.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, appendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, appendHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.header_lines);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  result.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &result.connects);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  return result;
}

CurlHandle newCurl() {
  CurlHandle curl(curl_easy_init());
  REQUIRE(curl);
  return curl;
}

}  // namespace

TEST_CASE("fault proxy: passes bytes through both ways", "[support][proxy]") {
  EchoServer upstream("hi!");
  FaultProxy proxy("127.0.0.1", upstream.port());
  Client client;
  REQUIRE_FALSE(client.connect(proxy.port()));
  CHECK(client.read(3).data == "hi!");
  REQUIRE_FALSE(client.write("hello proxy"));
  const auto r = client.read(11);
  CHECK_FALSE(r.ec);
  CHECK(r.data == "hello proxy");
  CHECK(proxy.connectionsAccepted() == 1);
  CHECK(waitFor([&] { return proxy.bytesToClient() == 14; }));
  CHECK(proxy.activeConnections() == 1);
}

TEST_CASE("fault proxy: resolves a host name upstream", "[support][proxy]") {
  EchoServer upstream("named");
  FaultProxy proxy("localhost", upstream.port());
  Client client;
  REQUIRE_FALSE(client.connect(proxy.port()));
  CHECK(client.read(5).data == "named");
}

TEST_CASE("fault proxy: delays data sent to the client", "[support][proxy]") {
  EchoServer upstream;
  FaultProxy proxy("127.0.0.1", upstream.port());
  proxy.setDelay(150ms);
  Client client;
  REQUIRE_FALSE(client.connect(proxy.port()));
  const auto start = Clock::now();
  REQUIRE_FALSE(client.write("ping"));
  CHECK(client.read(4).data == "ping");
  CHECK(Clock::now() - start >= 150ms);

  proxy.setDelay(0ms);
  const auto again = Clock::now();
  REQUIRE_FALSE(client.write("pong"));
  CHECK(client.read(4).data == "pong");
  CHECK(Clock::now() - again < 150ms);
}

TEST_CASE("fault proxy: truncates after N bytes with a clean close", "[support][proxy]") {
  const std::string greeting(1000, 'x');
  EchoServer upstream(greeting);
  FaultProxy proxy("127.0.0.1", upstream.port());
  proxy.setTruncateAfter(100);
  {
    Client client;
    REQUIRE_FALSE(client.connect(proxy.port()));
    const auto r = client.readToEof();
    CHECK(r.ec == asio::error::eof);
    CHECK(r.data == greeting.substr(0, 100));
  }
  proxy.setTruncateAfter(0);
  {
    Client client;
    REQUIRE_FALSE(client.connect(proxy.port()));
    const auto r = client.readToEof();
    CHECK(r.ec == asio::error::eof);
    CHECK(r.data.empty());
  }
  proxy.setTruncateAfter(std::nullopt);
  {
    Client client;
    REQUIRE_FALSE(client.connect(proxy.port()));
    CHECK(client.read(1000).data == greeting);
  }
  CHECK(waitFor([&] { return proxy.activeConnections() <= 1; }));
}

TEST_CASE("fault proxy: resets current connections", "[support][proxy]") {
  EchoServer upstream;
  FaultProxy proxy("127.0.0.1", upstream.port());
  Client a;
  Client b;
  REQUIRE_FALSE(a.connect(proxy.port()));
  REQUIRE_FALSE(b.connect(proxy.port()));
  REQUIRE_FALSE(a.write("a"));
  REQUIRE_FALSE(b.write("b"));
  REQUIRE(a.read(1).data == "a");
  REQUIRE(b.read(1).data == "b");
  proxy.resetAll();
  CHECK(a.readToEof().ec == asio::error::connection_reset);
  CHECK(b.readToEof().ec == asio::error::connection_reset);
  CHECK(waitFor([&] { return proxy.activeConnections() == 0; }));

  Client c;
  REQUIRE_FALSE(c.connect(proxy.port()));
  REQUIRE_FALSE(c.write("c"));
  CHECK(c.read(1).data == "c");
}

TEST_CASE("fault proxy: resets new connections on request", "[support][proxy]") {
  EchoServer upstream("hello");
  FaultProxy proxy("127.0.0.1", upstream.port());
  proxy.setResetNewConnections(true);
  {
    Client client;
    REQUIRE_FALSE(client.connect(proxy.port()));
    const auto r = client.readToEof();
    CHECK(r.ec == asio::error::connection_reset);
    CHECK(r.data.empty());
  }
  proxy.setResetNewConnections(false);
  Client client;
  REQUIRE_FALSE(client.connect(proxy.port()));
  CHECK(client.read(5).data == "hello");
  CHECK(proxy.connectionsAccepted() == 2);
}

TEST_CASE("fault proxy: resets after N bytes", "[support][proxy]") {
  const std::string greeting(1000, 'y');
  EchoServer upstream(greeting);
  FaultProxy proxy("127.0.0.1", upstream.port());
  proxy.setTruncateAfter(500);
  proxy.setResetAfter(10);
  Client client;
  REQUIRE_FALSE(client.connect(proxy.port()));
  const auto r = client.readToEof();
  CHECK(r.ec == asio::error::connection_reset);
  CHECK(r.data.size() <= 10);
  CHECK(proxy.bytesToClient() == 10);
}

TEST_CASE("fault proxy: stops and restarts listening on the same port", "[support][proxy]") {
  EchoServer upstream;
  FaultProxy proxy("127.0.0.1", upstream.port());
  const auto port = proxy.port();
  Client survivor;
  REQUIRE_FALSE(survivor.connect(port));
  REQUIRE_FALSE(survivor.write("?"));
  REQUIRE(survivor.read(1).data == "?");

  proxy.stopListening();
  proxy.stopListening();
  {
    Client refused;
    CHECK(refused.connect(port) == asio::error::connection_refused);
  }
  REQUIRE_FALSE(survivor.write("still here"));
  CHECK(survivor.read(10).data == "still here");

  REQUIRE(proxy.startListening());
  REQUIRE(proxy.startListening());
  CHECK(proxy.port() == port);
  Client client;
  REQUIRE_FALSE(client.connect(port));
  REQUIRE_FALSE(client.write("back"));
  CHECK(client.read(4).data == "back");
}

TEST_CASE("fault proxy: closes the client when the upstream is down", "[support][proxy]") {
  std::uint16_t dead_port = 0;
  {
    EchoServer gone;
    dead_port = gone.port();
  }
  FaultProxy proxy("127.0.0.1", dead_port);
  Client client;
  REQUIRE_FALSE(client.connect(proxy.port()));
  const auto r = client.readToEof();
  CHECK_FALSE(r.timed_out);
  CHECK(r.data.empty());
  CHECK(proxy.connectionsAccepted() == 1);
}

TEST_CASE("fault proxy: destructor closes open connections", "[support][proxy]") {
  EchoServer upstream;
  Client client;
  {
    FaultProxy proxy("127.0.0.1", upstream.port());
    proxy.setDelay(1s);
    REQUIRE_FALSE(client.connect(proxy.port()));
    REQUIRE_FALSE(client.write("x"));
    REQUIRE(waitFor([&] { return proxy.activeConnections() == 1; }));
  }
  const auto r = client.readToEof(500ms);
  CHECK_FALSE(r.timed_out);
  CHECK(r.data.empty());
}

TEST_CASE("http stub: returns status, headers and body and records the request",
          "[support][stub]") {
  HttpStubServer server([](const StubRequest& req) {
    return StubResponse{.status = 201,
                        .headers = {{"X-Test", "yes"}, {"Content-Type", "application/json"}},
                        .body = "{\"echo\":\"" + req.body + "\"}",
                        .delay = {},
                        .close = false};
  });
  auto curl = newCurl();
  const auto r = perform(curl.get(), server.baseUrl() + "/api/v1/namespaces?limit=5", "POST",
                         {"X-Custom: A", "X-Custom: B", "Content-Type: text/plain"}, "abc");
  REQUIRE(r.code == CURLE_OK);
  CHECK(r.status == 201);
  CHECK(r.body == "{\"echo\":\"abc\"}");
  CHECK(r.hasHeader("X-Test: yes"));
  CHECK(r.hasHeader("Content-Type: application/json"));
  CHECK(r.hasHeader("Content-Length: 14"));

  const auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == "/api/v1/namespaces?limit=5");
  CHECK(requests[0].headers.at("x-custom") == "A, B");
  CHECK(requests[0].headers.at("content-type") == "text/plain");
  CHECK(requests[0].headers.at("host") == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(requests[0].body == "abc");
  CHECK(requests[0].version == 11);
  CHECK(requests[0].connection == 1);
  server.clearRequests();
  CHECK(server.requestCount() == 0);
}

TEST_CASE("http stub: 429 with Retry-After, then 200 on the same connection", "[support][stub]") {
  std::atomic<int> calls{0};
  HttpStubServer server([&](const StubRequest&) {
    if (calls++ == 0) {
      return StubResponse{.status = 429,
                          .headers = {{"Retry-After", "1"}},
                          .body = "slow down",
                          .delay = {},
                          .close = false};
    }
    return StubResponse{.status = 200, .headers = {}, .body = "ok", .delay = {}, .close = false};
  });
  auto curl = newCurl();
  const auto first = perform(curl.get(), server.baseUrl() + "/a");
  REQUIRE(first.code == CURLE_OK);
  CHECK(first.status == 429);
  CHECK(first.hasHeader("Retry-After: 1"));
  CHECK(first.body == "slow down");
  CHECK(first.connects == 1);
  const auto second = perform(curl.get(), server.baseUrl() + "/b");
  REQUIRE(second.code == CURLE_OK);
  CHECK(second.status == 200);
  CHECK(second.body == "ok");
  CHECK(second.connects == 0);
  CHECK(server.connectionsAccepted() == 1);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == "/a");
  CHECK(requests[1].target == "/b");
  CHECK(requests[1].connection == 1);
}

TEST_CASE("http stub: close after a response forces a new connection", "[support][stub]") {
  HttpStubServer server([](const StubRequest&) {
    return StubResponse{.status = 204, .headers = {}, .body = {}, .delay = {}, .close = true};
  });
  auto curl = newCurl();
  CHECK(perform(curl.get(), server.baseUrl() + "/x", "DELETE").status == 204);
  CHECK(perform(curl.get(), server.baseUrl() + "/x", "DELETE").status == 204);
  CHECK(server.connectionsAccepted() == 2);
  const auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].method == "DELETE");
  CHECK(requests[1].connection == 2);
}

TEST_CASE("http stub: delayed response, client timeout, handler errors", "[support][stub]") {
  HttpStubServer server([](const StubRequest& req) {
    if (req.target == "/throw") throw std::runtime_error("boom");
    return StubResponse{
        .status = 200, .headers = {}, .body = "late", .delay = 150ms, .close = false};
  });
  auto curl = newCurl();
  const auto start = Clock::now();
  const auto slow = perform(curl.get(), server.baseUrl() + "/slow");
  CHECK(slow.code == CURLE_OK);
  CHECK(slow.body == "late");
  CHECK(Clock::now() - start >= 150ms);

  const auto timed_out = perform(curl.get(), server.baseUrl() + "/slow", "GET", {}, {}, 50);
  CHECK(timed_out.code == CURLE_OPERATION_TIMEDOUT);

  const auto failed = perform(curl.get(), server.baseUrl() + "/throw");
  CHECK(failed.status == 500);
  CHECK(failed.body == "boom");

  server.setHandler([](const StubRequest&) {
    return StubResponse{.status = 404, .headers = {}, .body = {}, .delay = {}, .close = false};
  });
  CHECK(perform(curl.get(), server.baseUrl() + "/gone").status == 404);
  CHECK(server.waitForRequests(4, 1s));
  CHECK_FALSE(server.waitForRequests(5, 10ms));
}

TEST_CASE("http stub behind the fault proxy: truncated body is a partial transfer",
          "[support][stub][proxy]") {
  HttpStubServer server([](const StubRequest&) {
    return StubResponse{
        .status = 200, .headers = {}, .body = std::string(2000, 'z'), .delay = {}, .close = false};
  });
  FaultProxy proxy("127.0.0.1", server.port());
  const std::string url = "http://127.0.0.1:" + std::to_string(proxy.port()) + "/big";
  auto curl = newCurl();
  const auto whole = perform(curl.get(), url);
  CHECK(whole.code == CURLE_OK);
  CHECK(whole.body.size() == 2000);

  proxy.setTruncateAfter(1000);
  auto fresh = newCurl();
  const auto cut = perform(fresh.get(), url);
  CHECK(cut.code == CURLE_PARTIAL_FILE);
  CHECK(cut.status == 200);
  CHECK(cut.body.size() < 2000);

  proxy.setTruncateAfter(std::nullopt);
  proxy.setResetNewConnections(true);
  auto reset = newCurl();
  const auto refused = perform(reset.get(), url);
  CHECK(refused.code != CURLE_OK);
}
