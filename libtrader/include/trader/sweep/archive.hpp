#pragma once
// Stored sweeps: a SweepResult saved in the database (the sweep and sweep_result tables through
// trader/store/sweep_repository.hpp), listed, and read back exactly as it was ranked; and any
// combination of a stored sweep repeated alone as a backtest from the stored settings
// (`trader-sweep --show ID --combination K`), compared with what the sweep recorded for it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <trader/backtest/runner.hpp>
#include <trader/store/database.hpp>
#include <trader/store/sweep_repository.hpp>
#include <trader/sweep/sweep.hpp>

namespace trader::sweep {

class SweepArchive {
 public:
  explicit SweepArchive(store::Database& db);  // `db` must outlive the archive
  ~SweepArchive();
  SweepArchive(const SweepArchive&) = delete;
  SweepArchive& operator=(const SweepArchive&) = delete;

  // The whole sweep (not a shard: SweepError) and its results in one transaction; the new id.
  std::int64_t save(const SweepResult& result);
  [[nodiscard]] std::vector<store::StoredSweep> list(int limit);  // newest first
  // SweepError "no sweep N in PATH" when there is none.
  [[nodiscard]] SweepResult load(std::int64_t id);

 private:
  store::Database& db_;
  std::unique_ptr<store::SweepRepository> sweeps_;
};

// Combination `combination` (1-based) of a stored sweep, backtested alone from the stored settings
// and bars' source (the current environment is ignored), and whether its metrics equal the
// stored ones.
struct CombinationRerun {
  backtest::BacktestResult result;
  bool metrics_identical = false;
  bool bars_identical = false;
};
[[nodiscard]] CombinationRerun rerun_combination(store::Database& db,
                                                 const strategy::StrategyRegistry& registry,
                                                 std::int64_t sweep_id, std::size_t combination,
                                                 const core::CancellationToken* cancel = nullptr);

}  // namespace trader::sweep
