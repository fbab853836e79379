#pragma once
// A local stand-in for Alpaca's market-data REST API, as far as the bars client uses it: an HTTP
// or HTTPS server on 127.0.0.1 (ephemeral port, own thread) that answers /v2/stocks/bars and
// /v2/stocks/{symbol}/bars from the bars a test gives it, with Alpaca's JSON shapes, pagination,
// auth check, rate-limit headers and error bodies. Canned responses, a rate-limit burst and a
// "hang" mode script the failures; every request is recorded for the test to inspect.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/tls_material.hpp"

namespace trader::testing {

// One bar as the double serves it. Numbers are JSON text, sent verbatim, so a test controls
// exactly what the client has to parse ("150.8", "174", "1.5e-05").
struct DoubleBar {
  std::string t;  // RFC-3339 UTC, "2024-01-02T14:30:00Z"
  std::string o, h, l, c;
  std::string v = "100";
  std::string n = "1";
  std::string vw;  // empty: the key is left out
};

// A response served as it is (plus X-Request-Id and rate-limit headers when it has none).
struct CannedResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

struct RecordedRequest {
  std::string method;
  std::string target;                          // as received
  std::string path;                            // target before '?'
  std::map<std::string, std::string> query;    // percent-decoded
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string server_name;                     // TLS SNI; empty without TLS or SNI
  int connection = 0;                          // 1, 2, ... in order of acceptance
  int response_status = 0;                     // what the double answered; 0 in hang mode
  std::string response_body;

  [[nodiscard]] bool has(const std::string& parameter) const { return query.count(parameter) != 0; }
  // A query parameter, "" when absent.
  [[nodiscard]] std::string param(const std::string& name) const;
  // A header by case-insensitive name, "" when absent.
  [[nodiscard]] std::string header(std::string_view name) const;
};

struct AlpacaDoubleOptions {
  std::optional<TlsIdentity> tls;  // serve HTTPS with this certificate; plain HTTP without
  std::string api_key = "PKDOUBLE0000000000001";
  std::string secret_key = "double-secret-0000000000000000000000000001";
};

class AlpacaDouble {
 public:
  explicit AlpacaDouble(AlpacaDoubleOptions options = {});
  ~AlpacaDouble();  // stops the server thread
  AlpacaDouble(const AlpacaDouble&) = delete;
  AlpacaDouble& operator=(const AlpacaDouble&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT"; `host` replaces 127.0.0.1 ("localhost").
  [[nodiscard]] std::string base_url(std::string_view host = "127.0.0.1") const;
  [[nodiscard]] const AlpacaDoubleOptions& options() const noexcept;

  // The market: bars of `symbol` (kept sorted by time; added to any given before). Bars are
  // served whatever timeframe is asked: the double stores, it does not aggregate.
  void add_bars(const std::string& symbol, std::vector<DoubleBar> bars);
  // Served first-in first-out before the market answers (after the request is recorded).
  void enqueue(CannedResponse response);
  // The next `count` requests get 429 with X-RateLimit-Remaining: 0 and, when given,
  // Retry-After.
  void enqueue_rate_limit(int count, std::optional<int> retry_after_seconds);
  // Read requests but never answer (the connection stays open until the double stops).
  void set_hang(bool hang);
  // false: every response says Connection: close and the server closes.
  void set_keep_alive(bool keep_alive);
  // true: the server closes each connection right after a response that said keep-alive, as
  // one whose idle timeout expired between two requests would.
  void set_drop_idle_connections(bool drop);
  // The free plan: feed=sip (or no feed) with an end in the last 15 minutes is 403.
  void set_free_plan(bool free_plan);

  [[nodiscard]] std::vector<RecordedRequest> requests() const;
  [[nodiscard]] int connections() const;  // accepted so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trader::testing
