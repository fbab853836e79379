#pragma once
// Alpaca's market-data WebSocket (/v2/iex or /v2/sip) for minute bars, on an io_context the
// caller owns and runs: connect, wait for "connected", authenticate, subscribe to bars and
// updatedBars of the symbols, and deliver each bar, prices exact, in the order it arrived, on the
// io_context's thread. A lost or stale connection (no message for stale_after) is reconnected
// with backoff and subscribed again; 406 (connection limit: another session holds the slot)
// backs off and tries again; credential errors (401, 402, 403, 409) stop the stream with a
// message naming ALGO_BROKER__API_KEY, the key masked. Malformed messages are logged and skipped.
// Staleness counts only while in_session() says the market is open (a quiet night is no fault).

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <trader/config/settings.hpp>
#include <trader/data/bar.hpp>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace trader::net {
class TimerSource;
}  // namespace trader::net

namespace trader::alpaca {

struct MarketDataStreamOptions {
  // The whole stream URL: "wss://stream.data.alpaca.markets/v2/iex".
  std::string url = "wss://stream.data.alpaca.markets/v2/iex";
  config::Secret api_key;
  config::Secret secret_key;
  std::string ca_file;  // PEM of CAs trusted besides the system store (tests)
  std::vector<std::string> symbols;
  std::chrono::milliseconds stale_after{0};  // 0: no staleness timer
  // Whether silence counts as staleness now: true during the trading session; outside it the
  // stream is quiet by nature and is not reconnected for it. Empty: always.
  std::function<bool()> in_session;
  std::chrono::milliseconds ping_interval{10'000};
  // Reconnect waits, pings and staleness; nullptr: real time. Must outlive the stream.
  net::TimerSource* timers = nullptr;
  // Names a symbol's id in the bars delivered; empty: SymbolId{}.
  std::function<data::SymbolId(std::string_view symbol)> symbol_id;
};

// The options of `settings.broker`: the data stream URL (ALGO_BROKER__DATA_STREAM_URL or
// Alpaca's) with the feed appended, and both keys.
[[nodiscard]] MarketDataStreamOptions market_data_stream_options(const config::Settings& settings);

// A bar as it arrived; `updated`: an updatedBars message replacing a bar already delivered.
using BarHandler = std::function<void(std::string_view symbol, const data::Bar& bar, bool updated)>;

class MarketDataStream {
 public:
  // Throws ParseError for a bad URL, AuthError when a key is empty.
  MarketDataStream(boost::asio::io_context& io, MarketDataStreamOptions options, BarHandler on_bar);
  ~MarketDataStream();
  MarketDataStream(const MarketDataStream&) = delete;
  MarketDataStream& operator=(const MarketDataStream&) = delete;

  void start();
  void stop();

  // Subscribed now (authenticated, the subscription confirmed).
  [[nodiscard]] bool subscribed() const noexcept;
  // Subscriptions confirmed since start() (the first and every resubscription).
  [[nodiscard]] int subscriptions() const noexcept;
  // Error messages received (406 included), and malformed messages skipped.
  [[nodiscard]] int errors() const noexcept;
  [[nodiscard]] int malformed() const noexcept;
  // A credential error stopped the stream; empty while none did.
  [[nodiscard]] const std::string& fatal_error() const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trader::alpaca
