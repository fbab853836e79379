#pragma once
// One pass over the bars, many engines: the bars are read (decoded, generated) once, a chunk at a
// time, and every run of the batch is fed that chunk before the next is read, so the cost of
// supplying bars is shared by all the runs and memory holds one chunk, never a whole range. The
// runs of a chunk are spread over `jobs` threads (each run is fed by one thread at a time, in
// bar order, so each result is exactly what a lone backtest would give).

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <trader/backtest/session.hpp>
#include <trader/core/cancellation.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/bar_source.hpp>
#include <trader/data/symbol_table.hpp>

namespace trader::sweep {

struct SharedPassResult {
  std::int64_t bars = 0;
  std::string fingerprint;  // of the symbols and every bar read, as BacktestSession's (F5)
  std::vector<backtest::SessionResult> runs;  // one per strategy factory, in order
};

// Called from the pass after each chunk is read: the bars read so far and the last one's time.
using PassProgress = std::function<void(std::int64_t bars, core::Timestamp last)>;

// The number of threads "all cores" means here (at least 1).
[[nodiscard]] int hardware_jobs() noexcept;

// Runs one engine per factory over every bar of `bars`. `symbols` hold every symbol the bars
// carry. `jobs` threads (0: hardware_jobs()) share the work; `cancel` is polled once per chunk
// (Interrupted). The first error of any run is rethrown once every thread has stopped.
[[nodiscard]] SharedPassResult run_shared_pass(
    const data::SymbolTable& symbols, std::span<const backtest::StrategyFactory> strategies,
    const backtest::SessionOptions& options, data::BarSource& bars, int jobs,
    const PassProgress& progress = {}, const core::CancellationToken* cancel = nullptr);

}  // namespace trader::sweep
