#include <trader/backtest/run_archive.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <trader/core/version.hpp>
#include <trader/store/repositories.hpp>

#include "core/json_write.hpp"

namespace trader::backtest {
namespace {

namespace json = boost::json;
using core::detail::to_json;

std::string money(Decimal d) { return d.to_string_min(2); }

json::array strings(std::span<const std::string> items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

json::object trade_object(const std::string& symbol, const engine::Trade& t) {
  return json::object{{"symbol", symbol},
                      {"side", "buy"},
                      {"qty", std::to_string(t.qty)},
                      {"entry_at", core::format_timestamp(t.entry_at)},
                      {"entry_price", money(t.entry_price)},
                      {"exit_at", core::format_timestamp(t.exit_at)},
                      {"exit_price", money(t.exit_price)},
                      {"exit_reason", engine::to_string(t.exit_reason)},
                      {"pnl", money(t.pnl)},
                      {"costs", money(t.costs)}};
}

json::object metrics_object(const Metrics& m) {
  return json::object{{"total_trades", m.total_trades},
                      {"winning_trades", m.winning_trades},
                      {"losing_trades", m.losing_trades},
                      {"win_rate", m.win_rate},
                      {"total_return", money(m.total_return)},
                      {"total_return_pct", m.total_return_pct.to_string_min(2)},
                      {"final_equity", money(m.final_equity)},
                      {"profit_factor", m.profit_factor},
                      {"sharpe_ratio", m.sharpe_ratio},
                      {"max_drawdown", m.max_drawdown},
                      {"max_drawdown_pct", m.max_drawdown_pct},
                      {"avg_win", money(m.avg_win)},
                      {"avg_loss", money(m.avg_loss)},
                      {"largest_win", money(m.largest_win)},
                      {"largest_loss", money(m.largest_loss)},
                      {"avg_trade_duration", m.avg_trade_duration},
                      {"cagr", m.cagr},
                      {"sortino_ratio", m.sortino_ratio},
                      {"exposure_pct", m.exposure_pct},
                      {"avg_r_multiple", m.avg_r_multiple},
                      {"max_consecutive_losses", m.max_consecutive_losses},
                      {"total_costs", money(m.total_costs)},
                      {"exits", json::object{{"stop_loss", m.exits_stop_loss},
                                             {"strategy_exit", m.exits_strategy},
                                             {"session_close", m.exits_session_close}}}};
}

// ---- comparing two runs -------------------------------------------------------------------------

// A JSON column parsed, or nullopt when it is not JSON (a damaged row compares as text).
std::optional<json::value> parsed(const std::string& text) {
  try {
    return core::detail::parse_json(text, "a stored column");
  } catch (const Error&) {
    return std::nullopt;
  }
}

// One line per key whose value differs ("key: a -> b", "(none)" for a missing key); nested
// objects by dotted key.
void diff_values(const std::string& name, const json::value* a, const json::value* b,
                 std::vector<std::string>& out) {
  if (a != nullptr && b != nullptr && a->is_object() && b->is_object()) {
    const auto prefix = name.empty() ? std::string() : name + ".";
    for (const auto& member : a->get_object()) {
      const std::string key(member.key());
      diff_values(prefix + key, &member.value(), b->get_object().if_contains(member.key()), out);
    }
    for (const auto& member : b->get_object()) {
      if (!a->get_object().contains(member.key())) {
        diff_values(prefix + std::string(member.key()), nullptr, &member.value(), out);
      }
    }
    return;
  }
  if (a != nullptr && b != nullptr && *a == *b) return;
  out.push_back(fmt::format("{}: {} -> {}", name.empty() ? "value" : name,
                            a != nullptr ? to_json(*a) : "(none)",
                            b != nullptr ? to_json(*b) : "(none)"));
}

void diff_json(const std::string& name, const std::string& a, const std::string& b,
               std::vector<std::string>& out) {
  if (a == b) return;
  const auto x = parsed(a);
  const auto y = parsed(b);
  if (!x || !y) {
    out.push_back(fmt::format("{}: {} -> {}", name, a, b));
    return;
  }
  diff_values(name, &*x, &*y, out);
}

template <class T>
void diff_field(const char* name, const T& a, const T& b, std::vector<std::string>& out) {
  if (!(a == b)) out.push_back(fmt::format("{}: {} -> {}", name, a, b));
}

const std::string& name_of(const ArchivedRun& run, const engine::Trade& t) {
  return run.run.symbols.at(data::index_of(t.symbol));
}

// Every field the archive keeps (the initial stop is not stored).
bool same_trade(const ArchivedRun& x, const engine::Trade& a, const ArchivedRun& y,
                const engine::Trade& b) {
  return name_of(x, a) == name_of(y, b) && a.qty == b.qty && a.entry_price == b.entry_price &&
         a.exit_price == b.exit_price && a.entry_at == b.entry_at && a.exit_at == b.exit_at &&
         a.costs == b.costs && a.pnl == b.pnl && a.duration_seconds == b.duration_seconds &&
         a.exit_reason == b.exit_reason;
}

std::string describe(const ArchivedRun& run, const engine::Trade* t) {
  if (t == nullptr) return "(none)";
  return fmt::format("{} {} {}..{} {} {} -> {} {} pnl {}", name_of(run, *t), t->qty,
                     core::format_timestamp(t->entry_at), core::format_timestamp(t->exit_at),
                     engine::to_string(t->exit_reason), t->entry_price.to_string(),
                     t->exit_price.to_string(), t->costs.to_string(), t->pnl.to_string());
}

constexpr std::size_t kTradeLines = 10;

}  // namespace

RunDiff compare_runs(const ArchivedRun& a, const ArchivedRun& b, const std::string& first,
                     const std::string& second) {
  RunDiff d;
  diff_json("", a.run.params_json, b.run.params_json, d.settings);
  diff_json("", a.run.settings_json, b.run.settings_json, d.settings);
  diff_field("data source", a.run.data_source, b.run.data_source, d.data);
  diff_field("bars", a.run.bar_count, b.run.bar_count, d.data);
  diff_field("bars fingerprint", a.run.bars_fingerprint, b.run.bars_fingerprint, d.data);
  if (a.trades.size() != b.trades.size()) {
    d.trades.push_back(
        fmt::format("trades: {} {}, {} {}", a.trades.size(), first, b.trades.size(), second));
  }
  std::size_t differing = 0;
  for (std::size_t i = 0; i < std::max(a.trades.size(), b.trades.size()); ++i) {
    const engine::Trade* x = i < a.trades.size() ? &a.trades[i] : nullptr;
    const engine::Trade* y = i < b.trades.size() ? &b.trades[i] : nullptr;
    if (x != nullptr && y != nullptr && same_trade(a, *x, b, *y)) continue;
    if (++differing <= kTradeLines) {
      d.trades.push_back(fmt::format("trade {}: {} -> {}", i + 1, describe(a, x), describe(b, y)));
    }
  }
  if (differing > kTradeLines) {
    d.trades.push_back(fmt::format("... and {} more trades differ", differing - kTradeLines));
  }
  diff_json("", a.run.metrics_json, b.run.metrics_json, d.metrics);
  diff_field("program", a.run.program_version, b.run.program_version, d.program);
  return d;
}

RunArchive::RunArchive(store::Database& db) : db_(db), runs_(store::make_run_repository(db)) {}
RunArchive::~RunArchive() = default;

std::int64_t RunArchive::save(const BacktestResult& result) {
  const ArchivedRun archived = to_archived_run(result);
  return runs_->insert(archived.run, archived.trades);
}

std::vector<store::StoredRun> RunArchive::list(int limit) { return runs_->list(limit); }

std::optional<store::StoredRun> RunArchive::find(std::int64_t id) { return runs_->find(id); }

ArchivedRun RunArchive::get(std::int64_t id) {
  auto run = runs_->find(id);
  if (!run) {
    throw BacktestError("no backtest run " + std::to_string(id) + " in " + db_.path().string());
  }
  ArchivedRun out{std::move(*run), runs_->trades(id)};
  return out;
}

RunDiff RunArchive::diff(std::int64_t a, std::int64_t b) {
  return compare_runs(get(a), get(b), "in run " + std::to_string(a), "in run " + std::to_string(b));
}

ArchivedRun to_archived_run(const BacktestResult& r) {
  ArchivedRun out;
  store::StoredRun& run = out.run;
  run.strategy = r.strategy;
  run.symbols.assign(r.symbols.names().begin(), r.symbols.names().end());
  run.start_date = r.start_date;
  run.end_date = r.end_date;
  run.initial_capital = r.initial_capital;
  // The reference's params object, its keys in its order.
  run.params_json = to_json(json::object{{"strategy", r.strategy},
                                         {"symbols", strings(run.symbols)},
                                         {"start_date", core::format_date(r.start_date)},
                                         {"end_date", core::format_date(r.end_date)},
                                         {"initial_capital", r.initial_capital.to_string()},
                                         {"slippage_per_share", r.slippage_per_share.to_string()},
                                         {"candle_interval_minutes", r.candle_interval_minutes}});
  run.total_return = r.metrics.total_return;
  run.win_rate = r.metrics.win_rate;
  run.profit_factor = r.metrics.profit_factor;
  run.sharpe_ratio = r.metrics.sharpe_ratio;
  run.max_drawdown = r.metrics.max_drawdown;
  run.total_trades = r.metrics.total_trades;
  json::array curve;
  for (const auto& day : r.daily_equity) {
    curve.emplace_back(
        json::object{{"date", core::format_date(day.date)}, {"equity", day.equity.to_string()}});
  }
  run.equity_curve_json = to_json(curve);
  run.created_at =
      std::chrono::time_point_cast<core::Microseconds>(std::chrono::system_clock::now());
  json::object settings;
  for (const auto& [variable, value] : r.settings) settings[variable] = value;
  run.settings_json = to_json(settings);
  run.data_source = r.data_source;
  run.bars_fingerprint = r.fingerprint;
  run.program_version = std::string(core::version());
  run.metrics_json = metrics_json(r.metrics);
  run.bar_count = r.bars;
  out.trades = r.trades;  // ids index r.symbols, whose names are run.symbols in order
  return out;
}

std::string metrics_json(const Metrics& m) { return to_json(metrics_object(m)); }

std::vector<std::pair<std::string, std::string>> settings_from_json(const std::string& text) {
  const auto value = parsed(text);
  std::vector<std::pair<std::string, std::string>> out;
  if (!value || !value->is_object()) {
    throw BacktestError("the stored settings are not a JSON object");
  }
  for (const auto& member : value->get_object()) {
    const auto* s = member.value().if_string();
    if (s == nullptr) {
      throw BacktestError("the stored setting " + std::string(member.key()) +
                          " is not a JSON string");
    }
    out.emplace_back(std::string(member.key()), std::string(s->data(), s->size()));
  }
  return out;
}

std::string result_json(const BacktestResult& r, std::optional<std::int64_t> run_id) {
  json::object parameters;
  for (const auto& [name, value] : r.parameters) parameters[name] = value;
  json::array trades;
  for (const auto& t : r.trades) trades.emplace_back(trade_object(r.symbol_of(t), t));
  json::object out{{"run_id", run_id ? json::value(*run_id) : json::value(nullptr)},
                   {"synthetic", r.synthetic},
                   {"data_source", r.data_source},
                   {"strategy", r.strategy},
                   {"symbols", strings(r.symbols.names())},
                   {"start_date", core::format_date(r.start_date)},
                   {"end_date", core::format_date(r.end_date)},
                   {"bars", r.bars},
                   {"parameters", std::move(parameters)},
                   {"trades", std::move(trades)},
                   {"metrics", metrics_object(r.metrics)},
                   {"warnings", strings(r.warnings)}};
  return to_json(out, core::detail::JsonLayout::records);
}

}  // namespace trader::backtest
