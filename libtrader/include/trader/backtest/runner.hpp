#pragma once
// BacktestRunner: the backtest driver (ARCHITECTURE "one engine, many drivers"). It validates
// the request, makes sure the bars exist (F14: the store, fetching what is missing when keys
// are configured), streams them in (timestamp, symbol) order through the Engine and SimBroker,
// measures the result and stores it with everything needed to repeat it (F5).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <trader/backtest/metrics.hpp>
#include <trader/backtest/report.hpp>
#include <trader/backtest/run_repository.hpp>
#include <trader/config/load.hpp>
#include <trader/core/cancellation.hpp>
#include <trader/store/database.hpp>
#include <trader/strategy/registry.hpp>

namespace trader::backtest {

enum class DataMode : std::uint8_t {
  automatic,  // the store; fetch missing sessions from Alpaca when keys are configured
  store,      // the store only
  alpaca,     // fetch what the store lacks from Alpaca first (keys required)
  synthetic,  // deterministic synthetic bars generated on the fly (never stored)
};
[[nodiscard]] DataMode parse_data_mode(std::string_view text);  // auto|store|alpaca|synthetic
[[nodiscard]] std::string_view to_string(DataMode mode) noexcept;

// A request that cannot run (unknown strategy, bad dates, symbols without data, ...): what()
// names the problem and, for missing data, the commands that would supply it.
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
  std::vector<std::string> symbols;
  core::Date start_date{};
  core::Date end_date{};
  Decimal initial_capital;
  Decimal slippage_per_share;
  int candle_interval_minutes = 0;
  std::vector<std::pair<std::string, std::string>> parameters;  // effective strategy parameters
  std::string settings_json;  // every effective setting except secrets (F5)
  std::string data_source;    // store | synthetic:seed=N
  bool synthetic = false;     // any synthetic bars in the input: every output says so
  std::string fingerprint;    // of the bars used, hex
  std::int64_t bars = 0;
  Metrics metrics;
  std::vector<engine::Trade> trades;
  std::vector<DailyEquity> daily_equity;
  std::vector<std::string> warnings;  // e.g. sessions missing in the store
  ReportData report;                  // filled when collect_report
};

// Reports progress as the fraction of the date range covered (0..1) and the bars so far.
using RunProgress = std::function<void(double fraction, std::int64_t bars)>;

class BacktestRunner {
 public:
  // `sources` are the settings (.env, environment); `db` holds the bar store and the runs.
  BacktestRunner(store::Database& db, const strategy::StrategyRegistry& registry,
                 config::Sources sources);

  // Throws BacktestError (or config::ConfigErrors, strategy::ParameterError) before any bar is
  // read when the request is invalid: among others when end_date is before start_date or the
  // range holds no NYSE session (one day, start_date == end_date, is a valid range). `cancel`
  // is polled every few thousand bars: once cancelled, the run throws Interrupted.
  BacktestResult run(const BacktestRequest& request, const RunProgress& progress = {},
                     const core::CancellationToken* cancel = nullptr);

  // Stores the run and its trades in one transaction; returns the run id.
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
  store::Database& db_;
  const strategy::StrategyRegistry& registry_;
  config::Sources sources_;
};

// Shared by the tool and tests: the stored forms.
[[nodiscard]] std::string metrics_json(const Metrics& m);
[[nodiscard]] std::string trade_json(const std::string& symbol, const engine::Trade& t);
[[nodiscard]] StoredRun to_stored_run(const BacktestResult& result);

}  // namespace trader::backtest
