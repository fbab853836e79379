#pragma once
// BacktestSession: one backtest, bars in and a result out. A BarSource feeds the Engine, a
// SimBroker (wired as the engine's broker and simulated venue) fills its orders, an observer
// measures the outcome. No database, no settings files, no network: the benchmark, tests and a
// library user run it directly; BacktestRunner (runner.hpp) only adds configuration, data
// acquisition and the run archive around it.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
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

// F5: the fingerprint of a run's bars, 64-bit FNV-style mixing of the symbols' names and every
// field of every bar, word by word; 16 hex digits. Two runs over the same bars share it.
class BarsFingerprint {
 public:
  void add_text(std::string_view text) noexcept;
  void add(const data::Bar& bar) noexcept;
  [[nodiscard]] std::string hex() const;

 private:
  void mix(std::uint64_t word) noexcept {
    hash_ ^= word;
    hash_ *= 0x100000001b3ULL;
    hash_ ^= hash_ >> 29;
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// One run in progress, fed its bars in batches by whoever reads them: BacktestSession::run reads
// one source for one run, a sweep (trader/sweep) feeds one pass of bars to many runs. A fresh
// engine, broker and observer; the bars' count and fingerprint are the reader's to keep.
class SessionRun {
 public:
  // `symbols` must outlive the run and hold every symbol the bars carry.
  SessionRun(const data::SymbolTable& symbols, const StrategyFactory& make_strategy,
             const SessionOptions& options);
  ~SessionRun();
  SessionRun(const SessionRun&) = delete;
  SessionRun& operator=(const SessionRun&) = delete;
  SessionRun(SessionRun&&) noexcept;
  SessionRun& operator=(SessionRun&&) noexcept;

  // The next bars, in (timestamp, symbol) order.
  void feed(std::span<const data::Bar> bars);
  // The same, adding each bar to `fingerprint` on the way: one loop, so the hash's chain of
  // multiplications overlaps the engine's work instead of running alone before it.
  void feed(std::span<const data::Bar> bars, BarsFingerprint& fingerprint);
  // Closes the last session and measures: the result's symbols, trades, metrics and series
  // (bars and fingerprint are left empty). Call once.
  [[nodiscard]] SessionResult finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
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
