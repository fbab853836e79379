// trader-sweep: backtest every combination of a strategy's parameters over the same bars (one
// pass, many engines, every core), rank them, run walk-forward windows, and split a sweep over a
// cluster (Kubernetes Indexed Jobs, Slurm arrays) then merge the shards.
#include <fmt/core.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>

#include <trader/backtest/run_archive.hpp>
#include <trader/config/load.hpp>
#include <trader/core/text.hpp>
#include <trader/log/log.hpp>
#include <trader/marketdata/bar_supply.hpp>
#include <trader/store/bar_store.hpp>
#include <trader/store/database.hpp>
#include <trader/strategy/registry.hpp>
#include <trader/sweep/archive.hpp>
#include <trader/sweep/report.hpp>
#include <trader/sweep/results.hpp>
#include <trader/sweep/shard_file.hpp>
#include <trader/sweep/shared_pass.hpp>
#include <trader/sweep/sweep.hpp>
#include <trader/sweep/walk_forward.hpp>

#include "common/backtest_text.hpp"
#include "common/cli.hpp"
#include "common/output.hpp"
#include "common/signals.hpp"

namespace {

namespace po = boost::program_options;
namespace sw = trader::sweep;

constexpr const char* kUsage =
    "Usage:\n"
    "  trader-sweep --symbols A,B --start-date D --end-date D --grid NAME=SPEC... [options]\n"
    "  trader-sweep merge DIR [--json | --csv] [--top N]\n"
    "  trader-sweep --list [--limit N] | --show ID [--combination K]\n\n"
    "Backtests every combination of the swept parameters over the same bars (read once, fed to\n"
    "every engine; --jobs threads) and ranks them by --objective. A --grid is NAME=LO:HI:STEP,\n"
    "NAME=A,B,C or NAME=V; with --random N, also NAME=LO:HI or a bare NAME (its declared\n"
    "range). --shard K/N (or JOB_COMPLETION_INDEX with --shards N, or SLURM_ARRAY_TASK_ID and\n"
    "SLURM_ARRAY_TASK_COUNT) runs one slice and writes DIR/shard-K-of-N.jsonl (--output DIR);\n"
    "`trader-sweep merge DIR` combines the shards.\n\n"
    "Options";

struct Arguments {
  bool merge = false;
  std::string merge_dir;
  sw::SweepRequest request;
  std::optional<std::string> shard, shards, output, db;
  std::optional<trader::sweep::WalkForwardSpec> walk_forward;
  bool json = false, csv = false, quiet = false;
  std::size_t top = 20;
  std::optional<std::string> report;
  sw::HeatMapAxes heat_map;
  bool list = false;
  int limit = 20;
  std::optional<std::int64_t> show;
  std::optional<std::size_t> combination;
};

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once in main
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

trader::core::Date date_option(const po::variables_map& vm, const char* name) {
  try {
    return trader::tools::parse_date_option(vm[name].as<std::string>(), std::string("--") + name);
  } catch (const trader::ParseError& e) {
    throw po::error(e.what());
  }
}

Arguments parse_arguments(int argc, char** argv) {
  po::options_description options(kUsage);
  options.add_options()("help,h", "show this help")(
      "strategy", po::value<std::string>()->default_value("velez"), "strategy name")(
      "symbols", po::value<std::string>(), "comma-separated symbols, e.g. AAPL,MSFT")(
      "start-date", po::value<std::string>(), "first day (YYYY-MM-DD)")(
      "end-date", po::value<std::string>(), "last day (the first or later)")(
      "grid", po::value<std::vector<std::string>>()->composing(),
      "a swept parameter NAME=SPEC (repeatable; see trader-backtest --list-strategies)")(
      "param", po::value<std::vector<std::string>>()->composing(),
      "a fixed strategy parameter NAME=VALUE (repeatable)")(
      "random", po::value<std::string>(), "N random combinations instead of the whole grid")(
      "seed", po::value<std::string>(), "--random's seed (default 1)")(
      "objective", po::value<std::string>()->default_value("sharpe"),
      "sharpe | total_return | profit_factor | cagr | sortino")(
      "walk-forward", po::value<std::string>(),
      "IN:OUT rolling windows, e.g. 6m:1m (d, w, m, y): choose in-sample, test out-of-sample")(
      "jobs", po::value<std::string>(), "threads (default: every core)")(
      "capital", po::value<std::string>(), "initial capital (default 25000)")(
      "slippage", po::value<std::string>(), "slippage per share (default 0.01)")(
      "data", po::value<std::string>()->default_value("auto"), "auto | store | alpaca | synthetic")(
      "data-seed", po::value<std::string>(), "synthetic data seed (default 1)")(
      "shard", po::value<std::string>(), "run shard K of N (K from 0): K/N")(
      "shards", po::value<std::string>(),
      "N, with JOB_COMPLETION_INDEX (Kubernetes Indexed Job) as K")(
      "output", po::value<std::string>(), "directory for this shard's results file")(
      "json", "print {\"results\": [...]}, best first")("csv", "print the ranked results as CSV")(
      "top", po::value<std::string>(), "rows of the ranked table (default 20; 0: all)")(
      "quiet", "no progress bar")("report", po::value<std::string>(),
                                  "write a self-contained HTML report to this file")(
      "heatmap", po::value<std::string>(),
      "X,Y: the two parameters of the report's heat map (default: the first two)")(
      "list", "list the stored sweeps, newest first")("limit", po::value<std::string>(),
                                                      "--list: how many, 1 or more (default 20)")(
      "show", po::value<std::string>(), "show a stored sweep's ranked results")(
      "combination", po::value<std::string>(),
      "with --show: backtest combination K alone from the stored settings")(
      "db", po::value<std::string>(), "database file (overrides ALGO_DB_PATH)");
  po::options_description all;
  all.add(options).add_options()("positional", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("positional", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  if (vm.count("help") || argc == 1) {
    std::cout << options << "\n";
    std::exit(argc == 1 ? 2 : 0);  // NOLINT(concurrency-mt-unsafe): before any thread
  }
  Arguments a;
  const auto whole = [&](const char* name, std::uint64_t minimum,
                         std::uint64_t maximum = trader::tools::kMaxStoredId) {
    try {
      return trader::tools::parse_bounded_option(vm[name].as<std::string>(),
                                                 std::string("--") + name, minimum, maximum);
    } catch (const trader::Error& e) {  // not a number, or out of bounds: a usage error
      throw po::error(e.what());
    }
  };
  if (vm.count("positional")) {
    const auto words = vm["positional"].as<std::vector<std::string>>();
    if (words[0] != "merge") throw po::error("unexpected argument '" + words[0] + "'");
    if (words.size() != 2) throw po::error("merge takes one directory: trader-sweep merge DIR");
    a.merge = true;
    a.merge_dir = words[1];
    for (const auto& [name, value] : vm) {
      const std::vector<std::string> allowed{"positional", "json",  "csv",    "top",
                                             "db",         "quiet", "report", "heatmap"};
      if (!value.defaulted() && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        throw po::error("--" + name + " does not apply to merge");
      }
    }
  }
  a.json = vm.count("json") > 0;
  a.csv = vm.count("csv") > 0;
  if (a.json && a.csv) throw po::error("--json and --csv cannot be combined: choose one");
  a.quiet = vm.count("quiet") > 0;
  if (vm.count("top")) a.top = whole("top", 0);
  if (vm.count("db")) a.db = vm["db"].as<std::string>();
  if (vm.count("report")) a.report = vm["report"].as<std::string>();
  if (vm.count("heatmap")) {
    if (!a.report) throw po::error("--heatmap needs --report FILE");
    const auto text = vm["heatmap"].as<std::string>();
    const auto comma = text.find(',');
    if (comma == std::string::npos || comma == 0 || comma + 1 == text.size()) {
      throw po::error("--heatmap " + text + ": expected X,Y (two swept parameters)");
    }
    a.heat_map = sw::HeatMapAxes{text.substr(0, comma), text.substr(comma + 1)};
    if (trader::core::to_lower(a.heat_map.x) == trader::core::to_lower(a.heat_map.y)) {
      throw po::error("--heatmap " + text + ": needs two different parameters");
    }
  }
  if (a.merge) return a;
  a.list = vm.count("list") > 0;
  if (vm.count("limit")) {
    if (!a.list) throw po::error("--limit needs --list");
    a.limit = static_cast<int>(whole("limit", 1, 1'000'000));
  }
  if (vm.count("show")) a.show = static_cast<std::int64_t>(whole("show", 1));
  if (vm.count("combination")) {
    if (!a.show) throw po::error("--combination needs --show ID");
    a.combination = static_cast<std::size_t>(whole("combination", 1));
  }
  if (a.list || a.show) {
    if (a.list && a.show) throw po::error("--list and --show cannot be combined: choose one");
    const std::vector<std::string> allowed =
        a.list ? std::vector<std::string>{"list", "limit", "db"}
               : std::vector<std::string>{"show", "combination", "json",   "csv",    "top",
                                          "db",   "quiet",       "report", "heatmap"};
    for (const auto& [name, value] : vm) {
      if (!value.defaulted() && std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        throw po::error("--" + name + " does not apply to " + (a.list ? "--list" : "--show"));
      }
    }
    return a;
  }

  sw::SweepRequest& r = a.request;
  r.strategy = vm["strategy"].as<std::string>();
  if (!vm.count("symbols")) throw po::error("--symbols is required (e.g. --symbols AAPL)");
  try {
    r.symbols = trader::tools::parse_symbols(vm["symbols"].as<std::string>());
  } catch (const trader::ParseError& e) {
    throw po::error(std::string("--symbols: ") + e.what());
  }
  if (r.symbols.empty()) throw po::error("--symbols: at least one symbol required");
  if (!vm.count("start-date") || !vm.count("end-date")) {
    throw po::error("--start-date and --end-date are required");
  }
  r.start_date = date_option(vm, "start-date");
  r.end_date = date_option(vm, "end-date");
  if (r.end_date < r.start_date) {
    throw po::error("--end-date " + trader::core::format_date(r.end_date) +
                    " must not be before --start-date " + trader::core::format_date(r.start_date));
  }
  if (!vm.count("grid")) throw po::error("--grid NAME=SPEC is required (what to sweep)");
  r.grid = vm["grid"].as<std::vector<std::string>>();
  if (vm.count("param")) {
    for (const auto& p : vm["param"].as<std::vector<std::string>>()) {
      const auto equals = p.find('=');
      if (equals == std::string::npos || equals == 0) {
        throw po::error("--param " + p + ": expected NAME=VALUE");
      }
      r.parameters.emplace_back(p.substr(0, equals), p.substr(equals + 1));
    }
  }
  if (vm.count("random")) {
    r.random = static_cast<std::size_t>(whole("random", 1, sw::kMaxCombinations));
  }
  if (vm.count("seed")) {
    if (!vm.count("random")) throw po::error("--seed applies to --random only");
    r.random_seed = whole("seed", 0, UINT64_MAX);
  }
  try {
    r.objective = sw::parse_objective(vm["objective"].as<std::string>());
  } catch (const trader::ParseError& e) {
    throw po::error(std::string("--objective: ") + e.what());
  }
  if (vm.count("jobs")) r.jobs = static_cast<int>(std::min<std::uint64_t>(whole("jobs", 1), 1024));
  try {
    r.data = trader::marketdata::parse_data_mode(vm["data"].as<std::string>());
  } catch (const trader::ParseError& e) {
    throw po::error(std::string("--data: ") + e.what());
  }
  if (vm.count("data-seed")) r.synthetic_seed = whole("data-seed", 0, UINT64_MAX);
  if (vm.count("capital")) {
    r.settings_overrides.emplace_back("ALGO_BACKTEST__INITIAL_CAPITAL",
                                      vm["capital"].as<std::string>());
  }
  if (vm.count("slippage")) {
    r.settings_overrides.emplace_back("ALGO_BACKTEST__SLIPPAGE_PER_SHARE",
                                      vm["slippage"].as<std::string>());
  }
  if (vm.count("shard")) a.shard = vm["shard"].as<std::string>();
  if (vm.count("shards")) a.shards = vm["shards"].as<std::string>();
  if (vm.count("output")) a.output = vm["output"].as<std::string>();
  if (vm.count("walk-forward")) {
    try {
      a.walk_forward = sw::parse_walk_forward(vm["walk-forward"].as<std::string>());
    } catch (const trader::ParseError& e) {
      throw po::error(std::string("--walk-forward: ") + e.what());
    }
    for (const char* other : {"shard", "shards", "output", "csv"}) {
      if (vm.count(other))
        throw po::error(std::string("--") + other + " does not apply to --walk-forward");
    }
  }
  return a;
}

// combinations done, rate, ETA; on a terminal only, once the sweep has run for a second.
class Progress {
 public:
  explicit Progress(bool quiet) : active_(!quiet && trader::tools::stderr_is_terminal()) {}
  ~Progress() {
    if (shown_) fmt::print(stderr, "\n");
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(double done, std::size_t total) {
    if (!active_) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (elapsed < 1.0) return;
    const double rate = done / elapsed;
    const double left = rate > 0 ? (static_cast<double>(total) - done) / rate : 0.0;
    const auto fraction = total == 0 ? 1.0 : done / static_cast<double>(total);
    const int filled = std::clamp(static_cast<int>(fraction * 30), 0, 30);
    fmt::print(stderr, "\r[{}{}] {:.0f}/{} combinations  {:.1f}/s  ETA {}:{:02}   ",
               std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(30 - filled), ' '), done, total, rate,
               static_cast<int>(left) / 60, static_cast<int>(left) % 60);
    std::fflush(stderr);
    shown_ = true;
  }

 private:
  bool active_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

void print_results(const Arguments& a, const sw::SweepResult& result) {
  if (a.json || a.csv) {  // the table says it under the rows; machine output leaves it to stderr
    if (const std::string w = sw::results_warning(result); !w.empty()) {
      fmt::print(stderr, "warning: {}\n", w);
    }
  }
  if (a.json) {
    fmt::print("{}\n", sw::results_json(result));
  } else if (a.csv) {
    fmt::print("{}", sw::results_csv(result));
  } else {
    fmt::print("{}", sw::results_table(result, a.top));
  }
}

trader::store::DatabaseOptions database_options(const Arguments& a,
                                                const trader::config::Settings& settings) {
  trader::store::DatabaseOptions options = trader::store::database_options(settings);
  options.path = a.db.value_or(settings.db_path);
  return options;
}

// Stores a whole sweep; prints its id after a table. A sweep that cannot be stored still shows
// its results, says why it was not stored, and makes the exit status 1.
// The report file, opened (as a temporary) before any work, so that one that cannot be written
// fails first; renamed into place only when complete.
void open_report(const Arguments& a, std::optional<trader::tools::AtomicOutputFile>& file) {
  if (!a.report) return;
  try {
    file.emplace(*a.report);
  } catch (const trader::tools::OutputError& e) {
    throw trader::tools::OutputError(*a.report, e.reason() + " (--report)");
  }
}

// 0, or 1 after saying why the report could not be written.
int write_report(std::optional<trader::tools::AtomicOutputFile>& file,
                 const std::function<void(std::ostream&)>& produce) {
  if (!file) return 0;
  try {
    file->write_with(produce);
  } catch (const trader::tools::OutputError& e) {
    fmt::print(stderr, "trader-sweep: {} (--report)\n", e.what());
    return 1;
  }
  return 0;
}

int store_and_print(const Arguments& a, trader::store::Database& db, const sw::SweepResult& r,
                    std::optional<trader::tools::AtomicOutputFile>& report) {
  std::string not_stored;
  std::int64_t id = 0;
  try {
    id = sw::SweepArchive(db).save(r);
  } catch (const trader::store::StoreError& e) {
    not_stored = e.what();
  }
  print_results(a, r);
  if (!a.json && !a.csv && id > 0) fmt::print("\nResults saved to database (sweep_id: {})\n", id);
  const int report_status =
      write_report(report, [&](std::ostream& out) { sw::write_sweep_report(r, a.heat_map, out); });
  if (!not_stored.empty()) {
    fmt::print(stderr, "trader-sweep: the sweep was NOT stored: {}\n", not_stored);
    return 1;
  }
  return report_status;
}

int show(const Arguments& a, const trader::strategy::StrategyRegistry& registry,
         const trader::config::Settings& settings) {
  const auto options = database_options(a, settings);
  if (!options.path.empty() && !std::filesystem::exists(options.path)) {
    throw sw::SweepError("no stored sweeps (" + options.path.string() + " does not exist)");
  }
  auto db = trader::store::Database::open(
      options, a.combination ? trader::store::OpenMode::use : trader::store::OpenMode::read);
  if (a.list) {
    // One more than asked for, to say that there are more.
    auto sweeps = sw::SweepArchive(db).list(a.limit + 1);
    const bool more = sweeps.size() > static_cast<std::size_t>(a.limit);
    if (more) sweeps.pop_back();
    if (sweeps.empty()) fmt::print("no stored sweeps in {}\n", options.path.string());
    for (const auto& s : sweeps) {
      fmt::print("{:>5}  {}  {:<14} {} {} .. {}  {:>6} combinations  by {:<13}  {}\n", s.id,
                 trader::core::format_timestamp(s.created_at).substr(0, 19), s.strategy,
                 s.symbols_json, trader::core::format_date(s.start_date),
                 trader::core::format_date(s.end_date), s.combinations, s.objective, s.data_source);
    }
    if (more) fmt::print("  ... older sweeps too (--limit N lists more)\n");
    return 0;
  }
  if (!a.combination) {
    std::optional<trader::tools::AtomicOutputFile> report;
    open_report(a, report);
    const sw::SweepResult stored = sw::SweepArchive(db).load(*a.show);
    print_results(a, stored);
    return write_report(
        report, [&](std::ostream& out) { sw::write_sweep_report(stored, a.heat_map, out); });
  }
  const auto rerun =
      sw::rerun_combination(db, registry, *a.show, *a.combination, &trader::tools::interruption());
  if (a.json) {
    fmt::print("{}\n", trader::backtest::result_json(rerun.result, std::nullopt));
  } else {
    trader::tools::print_text(rerun.result, 0);
    fmt::print("\nRerun of sweep {} combination {}: metrics {}, bars {}\n", *a.show, *a.combination,
               rerun.metrics_identical ? "identical" : "DIFFERENT",
               rerun.bars_identical ? "identical" : "DIFFERENT");
  }
  return rerun.metrics_identical && rerun.bars_identical ? 0 : 1;
}

int run(const Arguments& a, const trader::config::Sources& sources) {
  if (a.list || a.show) {
    const auto registry = trader::strategy::StrategyRegistry::with_builtins();
    return show(a, registry, registry.schema().load(sources));
  }
  if (a.merge) {
    std::optional<trader::tools::AtomicOutputFile> report;
    open_report(a, report);
    const sw::SweepResult merged = sw::merge_shards(a.merge_dir);
    const auto registry = trader::strategy::StrategyRegistry::with_builtins();
    auto db = trader::store::Database::open(database_options(a, registry.schema().load(sources)),
                                            trader::store::OpenMode::use);
    return store_and_print(a, db, merged, report);
  }
  sw::SweepRequest request = a.request;
  const std::optional<sw::Shard> shard = sw::resolve_shard(
      a.shard, a.shards,
      sw::SchedulerVariables{
          environment("JOB_COMPLETION_INDEX"), environment("SLURM_ARRAY_TASK_ID"),
          environment("SLURM_ARRAY_TASK_COUNT"), environment("SLURM_ARRAY_TASK_MIN")});
  if (shard) request.shard = *shard;
  if (shard && !a.output) {
    throw sw::ShardError(fmt::format("shard {} of {} needs --output DIR for its results file",
                                     shard->index, shard->count));
  }
  const auto registry = trader::strategy::StrategyRegistry::with_builtins();
  const auto settings = registry.schema().load(sources);
  std::optional<trader::store::Database> db;
  const auto open_db = [&]() -> trader::store::Database& {
    if (!db) {
      // A shard only reads bars (often from a read-only volume on a cluster); a whole sweep
      // also stores its results.
      db.emplace(trader::store::Database::open(
          database_options(a, settings),
          request.shard.whole() ? trader::store::OpenMode::use : trader::store::OpenMode::read));
    }
    return *db;
  };
  const sw::BarProvider bars = [&](trader::core::Date first, trader::core::Date last) {
    const trader::marketdata::BarRequest wanted{request.symbols, first, last, request.data,
                                                request.synthetic_seed};
    if (request.data == trader::marketdata::DataMode::synthetic) {
      return trader::marketdata::synthetic_bars(wanted);
    }
    trader::store::BarStore store(open_db());
    return trader::marketdata::stored_bars(store, settings, wanted, &trader::tools::interruption());
  };
  const sw::SweepRunner runner(registry, sources, bars);

  // The results file is opened (as a temporary) before the sweep: a directory that cannot be
  // written fails now, not after hours of work.
  std::optional<trader::tools::AtomicOutputFile> shard_file;
  if (a.output) {
    std::error_code ec;
    std::filesystem::create_directories(*a.output, ec);
    shard_file.emplace(std::filesystem::path(*a.output) / request.shard.file_name());
  }
  // A heat-map axis must be swept: checked now, not after the sweep.
  for (const std::string* axis : {&a.heat_map.x, &a.heat_map.y}) {
    if (axis->empty()) continue;
    const bool swept = std::any_of(request.grid.begin(), request.grid.end(), [&](const auto& g) {
      return trader::core::to_lower(g.substr(0, g.find('='))) == trader::core::to_lower(*axis);
    });
    if (!swept) throw sw::GridError("--heatmap " + *axis + ": not one of the --grid parameters");
  }
  if (shard && a.report) {
    throw sw::ShardError("--report needs the whole sweep: give it to trader-sweep merge");
  }
  std::optional<trader::tools::AtomicOutputFile> report_file;
  open_report(a, report_file);
  Progress progress(a.quiet);
  if (a.walk_forward) {
    if (shard) throw sw::ShardError("--walk-forward runs in one process: it cannot be sharded");
    const sw::WalkForwardResult wf = sw::run_walk_forward(
        runner, request, *a.walk_forward,
        [&](double done, std::size_t total) { progress.update(done, total); },
        &trader::tools::interruption());
    for (const auto& w : wf.sweep.warnings) fmt::print(stderr, "warning: {}\n", w);
    fmt::print("{}", a.json ? sw::walk_forward_json(wf) + "\n" : sw::walk_forward_table(wf));
    return write_report(report_file,
                        [&](std::ostream& out) { sw::write_walk_forward_report(wf, out); });
  }
  const sw::SweepResult result = runner.run(
      request, [&](double done, std::size_t total) { progress.update(done, total); },
      &trader::tools::interruption());
  for (const auto& w : result.warnings) fmt::print(stderr, "warning: {}\n", w);
  if (shard_file) {
    shard_file->write(sw::shard_file_text(result));
    shard_file->commit();
    if (!request.shard.whole() && !a.json && !a.csv) {
      fmt::print("shard {} of {}: {} of {} combinations -> {}\n", request.shard.index,
                 request.shard.count, result.results.size(), result.combinations,
                 shard_file->name());
      return 0;
    }
  }
  if (!request.shard.whole()) {
    print_results(a, result);
    return 0;
  }
  return store_and_print(a, open_db(), result, report_file);
}

}  // namespace

int main(int argc, char** argv) try {
  trader::tools::check_stdout_at_exit("trader-sweep");
  trader::tools::install_interrupt_handlers();
  const Arguments args = parse_arguments(argc, argv);
  const auto sources = trader::config::Sources::from_process();
  const auto inspected = trader::config::inspect(sources);
  auto log_settings = inspected.settings.log;
  for (const auto& key : inspected.keys) {
    if (key.variable == "ALGO_LOG_LEVEL" && key.source == trader::config::Source::default_value) {
      log_settings.level = trader::config::LogLevel::warning;
    }
  }
  trader::log::init(log_settings);
  const int code = run(args, sources);
  trader::tools::finish_stdout();
  return code;
} catch (const po::error& e) {
  fmt::print(stderr, "trader-sweep: {}\n(see trader-sweep --help)\n", e.what());
  return 2;
} catch (const trader::sweep::GridError& e) {
  fmt::print(stderr, "trader-sweep: {}\n(see trader-backtest --list-strategies)\n", e.what());
  return 2;
} catch (const trader::strategy::ParameterError& e) {
  fmt::print(stderr, "trader-sweep: {}\n(see trader-backtest --list-strategies)\n", e.what());
  return 2;
} catch (const trader::strategy::UnknownStrategyError& e) {
  fmt::print(stderr, "trader-sweep: {}\n", e.what());
  return 2;
} catch (const trader::sweep::SweepError& e) {
  fmt::print(stderr, "trader-sweep: {}\n", e.what());
  return 1;
} catch (const trader::sweep::ShardError& e) {
  fmt::print(stderr, "trader-sweep: {}\n", e.what());
  return 2;
} catch (const trader::config::ConfigErrors& e) {
  fmt::print(stderr, "trader-sweep: {}\n", e.what());
  return 2;
} catch (const trader::Interrupted& e) {
  fmt::print(stderr, "trader-sweep: interrupted: nothing was written ({})\n",
             trader::tools::signal_name(e.reason()));
  return trader::tools::interrupted_exit_code(e);
} catch (const std::exception& e) {
  fmt::print(stderr, "trader-sweep: {}\n", trader::tools::error_text(e));
  return 1;
}
