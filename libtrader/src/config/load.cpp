#include <trader/config/load.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <trader/config/url.hpp>
#include <trader/core/symbol.hpp>
#include <trader/core/text.hpp>

#include "config/flat_json.hpp"
#include "config/names.hpp"

extern char** environ;  // POSIX: the process environment

namespace trader::config {
namespace {

using core::to_lower;
using core::to_upper;

// A value that does not satisfy its key: the text after "ALGO_X=value: ".
struct Problem {
  std::string text;
};

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return std::string(text);
}

// ---- value parsers: each throws Problem with the allowed range ---------------------------------

Decimal parse_decimal_in(std::string_view text, Decimal lo, Decimal hi, const std::string& range) {
  Decimal value;
  try {
    value = Decimal::parse(trimmed(text));
  } catch (const ParseError&) {
    throw Problem{"must be a decimal number between " + range};
  }
  if (value < lo || value > hi) throw Problem{"must be between " + range};
  return value;
}

int parse_int_in(std::string_view text, int lo, int hi) {
  const std::string clean = trimmed(text);
  int value = 0;
  const auto* end = clean.data() + clean.size();
  const auto [ptr, ec] = std::from_chars(clean.data(), end, value);
  const std::string range = fmt::format("{}..{}", lo, hi);
  if (clean.empty() || ec != std::errc{} || ptr != end) {
    throw Problem{"must be an integer in " + range};
  }
  if (value < lo || value > hi) throw Problem{"must be an integer in " + range};
  return value;
}

double parse_double(std::string_view text) {
  const std::string clean = trimmed(text);
  char* end = nullptr;
  const double value = std::strtod(clean.c_str(), &end);
  if (clean.empty() || end != clean.c_str() + clean.size() || !std::isfinite(value)) {
    throw Problem{"must be a number"};
  }
  return value;
}

bool parse_bool(std::string_view text) {
  const std::string v = to_lower(trimmed(text));
  if (v == "true" || v == "1" || v == "yes" || v == "on" || v == "t" || v == "y") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off" || v == "f" || v == "n") return false;
  throw Problem{"must be a boolean (true/false, 1/0, yes/no, on/off, t/f, y/n)"};
}

int parse_interval(std::string_view text) {
  constexpr const char* kProblem = "candle_interval_minutes must be one of [1, 2, 5, 10]";
  int value = 0;
  try {
    value = parse_int_in(text, 1, 10);
  } catch (const Problem&) {
    throw Problem{kProblem};
  }
  if (value != 1 && value != 2 && value != 5 && value != 10) throw Problem{kProblem};
  return value;
}

std::string show_double(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

std::vector<std::string> parse_watchlist(std::string_view text) {
  const std::string clean = trimmed(text);
  std::vector<std::string> symbols;
  if (!clean.empty() && clean.front() == '[') {
    try {
      symbols = detail::parse_string_array(clean);
    } catch (const detail::JsonSyntaxError& e) {
      throw Problem{std::string("must be a JSON list of symbols or a comma-separated list (") +
                    e.what() + ")"};
    }
  } else {
    std::string part;
    std::istringstream in(clean);
    while (std::getline(in, part, ',')) symbols.push_back(trimmed(part));
    if (symbols.size() == 1 && symbols.front().empty()) symbols.clear();
  }
  if (symbols.empty()) throw Problem{"Watchlist must not be empty"};
  for (const auto& symbol : symbols) {
    if (!core::is_valid_symbol(symbol)) {
      throw Problem{"Invalid symbol: " + detail::shown(symbol) +
                    " (upper-case letters, e.g. AAPL or BRK.B)"};
    }
  }
  return symbols;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

// ---- the key table -----------------------------------------------------------------------------

struct Key {
  std::string variable;
  std::string group;
  std::string label;
  std::string description;
  std::string allowed;
  bool secret = false;
  std::function<void(Settings&, std::string_view)> apply;
  std::function<std::string(const Settings&)> show;
  // Errors never show the value (issue 11 item 3): secrets, URLs (user:password@) and every key
  // of a section that holds secrets (a key pasted one line off lands in a neighbour).
  bool sensitive = false;
};

template <class Get>
Key decimal_key(std::string variable, std::string group, std::string label, std::string description,
                Get get, std::string_view lo_text, std::string_view hi_text) {
  const Decimal lo = Decimal::parse(lo_text);
  const Decimal hi = Decimal::parse(hi_text);
  std::string range = std::string(lo_text) + ".." + std::string(hi_text);
  return Key{std::move(variable),
             std::move(group),
             std::move(label),
             std::move(description),
             range,
             false,
             [get, lo, hi, range](Settings& s, std::string_view v) {
               get(s) = parse_decimal_in(v, lo, hi, range);
             },
             [get](const Settings& s) { return get(s).to_string(); }};
}

template <class Get>
Key int_key(std::string variable, std::string group, std::string label, std::string description,
            Get get, int lo, int hi) {
  return Key{std::move(variable),
             std::move(group),
             std::move(label),
             std::move(description),
             fmt::format("{}..{}", lo, hi),
             false,
             [get, lo, hi](Settings& s, std::string_view v) { get(s) = parse_int_in(v, lo, hi); },
             [get](const Settings& s) { return std::to_string(get(s)); }};
}

template <class Get>
Key double_key(std::string variable, std::string group, std::string label, std::string description,
               Get get, double lo, double hi, bool bounded = true) {
  const std::string range = bounded ? show_double(lo) + ".." + show_double(hi) : "";
  return Key{std::move(variable),
             std::move(group),
             std::move(label),
             std::move(description),
             range,
             false,
             [get, lo, hi, bounded, range](Settings& s, std::string_view v) {
               const double value = parse_double(v);
               if (bounded && (value < lo || value > hi)) throw Problem{"must be between " + range};
               get(s) = value;
             },
             [get](const Settings& s) { return show_double(get(s)); }};
}

template <class Get>
Key bool_key(std::string variable, std::string group, std::string label, std::string description,
             Get get) {
  return Key{std::move(variable),
             std::move(group),
             std::move(label),
             std::move(description),
             "true/false",
             false,
             [get](Settings& s, std::string_view v) { get(s) = parse_bool(v); },
             [get](const Settings& s) { return std::string(get(s) ? "True" : "False"); }};
}

template <class Get>
Key choice_key(std::string variable, std::string group, std::string label, std::string description,
               Get get, std::vector<std::string> choices, bool upper_case) {
  std::string allowed = "one of " + join(choices, ", ");
  return Key{std::move(variable),
             std::move(group),
             std::move(label),
             std::move(description),
             std::move(allowed),
             false,
             [get, choices = std::move(choices), upper_case](Settings& s, std::string_view v) {
               const std::string value = upper_case ? to_upper(trimmed(v)) : to_lower(trimmed(v));
               if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
                 throw Problem{"must be one of " + join(choices, ", ")};
               }
               get(s) = value;
             },
             [get](const Settings& s) { return get(s); }};
}

template <class Get>
Key url_key(std::string variable, std::string group, std::string label, std::string description,
            Get get) {
  // Issue 11 item 5: requests to this URL carry the API keys.
  Key key{std::move(variable),
          std::move(group),
          std::move(label),
          std::move(description),
          "https:// URL; http:// only for localhost, 127.0.0.0/8, ::1",
          false,
          [get](Settings& s, std::string_view v) {
            std::string value = trimmed(v);
            if (std::string problem = key_url_problem(value); !problem.empty()) {
              throw Problem{std::move(problem)};
            }
            while (!value.empty() && value.back() == '/') value.pop_back();
            get(s) = value;
          },
          [get](const Settings& s) { return get(s); }};
  key.sensitive = true;
  return key;
}

template <class Get>
Key secret_key(std::string variable, std::string group, std::string label, std::string description,
               Get get) {
  return Key{
      std::move(variable),
      std::move(group),
      std::move(label),
      std::move(description),
      "",
      true,
      [get](Settings& s, std::string_view v) {
        std::string value = trimmed(v);
        // The keys go into HTTP header lines as they are.
        const bool printable = std::all_of(value.begin(), value.end(), [](char c) {
          return c > ' ' && c < 0x7f && c != '"' && c != '\'';
        });
        if (!printable || value.size() > 256) {
          throw Problem{"must be at most 256 printable ASCII characters without spaces or quotes"};
        }
        get(s) = Secret(std::move(value));
      },
      [get](const Settings& s) { return get(s).masked(); }};
}

std::vector<Key> make_keys() {
  std::vector<Key> keys;
  const std::string general = "General";
  keys.push_back(Key{
      "ALGO_LOG_LEVEL", general, "Log Level", "Minimum level of log records written to stderr",
      "one of DEBUG, INFO, WARNING, ERROR, CRITICAL", false,
      [](Settings& s, std::string_view v) {
        const std::string value = to_upper(trimmed(v));
        static constexpr LogLevel kLevels[] = {LogLevel::debug, LogLevel::info, LogLevel::warning,
                                               LogLevel::error, LogLevel::critical};
        for (const LogLevel level : kLevels) {
          if (value == to_string(level)) {
            s.log.level = level;
            return;
          }
        }
        throw Problem{"log_level must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"};
      },
      [](const Settings& s) { return std::string(to_string(s.log.level)); }});
  keys.push_back(Key{"ALGO_LOG_FORMAT", general, "Log Format",
                     "console (key=value lines) or json (one object per line)",
                     "one of console, json", false,
                     [](Settings& s, std::string_view v) {
                       const std::string value = to_lower(trimmed(v));
                       if (value == "console") {
                         s.log.format = LogFormat::console;
                       } else if (value == "json") {
                         s.log.format = LogFormat::json;
                       } else {
                         throw Problem{"must be one of console, json"};
                       }
                     },
                     [](const Settings& s) { return std::string(to_string(s.log.format)); }});
  keys.push_back(Key{"ALGO_DB_PATH", general, "DB Path",
                     "SQLite database file (relative to the working directory)", "a file path",
                     false,
                     [](Settings& s, std::string_view v) {
                       std::string value = trimmed(v);
                       if (value.empty()) throw Problem{"must not be empty"};
                       s.db_path = std::move(value);
                     },
                     [](const Settings& s) { return s.db_path; }});
  keys.push_back(int_key(
      "ALGO_DB_BUSY_TIMEOUT_MS", general, "DB Busy Timeout (ms)",
      "How long a writer waits for another writer's lock",
      [](auto& s) -> auto& { return s.db_busy_timeout_ms; }, 0, 600000));
  keys.push_back(Key{"ALGO_WATCHLIST", general, "Watchlist",
                     "Symbols to trade: a JSON list or comma-separated",
                     "non-empty list of symbols", false,
                     [](Settings& s, std::string_view v) { s.watchlist = parse_watchlist(v); },
                     [](const Settings& s) { return join(s.watchlist, ", "); }});

  const std::string broker = "Broker";
  keys.push_back(choice_key(
      "ALGO_BROKER__PROVIDER", broker, "Provider", "Broker implementation",
      [](auto& s) -> auto& { return s.broker.provider; }, {"alpaca"}, false));
  keys.push_back(bool_key(
      "ALGO_BROKER__PAPER", broker, "Paper",
      "Paper trading (True) or live trading with real money (False)",
      [](auto& s) -> auto& { return s.broker.paper; }));
  keys.push_back(choice_key(
      "ALGO_BROKER__FEED", broker, "Feed", "Market data feed: iex (free) or sip (paid)",
      [](auto& s) -> auto& { return s.broker.feed; }, {"iex", "sip"}, false));
  keys.push_back(secret_key(
      "ALGO_BROKER__API_KEY", broker, "API Key", "Alpaca API key id",
      [](auto& s) -> auto& { return s.broker.api_key; }));
  keys.push_back(secret_key(
      "ALGO_BROKER__SECRET_KEY", broker, "Secret Key", "Alpaca API secret key",
      [](auto& s) -> auto& { return s.broker.secret_key; }));
  keys.push_back(url_key(
      "ALGO_BROKER__DATA_URL", broker, "Data URL", "Alpaca market-data REST base URL",
      [](auto& s) -> auto& { return s.broker.data_url; }));

  const std::string risk = "Risk";
  keys.push_back(decimal_key(
      "ALGO_RISK__MAX_RISK_PER_TRADE_PCT", risk, "Max Risk/Trade",
      "Risk budget per trade as a fraction of equity",
      [](auto& s) -> auto& { return s.risk.max_risk_per_trade_pct; }, "0.001", "0.05"));
  keys.push_back(decimal_key(
      "ALGO_RISK__MAX_RISK_PER_TRADE_ABS", risk, "Max Risk/Trade ($)",
      "Risk budget per trade in dollars",
      [](auto& s) -> auto& { return s.risk.max_risk_per_trade_abs; }, "10", "5000"));
  keys.push_back(decimal_key(
      "ALGO_RISK__MAX_POSITION_PCT", risk, "Max Position",
      "Largest position as a fraction of equity",
      [](auto& s) -> auto& { return s.risk.max_position_pct; }, "0.01", "0.25"));
  keys.push_back(decimal_key(
      "ALGO_RISK__MAX_DAILY_LOSS_PCT", risk, "Max Daily Loss",
      "Realized daily loss (fraction of start-of-day equity) that pauses trading",
      [](auto& s) -> auto& { return s.risk.max_daily_loss_pct; }, "0.01", "0.10"));
  keys.push_back(int_key(
      "ALGO_RISK__MAX_OPEN_POSITIONS", risk, "Max Open Positions",
      "Open positions plus pending entries (F6)",
      [](auto& s) -> auto& { return s.risk.max_open_positions; }, 1, 20));
  keys.push_back(int_key(
      "ALGO_RISK__CONSECUTIVE_LOSS_PAUSE", risk, "Consecutive Loss Pause",
      "Consecutive losing trades that pause trading for the day",
      [](auto& s) -> auto& { return s.risk.consecutive_loss_pause; }, 2, 10));
  keys.push_back(decimal_key(
      "ALGO_RISK__EMERGENCY_STOP_PCT", risk, "Emergency Stop",
      "Stop distance (fraction) for positions found without a stop",
      [](auto& s) -> auto& { return s.risk.emergency_stop_pct; }, "0.005", "0.10"));

  const std::string velez = "Velez";
  keys.push_back(bool_key(
      "ALGO_VELEZ__ENABLED", velez, "Enabled", "Whether live trading runs Velez",
      [](auto& s) -> auto& { return s.velez.enabled; }));
  keys.push_back(int_key(
      "ALGO_VELEZ__SMA_FAST", velez, "SMA Fast", "Fast SMA period (candles)",
      [](auto& s) -> auto& { return s.velez.sma_fast; }, 5, 50));
  keys.push_back(int_key(
      "ALGO_VELEZ__SMA_SLOW", velez, "SMA Slow", "Slow SMA period (candles); also the warm-up",
      [](auto& s) -> auto& { return s.velez.sma_slow; }, 100, 500));
  keys.push_back(Key{
      "ALGO_VELEZ__CANDLE_INTERVAL_MINUTES", velez, "Candle Interval (min)",
      "Candle size the strategy runs on", "one of 1, 2, 5, 10", false,
      [](Settings& s, std::string_view v) { s.velez.candle_interval_minutes = parse_interval(v); },
      [](const Settings& s) { return std::to_string(s.velez.candle_interval_minutes); }});
  keys.push_back(double_key(
      "ALGO_VELEZ__TIGHTNESS_THRESHOLD_PCT", velez, "Tightness Threshold %",
      "Max SMA spread as % of close (exclusive)",
      [](auto& s) -> auto& { return s.velez.tightness_threshold_pct; }, 0.5, 5.0));
  keys.push_back(double_key(
      "ALGO_VELEZ__STRONG_CANDLE_BODY_PCT", velez, "Strong Candle Body %",
      "Body/range % for a strong candle (inclusive)",
      [](auto& s) -> auto& { return s.velez.strong_candle_body_pct; }, 30.0, 80.0));
  keys.push_back(decimal_key(
      "ALGO_VELEZ__STOP_BUFFER_PCT", velez, "Stop Buffer %",
      "Percent (not fraction) of the signal low used as stop buffer",
      [](auto& s) -> auto& { return s.velez.stop_buffer_pct; }, "0.05", "1.0"));
  keys.push_back(decimal_key(
      "ALGO_VELEZ__STOP_BUFFER_MIN", velez, "Stop Buffer Min ($)", "Minimum stop buffer in dollars",
      [](auto& s) -> auto& { return s.velez.stop_buffer_min; }, "0.01", "0.10"));
  keys.push_back(int_key(
      "ALGO_VELEZ__BUY_STOP_EXPIRY_CANDLES", velez, "Buy-Stop Expiry (candles)",
      "Candles a pending buy-stop may live",
      [](auto& s) -> auto& { return s.velez.buy_stop_expiry_candles; }, 1, 5));
  keys.push_back(int_key(
      "ALGO_VELEZ__MAX_RUN_CANDLES", velez, "Max Run Candles",
      "Consecutive strong candles while trailing that force an exit",
      [](auto& s) -> auto& { return s.velez.max_run_candles; }, 2, 10));
  keys.push_back(double_key(
      "ALGO_VELEZ__DOJI_THRESHOLD_PCT", velez, "Doji Threshold %",
      "Body/range % below which a candle is a doji (exclusive)",
      // Issue 11 item 17: the reference declares no range; a body is 0..100 % of the range.
      [](auto& s) -> auto& { return s.velez.doji_threshold_pct; }, 0.0, 100.0));

  const std::string crossover = "SMA Crossover";
  keys.push_back(int_key(
      "ALGO_SMA_CROSSOVER__FAST", crossover, "SMA Fast", "Fast SMA period (candles)",
      [](auto& s) -> auto& { return s.sma_crossover.fast; }, 2, 100));
  keys.push_back(int_key(
      "ALGO_SMA_CROSSOVER__SLOW", crossover, "SMA Slow",
      "Slow SMA period (candles); must exceed the fast one",
      [](auto& s) -> auto& { return s.sma_crossover.slow; }, 5, 400));
  keys.push_back(int_key(
      "ALGO_SMA_CROSSOVER__ATR_PERIOD", crossover, "ATR Period",
      "ATR period (candles) for the stop distance",
      [](auto& s) -> auto& { return s.sma_crossover.atr_period; }, 2, 100));
  keys.push_back(double_key(
      "ALGO_SMA_CROSSOVER__ATR_MULTIPLIER", crossover, "ATR Multiplier",
      "Stop distance below the entry, in ATRs",
      [](auto& s) -> auto& { return s.sma_crossover.atr_multiplier; }, 0.5, 10.0));
  keys.push_back(Key{
      "ALGO_SMA_CROSSOVER__CANDLE_INTERVAL_MINUTES", crossover, "Candle Interval (min)",
      "Candle size the strategy runs on", "one of 1, 2, 5, 10", false,
      [](Settings& s, std::string_view v) {
        s.sma_crossover.candle_interval_minutes = parse_interval(v);
      },
      [](const Settings& s) { return std::to_string(s.sma_crossover.candle_interval_minutes); }});
  keys.push_back(int_key(
      "ALGO_SMA_CROSSOVER__ENTRY_EXPIRY_CANDLES", crossover, "Entry Expiry (candles)",
      "Candles a pending buy-stop may live",
      [](auto& s) -> auto& { return s.sma_crossover.entry_expiry_candles; }, 1, 10));

  const std::string web = "Web";
  keys.push_back(Key{"ALGO_WEB__HOST", web, "Host", "Address the status endpoint binds to",
                     "a host name or address", false,
                     [](Settings& s, std::string_view v) {
                       std::string value = trimmed(v);
                       if (value.empty()) throw Problem{"must not be empty"};
                       s.web.host = std::move(value);
                     },
                     [](const Settings& s) { return s.web.host; }});
  keys.push_back(int_key(
      "ALGO_WEB__PORT", web, "Port", "Port of the status endpoint",
      [](auto& s) -> auto& { return s.web.port; }, 1, 65535));

  const std::string backtest = "Backtest";
  keys.push_back(decimal_key(
      "ALGO_BACKTEST__INITIAL_CAPITAL", backtest, "Initial Capital", "Starting cash of a backtest",
      [](auto& s) -> auto& { return s.backtest.initial_capital; }, "1000", "10000000"));
  keys.push_back(decimal_key(
      "ALGO_BACKTEST__SLIPPAGE_PER_SHARE", backtest, "Slippage/Share",
      "Simulated slippage per share, against the order",
      [](auto& s) -> auto& { return s.backtest.slippage_per_share; }, "0", "1"));
  keys.push_back(decimal_key(
      "ALGO_BACKTEST__COMMISSION_PER_SHARE", backtest, "Commission/Share",
      "F10: commission per share traded",
      [](auto& s) -> auto& { return s.backtest.commission_per_share; }, "0", "1"));
  keys.push_back(decimal_key(
      "ALGO_BACKTEST__COMMISSION_PER_ORDER", backtest, "Commission/Order",
      "F10: commission per filled order",
      [](auto& s) -> auto& { return s.backtest.commission_per_order; }, "0", "100"));
  keys.push_back(decimal_key(
      "ALGO_BACKTEST__COMMISSION_MIN", backtest, "Commission Minimum",
      "F10: minimum commission per filled order",
      [](auto& s) -> auto& { return s.backtest.commission_min; }, "0", "100"));
  keys.push_back(decimal_key(
      "ALGO_BACKTEST__SEC_FEE_RATE", backtest, "SEC Fee Rate",
      "F10: SEC fee on sells, as a fraction of proceeds (e.g. 0.0000278)",
      [](auto& s) -> auto& { return s.backtest.sec_fee_rate; }, "0", "0.001"));
  keys.push_back(decimal_key(
      "ALGO_BACKTEST__FINRA_TAF_PER_SHARE", backtest, "FINRA TAF/Share",
      "F10: FINRA trading activity fee per share sold (e.g. 0.000166)",
      [](auto& s) -> auto& { return s.backtest.finra_taf_per_share; }, "0", "0.01"));
  keys.push_back(decimal_key(
      "ALGO_BACKTEST__FINRA_TAF_MAX", backtest, "FINRA TAF Max",
      "F10: cap of the FINRA fee per sell (0 = no cap)",
      [](auto& s) -> auto& { return s.backtest.finra_taf_max; }, "0", "100"));
  keys.push_back(bool_key(
      "ALGO_BACKTEST__PESSIMISTIC_FILLS", backtest, "Pessimistic Fills",
      "F11: if the entry bar's low touches the planned stop, take the stop",
      [](auto& s) -> auto& { return s.backtest.pessimistic_fills; }));
  return keys;
}

// A section's name: ALGO_BROKER for ALGO_BROKER__API_KEY, "" for ALGO_DB_PATH.
std::string_view section_of(std::string_view variable) {
  const std::size_t separator = variable.find("__");
  return separator == std::string_view::npos ? std::string_view{} : variable.substr(0, separator);
}

std::vector<Key> make_sensitive_keys() {
  std::vector<Key> table = make_keys();
  for (const Key& secret : table) {
    if (!secret.secret) continue;
    for (Key& key : table) {
      if (key.secret || (!section_of(key.variable).empty() &&
                         section_of(key.variable) == section_of(secret.variable))) {
        key.sensitive = true;
      }
    }
  }
  return table;
}

const std::vector<Key>& keys() {
  static const std::vector<Key> table = make_sensitive_keys();  // immutable after first use
  return table;
}

// Sections that may be given as one JSON object.
constexpr std::string_view kSections[] = {"ALGO_BROKER", "ALGO_RISK",          "ALGO_VELEZ",
                                          "ALGO_WEB",    "ALGO_SMA_CROSSOVER", "ALGO_BACKTEST"};

const Key* find_key(std::string_view upper_name) {
  for (const Key& key : keys()) {
    if (key.variable == upper_name) return &key;
  }
  return nullptr;
}

bool is_section(std::string_view upper_name) {
  return std::find(std::begin(kSections), std::end(kSections), upper_name) != std::end(kSections);
}

// The error for a value `key` refuses: the value only when it cannot hold a secret. A value from
// a JSON section is part of that section's value, which may hold the keys (issue 11 item 3).
ConfigError value_error(const Key& key, std::string_view value, const std::string& section,
                        std::string problem) {
  if (!section.empty()) {
    const std::string field = to_lower(std::string_view(key.variable).substr(section.size() + 2));
    return {key.variable,
            fmt::format("{} (field {} of {}; the value is not shown: {})", problem, field, section,
                        key.secret ? "it is a secret" : "a JSON section may hold secrets")};
  }
  if (!key.sensitive) return {key.variable, detail::shown(value), std::move(problem)};
  return {key.variable,
          std::move(problem) + (key.secret ? " (the value is not shown: it is a secret)"
                                           : " (the value is not shown: it may hold secrets)")};
}

// An unknown ALGO_ name, shown unless a value seems glued to a known name
// (ALGO_BROKER__API_KEYPK...=, a missing '=' in the environment).
ConfigError unknown_name(const std::string& name) {
  const std::string suggestion = closest_variable(name);
  const std::string hint = suggestion.empty()
                               ? "; `trader-config --env-example` lists every setting"
                               : "; did you mean " + suggestion + "?";
  for (const Key& key : keys()) {
    if (name.size() >= key.variable.size() + 8 && name.starts_with(key.variable)) {
      return {key.variable + "...",
              fmt::format("unknown setting: {} followed by {} more characters (not shown: a "
                          "value may be joined to the name){}",
                          key.variable, name.size() - key.variable.size(), hint)};
    }
  }
  return {name, "unknown setting" + hint};
}

struct Assignment {
  std::string value;
  Source source = Source::default_value;
  std::string section;  // ALGO_RISK when the value came from that JSON section, else ""
};

}  // namespace

ConfigError::ConfigError(std::string variable, std::string shown_value, std::string problem)
    : Error(variable + "=" + shown_value + ": " + problem),
      variable_(std::move(variable)),
      shown_value_(std::move(shown_value)),
      problem_(std::move(problem)) {}

ConfigError::ConfigError(std::string variable, std::string problem)
    : Error(variable + ": " + problem),
      variable_(std::move(variable)),
      problem_(std::move(problem)),
      value_shown_(false) {}

std::string ConfigError::describe(std::string_view name) const {
  std::string out(name);
  if (value_shown_) out += "=" + shown_value_;
  return out + ": " + problem_;
}

namespace {
std::string join_errors(const std::vector<ConfigError>& errors) {
  std::string out = fmt::format("invalid configuration ({} error{}):", errors.size(),
                                errors.size() == 1 ? "" : "s");
  for (const auto& e : errors) out += std::string("\n  ") + e.what();
  return out;
}
}  // namespace

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors)
    : Error(join_errors(errors)), errors_(std::move(errors)) {}

