// trader-bench: throughput and memory of the hot paths, on generated data. Prints one JSON
// object per line: {"name", the figures (rows_per_s or bars_per_s), "peak_rss_mb", the goal}.
//   trader-bench [NAME...]     run the named benchmarks (all by default); --list names them
// Peak RSS is the process's high-water mark, reset before each benchmark (Linux clear_refs),
// so each figure belongs to its own benchmark.
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <trader/marketdata/market_data.hpp>
#include <trader/backtest/runner.hpp>
#include <trader/backtest/session.hpp>
#include <trader/broker/sim_broker.hpp>
#include <trader/data/synthetic.hpp>
#include <trader/engine/engine.hpp>
#include <trader/store/bar_store.hpp>
#include <trader/strategy/registry.hpp>
#include <trader/strategy/velez.hpp>
#include <trader/sweep/shared_pass.hpp>
#include <trader/sweep/sweep.hpp>

#ifdef TRADER_BENCH_LIVE
#include "live_bar_to_order.hpp"
#endif

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
  }
  return 0;
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

double peak_rss_mb() { return static_cast<double>(status_kb("VmHWM:")) / 1024.0; }

// A scratch directory for one run of trader-bench, removed at exit.
struct Scratch {
  Scratch() {
    dir = fs::temp_directory_path() / fmt::format("trader-bench-{}", std::random_device{}());
    fs::create_directories(dir);
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  fs::path dir;
};

trader::store::Database open_db(const fs::path& path) {
  trader::store::DatabaseOptions options;
  options.path = path;
  return trader::store::Database::open(options);
}

std::vector<std::string> symbols(int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    // AAA, AAB, ... : valid tickers, sorted as generated.
    out.push_back(fmt::format("{}{}{}", static_cast<char>('A' + i / 676),
                              static_cast<char>('A' + (i / 26) % 26),
                              static_cast<char>('A' + i % 26)));
  }
  return out;
}

const trader::core::Date kFirst = std::chrono::year{2025} / 1 / 1;
const trader::core::Date kLast = std::chrono::year{2025} / 12 / 31;

// A store with `count` symbols x 2025 of synthetic minute bars (built once per size).
fs::path store_with(Scratch& scratch, int count) {
  const fs::path path = scratch.dir / fmt::format("bars-{}.db", count);
  if (fs::exists(path)) return path;
  auto db = open_db(path);
  trader::store::BarStore store(db);
  static_cast<void>(trader::marketdata::write_synthetic(store, symbols(count), kFirst, kLast, 7));
  return path;
}

void report(const std::string& name, const std::string& unit, double count, double seconds,
            double goal, const std::string& extra = {}) {
  fmt::print(
      "{{\"name\": \"{}\", \"{}\": {}, \"seconds\": {:.3f}, \"{}_per_s\": {:.0f}, "
      "\"peak_rss_mb\": {:.1f}, \"goal_{}_per_s\": {:.0f}{}}}\n",
      name, unit, static_cast<long long>(count), seconds, unit, count / seconds, peak_rss_mb(),
      unit, goal, extra);
  std::fflush(stdout);
}

void csv_import(Scratch& scratch) {
  // 2,000,000 rows of one symbol, ISO timestamps, as a data vendor would ship them.
  const fs::path file = scratch.dir / "import.csv";
  {
    std::ofstream out(file);
    out << "timestamp,open,high,low,close,volume\n";
    auto db = open_db(scratch.dir / "source.db");
    trader::store::BarStore store(db);
    trader::data::SymbolTable table;
    trader::data::SyntheticSpec spec;
    spec.seed = 3;
    spec.symbol = "AAPL";
    spec.first = std::chrono::year{2000} / 1 / 1;
    spec.last = std::chrono::year{2020} / 12 / 31;
    trader::data::SyntheticBarGenerator generator(spec, table);
    std::vector<trader::data::Bar> buffer(8192);
    std::size_t rows = 0;
    for (std::size_t n; rows < 2'000'000 && (n = generator.read(buffer)) > 0;) {
      for (std::size_t i = 0; i < n && rows < 2'000'000; ++i, ++rows) {
        const auto& b = buffer[i];
        out << trader::core::format_timestamp(b.ts) << ',' << b.open.to_string() << ','
            << b.high.to_string() << ',' << b.low.to_string() << ',' << b.close.to_string() << ','
            << b.volume << '\n';
      }
    }
  }
  auto db = open_db(scratch.dir / "import.db");
  trader::store::BarStore store(db);
  reset_peak_rss();
  trader::data::CsvReadOptions options;
  options.symbol = "AAPL";
  const auto start = Clock::now();
  const auto imported = trader::marketdata::import_csv(store, file, options);
  const double elapsed = seconds_since(start);
  report("csv_import", "rows", static_cast<double>(imported.rows_read), elapsed, 1'000'000,
         fmt::format(", \"sessions\": {}", imported.written.sessions_written));
}

