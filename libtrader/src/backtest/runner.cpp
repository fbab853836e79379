#include <trader/backtest/runner.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <trader/backtest/market_data.hpp>
#include <trader/broker/sim_broker.hpp>
#include <trader/calendar/nyse.hpp>
#include <trader/core/json_text.hpp>
#include <trader/core/symbol.hpp>
#include <trader/core/version.hpp>
#include <trader/data/synthetic.hpp>
#include <trader/engine/engine.hpp>
#include <trader/log/log.hpp>
#include <trader/store/bar_store.hpp>
#include <trader/store/repositories.hpp>

#include "config/flat_json.hpp"

namespace trader::backtest {
namespace {

using core::Timestamp;

// ---- the bars' fingerprint (F5): 64-bit FNV-style mixing of every field, word by word ----------

class Fingerprint {
 public:
  void add_text(std::string_view text) {
    for (const char c : text) mix(static_cast<std::uint64_t>(static_cast<unsigned char>(c)));
    mix(0xff);
  }
  void add(const data::Bar& bar) {
    mix(static_cast<std::uint64_t>(core::to_unix_micros(bar.ts)));
    mix(static_cast<std::uint64_t>(bar.open.units()));
    mix(static_cast<std::uint64_t>(bar.high.units()));
    mix(static_cast<std::uint64_t>(bar.low.units()));
    mix(static_cast<std::uint64_t>(bar.close.units()));
    mix(static_cast<std::uint64_t>(bar.volume));
    mix(data::index_of(bar.symbol));
  }
  [[nodiscard]] std::string hex() const { return fmt::format("{:016x}", hash_); }