std::string_view to_string(Source source) noexcept {
  switch (source) {
    case Source::default_value:
      return "default";
    case Source::dotenv:
      return ".env";
    case Source::environment:
      return "env";
    case Source::command_line:
      return "--param";
  }
  return "default";
}

std::string closest_variable(std::string_view name) {
  const std::string upper = to_upper(name);
  std::vector<std::string> names;
  names.reserve(keys().size());
  for (const Key& key : keys()) names.push_back(key.variable);
  std::string nearest = core::closest(upper, names);
  // ALGO_FOO is no typo of ALGO_DB_PATH: a suggestion must be within a quarter of the name, and
  // within 4 edits, so a name shown with its suggestion holds no long piece of anything else.
  const std::size_t stem = upper.starts_with("ALGO_") ? upper.size() - 5 : upper.size();
  const std::size_t limit = std::clamp<std::size_t>(stem / 4, 1, 4);
  if (nearest.empty() || core::edit_distance(upper, nearest) > limit) {
    return "";
  }
  return nearest;
}

namespace detail {

bool is_setting_name(std::string_view name) {
  const std::string upper = to_upper(name);
  return is_section(upper) || find_key(upper) != nullptr;
}

std::string shown(std::string_view value) {
  constexpr std::size_t kLimit = 60;
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i == kLimit) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(value[i]);
    if (byte < 0x20 || byte >= 0x7f || byte == '\\') {
      out += fmt::format("\\x{:02X}", byte);
    } else {
      out += value[i];
    }
  }
  return out;
}

}  // namespace detail

