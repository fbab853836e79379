#pragma once
// How an Alpaca REST client reaches its server: base URL, credentials, timeouts, the retry
// policy for 429 and 5xx, and hooks for tests (an extra trusted CA, a sleep that does not wait).

#include <chrono>
#include <functional>
#include <string>

#include <trader/config/settings.hpp>

namespace trader::alpaca {

struct ClientOptions {
  // "https://data.alpaca.markets", or "http://127.0.0.1:PORT" for the local protocol double. A
  // path after the host is a prefix for every request.
  std::string base_url = "https://data.alpaca.markets";
  config::Secret api_key;     // sent as APCA-API-KEY-ID
  config::Secret secret_key;  // sent as APCA-API-SECRET-KEY
  // Connecting, and the TLS handshake, each. Name resolution keeps the system resolver's own
  // timeouts (resolv.conf): Asio cannot interrupt getaddrinfo.
  std::chrono::milliseconds connect_timeout{10'000};
  // Sending the request and reading the whole response.
  std::chrono::milliseconds read_timeout{30'000};
  // Attempts per request, the first included, for 429, 5xx, connection failures and timeouts.
  int max_attempts = 5;
  // Wait before retry k (k = 1, 2, ...): backoff_initial * 2^(k-1), at most backoff_max. A
  // Retry-After header replaces it (still at most backoff_max).
  std::chrono::milliseconds backoff_initial{1'000};
  std::chrono::milliseconds backoff_max{30'000};
  // A PEM file of CAs trusted besides the system store (tests); empty: the system store only.
  std::string ca_file;
  // How to wait between attempts; empty: a real wait (a timer). Tests record instead.
  std::function<void(std::chrono::milliseconds)> sleep;
};

// The market-data client options of `settings.broker`: data_url and both keys; the rest default.
[[nodiscard]] ClientOptions market_data_options(const config::Settings& settings);

}  // namespace trader::alpaca
