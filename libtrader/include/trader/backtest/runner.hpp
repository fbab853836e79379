#pragma once
// BacktestRunner: the backtest driver as the tools use it (docs/architecture.md: one engine, many
// drivers). Around a BacktestSession (session.hpp: the bar loop, the engine, the broker, the
// measurements) it adds only what a tool needs: the configuration (settings and --param through
// the strategy registry, validated before a single bar is read), the bars (trader::marketdata:
// the store, fetching what is missing, or synthetic bars) and the run archive (run_archive.hpp:
// save, rerun; F5).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <trader/backtest/metrics.hpp>
#include <trader/backtest/report.hpp>
#include <trader/backtest/session.hpp>
#include <trader/config/load.hpp>
#include <trader/core/cancellation.hpp>
#include <trader/data/symbol_table.hpp>
#include <trader/marketdata/bar_supply.hpp>
#include <trader/store/database.hpp>
#include <trader/strategy/registry.hpp>

namespace trader::backtest {

using marketdata::DataMode;

// A request that cannot run (bad symbols, bad dates, a range without sessions, ...): what()
// names the problem. Missing bars are a marketdata::MissingBarsError.
class BacktestError : public Error {
 public:
  using Error::Error;
};

struct BacktestRequest {
  std::string strategy = "velez";
  std::vector<std::string> symbols;
  core::Date start_date{};
  core::Date end_date{};
  // Strategy parameters and execution settings as --param NAME=VALUE pairs and ALGO_* overrides.
  std::vector<std::pair<std::string, std::string>> parameters;
  config::Variables settings_overrides;  // e.g. ALGO_BACKTEST__INITIAL_CAPITAL from --capital
  DataMode data = DataMode::automatic;
  std::uint64_t synthetic_seed = 1;
  bool collect_report = false;  // gather the chart series for an HTML report
};

struct BacktestResult {
  std::string strategy;
  data::SymbolTable symbols;  // sorted; a trade's name is symbol_of(trade)
  core::Date start_date{};
  core::Date end_date{};
  Decimal initial_capital;
  Decimal slippage_per_share;
  int candle_interval_minutes = 0;
  std::vector<std::pair<std::string, std::string>> parameters;  // effective strategy parameters
  // Every effective setting except secrets (F5), in the order of the configuration's keys.
  std::vector<std::pair<std::string, std::string>> settings;
  std::string data_source;  // store: AAPL csv:file.csv; ... | synthetic:seed=N
  bool synthetic = false;   // any synthetic bars in the input: every output says so
  std::string fingerprint;  // of the bars used, hex
  std::int64_t bars = 0;
  Metrics metrics;
  std::vector<engine::Trade> trades;
  std::vector<DailyEquity> daily_equity;
  std::vector<std::string> warnings;  // e.g. sessions missing in the store
  ReportData report;                  // filled when collect_report

  [[nodiscard]] const std::string& symbol_of(const engine::Trade& trade) const {
    return symbols.name(trade.symbol);
  }
};

class BacktestRunner {
 public:
  // `sources` are the settings (.env, environment); `db` holds the bar store and the runs.
  BacktestRunner(store::Database& db, const strategy::StrategyRegistry& registry,
                 config::Sources sources);

  // Throws BacktestError (or config::ConfigErrors, strategy::ParameterError) before any bar is
  // read when the request is invalid: among others when end_date is before start_date or the
  // range holds no NYSE session (one day, start_date == end_date, is a valid range);
  // marketdata::MissingBarsError when the bars cannot be supplied. `cancel` is polled every few
  // thousand bars: once cancelled, the run throws Interrupted.
  BacktestResult run(const BacktestRequest& request, const RunProgress& progress = {},
                     const core::CancellationToken* cancel = nullptr);

  // Stores the run and its trades in one transaction (the run archive); returns the run id.
  std::int64_t save(const BacktestResult& result);

  // Repeats a stored run from its stored settings alone (the current environment is ignored).
  struct Rerun {
    std::int64_t run_id = 0;
    BacktestResult result;
    bool trades_identical = false;
    bool metrics_identical = false;
    bool bars_identical = false;  // same fingerprint
    std::vector<std::string> differences;
  };
  Rerun rerun(std::int64_t run_id, const RunProgress& progress = {},
              const core::CancellationToken* cancel = nullptr);

 private:
  BacktestResult run_with(const config::Sources& base, const BacktestRequest& request,
                          const RunProgress& progress, const core::CancellationToken* cancel);

  store::Database& db_;
  const strategy::StrategyRegistry& registry_;
  config::Sources sources_;
};

}  // namespace trader::backtest
