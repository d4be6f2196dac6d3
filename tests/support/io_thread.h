// The I/O thread of the Asio-based test servers. Include only from .cc files (Asio is heavy).
#pragma once

#include <utility>
//
#include <boost/asio/io_context.hpp>
#include <thread>

namespace gitopsd::test_support {

// Runs io on a new thread until it runs out of work or is stopped. A handler that throws is
// dropped and the loop goes on: a test server must not die of one bad connection.
inline std::thread startIoThread(boost::asio::io_context& io) {
  return std::thread([&io] {
    for (;;) {
      try {
        io.run();
        return;
      } catch (...) {
      }
    }
  });
}

}  // namespace gitopsd::test_support