 private:
  void mix(std::uint64_t word) noexcept {
    hash_ ^= word;
    hash_ *= 0x100000001b3ULL;
    hash_ ^= hash_ >> 29;
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// ---- synthetic bars of several symbols, merged in (timestamp, symbol) order ---------------------

class SyntheticSource final : public data::BarSource {
 public:
  SyntheticSource(data::SymbolTable table, core::Date first, core::Date last, std::uint64_t seed)
      : table_(std::move(table)) {
    for (const auto& name : table_.names()) {
      data::SyntheticSpec spec;
      spec.seed = seed;
      spec.symbol = name;
      spec.first = first;
      spec.last = last;
      cursors_.push_back(
          Cursor{std::make_unique<data::SyntheticBarGenerator>(spec, table_), {}, 0, 0});
    }
    for (std::size_t i = 0; i < cursors_.size(); ++i) {
      if (refill(cursors_[i])) heap_.push_back(i);
    }
    std::make_heap(heap_.begin(), heap_.end(), later_);
  }

  std::size_t read(std::span<data::Bar> out) override {
    std::size_t written = 0;
    while (written < out.size() && !heap_.empty()) {
      std::pop_heap(heap_.begin(), heap_.end(), later_);
      Cursor& c = cursors_[heap_.back()];
      out[written++] = c.buffer[c.position++];
      if (c.position < c.size || refill(c)) {
        std::push_heap(heap_.begin(), heap_.end(), later_);
      } else {
        heap_.pop_back();
      }
    }
    return written;
  }

 private:
  struct Cursor {
    std::unique_ptr<data::SyntheticBarGenerator> generator;
    std::array<data::Bar, 1024> buffer;
    std::size_t position;
    std::size_t size;
  };
  bool refill(Cursor& c) {
    c.size = c.generator->read(std::span<data::Bar>(c.buffer));
    c.position = 0;
    return c.size > 0;
  }

  data::SymbolTable table_;
  std::vector<Cursor> cursors_;
  std::vector<std::size_t> heap_;
  // A max-heap on "later" keeps the earliest bar on top.
  std::function<bool(std::size_t, std::size_t)> later_ = [this](std::size_t a, std::size_t b) {
    const Cursor& x = cursors_[a];
    const Cursor& y = cursors_[b];
    return data::earlier(y.buffer[y.position], x.buffer[x.position]);
  };
};

// ---- what the engine reports, turned into metrics and report series ----------------------------

class RunObserver final : public engine::EngineObserver {
 public:
  RunObserver(Decimal initial, bool collect, const data::SymbolTable& symbols, Timestamp start,
              Timestamp end)
      : metrics(initial), collect_(collect) {
    if (!collect_) return;
    const std::size_t per_symbol = symbols.size() > 10 ? 500 : 2000;
    bucket_ = std::max<core::Microseconds>(std::chrono::minutes{1},
                                           (end - start) / static_cast<std::int64_t>(per_symbol));
    equity_bucket_ = std::max<core::Microseconds>(std::chrono::minutes{1}, (end - start) / 4000);
    for (const auto& name : symbols.names()) charts.push_back(SymbolChart{name, {}, {}});
  }

  void on_trade(const engine::Trade& trade) override { metrics.add_trade(trade); }
  void on_daily_equity(core::Date date, Decimal equity) override {
    metrics.add_daily_equity(date, equity);
  }
  void on_candle_equity(data::SymbolId, Timestamp ts, Decimal equity) override {
    metrics.add_equity_point(equity);
    if (!collect_) return;
    const double value = equity.to_double();
    peak_ = std::max(peak_, value);
    const double drawdown = peak_ > 0 ? (peak_ - value) / peak_ : 0.0;
    const auto bucket = ts.time_since_epoch() / equity_bucket_;
    if (!equity.is_zero() && !samples.empty() && bucket == last_equity_bucket_) {
      samples.back() = EquitySample{ts, equity, std::max(samples.back().drawdown, drawdown)};
    } else {
      samples.push_back(EquitySample{ts, equity, drawdown});
      last_equity_bucket_ = bucket;
    }
  }
  void on_candle(const data::Bar& candle) override {
    if (!collect_) return;
    SymbolChart& chart = charts[data::index_of(candle.symbol)];
    const auto bucket = candle.ts.time_since_epoch() / bucket_;
    auto& last = last_bucket_[data::index_of(candle.symbol)];
    if (!chart.prices.empty() && bucket == last) {
      PriceSample& p = chart.prices.back();
      p.high = max(p.high, candle.high);
      p.low = min(p.low, candle.low);
      p.close = candle.close;
    } else {
      chart.prices.push_back(
          PriceSample{candle.ts, candle.open, candle.high, candle.low, candle.close});
      last = bucket;
    }
  }
  void on_order(const orders::Order& order) override {
    if (!collect_ || order.request.role != orders::OrderRole::stop_loss ||
        order.state != orders::OrderState::submitted || !order.request.stop_price) {
      return;
    }
    charts[data::index_of(order.request.symbol_id)].stops.push_back(
        StopSample{order.created_at, *order.request.stop_price});
  }
  void on_stop_moved(data::SymbolId symbol, Timestamp ts, Decimal stop) override {
    if (collect_) charts[data::index_of(symbol)].stops.push_back(StopSample{ts, stop});
  }

  MetricsAccumulator metrics;
  std::vector<EquitySample> samples;
  std::vector<SymbolChart> charts;

 private:
  bool collect_;
  core::Microseconds bucket_{std::chrono::minutes{1}};
  core::Microseconds equity_bucket_{std::chrono::minutes{1}};
  std::int64_t last_equity_bucket_ = -1;
  std::map<std::uint32_t, std::int64_t> last_bucket_;
  double peak_ = 0.0;
};

std::string money(Decimal d) { return d.to_string_min(2); }

std::string settings_json(const std::vector<config::KeyReport>& keys) {
  std::string out = "{";
  bool first = true;
  for (const auto& key : keys) {
    if (key.secret) continue;  // credentials never reach the database
    out += first ? "" : ", ";
    first = false;
    core::append_json_string(out, key.variable);
    out += ": ";
    core::append_json_string(out, key.shown_value);
  }
  return out + "}";
}

std::string missing_message(const std::vector<store::MissingRange>& missing, core::Date start,
                            core::Date end, bool no_keys) {
  std::string text = "the store lacks bars for this backtest:";
  std::set<std::string> symbols;
  for (const auto& m : missing) {
    text += fmt::format("\n  {} {}..{} ({} session{})", m.symbol, core::format_date(m.first),
                        core::format_date(m.last), m.sessions, m.sessions == 1 ? "" : "s");
    symbols.insert(m.symbol);
  }
  std::string list;
  for (const auto& s : symbols) list += (list.empty() ? "" : ",") + s;
  text += "\nSupply them with one of:";
  text += fmt::format("\n  trader-data fetch --symbols {} --start {} --end {}", list,
                      core::format_date(start), core::format_date(end));
  if (no_keys) text += "   (needs ALGO_BROKER__API_KEY and ALGO_BROKER__SECRET_KEY)";
  text += fmt::format("\n  trader-data import FILE.csv --symbol {}", *symbols.begin());
  text += "\nor run with --data synthetic to test on SYNTHETIC bars.";
  return text;
}

struct Prepared {
  std::unique_ptr<data::BarSource> source;
  std::string data_source;
  bool synthetic = false;
  std::vector<std::string> warnings;
};

}  // namespace

DataMode parse_data_mode(std::string_view text) {
  if (text == "auto") return DataMode::automatic;
  if (text == "store") return DataMode::store;
  if (text == "alpaca") return DataMode::alpaca;
  if (text == "synthetic") return DataMode::synthetic;
  throw ParseError("a data mode (auto, store, alpaca, synthetic)", std::string(text));
}

std::string_view to_string(DataMode mode) noexcept {
  switch (mode) {
    case DataMode::automatic:
      return "auto";
    case DataMode::store:
      return "store";
    case DataMode::alpaca:
      return "alpaca";
    case DataMode::synthetic:
      return "synthetic";
  }
  return "auto";
}

BacktestRunner::BacktestRunner(store::Database& db, const strategy::StrategyRegistry& registry,
                               config::Sources sources)
    : db_(db), registry_(registry), sources_(std::move(sources)) {}

namespace {

// "no NYSE sessions between 2025-12-25 and 2025-12-25 (2025-12-25 Christmas Day)": the days
// of a short range are named with what closes them.
std::string no_sessions_message(core::Date first, core::Date last) {
  std::string text =
      "no NYSE sessions between " + core::format_date(first) + " and " + core::format_date(last);
  const auto days = (std::chrono::sys_days{last} - std::chrono::sys_days{first}).count() + 1;
  if (days > 10) return text;
  std::string reasons;
  for (std::chrono::sys_days d{first}; d <= std::chrono::sys_days{last};
       d += std::chrono::days{1}) {
    const core::Date date{d};
    const auto holiday = calendar::holiday_name(date);
    reasons += (reasons.empty() ? "" : ", ") + core::format_date(date) + " " +
               (holiday ? std::string(*holiday) : std::string("weekend"));
  }
  return text + " (" + reasons + ")";
}

BacktestResult run_with(store::Database& db, const strategy::StrategyRegistry& registry,
                        const config::Sources& base, const BacktestRequest& request,
                        const RunProgress& progress, const core::CancellationToken* cancel) {
  // Everything is validated before a single bar is read.
  config::Sources sources = base;
  for (const auto& v : request.settings_overrides) sources.command_line.push_back(v);
  const strategy::StrategyBlueprint blueprint =
      registry.configure(request.strategy, sources, request.parameters);
  const config::Settings& settings = blueprint.settings();
  if (request.symbols.empty()) throw BacktestError("At least one symbol required");
  for (const auto& s : request.symbols) {
    if (!core::is_valid_symbol(s)) throw BacktestError("Invalid symbol: " + s);
  }
  // Deliberate change from the reference, which wants end_date strictly after start_date: a
  // one-day backtest (start_date == end_date) is a valid range (issue 11 item 18).
  if (request.end_date < request.start_date) {
    throw BacktestError("end_date must not be before start_date (" +
                        core::format_date(request.start_date) + " .. " +
                        core::format_date(request.end_date) + ")");
  }
  static_cast<void>(calendar::is_session(request.start_date));  // range check: CalendarError
  static_cast<void>(calendar::is_session(request.end_date));
  // A range of weekends and holidays would give an empty run that looks like a result.
  if (calendar::sessions_between(request.start_date, request.end_date).empty()) {
    throw BacktestError(no_sessions_message(request.start_date, request.end_date));
  }

  const data::SymbolTable table = data::SymbolTable::sorted(request.symbols);
  std::vector<std::string> symbols(table.names().begin(), table.names().end());
  Prepared prepared;
  if (request.data == DataMode::synthetic) {
    prepared.source = std::make_unique<SyntheticSource>(table, request.start_date, request.end_date,
                                                        request.synthetic_seed);
    prepared.data_source = fmt::format("synthetic:seed={}", request.synthetic_seed);
    prepared.synthetic = true;
  } else {
    store::BarStore store(db);
    const bool have_keys = !settings.broker.api_key.empty() && !settings.broker.secret_key.empty();
    if (request.data == DataMode::alpaca && !have_keys) {
      throw BacktestError(
          "--data alpaca needs ALGO_BROKER__API_KEY and ALGO_BROKER__SECRET_KEY (in .env or the "
          "environment)");
    }
    // When it may fetch, sessions of synthetic bars count as lacking real data: fetched bars
    // replace them (issue 11 item 2). What is left is reported per symbol below.
    const bool may_fetch =
        request.data == DataMode::alpaca || (request.data == DataMode::automatic && have_keys);
    const auto missing_now = [&](bool real_only) {
      std::vector<store::MissingRange> out;
      for (const auto& s : symbols) {
        for (auto& m : store.missing(s, request.start_date, request.end_date, real_only)) {
          out.push_back(m);
        }
      }
      return out;
    };
    auto missing = missing_now(may_fetch);
    if (!missing.empty() && may_fetch) {
      const auto fetched =
          fetch_missing(store, settings, symbols, request.start_date, request.end_date, {}, cancel);
      log::info("bars_fetched",
                {{"bars", std::to_string(fetched.bars)}, {"pages", std::to_string(fetched.pages)}});
    }
    missing = missing_now(false);
    std::vector<store::MissingRange> empty_symbols;
    for (const auto& s : symbols) {
      if (store.sessions(s, request.start_date, request.end_date).empty()) {
        for (const auto& m : missing) {
          if (m.symbol == s) empty_symbols.push_back(m);
        }
      }
    }
    if (!empty_symbols.empty() || (request.data == DataMode::automatic && !missing.empty())) {
      throw BacktestError(missing_message(empty_symbols.empty() ? missing : empty_symbols,
                                          request.start_date, request.end_date, !have_keys));
    }
    for (const auto& m : missing) {
      prepared.warnings.push_back(fmt::format(
          "{} has no stored bars for {}..{} ({} session{})", m.symbol, core::format_date(m.first),
          core::format_date(m.last), m.sessions, m.sessions == 1 ? "" : "s"));
    }
    // Where each symbol's bars came from, in the result, the report and the run record; a
    // symbol on synthetic bars, or mixing real and synthetic sessions, is called out.
    prepared.data_source = "store:";
    for (const auto& p : store.provenance(symbols, request.start_date, request.end_date)) {
      std::vector<std::string> labels = p.real_sources;
      labels.insert(labels.end(), p.synthetic_sources.begin(), p.synthetic_sources.end());
      std::string joined;
      for (const auto& l : labels) joined += (joined.empty() ? "" : ",") + l;
      prepared.data_source +=
          fmt::format("{} {} {}", prepared.data_source.size() > 6 ? ";" : "", p.symbol, joined);
      if (p.synthetic_sessions == 0) continue;
      prepared.synthetic = true;
      std::string synthetic_labels;
      for (const auto& l : p.synthetic_sources) {
        synthetic_labels += (synthetic_labels.empty() ? "" : ", ") + l;
      }
      if (p.real_sessions > 0) {
        prepared.warnings.push_back(fmt::format(
            "{} mixes real and SYNTHETIC bars: {} session{} of real bars, {} of synthetic bars "
            "({}); its results are not market results",
            p.symbol, p.real_sessions, p.real_sessions == 1 ? "" : "s", p.synthetic_sessions,
            synthetic_labels));
      } else {
        prepared.warnings.push_back(fmt::format("{} runs on SYNTHETIC bars ({}), not market prices",
                                                p.symbol, synthetic_labels));
      }
    }
    prepared.source = store.read(table, request.start_date, request.end_date);
  }

  const Timestamp start_ts = core::start_of_day(request.start_date);
  const Timestamp end_ts = core::start_of_day(request.end_date) + std::chrono::days{1};
  broker::SimBroker sim(broker::SimulationSettings::from(settings.backtest));
  RunObserver observer(settings.backtest.initial_capital, request.collect_report, table, start_ts,
                       end_ts);
  engine::Engine engine(
      table, [&] { return blueprint.create(); }, sim,
      engine::EngineOptions{.risk = settings.risk, .venue = &sim}, &observer);
  Fingerprint fingerprint;
  for (const auto& s : symbols) fingerprint.add_text(s);
  std::vector<data::Bar> buffer(8192);
  std::int64_t bars = 0;
  std::int64_t next_report = 1 << 20;
  for (std::size_t n; (n = prepared.source->read(buffer)) > 0;) {
    if (cancel != nullptr) cancel->throw_if_cancelled();
    for (std::size_t i = 0; i < n; ++i) {
      fingerprint.add(buffer[i]);
      engine.on_bar(buffer[i]);
    }
    bars += static_cast<std::int64_t>(n);
    if (progress && bars >= next_report) {
      next_report += 1 << 20;
      const double done = std::chrono::duration<double>(buffer[n - 1].ts - start_ts) /
                          std::chrono::duration<double>(end_ts - start_ts);
      progress(std::clamp(done, 0.0, 1.0), bars);
    }
  }
  if (cancel != nullptr) cancel->throw_if_cancelled();
  engine.finish();

  BacktestResult result;
  result.strategy = blueprint.name();
  result.symbols = symbols;
  result.start_date = request.start_date;
  result.end_date = request.end_date;
  result.initial_capital = settings.backtest.initial_capital;
  result.slippage_per_share = settings.backtest.slippage_per_share;
  result.candle_interval_minutes = blueprint.create()->candle_interval_minutes();
  result.parameters = blueprint.parameters();
  result.settings_json = settings_json(blueprint.keys());
  result.data_source = prepared.data_source;
  result.synthetic = prepared.synthetic;
  result.fingerprint = fingerprint.hex();
  result.bars = bars;
  result.metrics = observer.metrics.compute();
  result.trades = observer.metrics.trades();
  result.daily_equity = observer.metrics.daily_equity();
  result.warnings = std::move(prepared.warnings);
  if (request.collect_report) {
    ReportData& r = result.report;
    r.strategy = result.strategy;
    r.symbols = result.symbols;
    r.start_date = result.start_date;
    r.end_date = result.end_date;
    r.initial_capital = result.initial_capital;
    r.synthetic = result.synthetic;
    r.data_source = result.data_source;
    for (const auto& [name, value] : result.parameters) {
      r.parameters += (r.parameters.empty() ? "" : ", ") + name + "=" + value;
    }
    r.program_version = std::string(core::version());
    r.metrics = result.metrics;
    for (const auto& t : result.trades) r.trades.push_back(ReportTrade{table.name(t.symbol), t});
    r.equity = std::move(observer.samples);
    r.charts = std::move(observer.charts);
  }
  return result;
}

}  // namespace

BacktestResult BacktestRunner::run(const BacktestRequest& request, const RunProgress& progress,
                                   const core::CancellationToken* cancel) {
  return run_with(db_, registry_, sources_, request, progress, cancel);
}

std::string metrics_json(const Metrics& m) {
  return fmt::format(
      "{{\"total_trades\": {}, \"winning_trades\": {}, \"losing_trades\": {}, \"win_rate\": {}, "
      "\"total_return\": \"{}\", \"total_return_pct\": \"{}\", \"final_equity\": \"{}\", "
      "\"profit_factor\": {}, \"sharpe_ratio\": {}, \"max_drawdown\": {}, "
      "\"max_drawdown_pct\": {}, \"avg_win\": \"{}\", \"avg_loss\": \"{}\", \"largest_win\": "
      "\"{}\", \"largest_loss\": \"{}\", \"avg_trade_duration\": {}, \"cagr\": {}, "
      "\"sortino_ratio\": {}, \"exposure_pct\": {}, \"avg_r_multiple\": {}, "
      "\"max_consecutive_losses\": {}, \"total_costs\": \"{}\", \"exits\": {{\"stop_loss\": {}, "
      "\"strategy_exit\": {}, \"session_close\": {}}}}}",
      m.total_trades, m.winning_trades, m.losing_trades, m.win_rate, money(m.total_return),
      m.total_return_pct.to_string_min(2), money(m.final_equity), m.profit_factor, m.sharpe_ratio,
      m.max_drawdown, m.max_drawdown_pct, money(m.avg_win), money(m.avg_loss), money(m.largest_win),
      money(m.largest_loss), m.avg_trade_duration, m.cagr, m.sortino_ratio, m.exposure_pct,
      m.avg_r_multiple, m.max_consecutive_losses, money(m.total_costs), m.exits_stop_loss,
      m.exits_strategy, m.exits_session_close);
}

std::string trade_json(const std::string& symbol, const engine::Trade& t) {
  return fmt::format(
      "{{\"symbol\": {}, \"side\": \"buy\", \"qty\": \"{}\", \"entry_at\": \"{}\", "
      "\"entry_price\": \"{}\", \"exit_at\": \"{}\", \"exit_price\": \"{}\", \"exit_reason\": "
      "\"{}\", \"pnl\": \"{}\", \"costs\": \"{}\"}}",
      core::json_quote(symbol), t.qty, core::format_timestamp(t.entry_at), money(t.entry_price),
      core::format_timestamp(t.exit_at), money(t.exit_price), engine::to_string(t.exit_reason),
      money(t.pnl), money(t.costs));
}

StoredRun to_stored_run(const BacktestResult& r) {
  StoredRun run;
  run.strategy = r.strategy;
  run.symbols = r.symbols;
  run.start_date = r.start_date;
  run.end_date = r.end_date;
  run.initial_capital = r.initial_capital;
  std::string symbols = "[";
  for (std::size_t i = 0; i < r.symbols.size(); ++i) {
    symbols += (i ? ", " : "") + core::json_quote(r.symbols[i]);
  }
  symbols += "]";
  // The reference's params object, keys and Python's separators exactly.
  run.params_json = fmt::format(
      "{{\"strategy\": {}, \"symbols\": {}, \"start_date\": \"{}\", \"end_date\": \"{}\", "
      "\"initial_capital\": \"{}\", \"slippage_per_share\": \"{}\", "
      "\"candle_interval_minutes\": {}}}",
      core::json_quote(r.strategy), symbols, core::format_date(r.start_date),
      core::format_date(r.end_date), r.initial_capital.to_string(),
      r.slippage_per_share.to_string(), r.candle_interval_minutes);
  run.total_return = r.metrics.total_return;
  run.win_rate = r.metrics.win_rate;
  run.profit_factor = r.metrics.profit_factor;
  run.sharpe_ratio = r.metrics.sharpe_ratio;
  run.max_drawdown = r.metrics.max_drawdown;
  run.total_trades = r.metrics.total_trades;
  std::string curve = "[";
  for (std::size_t i = 0; i < r.daily_equity.size(); ++i) {
    curve += fmt::format("{}{{\"date\": \"{}\", \"equity\": \"{}\"}}", i ? ", " : "",
                         core::format_date(r.daily_equity[i].date),
                         r.daily_equity[i].equity.to_string());
  }
  run.equity_curve_json = curve + "]";
  run.created_at =
      std::chrono::time_point_cast<core::Microseconds>(std::chrono::system_clock::now());
  run.settings_json = r.settings_json;
  run.data_source = r.data_source;
  run.bars_fingerprint = r.fingerprint;
  run.program_version = std::string(core::version());
  run.metrics_json = metrics_json(r.metrics);
  run.bar_count = r.bars;
  return run;
}

namespace {
std::vector<StoredTrade> stored_trades(const BacktestResult& r) {
  const data::SymbolTable table = data::SymbolTable::sorted(r.symbols);
  std::vector<StoredTrade> out;
  for (const auto& t : r.trades) {
    out.push_back(StoredTrade{table.name(t.symbol), "buy", t.qty, t.entry_price, t.exit_price,
                              t.entry_at, t.exit_at, t.pnl, t.duration_seconds,
                              std::string(engine::to_string(t.exit_reason)), t.costs});
  }
  return out;
}
}  // namespace

std::int64_t BacktestRunner::save(const BacktestResult& result) {
  auto runs = store::make_run_repository(db_);
  const auto trades = stored_trades(result);
  return runs->insert(to_stored_run(result), trades);
}

BacktestRunner::Rerun BacktestRunner::rerun(std::int64_t run_id, const RunProgress& progress,
                                            const core::CancellationToken* cancel) {
  auto runs = store::make_run_repository(db_);
  const auto stored = runs->find(run_id);
  if (!stored)
    throw BacktestError("no backtest run " + std::to_string(run_id) + " in " + db_.path().string());
  if (stored->settings_json.empty()) {
    throw BacktestError("run " + std::to_string(run_id) +
                        " was stored without its settings (before F5) and cannot be repeated");
  }
  BacktestRequest request;
  request.strategy = stored->strategy;
  request.symbols = stored->symbols;
  request.start_date = stored->start_date;
  request.end_date = stored->end_date;
  if (stored->data_source.rfind("synthetic:seed=", 0) == 0) {
    request.data = DataMode::synthetic;
    request.synthetic_seed = std::stoull(stored->data_source.substr(15));
  } else {
    request.data = DataMode::store;
  }
  // Only the stored settings: the current .env and environment must not change the outcome.
  config::Sources sources;
  for (auto& [k, v] : config::detail::parse_flat_object(stored->settings_json)) {
    sources.command_line.emplace_back(k, v);
  }
  Rerun out;
  out.run_id = run_id;
  out.result = run_with(db_, registry_, sources, request, progress, cancel);
  const auto before = runs->trades(run_id);
  const auto after = stored_trades(out.result);
  out.trades_identical = before == after;
  if (!out.trades_identical) {
    out.differences.push_back(
        fmt::format("trades: {} stored, {} now", before.size(), after.size()));
    for (std::size_t i = 0; i < std::min(before.size(), after.size()); ++i) {
      if (!(before[i] == after[i])) {
        out.differences.push_back(fmt::format(
            "trade {} differs: {} {} -> {} {}", i + 1, before[i].exit_price.to_string(),
            before[i].pnl.to_string(), after[i].exit_price.to_string(), after[i].pnl.to_string()));
        break;
      }
    }
  }
  const std::string metrics_now = metrics_json(out.result.metrics);
  out.metrics_identical = metrics_now == stored->metrics_json;
  if (!out.metrics_identical)
    out.differences.push_back("metrics: " + stored->metrics_json + " -> " + metrics_now);
  out.bars_identical = out.result.fingerprint == stored->bars_fingerprint;
  if (!out.bars_identical) {
    out.differences.push_back("bars fingerprint: " + stored->bars_fingerprint + " -> " +
                              out.result.fingerprint + " (the stored bars changed)");
  }
  return out;
}

}  // namespace trader::backtest
