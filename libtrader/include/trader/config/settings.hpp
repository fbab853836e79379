#pragma once
// Every setting of the program, as plain structs with their defaults (.env.example lists them).
// Loading, precedence and validation live in trader/config/load.hpp; nothing deep reads getenv.
// A strategy's parameters are not here: each strategy declares its own (a config::KeyTable, see
// trader/strategy/registry.hpp; issue 12 item 7).

#include <cstdint>
#include <string>
#include <vector>

#include <trader/core/decimal.hpp>

namespace trader::config {

using core::Decimal;

enum class LogLevel : std::uint8_t { debug, info, warning, error, critical };
enum class LogFormat : std::uint8_t { console, json };

[[nodiscard]] std::string_view to_string(LogLevel level) noexcept;    // "INFO"
[[nodiscard]] std::string_view to_string(LogFormat format) noexcept;  // "console"

// A credential: kept whole for the broker, shown only masked (F12): "****" + the last 4.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  [[nodiscard]] const std::string& reveal() const noexcept { return value_; }
  [[nodiscard]] bool empty() const noexcept { return value_.empty(); }
  [[nodiscard]] std::string masked() const;

 private:
  std::string value_;
};

struct LogSettings {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::console;
};

struct BrokerSettings {
  std::string provider = "alpaca";
  bool paper = true;  // F16: paper unless explicitly switched off (and confirmed by --live)
  std::string feed = "iex";
  Secret api_key;
  Secret secret_key;
  // Market-data REST base (historical bars); tests point it at the local protocol double.
  std::string data_url = "https://data.alpaca.markets";
  // Trading REST base; empty: Alpaca's paper or live endpoint, by `paper`.
  std::string trading_url;
  // The trade_updates WebSocket; empty: the trading URL's host, path /stream.
  std::string trade_stream_url;
  // The market-data WebSocket base (the feed is appended); empty: Alpaca's.
  std::string data_stream_url;
};

struct RiskSettings {
  Decimal max_risk_per_trade_pct = Decimal::from_units(1'000'000);       // 0.01 of equity
  Decimal max_risk_per_trade_abs = Decimal::from_units(50'000'000'000);  // $500
  Decimal max_position_pct = Decimal::from_units(5'000'000);             // 0.05 of equity
  Decimal max_daily_loss_pct = Decimal::from_units(3'000'000);           // 0.03
  int max_open_positions = 5;
  int consecutive_loss_pause = 3;
  Decimal emergency_stop_pct = Decimal::from_units(2'000'000);  // 0.02
};

// The live and paper runtime (trader-run).
struct EngineSettings {
  // F17: flatten this long before the session's close (early closes included).
  int eod_flatten_seconds = 60;
  // How often the open orders the engine knows are checked against the broker's REST state.
  int order_audit_seconds = 30;
  // A simulated clock for the whole runtime: empty for the real clock, else an ISO-8601 UTC
  // instant ("2024-03-04T14:25:00Z") the clock starts from, running clock_speed times as fast.
  std::string clock_start;
  int clock_speed = 1;
};

struct WebSettings {
  std::string host = "127.0.0.1";
  int port = 8000;
};

// Simulated execution (backtests, offline paper): slippage and the cost model of F10, the
// pessimistic intrabar rule of F11. Defaults reproduce the reference (no costs, optimistic).
struct BacktestSettings {
  Decimal initial_capital = Decimal::from_units(2'500'000'000'000);  // $25,000
  Decimal slippage_per_share = Decimal::from_units(1'000'000);       // $0.01
  Decimal commission_per_share;
  Decimal commission_per_order;
  Decimal commission_min;
  Decimal sec_fee_rate;         // fraction of sell proceeds (e.g. 0.0000278)
  Decimal finra_taf_per_share;  // per share sold
  Decimal finra_taf_max;        // cap per trade (0 = no cap)
  bool pessimistic_fills = false;
};

struct Settings {
  LogSettings log;
  std::string db_path = "data/trading.db";
  int db_busy_timeout_ms = 5000;
  std::string db_synchronous = "normal";  // normal or full: store::Synchronous
  std::vector<std::string> watchlist{"AAPL", "TSLA", "AMD", "NVDA", "META"};
  BrokerSettings broker;
  RiskSettings risk;
  EngineSettings engine;
  WebSettings web;
  BacktestSettings backtest;
};

}  // namespace trader::config
