// The key table of config::Settings: every libtrader setting, its variable, range and help. A
// new setting goes here (then regenerate .env.example with `trader-config --env-example`); a
// strategy's parameters go into the strategy's own table.
#include <fmt/core.h>

#include <algorithm>
#include <sstream>

#include <trader/config/load.hpp>
#include <trader/config/url.hpp>
#include <trader/core/symbol.hpp>
#include <trader/core/text.hpp>
#include <trader/core/timestamp.hpp>

#include "config/flat_json.hpp"
#include "config/names.hpp"

namespace trader::config {
namespace {

std::vector<std::string> parse_watchlist(std::string_view text) {
  const std::string clean = trimmed(text);
  std::vector<std::string> symbols;
  if (!clean.empty() && clean.front() == '[') {
    try {
      symbols = detail::parse_string_array(clean);
    } catch (const detail::JsonSyntaxError& e) {
      throw ValueError(std::string("must be a JSON list of symbols or a comma-separated list (") +
                       e.what() + ")");
    }
  } else {
    std::string part;
    std::istringstream in(clean);
    while (std::getline(in, part, ',')) symbols.push_back(trimmed(part));
    if (symbols.size() == 1 && symbols.front().empty()) symbols.clear();
  }
  if (symbols.empty()) throw ValueError("Watchlist must not be empty");
  for (const auto& symbol : symbols) {
    if (!core::is_valid_symbol(symbol)) {
      throw ValueError("Invalid symbol: " + detail::shown(symbol) +
                       " (upper-case letters, e.g. AAPL or BRK.B)");
    }
  }
  return symbols;
}

std::string non_empty(std::string_view text) {
  std::string value = trimmed(text);
  if (value.empty()) throw ValueError("must not be empty");
  return value;
}

// A credential: it goes into HTTP header lines as it is.
Secret parse_secret(std::string_view text) {
  std::string value = trimmed(text);
  const bool printable = std::all_of(value.begin(), value.end(), [](char c) {
    return c > ' ' && c < 0x7f && c != '"' && c != '\'';
  });
  if (!printable || value.size() > 256) {
    throw ValueError("must be at most 256 printable ASCII characters without spaces or quotes");
  }
  return Secret(std::move(value));
}

// Issue 11 item 5: requests to this URL carry the API keys.
std::string parse_key_url(std::string_view text) {
  std::string value = trimmed(text);
  if (std::string problem = key_url_problem(value); !problem.empty()) {
    throw ValueError(problem);
  }
  while (!value.empty() && value.back() == '/') value.pop_back();
  return value;
}

std::string parse_optional_key_url(std::string_view text) {
  return trimmed(text).empty() ? std::string() : parse_key_url(text);
}

// A WebSocket URL whose connection carries the keys: the rule of parse_key_url, for ws(s)://.
std::string parse_stream_url(std::string_view text) {
  std::string value = trimmed(text);
  if (value.empty()) return value;
  std::string as_http;
  if (value.starts_with("wss://")) {
    as_http = "https://" + value.substr(6);
  } else if (value.starts_with("ws://")) {
    as_http = "http://" + value.substr(5);
  } else {
    throw ValueError("must be a wss:// URL (ws:// only for localhost, 127.0.0.0/8, ::1)");
  }
  if (!key_url_problem(as_http).empty()) {
    throw ValueError(
        "must be a wss:// base URL without ?query or #fragment (ws:// only for localhost, "
        "127.0.0.0/8, ::1)");
  }
  std::string out = value;
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out;
}

// The simulated clock's start: a UTC instant, kept as written (normalised) for the runtime.
std::string parse_clock_start(std::string_view text) {
  std::string value = trimmed(text);
  if (value.empty()) return value;
  try {
    return core::format_timestamp(core::parse_timestamp(value));
  } catch (const std::exception&) {
    throw ValueError("must be a UTC instant with its zone, like 2024-03-04T14:25:00Z");
  }
}

KeyTable<Settings> make_settings_keys() {
  KeyTable<Settings> t("", "General");
  t.custom(
      {.name = "log_level",
       .label = "Log Level",
       .description = "Minimum level of log records written to stderr"},
      "one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
      [](Settings& s, std::string_view v) {
        const std::string value = core::to_upper(trimmed(v));
        static constexpr LogLevel kLevels[] = {LogLevel::debug, LogLevel::info, LogLevel::warning,
                                               LogLevel::error, LogLevel::critical};
        for (const LogLevel level : kLevels) {
          if (value == to_string(level)) {
            s.log.level = level;
            return;
          }
        }
        throw ValueError("log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL");
      },
      [](const Settings& s) { return std::string(to_string(s.log.level)); });
  t.custom(
      {.name = "log_format",
       .label = "Log Format",
       .description = "console (key=value lines) or json (one object per line)"},
      "one of console, json",
      [](Settings& s, std::string_view v) {
        s.log.format = parse_choice(v, {"console", "json"}, false) == "json" ? LogFormat::json
                                                                             : LogFormat::console;
      },
      [](const Settings& s) { return std::string(to_string(s.log.format)); });
  t.custom(
      {.name = "db_path",
       .label = "DB Path",
       .description = "SQLite database file (relative to the working directory)"},
      "a file path", [](Settings& s, std::string_view v) { s.db_path = non_empty(v); },
      [](const Settings& s) { return s.db_path; });
  t.integer({.name = "db_busy_timeout_ms",
             .label = "DB Busy Timeout (ms)",
             .description = "How long a writer waits for another writer's lock"},
            &Settings::db_busy_timeout_ms, 0, 600000);
  t.choice({.name = "db_synchronous",
            .label = "DB Synchronous",
            .description = "normal: a commit survives a crash of the process (fast); full: also a "
                           "power loss (a disk flush per commit)"},
           [](auto& s) -> auto& { return s.db_synchronous; }, {"normal", "full"});
  t.custom(
      {.name = "watchlist",
       .label = "Watchlist",
       .description = "Symbols to trade: a JSON list or comma-separated"},
      "non-empty list of symbols",
      [](Settings& s, std::string_view v) { s.watchlist = parse_watchlist(v); },
      [](const Settings& s) { return join(s.watchlist, ", "); });

  t.begin_section("ALGO_BROKER", "Broker");
  t.choice({.name = "provider", .label = "Provider", .description = "Broker implementation"},
           [](auto& s) -> auto& { return s.broker.provider; }, {"alpaca"});
  t.boolean(
      {.name = "paper",
       .label = "Paper",
       .description = "Paper trading (True) or live trading with real money (False)"},
      [](auto& s) -> auto& { return s.broker.paper; });
  t.choice({.name = "feed",
            .label = "Feed",
            .description = "Market data feed: iex (free) or sip (paid)"},
           [](auto& s) -> auto& { return s.broker.feed; }, {"iex", "sip"});
  t.custom(
      {.name = "api_key", .label = "API Key", .description = "Alpaca API key id", .secret = true},
      "", [](Settings& s, std::string_view v) { s.broker.api_key = parse_secret(v); },
      [](const Settings& s) { return s.broker.api_key.masked(); });
  t.custom(
      {.name = "secret_key",
       .label = "Secret Key",
       .description = "Alpaca API secret key",
       .secret = true},
      "", [](Settings& s, std::string_view v) { s.broker.secret_key = parse_secret(v); },
      [](const Settings& s) { return s.broker.secret_key.masked(); });
  t.custom(
      {.name = "data_url",
       .label = "Data URL",
       .description = "Alpaca market-data REST base URL",
       .sensitive = true},
      "https:// URL; http:// only for localhost, 127.0.0.0/8, ::1",
      [](Settings& s, std::string_view v) { s.broker.data_url = parse_key_url(v); },
      [](const Settings& s) { return s.broker.data_url; });
  t.custom(
      {.name = "trading_url",
       .label = "Trading URL",
       .description = "Alpaca trading REST base URL; empty: paper or live by ALGO_BROKER__PAPER",
       .sensitive = true},
      "empty, or an https:// URL; http:// only for localhost, 127.0.0.0/8, ::1",
      [](Settings& s, std::string_view v) { s.broker.trading_url = parse_optional_key_url(v); },
      [](const Settings& s) { return s.broker.trading_url; });
  t.custom(
      {.name = "trade_stream_url",
       .label = "Trade Stream URL",
       .description = "Alpaca trade_updates WebSocket URL; empty: the trading URL's /stream",
       .sensitive = true},
      "empty, or a wss:// URL; ws:// only for localhost, 127.0.0.0/8, ::1",
      [](Settings& s, std::string_view v) { s.broker.trade_stream_url = parse_stream_url(v); },
      [](const Settings& s) { return s.broker.trade_stream_url; });
  t.custom(
      {.name = "data_stream_url",
       .label = "Data Stream URL",
       .description =
           "Alpaca market-data WebSocket base URL (the feed is appended); empty: Alpaca's",
       .sensitive = true},
      "empty, or a wss:// URL; ws:// only for localhost, 127.0.0.0/8, ::1",
      [](Settings& s, std::string_view v) { s.broker.data_stream_url = parse_stream_url(v); },
      [](const Settings& s) { return s.broker.data_stream_url; });

  t.begin_section("ALGO_RISK", "Risk");
  t.decimal(
      {.name = "max_risk_per_trade_pct",
       .label = "Max Risk/Trade",
       .description = "Risk budget per trade as a fraction of equity"},
      [](auto& s) -> auto& { return s.risk.max_risk_per_trade_pct; }, "0.001", "0.05");
  t.decimal(
      {.name = "max_risk_per_trade_abs",
       .label = "Max Risk/Trade ($)",
       .description = "Risk budget per trade in dollars"},
      [](auto& s) -> auto& { return s.risk.max_risk_per_trade_abs; }, "10", "5000");
  t.decimal(
      {.name = "max_position_pct",
       .label = "Max Position",
       .description = "Largest position as a fraction of equity"},
      [](auto& s) -> auto& { return s.risk.max_position_pct; }, "0.01", "0.25");
  t.decimal(
      {.name = "max_daily_loss_pct",
       .label = "Max Daily Loss",
       .description = "Realized daily loss (fraction of start-of-day equity) that pauses "
                      "trading"},
      [](auto& s) -> auto& { return s.risk.max_daily_loss_pct; }, "0.01", "0.10");
  t.integer(
      {.name = "max_open_positions",
       .label = "Max Open Positions",
       .description = "Open positions plus pending entries (F6)"},
      [](auto& s) -> auto& { return s.risk.max_open_positions; }, 1, 20);
  t.integer(
      {.name = "consecutive_loss_pause",
       .label = "Consecutive Loss Pause",
       .description = "Consecutive losing trades that pause trading for the day"},
      [](auto& s) -> auto& { return s.risk.consecutive_loss_pause; }, 2, 10);
  t.decimal(
      {.name = "emergency_stop_pct",
       .label = "Emergency Stop",
       .description = "Stop distance (fraction) for positions found without a stop"},
      [](auto& s) -> auto& { return s.risk.emergency_stop_pct; }, "0.005", "0.10");

  t.begin_section("ALGO_ENGINE", "Engine");
  t.integer(
      {.name = "eod_flatten_seconds",
       .label = "EOD Flatten",
       .description = "F17: seconds before the session's close at which trader-run flattens"},
      [](auto& s) -> auto& { return s.engine.eod_flatten_seconds; }, 10, 900);
  t.integer(
      {.name = "order_audit_seconds",
       .label = "Order Audit",
       .description = "Seconds between checks of the open orders against the broker's REST state"},
      [](auto& s) -> auto& { return s.engine.order_audit_seconds; }, 5, 600);
  t.custom(
      {.name = "clock_start",
       .label = "Clock Start",
       .description = "Simulated clock: the UTC instant trader-run's clock starts from; empty: "
                      "the real clock"},
      "empty, or a UTC instant like 2024-03-04T14:25:00Z",
      [](Settings& s, std::string_view v) { s.engine.clock_start = parse_clock_start(v); },
      [](const Settings& s) { return s.engine.clock_start; });
  t.integer(
      {.name = "clock_speed",
       .label = "Clock Speed",
       .description = "Simulated clock: how many times faster than real time it runs"},
      [](auto& s) -> auto& { return s.engine.clock_speed; }, 1, 100000);

  t.begin_section("ALGO_WEB", "Web");
  t.custom(
      {.name = "host", .label = "Host", .description = "Address the status endpoint binds to"},
      "a host name or address", [](Settings& s, std::string_view v) { s.web.host = non_empty(v); },
      [](const Settings& s) { return s.web.host; });
  t.integer(
      {.name = "port", .label = "Port", .description = "Port of the status endpoint"},
      [](auto& s) -> auto& { return s.web.port; }, 1, 65535);

  t.begin_section("ALGO_BACKTEST", "Backtest");
  t.decimal(
      {.name = "initial_capital",
       .label = "Initial Capital",
       .description = "Starting cash of a backtest"},
      [](auto& s) -> auto& { return s.backtest.initial_capital; }, "1000", "10000000");
  t.decimal(
      {.name = "slippage_per_share",
       .label = "Slippage/Share",
       .description = "Simulated slippage per share, against the order"},
      [](auto& s) -> auto& { return s.backtest.slippage_per_share; }, "0", "1");
  t.decimal(
      {.name = "commission_per_share",
       .label = "Commission/Share",
       .description = "F10: commission per share traded"},
      [](auto& s) -> auto& { return s.backtest.commission_per_share; }, "0", "1");
  t.decimal(
      {.name = "commission_per_order",
       .label = "Commission/Order",
       .description = "F10: commission per filled order"},
      [](auto& s) -> auto& { return s.backtest.commission_per_order; }, "0", "100");
  t.decimal(
      {.name = "commission_min",
       .label = "Commission Minimum",
       .description = "F10: minimum commission per filled order"},
      [](auto& s) -> auto& { return s.backtest.commission_min; }, "0", "100");
  t.decimal(
      {.name = "sec_fee_rate",
       .label = "SEC Fee Rate",
       .description = "F10: SEC fee on sells, as a fraction of proceeds (e.g. 0.0000278)"},
      [](auto& s) -> auto& { return s.backtest.sec_fee_rate; }, "0", "0.001");
  t.decimal(
      {.name = "finra_taf_per_share",
       .label = "FINRA TAF/Share",
       .description = "F10: FINRA trading activity fee per share sold (e.g. 0.000166)"},
      [](auto& s) -> auto& { return s.backtest.finra_taf_per_share; }, "0", "0.01");
  t.decimal(
      {.name = "finra_taf_max",
       .label = "FINRA TAF Max",
       .description = "F10: cap of the FINRA fee per sell (0 = no cap)"},
      [](auto& s) -> auto& { return s.backtest.finra_taf_max; }, "0", "100");
  t.boolean(
      {.name = "pessimistic_fills",
       .label = "Pessimistic Fills",
       .description = "F11: if the entry bar's low touches the planned stop, take the stop"},
      [](auto& s) -> auto& { return s.backtest.pessimistic_fills; });
  return t;
}

}  // namespace

const KeyTable<Settings>& settings_keys() {
  static const KeyTable<Settings> table = make_settings_keys();  // immutable after first use
  return table;
}

}  // namespace trader::config
