#pragma once
// BacktestSession: one backtest, bars in and a result out. A BarSource feeds the Engine, a
// SimBroker (wired as the engine's broker and simulated venue) fills its orders, an observer
// measures the outcome. No database, no settings files, no network: the benchmark, tests and a
// library user run it directly; BacktestRunner (runner.hpp) only adds configuration, data
// acquisition and the run archive around it.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <trader/backtest/metrics.hpp>
#include <trader/backtest/report.hpp>
#include <trader/config/settings.hpp>
#include <trader/core/cancellation.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/bar_source.hpp>
#include <trader/data/symbol_table.hpp>
#include <trader/engine/trade.hpp>
#include <trader/strategy/strategy.hpp>

namespace trader::backtest {

// One strategy instance per symbol.
using StrategyFactory = std::function<std::unique_ptr<strategy::Strategy>()>;

// Progress as the fraction of the date range covered (0..1) and the bars so far.
using RunProgress = std::function<void(double fraction, std::int64_t bars)>;

struct SessionOptions {
  config::BacktestSettings backtest;  // capital, slippage, costs (F10), fills (F11)
  config::RiskSettings risk;
  core::Date first{};  // the days the bars cover: progress fractions and chart buckets
  core::Date last{};
  bool collect_report = false;  // gather the chart series for an HTML report
};

struct SessionResult {
  data::SymbolTable symbols;  // the run's symbols: a trade's name is symbols.name(trade.symbol)
  std::int64_t bars = 0;
  std::string fingerprint;  // F5: of the symbols and every bar read, 16 hex digits
  Metrics metrics;
  std::vector<engine::Trade> trades;  // in the order they closed
  std::vector<DailyEquity> daily_equity;
  // With collect_report: the equity curve and the price charts, already thinned.
  std::vector<EquitySample> equity;
  std::vector<SymbolChart> charts;

  [[nodiscard]] const std::string& symbol_of(const engine::Trade& trade) const {
    return symbols.name(trade.symbol);
  }
};

class BacktestSession {
 public:
  // `symbols` must hold every symbol the bars carry (ids as in the bars).
  BacktestSession(data::SymbolTable symbols, StrategyFactory make_strategy, SessionOptions options);

  // Reads every bar of `bars` through a fresh engine and broker, then closes the last session.
  // `cancel` is polled once per batch of bars: once cancelled, run throws Interrupted.
  [[nodiscard]] SessionResult run(data::BarSource& bars, const RunProgress& progress = {},
                                  const core::CancellationToken* cancel = nullptr) const;

  [[nodiscard]] const data::SymbolTable& symbols() const noexcept { return symbols_; }
  [[nodiscard]] const SessionOptions& options() const noexcept { return options_; }

 private:
  data::SymbolTable symbols_;
  StrategyFactory make_strategy_;
  SessionOptions options_;
};

}  // namespace trader::backtest