void csv_export(Scratch& scratch) {
  // 10 symbols x 2025 from the store into a CSV file, as `trader-data export` writes it.
  const fs::path path = store_with(scratch, 10);
  auto db = open_db(path);
  trader::store::BarStore store(db);
  const fs::path file = scratch.dir / "export.csv";
  reset_peak_rss();
  const auto start = Clock::now();
  std::ofstream out(file, std::ios::binary);
  const auto rows =
      trader::marketdata::export_csv(store, symbols(10), kFirst, kLast, out, file.string());
  out.close();
  const double elapsed = seconds_since(start);
  report("csv_export", "rows", static_cast<double>(rows), elapsed, 1'000'000, ", \"symbols\": 10");
}

void store_read(Scratch& scratch, int count, const std::string& name,
                trader::core::Date last = kLast) {
  const fs::path path = store_with(scratch, count);
  auto db = open_db(path);
  trader::store::BarStore store(db);
  const auto table = trader::data::SymbolTable::sorted(symbols(count));
  reset_peak_rss();
  const auto start = Clock::now();
  auto source = store.read(table, kFirst, last);
  std::vector<trader::data::Bar> buffer(8192);
  std::int64_t bars = 0;
  std::int64_t checksum = 0;
  for (std::size_t n; (n = source->read(buffer)) > 0;) {
    bars += static_cast<std::int64_t>(n);
    checksum += buffer[n - 1].volume;
  }
  const double elapsed = seconds_since(start);
  report(name, "bars", static_cast<double>(bars), elapsed, 20'000'000,
         fmt::format(", \"symbols\": {}, \"checksum\": {}", count, checksum));
}

