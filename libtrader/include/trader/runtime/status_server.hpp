#pragma once
// trader-run's HTTP endpoint (ALGO_WEB__HOST:ALGO_WEB__PORT, HTTP/1.1 on the runtime's
// io_context): GET /healthz (200 "ok", or 503 with the reason), GET /status (the snapshot's
// JSON), GET /metrics (Prometheus text), POST /shutdown (202, then the graceful shutdown: the
// same path as SIGTERM). Anything else is a 404, or a 405 on a known path with another method.
// A malformed, oversized or slow request gets a 4xx or a closed connection, never a crash; a
// handler that throws is a 500. Nothing here blocks the loop for longer than a handler runs.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <trader/core/error.hpp>
#include <trader/runtime/status.hpp>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace trader::runtime {

// The address could not be bound (in use, not local, not an address); what() names the address
// and ALGO_WEB__HOST / ALGO_WEB__PORT.
class StatusServerError : public Error {
 public:
  using Error::Error;
};

// What the endpoints answer; each is called on the io_context's thread, per request.
struct StatusHandlers {
  std::function<HealthVerdict()> health;
  std::function<std::string()> status_json;
  std::function<std::string()> metrics_text;
  // Called once per POST /shutdown, after its 202 is written (so the caller sees the answer
  // even when the shutdown closes this server at once).
  std::function<void()> shutdown;
};

struct StatusServerOptions {
  std::string host = "127.0.0.1";  // ALGO_WEB__HOST: an address or a name resolving to one
  int port = 8000;                 // ALGO_WEB__PORT; 0: an ephemeral port (tests), see port()
  std::size_t max_request_bytes = std::size_t{16} * 1024;  // header and body together
  std::chrono::milliseconds request_timeout{10'000};       // to receive one whole request
  std::size_t max_connections = 32;                        // further connections are closed at once
};

class StatusServer {
 public:
  // Binds and listens at once (a start-up error is a StatusServerError before anything runs);
  // serves while the io_context runs.
  StatusServer(boost::asio::io_context& io, StatusServerOptions options, StatusHandlers handlers);
  // Closes the listener and every connection; no handler is called after it.
  ~StatusServer();
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // The port listened on (the ephemeral one when options.port was 0).
  [[nodiscard]] std::uint16_t port() const noexcept;
  // "127.0.0.1:8000"
  [[nodiscard]] std::string address() const;
  // Stops listening and closes every connection (idempotent; the destructor calls it).
  void stop();
  // Requests answered so far (any status).
  [[nodiscard]] std::int64_t requests() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;  // shared (weakly) with its connections
};

}  // namespace trader::runtime
