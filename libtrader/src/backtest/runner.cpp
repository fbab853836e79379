#include <trader/backtest/runner.hpp>

#include <fmt/core.h>

#include <chrono>

#include <trader/backtest/run_archive.hpp>
#include <trader/calendar/nyse.hpp>
#include <trader/core/symbol.hpp>
#include <trader/core/version.hpp>
#include <trader/store/bar_store.hpp>

namespace trader::backtest {
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

void validate(const BacktestRequest& request) {
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
}

}  // namespace

BacktestRunner::BacktestRunner(store::Database& db, const strategy::StrategyRegistry& registry,
                               config::Sources sources)
    : db_(db), registry_(registry), sources_(std::move(sources)) {}

BacktestResult BacktestRunner::run(const BacktestRequest& request, const RunProgress& progress,
                                   const core::CancellationToken* cancel) {
  return run_with(sources_, request, progress, cancel);
}

BacktestResult BacktestRunner::run_with(const config::Sources& base, const BacktestRequest& request,
                                        const RunProgress& progress,
                                        const core::CancellationToken* cancel) {
  // Everything is validated before a single bar is read.
  config::Sources sources = base;
  for (const auto& v : request.settings_overrides) sources.command_line.push_back(v);
  const strategy::StrategyBlueprint blueprint =
      registry_.configure(request.strategy, sources, request.parameters);
  const config::Settings& settings = blueprint.settings();
  validate(request);

  const marketdata::BarRequest wanted{request.symbols, request.start_date, request.end_date,
                                      request.data, request.synthetic_seed};
  marketdata::BarSupply supply;
  if (request.data == DataMode::synthetic) {
    supply = marketdata::synthetic_bars(wanted);
  } else {
    store::BarStore store(db_);
    supply = marketdata::stored_bars(store, settings, wanted, cancel);
  }

  SessionOptions options;
  options.backtest = settings.backtest;
  options.risk = settings.risk;
  options.first = request.start_date;
  options.last = request.end_date;
  options.collect_report = request.collect_report;
  const BacktestSession session(
      supply.symbols, [&] { return blueprint.create(); }, options);
  SessionResult outcome = session.run(*supply.source, progress, cancel);

  BacktestResult result;
  result.strategy = blueprint.name();
  result.symbols = std::move(outcome.symbols);
  result.start_date = request.start_date;
  result.end_date = request.end_date;
  result.initial_capital = settings.backtest.initial_capital;
  result.slippage_per_share = settings.backtest.slippage_per_share;
  result.candle_interval_minutes = blueprint.create()->candle_interval_minutes();
  result.parameters = blueprint.parameters();
  for (const auto& key : blueprint.keys()) {
    if (!key.secret) result.settings.emplace_back(key.variable, key.shown_value);  // F5, F12
  }
  result.data_source = std::move(supply.data_source);
  result.synthetic = supply.synthetic;
  result.fingerprint = std::move(outcome.fingerprint);
  result.bars = outcome.bars;
  result.metrics = outcome.metrics;
  result.trades = std::move(outcome.trades);
  result.daily_equity = std::move(outcome.daily_equity);
  result.warnings = std::move(supply.warnings);
  if (request.collect_report) {
    ReportData& r = result.report;
    r.strategy = result.strategy;
    r.symbols.assign(result.symbols.names().begin(), result.symbols.names().end());
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
    r.trades = result.trades;
    r.equity = std::move(outcome.equity);
    r.charts = std::move(outcome.charts);
  }
  return result;
}

std::int64_t BacktestRunner::save(const BacktestResult& result) {
  return RunArchive(db_).save(result);
}

BacktestRunner::Rerun BacktestRunner::rerun(std::int64_t run_id, const RunProgress& progress,
                                            const core::CancellationToken* cancel) {
  RunArchive archive(db_);
  const ArchivedRun stored = archive.get(run_id);
  if (stored.run.settings_json.empty()) {
    throw BacktestError("run " + std::to_string(run_id) +
                        " was stored without its settings (before F5) and cannot be repeated");
  }
  BacktestRequest request;
  request.strategy = stored.run.strategy;
  request.symbols = stored.run.symbols;
  request.start_date = stored.run.start_date;
  request.end_date = stored.run.end_date;
  if (stored.run.data_source.rfind("synthetic:seed=", 0) == 0) {
    request.data = DataMode::synthetic;
    request.synthetic_seed = std::stoull(stored.run.data_source.substr(15));
  } else {
    request.data = DataMode::store;
  }
  // Only the stored settings: the current .env and environment must not change the outcome.
  config::Sources sources;
  sources.command_line = settings_from_json(stored.run.settings_json);
  Rerun out;
  out.run_id = run_id;
  out.result = run_with(sources, request, progress, cancel);
  const RunDiff diff = compare_runs(stored, to_archived_run(out.result), "stored", "now");
  out.trades_identical = diff.trades.empty();
  out.metrics_identical = diff.metrics.empty();
  out.bars_identical = out.result.fingerprint == stored.run.bars_fingerprint;
  for (const auto* part : {&diff.settings, &diff.data, &diff.trades, &diff.metrics}) {
    out.differences.insert(out.differences.end(), part->begin(), part->end());
  }
  if (!out.bars_identical) out.differences.emplace_back("(the stored bars changed)");
  return out;
}

}  // namespace trader::backtest