void engine_velez() {
  // Engine only: Velez on 10 symbols x 2025 of synthetic bars already in memory, SimBroker.
  std::vector<trader::data::Bar> bars;
  const auto names = symbols(10);
  auto table = trader::data::SymbolTable::sorted(names);
  for (const auto& name : names) {
    trader::data::SyntheticSpec spec;
    spec.seed = 11;
    spec.symbol = name;
    spec.first = kFirst;
    spec.last = kLast;
    trader::data::SyntheticBarGenerator generator(spec, table);
    std::vector<trader::data::Bar> buffer(8192);
    for (std::size_t n; (n = generator.read(buffer)) > 0;) {
      bars.insert(bars.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }
  std::stable_sort(bars.begin(), bars.end(), trader::data::earlier);
  trader::config::Settings settings;
  reset_peak_rss();
  double best = 1e30;
  for (int round = 0; round < 3; ++round) {  // the best of three: less noise from the neighbours
    trader::broker::SimBroker broker(trader::broker::SimulationSettings::from(settings.backtest));
    trader::engine::Engine engine(
        table, [&] { return std::make_unique<trader::strategy::Velez>(); }, broker,
        trader::engine::EngineOptions{.risk = settings.risk, .venue = &broker});
    const auto start = Clock::now();
    for (const auto& bar : bars) engine.on_bar(bar);
    engine.finish();
    best = std::min(best, seconds_since(start));
  }
  report("engine_velez", "bars", static_cast<double>(bars.size()), best, 30'000'000,
         ", \"symbols\": 10");
}

void backtest_end_to_end(Scratch& scratch, int count, const std::string& name) {
  // store -> engine -> metrics -> stored run, as trader-backtest does it.
  const fs::path path = store_with(scratch, count);
  auto db = open_db(path);
  const auto registry = trader::strategy::StrategyRegistry::with_builtins();
  trader::backtest::BacktestRunner runner(db, registry, trader::config::Sources{});
  trader::backtest::BacktestRequest request;
  request.symbols = symbols(count);
  request.start_date = kFirst;
  request.end_date = kLast;
  request.data = trader::backtest::DataMode::store;
  reset_peak_rss();
  double elapsed = 1e30;
  trader::backtest::BacktestResult result;
  std::int64_t run_id = 0;
  for (int round = 0; round < 2; ++round) {  // the second round runs with warm caches
    const auto start = Clock::now();
    result = runner.run(request);
    run_id = runner.save(result);
    elapsed = std::min(elapsed, seconds_since(start));
  }
  report(name, "bars", static_cast<double>(result.bars), elapsed, 10'000'000,
         fmt::format(", \"symbols\": {}, \"trades\": {}, \"run_id\": {}, \"goal_peak_rss_mb\": {}",
                     count, result.metrics.total_trades, run_id, count >= 100 ? 200 : 0));
}

void session_end_to_end(Scratch& scratch, int count, const std::string& name) {
  // store -> BacktestSession -> metrics: the same bars and engine as backtest_*, without the
  // runner's configuration and without storing the run (what a library user or a test runs).
  const fs::path path = store_with(scratch, count);
  auto db = open_db(path);
  trader::store::BarStore store(db);
  const trader::config::Settings settings;
  trader::backtest::SessionOptions options;
  options.backtest = settings.backtest;
  options.risk = settings.risk;
  options.first = kFirst;
  options.last = kLast;
  const trader::backtest::BacktestSession session(
      trader::data::SymbolTable::sorted(symbols(count)),
      [] { return std::make_unique<trader::strategy::Velez>(); }, options);
  reset_peak_rss();
  double elapsed = 1e30;
  trader::backtest::SessionResult result;
  for (int round = 0; round < 3; ++round) {  // the best of three, warm caches after the first
    const auto start = Clock::now();
    const auto source = store.read(session.symbols(), kFirst, kLast);
    result = session.run(*source);
    elapsed = std::min(elapsed, seconds_since(start));
  }
  report(name, "bars", static_cast<double>(result.bars), elapsed, 25'000'000,
         fmt::format(", \"symbols\": {}, \"trades\": {}", count, result.metrics.total_trades));
}

// A sweep over one year of one symbol's synthetic minute bars: 200 Velez combinations (sma_fast
// 5..24 x stop_buffer_pct 0.1..1.0), generated on the fly and read once per pass for all of
// them. `jobs` threads; the median of three runs.
struct SweepFigures {
  double seconds = 0;
  double combination_bars = 0;
  std::int64_t bars = 0;
};

SweepFigures sweep_velez_run(int jobs) {
  const auto registry = trader::strategy::StrategyRegistry::with_builtins();
  const trader::sweep::SweepRunner runner(
      registry, trader::config::Sources{}, [](trader::core::Date first, trader::core::Date last) {
        return trader::marketdata::synthetic_bars(trader::marketdata::BarRequest{
            {"AAPL"}, first, last, trader::marketdata::DataMode::synthetic, 11});
      });
  trader::sweep::SweepRequest request;
  request.symbols = {"AAPL"};
  request.start_date = kFirst;
  request.end_date = kLast;
  request.grid = {"sma_fast=5:24:1", "stop_buffer_pct=0.1:1.0:0.1"};
  request.data = trader::marketdata::DataMode::synthetic;
  request.jobs = jobs;
  std::vector<SweepFigures> rounds;
  for (int round = 0; round < 3; ++round) {
    const auto start = Clock::now();
    const auto result = runner.run(request);
    const double elapsed = seconds_since(start);
    rounds.push_back(SweepFigures{
        elapsed, static_cast<double>(result.results.size()) * static_cast<double>(result.bars),
        result.bars});
  }
  std::sort(rounds.begin(), rounds.end(),
            [](const SweepFigures& a, const SweepFigures& b) { return a.seconds < b.seconds; });
  return rounds[1];
}

// The same 200 combinations as 200 lone BacktestSessions over bars already in memory (no bar
// supply at all): the engine's own speed on this work, which the sweep's shared pass should
// nearly reach. The median of three.
double lone_sessions_seconds() {
  std::vector<trader::data::Bar> bars;
  auto table = trader::data::SymbolTable::sorted({"AAPL"});
  {
    auto supply = trader::marketdata::synthetic_bars(trader::marketdata::BarRequest{
        {"AAPL"}, kFirst, kLast, trader::marketdata::DataMode::synthetic, 11});
    std::vector<trader::data::Bar> buffer(8192);
    for (std::size_t n; (n = supply.source->read(buffer)) > 0;) {
      bars.insert(bars.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
    }
  }
  const auto registry = trader::strategy::StrategyRegistry::with_builtins();
  std::vector<trader::strategy::StrategyBlueprint> blueprints;
  for (int fast = 5; fast <= 24; ++fast) {
    for (int buffer = 1; buffer <= 10; ++buffer) {
      blueprints.push_back(registry.configure(
          "velez", trader::config::Sources{},
          {{"sma_fast", std::to_string(fast)},
           {"stop_buffer_pct",
            trader::core::Decimal::from_units(buffer * 10'000'000).to_string()}}));
    }
  }
  trader::backtest::SessionOptions options;
  options.backtest = blueprints.front().settings().backtest;
  options.risk = blueprints.front().settings().risk;
  options.first = kFirst;
  options.last = kLast;
  std::vector<double> rounds;
  for (int round = 0; round < 3; ++round) {
    const auto start = Clock::now();
    for (const auto& bp : blueprints) {
      trader::data::SpanBarSource source(bars);
      const trader::backtest::BacktestSession session(
          table, [&bp] { return bp.create(); }, options);
      static_cast<void>(session.run(source));
    }
    rounds.push_back(seconds_since(start));
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[1];
}

void sweep_velez() {
  reset_peak_rss();
  const SweepFigures f = sweep_velez_run(1);
  const double peak = peak_rss_mb();
  const double lone = lone_sessions_seconds();
  fmt::print(
      "{{\"name\": \"sweep_velez\", \"combinations\": 200, \"bars\": {}, \"jobs\": 1, "
      "\"seconds\": {:.3f}, \"combination_bars_per_s\": {:.0f}, \"peak_rss_mb\": {:.1f}, "
      "\"lone_sessions_in_memory_combination_bars_per_s\": {:.0f}, "
      "\"goal_combination_bars_per_s\": 30000000, \"goal_peak_rss_mb\": 300}}\n",
      f.bars, f.seconds, f.combination_bars / f.seconds, peak, f.combination_bars / lone);
  std::fflush(stdout);
}

void sweep_velez_all_cores() {
  const int cores = trader::sweep::hardware_jobs();
  reset_peak_rss();
  const SweepFigures one = sweep_velez_run(1);
  const SweepFigures all = sweep_velez_run(cores);
  const double speedup = one.seconds / all.seconds;
  fmt::print(
      "{{\"name\": \"sweep_velez_all_cores\", \"combinations\": 200, \"bars\": {}, "
      "\"jobs\": {}, \"seconds_1\": {:.3f}, \"seconds\": {:.3f}, "
      "\"combination_bars_per_s_1\": {:.0f}, \"combination_bars_per_s\": {:.0f}, "
      "\"speedup\": {:.3f}, \"parallel_efficiency\": {:.3f}, \"peak_rss_mb\": {:.1f}, "
      "\"goal_parallel_efficiency\": 0.9, \"goal_peak_rss_mb\": 300}}\n",
      all.bars, cores, one.seconds, all.seconds, one.combination_bars / one.seconds,
      all.combination_bars / all.seconds, speedup, speedup / cores, peak_rss_mb());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) try {
  Scratch scratch;
  const std::vector<std::pair<std::string, std::function<void()>>> benchmarks{
      {"csv_import", [&] { csv_import(scratch); }},
      {"csv_export", [&] { csv_export(scratch); }},
      {"store_read_1x1y", [&] { store_read(scratch, 1, "store_read_1x1y"); }},
      {"store_read_100x1y", [&] { store_read(scratch, 100, "store_read_100x1y"); }},
      // The same store read for one month: peak memory must not depend on the range.
      {"store_read_100x1m",
       [&] { store_read(scratch, 100, "store_read_100x1m", std::chrono::year{2025} / 1 / 31); }},
      {"engine_velez", [] { engine_velez(); }},
      {"backtest_1x1y", [&] { backtest_end_to_end(scratch, 1, "backtest_1x1y"); }},
      {"backtest_100x1y", [&] { backtest_end_to_end(scratch, 100, "backtest_100x1y"); }},
      {"session_1x1y", [&] { session_end_to_end(scratch, 1, "session_1x1y"); }},
      {"session_100x1y", [&] { session_end_to_end(scratch, 100, "session_100x1y"); }},
      {"sweep_velez", [] { sweep_velez(); }},
      {"sweep_velez_all_cores", [] { sweep_velez_all_cores(); }},
#ifdef TRADER_BENCH_LIVE
      // Issue 14: through the live runtime against the paper-venue double on loopback.
      {"live_bar_to_order", [&] { trader::bench::live_bar_to_order(scratch.dir); }},
#endif
  };
  std::vector<std::string> wanted(argv + 1, argv + argc);
  if (!wanted.empty() && (wanted[0] == "--list" || wanted[0] == "--help" || wanted[0] == "-h")) {
    fmt::print("usage: trader-bench [NAME...]\nbenchmarks:\n");
    for (const auto& [name, fn] : benchmarks) fmt::print("  {}\n", name);
    return 0;
  }
  for (const auto& w : wanted) {
    if (std::none_of(benchmarks.begin(), benchmarks.end(),
                     [&](const auto& b) { return b.first == w; })) {
      fmt::print(stderr, "trader-bench: unknown benchmark '{}' (see --list)\n", w);
      return 2;
    }
  }
  for (const auto& [name, fn] : benchmarks) {
    if (wanted.empty() || std::find(wanted.begin(), wanted.end(), name) != wanted.end()) fn();
  }
  return 0;
} catch (const std::exception& e) {
  fmt::print(stderr, "trader-bench: {}\n", e.what());
  return 1;
}
