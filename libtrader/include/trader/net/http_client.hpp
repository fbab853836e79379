#pragma once
// An asynchronous HTTP/1.1 client for one host (http:// or https://), on an io_context the caller
// owns and runs (one per process, shared with the WebSocket clients). Requests never block the
// loop: each completes through a callback, called once from the io_context's thread. Connections
// are kept alive and reused; a per-request timeout bounds the wait for the response; a
// RetryPolicy per request says which failures are tried again and how long to wait between
// attempts (through a TimerSource, so tests need not wait). Alpaca's key headers
// (APCA-API-KEY-ID, APCA-API-SECRET-KEY) go with every request; no text this client produces
// (results, logs) ever holds a key: it is masked as config::Secret::masked() shows it.
//
// Threading: one thread runs the io_context; call the client only from that thread (or before
// the loop runs). Boost.Asio, Beast and OpenSSL stay in the .cpp.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <trader/config/settings.hpp>
#include <trader/core/error.hpp>
#include <trader/net/timers.hpp>

namespace trader::net {

enum class Method : std::uint8_t { get, post, patch, del };

[[nodiscard]] std::string_view method_name(Method method) noexcept;

// When a failure that may have reached the server (a 5xx, a timeout, a connection lost after
// the request went out) is tried again. A 429 is always retried within the policy (the server
// refused to work on it), a failure to connect too (nothing was sent), 401/403 never.
enum class Repeat : std::uint8_t {
  if_idempotent,  // only GET and DELETE
  safe,           // this request may be sent twice: a POST /v2/orders carrying our
                  // client_order_id, whose second copy is refused as a duplicate (F22)
  never,          // not even a GET
};

// How often and how far apart a request is tried again. Delays: retry k (k = 1, 2, ...) waits
// backoff_initial * backoff_multiplier^(k-1), at most backoff_max; a 429's Retry-After (delta
// seconds), or else its X-RateLimit-Reset (epoch seconds), replaces that wait, at most
// retry_after_max.
struct RetryPolicy {
  int max_attempts = 1;        // all attempts, the first included
  int transient_retries = 0;   // 5xx, timeouts, lost connections (see Repeat)
  int rate_limit_retries = 0;  // 429
  std::chrono::milliseconds backoff_initial{1'000};
  double backoff_multiplier = 1.0;
  std::chrono::milliseconds backoff_max{30'000};
  std::chrono::milliseconds retry_after_max{60'000};
  bool use_rate_limit_reset = true;  // false: a 429 without Retry-After backs off as above

  // The rows of the retry table for the trading API (a 401 or 403 is never retried):
  // submit an order: 5xx/timeout retried twice, 1 s apart, then the caller reports it failed;
  // a 429 waits for Retry-After and is tried once more.
  [[nodiscard]] static RetryPolicy submit_order();
  // cancel an order: retried three times, 1 s apart; a 429 waits and tries again.
  [[nodiscard]] static RetryPolicy cancel_order();
  // account, positions, orders, clock: retried twice; a 429 waits and tries again.
  [[nodiscard]] static RetryPolicy query();
  // no retry at all.
  [[nodiscard]] static RetryPolicy none();
};

struct HttpRequest {
  Method method = Method::get;
  // The path after the base URL's prefix, with its query, already percent-encoded:
  // "/v2/orders?status=open". No spaces or control characters.
  std::string target;
  std::string body;   // JSON; sent with Content-Type: application/json when not empty
  std::string label;  // names the request in results and logs ("submit bt-0001")
  Repeat repeat = Repeat::if_idempotent;
  RetryPolicy retry = RetryPolicy::query();
  // The wait for the whole response once connected; zero: HttpOptions::request_timeout.
  std::chrono::milliseconds timeout{0};
};

enum class Failure : std::uint8_t {
  none,         // a 2xx response
  connection,   // no response: not resolved, refused, dropped, TLS failed, malformed reply
  timeout,      // connecting or the response took longer than allowed
  certificate,  // the server's certificate was refused (never retried)
  auth,         // 401 or 403 (never retried); on the trading API a 403 is mostly a business
                // rejection (buying power, wash trade, PDT): the body's "code" tells which
  rate_limit,   // 429 on the last attempt
  server,       // 5xx on the last attempt
  request,      // another 4xx: the request is wrong (never retried)
  unexpected,   // 1xx or 3xx
};

[[nodiscard]] std::string_view failure_name(Failure failure) noexcept;

struct HttpResult {
  Failure failure = Failure::none;
  int status = 0;  // of the last response; 0 when none arrived
  std::string reason;
  std::string body;        // of the last response (keys masked when it is an error)
  std::string request_id;  // X-Request-Id of the last response
  std::string retry_after;
  // What went wrong, in one line, keys masked: the server's "message" (with its "code"), the
  // title of an HTML error page, or the local cause; " (gave up after N attempts)" when the
  // failure was retried. Empty on success.
  std::string message;
  int attempts = 0;       // requests sent or tried, the first included
  int connection_id = 0;  // which connection of this client carried the last attempt (1, 2, ...)

  [[nodiscard]] bool ok() const noexcept { return failure == Failure::none; }
};

using HttpCallback = std::function<void(HttpResult)>;

struct HttpOptions {
  // "https://paper-api.alpaca.markets", or "http://127.0.0.1:PORT" (plain http:// only to a
  // loopback host: the keys would travel in clear text). A path after the host prefixes every
  // request.
  std::string base_url;
  config::Secret api_key;     // sent as APCA-API-KEY-ID; empty: not sent
  config::Secret secret_key;  // sent as APCA-API-SECRET-KEY; empty: not sent
  std::chrono::milliseconds connect_timeout{10'000};  // resolve + connect + TLS handshake
  std::chrono::milliseconds request_timeout{30'000};  // send the request, read the response
  std::string ca_file;              // PEM of CAs trusted besides the system store (tests)
  std::size_t max_connections = 4;  // kept-alive connections; further requests wait
  std::uint64_t max_body_bytes = std::uint64_t{64} * 1024 * 1024;
  // Added to the message of a 401 (the key's masked form is added too); names what to fix.
  std::string auth_hint =
      "check the key id and secret key (ALGO_BROKER__API_KEY, ALGO_BROKER__SECRET_KEY)";
  std::string log_event = "http_retry";  // the warning logged before each retry
  // Waits between attempts; nullptr: real time on the io_context. Must outlive the client.
  TimerSource* timers = nullptr;
  // Reads a 429's X-RateLimit-Reset (epoch seconds) when it has no Retry-After: the wait is
  // until then (at most retry_after_max). Empty: the system clock.
  std::function<std::chrono::system_clock::time_point()> wall_clock;
};

// The CA file could not be read.
class TlsSetupError : public Error {
 public:
  using Error::Error;
};

class HttpClient {
 public:
  // Throws ParseError for a base_url other than http(s)://host[:port][/prefix] (the URL is
  // never quoted: it may hold credentials) or a key with a space or control character, and
  // TlsSetupError for a ca_file that cannot be loaded.
  HttpClient(boost::asio::io_context& io, HttpOptions options);
  // Closes every connection; callbacks of requests still outstanding are never called.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues the request and returns at once; `done` is called exactly once, later, on the
  // io_context's thread, with the response or the failure after the policy's retries.
  void request(HttpRequest request, HttpCallback done);

  // "POST paper-api.alpaca.markets/v2/orders [label]": how results and logs name a request.
  [[nodiscard]] std::string describe(const HttpRequest& request) const;
  // `text` with every occurrence of either key replaced by its masked form.
  [[nodiscard]] std::string scrubbed(std::string text) const;
  // Connections open now (idle or busy), and opened so far.
  [[nodiscard]] std::size_t open_connections() const noexcept;
  [[nodiscard]] int connections_opened() const noexcept;
  // Requests queued or in flight.
  [[nodiscard]] std::size_t pending() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// "a%2Cb": everything but RFC 3986 unreserved characters percent-encoded.
[[nodiscard]] std::string percent_encode(std::string_view text);

// Runs `io` until `done` is true (a blocking wrapper for tools: start a request whose callback
// sets `done`, then call this). Returns at once when `done` is already true.
void run_until(boost::asio::io_context& io, const bool& done);

}  // namespace trader::net
