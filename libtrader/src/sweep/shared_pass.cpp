#include <trader/sweep/shared_pass.hpp>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <exception>
#include <mutex>
#include <thread>

namespace trader::sweep {
namespace {

// 4096 bars (under 256 KB): long enough that a thread's turn on one run amortises the hand-over,
// short enough to stay in the cache shared by the threads.
constexpr std::size_t kChunk = 4096;

}  // namespace

int hardware_jobs() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

SharedPassResult run_shared_pass(const data::SymbolTable& symbols,
                                 std::span<const backtest::StrategyFactory> strategies,
                                 const backtest::SessionOptions& options, data::BarSource& bars,
                                 int jobs, const PassProgress& progress,
                                 const core::CancellationToken* cancel) {
  if (jobs <= 0) jobs = hardware_jobs();
  jobs = std::max(
      1, std::min<int>(jobs, static_cast<int>(std::max<std::size_t>(1, strategies.size()))));

  std::vector<backtest::SessionRun> runs;
  runs.reserve(strategies.size());
  for (const auto& make : strategies) runs.emplace_back(symbols, make, options);

  backtest::BarsFingerprint fingerprint;
  for (const auto& s : symbols.names()) fingerprint.add_text(s);
  std::vector<data::Bar> chunk(kChunk);
  std::size_t filled = 0;
  std::int64_t total = 0;
  std::atomic<std::size_t> next_run{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  const auto fail = [&](std::exception_ptr e) noexcept {
    const std::lock_guard lock(error_mutex);
    if (!error) error = std::move(e);
    failed.store(true);
  };

  // Reads the next chunk while every thread waits at the barrier (one thread runs this).
  const auto read_next = [&]() noexcept {
    filled = 0;
    if (failed.load()) return;
    try {
      if (cancel != nullptr) cancel->throw_if_cancelled();
      filled = bars.read(chunk);
      for (std::size_t i = 0; i < filled; ++i) fingerprint.add(chunk[i]);
      total += static_cast<std::int64_t>(filled);
      if (progress && filled > 0) progress(total, chunk[filled - 1].ts);
    } catch (...) {
      fail(std::current_exception());
      filled = 0;
    }
    next_run.store(0);
  };

  const auto work = [&] {
    const std::span<const data::Bar> batch(chunk.data(), filled);
    for (std::size_t i; (i = next_run.fetch_add(1)) < runs.size();) {
      if (failed.load()) return;
      try {
        runs[i].feed(batch);
      } catch (...) {
        fail(std::current_exception());
      }
    }
  };

  if (jobs == 1) {
    for (read_next(); filled > 0; read_next()) work();
  } else {
    std::barrier sync(jobs, read_next);
    const auto worker = [&] {
      while (true) {
        sync.arrive_and_wait();  // the chunk is read
        if (filled == 0) return;
        work();
      }
    };
    read_next();
    std::vector<std::jthread> threads;
    threads.reserve(static_cast<std::size_t>(jobs - 1));
    // The first pass needs no read: the chunk was read above; each thread starts at work().
    const auto first_then_loop = [&] {
      if (filled > 0) {
        work();
        worker();
      }
    };
    for (int t = 1; t < jobs; ++t) threads.emplace_back(first_then_loop);
    first_then_loop();
  }
  if (error) std::rethrow_exception(error);
  if (cancel != nullptr) cancel->throw_if_cancelled();

  SharedPassResult result;
  result.bars = total;
  result.fingerprint = fingerprint.hex();
  result.runs.reserve(runs.size());
  for (auto& run : runs) {
    result.runs.push_back(run.finish());
    result.runs.back().symbols = symbols;
    result.runs.back().bars = total;
    result.runs.back().fingerprint = result.fingerprint;
  }
  return result;
}

}  // namespace trader::sweep