Sources Sources::from_process(const std::filesystem::path& dir) {
  Sources sources;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string name = to_upper(text.substr(0, equals));
    if (name.rfind("ALGO_", 0) != 0) continue;
    sources.environment.emplace_back(std::string(text.substr(0, equals)),
                                     std::string(text.substr(equals + 1)));
  }
  // TRADER_DOTENV names the .env file when it is not in the working directory (the container
  // sees the project's .env through a read-only mount).
  const char* override_path = std::getenv("TRADER_DOTENV");
  const std::filesystem::path file = override_path != nullptr && *override_path != '\0'
                                         ? std::filesystem::path(override_path)
                                         : dir / ".env";
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec)) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError(file.string(), "cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    sources.dotenv_path = file.string();
    sources.dotenv = parse_dotenv(text.str(), file.lexically_normal().string());
  }
  return sources;
}

LoadResult inspect(const Sources& sources) {
  LoadResult result;
  std::map<std::string, Assignment> direct;            // key variable -> value
  std::map<std::string, Assignment> sections;          // key variable -> value from a JSON section
  std::map<std::string, std::string> dotenv_sections;  // section -> its value in .env
  // One JSON section value. It may hold both keys, so an error describes it by position only
  // (issue 11 item 3), and a field name is shown only when it is, or is near, a known field.
  const auto take_section = [&](const std::string& name, const std::string& value, Source source) {
    std::vector<std::pair<std::string, std::string>> fields;
    try {
      fields = detail::parse_flat_object(value);
    } catch (const detail::JsonSyntaxError& e) {
      result.errors.emplace_back(name, std::string("not a JSON object: ") + e.what() +
                                           " (the value is not shown: it may hold secrets)");
      return;
    }
    std::vector<std::string> seen;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto& [field, field_value] = fields[i];
      const std::string variable = name + "__" + to_upper(field);
      const Key* key = find_key(variable);
      if (key == nullptr) {
        const bool plain = !field.empty() && std::all_of(field.begin(), field.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_';
        });
        const std::string nearest = plain ? closest_variable(variable) : "";
        if (!nearest.empty() && nearest.starts_with(name + "__")) {
          result.errors.emplace_back(
              name, fmt::format("field {} '{}' is not a setting; did you mean '{}'?", i + 1, field,
                                to_lower(std::string_view(nearest).substr(name.size() + 2))));
        } else {
          std::string known;
          for (const Key& k : keys()) {
            if (section_of(k.variable) != name) continue;
            known += (known.empty() ? "" : ", ") +
                     to_lower(std::string_view(k.variable).substr(name.size() + 2));
          }
          result.errors.emplace_back(
              name, fmt::format("field {} is not a setting of this section (its name is not "
                                "shown: it may hold secrets); the fields are {}",
                                i + 1, known));
        }
        continue;
      }
      // Issue 11 item 21: {"api_key":"a","api_key":"b"} must not keep one silently.
      if (std::find(seen.begin(), seen.end(), variable) != seen.end()) {
        result.errors.emplace_back(
            name, fmt::format("field '{}' appears twice (again as field {}); remove one",
                              to_lower(field), i + 1));
        continue;
      }
      seen.push_back(variable);
      sections[variable] = Assignment{field_value, source, name};
    }
  };
  const auto take = [&](const Variables& variables, Source source) {
    for (const auto& [raw_name, value] : variables) {
      const std::string name = to_upper(raw_name);
      if (name.rfind("ALGO_", 0) != 0) continue;  // not ours (a .env may hold other tools' keys)
      // The environment allows any name; one with, say, ':' may hold a key (ALGO_X:PK...=).
      const auto bad = std::find_if_not(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
      });
      if (bad != name.end()) {
        result.errors.emplace_back(
            std::string(to_string(source)),
            fmt::format("a variable named ALGO_... has a character not allowed in names at "
                        "character {} (the name is not shown: it may hold secrets)",
                        bad - name.begin() + 1));
        continue;
      }
      if (find_key(name) != nullptr) {
        // An environment variable holding exactly its .env value came from the .env file
        // (a shell's `set -a; . .env`, Compose's env_file): report it as such.
        const auto earlier = direct.find(name);
        if (source == Source::environment && earlier != direct.end() &&
            earlier->second.source == Source::dotenv && earlier->second.value == value) {
          continue;
        }
        direct[name] = Assignment{value, source, ""};
        continue;
      }
      if (is_section(name)) {
        if (source == Source::dotenv) dotenv_sections[name] = value;
        const auto earlier = dotenv_sections.find(name);
        if (source == Source::environment && earlier != dotenv_sections.end() &&
            earlier->second == value) {
          continue;  // the .env value again: its errors are already listed
        }
        take_section(name, value, source);
        continue;
      }
      result.errors.push_back(unknown_name(name));
    }
  };
  take(sources.dotenv, Source::dotenv);
  take(sources.environment, Source::environment);
  take(sources.command_line, Source::command_line);

  for (const Key& key : keys()) {
    const Assignment* assignment = nullptr;
    if (const auto it = direct.find(key.variable); it != direct.end()) {
      assignment = &it->second;
    } else if (const auto s = sections.find(key.variable); s != sections.end()) {
      assignment = &s->second;
    }
    Source source = Source::default_value;
    if (assignment != nullptr) {
      try {
        key.apply(result.settings, assignment->value);
        source = assignment->source;
      } catch (const Problem& problem) {
        result.errors.push_back(
            value_error(key, assignment->value, assignment->section, problem.text));
      }
    }
    result.keys.push_back(KeyReport{key.variable, key.group, key.label, key.show(result.settings),
                                    key.allowed, key.description, source, key.secret});
  }
  if (result.settings.sma_crossover.fast >= result.settings.sma_crossover.slow) {
    result.errors.emplace_back("ALGO_SMA_CROSSOVER__FAST",
                               std::to_string(result.settings.sma_crossover.fast),
                               "must be below ALGO_SMA_CROSSOVER__SLOW (" +
                                   std::to_string(result.settings.sma_crossover.slow) + ")");
  }
  return result;
}

Settings load(const Sources& sources) {
  LoadResult result = inspect(sources);
  if (!result.errors.empty()) throw ConfigErrors(std::move(result.errors));
  return std::move(result.settings);
}

}  // namespace trader::config
