#pragma once
// The exact JSON of a sweep's metrics, shared by the shard files and the stored sweeps: every
// double as its shortest round-trip text (a JSON string, read back with from_chars: exact, where
// a JSON number read by Boost.JSON 1.81 could come back an ulp away), every amount as its exact
// decimal. And a reader whose every failure names the file (or column) and line. Private to
// src/sweep.

#include <fmt/core.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <trader/backtest/metrics.hpp>
#include <trader/sweep/shard_file.hpp>

namespace trader::sweep::detail {

namespace json = boost::json;
using core::Decimal;

// Doubles travel as text (their shortest round-trip form), read back with from_chars: exact,
// where a JSON number read by Boost.JSON 1.81 could come back an ulp away.
inline std::string exact(double value) { return fmt::format("{}", value); }

inline json::object metrics_object(const backtest::Metrics& m) {
  return json::object{{"total_trades", m.total_trades},
                      {"winning_trades", m.winning_trades},
                      {"losing_trades", m.losing_trades},
                      {"win_rate", exact(m.win_rate)},
                      {"total_return", m.total_return.to_string()},
                      {"total_return_pct", m.total_return_pct.to_string()},
                      {"final_equity", m.final_equity.to_string()},
                      {"profit_factor", exact(m.profit_factor)},
                      {"sharpe_ratio", exact(m.sharpe_ratio)},
                      {"max_drawdown", exact(m.max_drawdown)},
                      {"max_drawdown_pct", exact(m.max_drawdown_pct)},
                      {"avg_win", m.avg_win.to_string()},
                      {"avg_loss", m.avg_loss.to_string()},
                      {"largest_win", m.largest_win.to_string()},
                      {"largest_loss", m.largest_loss.to_string()},
                      {"avg_trade_duration", m.avg_trade_duration},
                      {"cagr", exact(m.cagr)},
                      {"sortino_ratio", exact(m.sortino_ratio)},
                      {"exposure_pct", exact(m.exposure_pct)},
                      {"avg_r_multiple", exact(m.avg_r_multiple)},
                      {"max_consecutive_losses", m.max_consecutive_losses},
                      {"total_costs", m.total_costs.to_string()},
                      {"exits_stop_loss", m.exits_stop_loss},
                      {"exits_strategy", m.exits_strategy},
                      {"exits_session_close", m.exits_session_close}};
}

// Reading: every field is required and of its type; a problem names the file and line.
class Reader {
 public:
  Reader(std::string file, std::size_t line) : file_(std::move(file)), line_(line) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw MergeError(fmt::format("{}:{}: {}", file_, line_, what));
  }
  const json::value& field(const json::object& o, const char* name) const {
    const auto* v = o.if_contains(name);
    if (v == nullptr) fail(fmt::format("no \"{}\"", name));
    return *v;
  }
  std::string text(const json::object& o, const char* name) const {
    const auto* s = field(o, name).if_string();
    if (s == nullptr) fail(fmt::format("\"{}\" is not a string", name));
    return std::string(s->data(), s->size());
  }
  std::int64_t integer(const json::object& o, const char* name) const {
    const auto* i = field(o, name).if_int64();
    if (i == nullptr) fail(fmt::format("\"{}\" is not an integer", name));
    return *i;
  }
  double real(const json::object& o, const char* name) const {
    const std::string t = text(o, name);
    double value = 0;
    if (t == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (t == "inf") return std::numeric_limits<double>::infinity();
    if (t == "-inf") return -std::numeric_limits<double>::infinity();
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (ec != std::errc() || end != t.data() + t.size())
      fail(fmt::format("\"{}\" is not a number", name));
    return value;
  }
  Decimal decimal(const json::object& o, const char* name) const {
    try {
      return Decimal::parse(text(o, name));
    } catch (const ParseError&) {
      fail(fmt::format("\"{}\" is not a decimal amount", name));
    }
  }
  const json::object& object(const json::object& o, const char* name) const {
    const auto* v = field(o, name).if_object();
    if (v == nullptr) fail(fmt::format("\"{}\" is not an object", name));
    return *v;
  }
  std::vector<std::string> strings(const json::object& o, const char* name) const {
    const auto* a = field(o, name).if_array();
    if (a == nullptr) fail(fmt::format("\"{}\" is not an array", name));
    std::vector<std::string> out;
    for (const auto& e : *a) {
      const auto* s = e.if_string();
      if (s == nullptr) fail(fmt::format("\"{}\" holds a non-string", name));
      out.emplace_back(s->data(), s->size());
    }
    return out;
  }
  std::vector<std::pair<std::string, std::string>> pairs(const json::object& o,
                                                         const char* name) const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& member : object(o, name)) {
      const auto* s = member.value().if_string();
      if (s == nullptr) fail(fmt::format("\"{}\" holds a non-string", name));
      out.emplace_back(std::string(member.key()), std::string(s->data(), s->size()));
    }
    return out;
  }

  backtest::Metrics metrics(const json::object& o) const {
    backtest::Metrics m;
    m.total_trades = integer(o, "total_trades");
    m.winning_trades = integer(o, "winning_trades");
    m.losing_trades = integer(o, "losing_trades");
    m.win_rate = real(o, "win_rate");
    m.total_return = decimal(o, "total_return");
    m.total_return_pct = decimal(o, "total_return_pct");
    m.final_equity = decimal(o, "final_equity");
    m.profit_factor = real(o, "profit_factor");
    m.sharpe_ratio = real(o, "sharpe_ratio");
    m.max_drawdown = real(o, "max_drawdown");
    m.max_drawdown_pct = real(o, "max_drawdown_pct");
    m.avg_win = decimal(o, "avg_win");
    m.avg_loss = decimal(o, "avg_loss");
    m.largest_win = decimal(o, "largest_win");
    m.largest_loss = decimal(o, "largest_loss");
    m.avg_trade_duration = integer(o, "avg_trade_duration");
    m.cagr = real(o, "cagr");
    m.sortino_ratio = real(o, "sortino_ratio");
    m.exposure_pct = real(o, "exposure_pct");
    m.avg_r_multiple = real(o, "avg_r_multiple");
    m.max_consecutive_losses = integer(o, "max_consecutive_losses");
    m.total_costs = decimal(o, "total_costs");
    m.exits_stop_loss = integer(o, "exits_stop_loss");
    m.exits_strategy = integer(o, "exits_strategy");
    m.exits_session_close = integer(o, "exits_session_close");
    return m;
  }

  void at_line(std::size_t line) { line_ = line; }

 private:
  std::string file_;
  std::size_t line_;
};

}  // namespace trader::sweep::detail
