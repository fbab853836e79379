#pragma once
// The other side of the status endpoint, for `trader-run status` and `trader-run stop` (and the
// Compose health check): one blocking HTTP/1.1 request to ALGO_WEB__HOST:ALGO_WEB__PORT with a
// deadline. Nothing runs on a caller's io_context: a private one lives for the request.

#include <chrono>
#include <string>
#include <string_view>

#include <trader/core/error.hpp>

namespace trader::runtime {

// The request failed: no connection, a timeout, a reply that is not HTTP. what() names the
// address ("trader-run at 127.0.0.1:8000 did not answer within 5 s").
class StatusClientError : public Error {
 public:
  using Error::Error;
};

// Nobody listens at the address: "trader-run is not running at 127.0.0.1:8000 (connection
// refused)".
class NotRunningError : public StatusClientError {
 public:
  using StatusClientError::StatusClientError;
};

struct StatusReply {
  int status = 0;  // the HTTP status: 200, 202, 503, ...
  std::string content_type;
  std::string body;
  [[nodiscard]] bool ok() const noexcept { return status >= 200 && status < 300; }
};

inline constexpr std::chrono::milliseconds kStatusTimeout{5'000};

// Where a client on this machine reaches a server bound to `bind_host`: a wildcard address
// (0.0.0.0 in a container, ::) is reached on the loopback; anything else as it is.
[[nodiscard]] std::string reachable_host(std::string_view bind_host);

// One request; `method` is "GET" or "POST". Throws NotRunningError or StatusClientError.
[[nodiscard]] StatusReply status_request(std::string_view host, int port, std::string_view method,
                                         std::string_view target,
                                         std::chrono::milliseconds timeout = kStatusTimeout);

// GET /status: the JSON snapshot (status 200) or what the server said instead.
[[nodiscard]] StatusReply fetch_status(std::string_view host, int port,
                                       std::chrono::milliseconds timeout = kStatusTimeout);
// GET /healthz: 200 "ok", or 503 with the reason.
[[nodiscard]] StatusReply fetch_health(std::string_view host, int port,
                                       std::chrono::milliseconds timeout = kStatusTimeout);
// POST /shutdown: 202 when the graceful shutdown was started.
[[nodiscard]] StatusReply request_shutdown(std::string_view host, int port,
                                           std::chrono::milliseconds timeout = kStatusTimeout);

}  // namespace trader::runtime
