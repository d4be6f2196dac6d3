// FaultProxy: a TCP proxy for tests that injects network faults between a client and a real
// upstream server (latency, truncated responses, connection resets, a listener that goes away
// and comes back). It only forwards bytes, so TLS passes through untouched.
//
// Contract:
// - The proxy listens on 127.0.0.1 on an ephemeral port chosen by the kernel (port()), and
//   connects every accepted client to upstream_host:upstream_port (resolved per connection).
//   If the upstream cannot be reached the client connection is closed.
// - It runs its own I/O thread, started by the constructor. The destructor closes the listener
//   and every connection, stops the thread and joins it; no callback runs after it returns.
// - Every public member function is thread-safe and may be called from any thread except the
//   proxy's own I/O thread. The functions that act on sockets (resetAll, stopListening,
//   startListening) have taken effect when they return.
// - Fault settings (delay, truncation, reset-after, reset-new) apply until changed. Truncation and
//   reset-after limits are captured when a connection is accepted; the delay is read per chunk.
// - I/O errors never throw out of the proxy and are not logged; they close the connection
//   concerned. The constructor throws std::system_error if it cannot listen.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace gitopsd::test_support {

class FaultProxy {
 public:
  FaultProxy(std::string upstream_host, std::uint16_t upstream_port);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // The local port clients connect to; stays the same across stopListening/startListening.
  [[nodiscard]] std::uint16_t port() const;

  // Delays each chunk forwarded upstream→client by `delay` (0 = no delay). Chunks are read as
  // they arrive (up to 16 KiB), so a response that arrives in several pieces is delayed
  // several times; client→upstream data is never delayed.
  void setDelay(std::chrono::milliseconds delay);

  // For connections accepted from now on: after `bytes` bytes were forwarded upstream→client,
  // closes both sides cleanly (FIN), so the client sees a response cut short. nullopt = off.
  void setTruncateAfter(std::optional<std::size_t> bytes);

  // For connections accepted from now on: after `bytes` bytes were forwarded upstream→client,
  // resets the client side (RST). nullopt = off. With truncation also set, the smaller limit
  // wins (reset on a tie).
  void setResetAfter(std::optional<std::size_t> bytes);

  // When on, new connections are accepted and reset at once (the client sees ECONNRESET).
  void setResetNewConnections(bool on);

  // Resets (SO_LINGER 0, close) the client side of every current connection now and closes
  // the upstream side.
  void resetAll();

  // Closes the listening socket: new connections are refused; accepted ones continue (call
  // resetAll() too to simulate a server that went away). Connections the kernel had completed
  // but the proxy had not yet accepted are reset.
  void stopListening();

  // Listens again on the same port (SO_REUSEADDR). Returns false if the port could not be bound
  // (someone else took it). Does nothing and returns true if already listening.
  [[nodiscard]] bool startListening();

  // Counters. bytesToClient() is updated when a write to the client completes, so it may lag
  // what a client has already read by a moment; poll it with a deadline.
  [[nodiscard]] std::size_t connectionsAccepted() const;
  [[nodiscard]] std::size_t activeConnections() const;
  [[nodiscard]] std::uint64_t bytesToClient() const;

  struct Impl;  // opaque; public only so that the implementation's helpers can name it

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace gitopsd::test_support
