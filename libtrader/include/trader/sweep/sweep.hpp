#pragma once
// A parameter sweep: every combination of a strategy's swept parameters (grid.hpp) backtested
// over the same bars, ranked by an objective (objective.hpp). The combinations run in batches;
// each batch is one pass over the bars feeding all its engines (shared_pass.hpp) on --jobs
// threads. Configuration is checked before a bar is read: every combination is configured
// through the strategy registry, exactly as trader-backtest --param would configure it, so a
// combination rerun alone gives the same trades and metrics.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <trader/backtest/metrics.hpp>
#include <trader/config/load.hpp>
#include <trader/core/cancellation.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/engine/trade.hpp>
#include <trader/marketdata/bar_supply.hpp>
#include <trader/strategy/registry.hpp>
#include <trader/sweep/grid.hpp>
#include <trader/sweep/objective.hpp>
#include <trader/sweep/shard.hpp>

namespace trader::sweep {

// A sweep that cannot run (bad symbols or dates, no combinations): what() says why.
class SweepError : public Error {
 public:
  using Error::Error;
};

struct SweepRequest {
  std::string strategy = "velez";
  std::vector<std::string> symbols;
  core::Date start_date{};
  core::Date end_date{};
  std::vector<std::string> grid;  // --grid texts, as given
  // Parameters that stay the same in every combination (--param NAME=VALUE).
  std::vector<std::pair<std::string, std::string>> parameters;
  config::Variables settings_overrides;  // ALGO_BACKTEST__INITIAL_CAPITAL from --capital, ...
  std::optional<std::size_t> random;     // --random N: N draws instead of the grid
  std::uint64_t random_seed = 1;
  Objective objective = Objective::sharpe;
  marketdata::DataMode data = marketdata::DataMode::automatic;
  std::uint64_t synthetic_seed = 1;
  int jobs = 0;             // threads; 0: every core
  Shard shard;              // the slice this process runs (the whole sweep by default)
  std::size_t batch = 512;  // engines per pass over the bars: bounds memory
  // Keep each combination's trades and daily equity (walk-forward, tests); the metrics are
  // always kept.
  bool keep_trades = false;
};

struct CombinationResult {
  std::size_t combination = 0;  // 1-based, in the sweep's order
  Combination parameters;       // the swept parameters only
  backtest::Metrics metrics;
  std::vector<engine::Trade> trades;                // with keep_trades
  std::vector<backtest::DailyEquity> daily_equity;  // with keep_trades
};

// Where the sweep's bars come from for a range of days (called once per pass; tests supply
// their own).
using BarProvider = std::function<marketdata::BarSupply(core::Date first, core::Date last)>;

// Progress: combinations done (fractional within a pass) out of the total this process runs.
using SweepProgress = std::function<void(double done, std::size_t total)>;

struct SweepResult {
  std::string strategy;
  std::vector<std::string> symbols;
  core::Date start_date{};
  core::Date end_date{};
  Objective objective = Objective::sharpe;
  std::vector<std::string> axes;  // the swept parameters, in order
  // Every effective setting except secrets and the swept parameters (what a rerun loads).
  std::vector<std::pair<std::string, std::string>> settings;
  std::string data_source;
  bool synthetic = false;
  std::int64_t bars = 0;
  std::string bars_fingerprint;
  // Of the settings, the combinations, the program and the bars: two shards of one sweep share
  // it, and a shard of anything else does not.
  std::string fingerprint;
  std::size_t combinations = 0;  // in the whole sweep
  Shard shard;
  std::vector<CombinationResult> results;  // this shard's, in combination order
  std::vector<std::string> warnings;

  // The results best first (objective.hpp's order).
  [[nodiscard]] std::vector<const CombinationResult*> ranked() const;
};

// The configuration of a sweep, checked: its combinations and what every run shares.
struct SweepPlan {
  std::vector<Axis> axes;
  std::vector<Combination> combinations;
  std::vector<std::pair<std::string, std::string>> settings;  // as SweepResult::settings
  config::Settings base;  // the effective settings (capital, costs, risk, ...)
  std::string settings_fingerprint;
};

class SweepRunner {
 public:
  // `sources` are the settings (.env, environment); `bars` supplies the bars of a range.
  SweepRunner(const strategy::StrategyRegistry& registry, config::Sources sources,
              BarProvider bars);

  // Checks the request and builds its combinations (GridError, ParameterError naming the
  // combination, SweepError), reading no bar.
  [[nodiscard]] SweepPlan plan(const SweepRequest& request) const;

  // Runs this process's shard of the sweep over [start_date, end_date].
  [[nodiscard]] SweepResult run(const SweepRequest& request, const SweepProgress& progress = {},
                                const core::CancellationToken* cancel = nullptr) const;

  // The combinations of `plan` whose indexes (0-based) are `which`, over [first, last]: the
  // building block of run() and of walk-forward windows.
  [[nodiscard]] SweepResult run_combinations(const SweepRequest& request, const SweepPlan& plan,
                                             const std::vector<std::size_t>& which,
                                             core::Date first, core::Date last,
                                             const SweepProgress& progress,
                                             const core::CancellationToken* cancel) const;

  [[nodiscard]] const strategy::StrategyRegistry& registry() const noexcept { return registry_; }

 private:
  const strategy::StrategyRegistry& registry_;
  config::Sources sources_;
  BarProvider bars_;
};

// The --param pairs a combination runs with: the fixed ones, then the swept ones.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters_of(
    const SweepRequest& request, const Combination& combination);

}  // namespace trader::sweep
