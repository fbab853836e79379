// trader-backtest: run a strategy over stored (or synthetic) minute bars, print the reference's
// report, store the run (F5), and list, show or repeat stored runs.
#include <fmt/core.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>

#include <trader/backtest/report.hpp>
#include <trader/backtest/run_archive.hpp>
#include <trader/backtest/runner.hpp>
#include <trader/config/load.hpp>
#include <trader/log/log.hpp>
#include <trader/marketdata/bar_supply.hpp>

#include "common/backtest_text.hpp"
#include "common/cli.hpp"
#include "common/output.hpp"
#include "common/signals.hpp"

namespace {

namespace po = boost::program_options;
namespace bt = trader::backtest;
using trader::tools::dollars;
using trader::tools::print_text;

constexpr const char* kUsage =
    "Usage:\n"
    "  trader-backtest --symbols A,B --start-date D --end-date D [options]\n"
    "  trader-backtest --list-strategies | --list [--limit N] | --show RUN_ID | --rerun RUN_ID\n"
    "  trader-backtest --diff RUN_ID RUN_ID\n\n"
    "Runs a strategy over 1-minute bars from the local store (see trader-data), prints the\n"
    "results and stores the run with everything needed to repeat it. Dates are YYYY-MM-DD;\n"
    "the range includes both, and one day (--start-date = --end-date) is a valid range.\n\n"
    "Options";

struct Arguments {
  std::string strategy = "velez";
  std::vector<std::string> symbols;
  std::optional<trader::core::Date> start, end;
  std::vector<std::pair<std::string, std::string>> params;
  trader::config::Variables overrides;
  bt::DataMode data = bt::DataMode::automatic;
  std::uint64_t seed = 1;
  bool json = false;
  std::optional<std::string> trades_csv, report, db;
  bool list_strategies = false, list = false;
  std::optional<std::int64_t> show, rerun;
  std::vector<std::int64_t> diff;  // --diff A B
  int limit = 20;
};

// Issue 11 item 21: what each action accepts; any other option given with it is refused
// rather than silently ignored.
void check_options_apply(const po::variables_map& vm, const Arguments& a) {
  const std::vector<std::string> actions{"list-strategies", "list", "show", "rerun", "diff"};
  std::vector<std::string> chosen;
  for (const auto& action : actions) {
    if (vm.count(action)) chosen.push_back("--" + action);
  }
  if (chosen.size() > 1) {
    throw po::error(chosen[0] + " and " + chosen[1] + " cannot be combined: choose one");
  }
  std::vector<std::string> allowed;
  std::string action = "a backtest run";
  if (a.list_strategies) {
    action = "--list-strategies";
  } else if (a.list) {
    action = "--list";
    allowed = {"limit", "db"};
  } else if (a.show || a.rerun || !a.diff.empty()) {
    action = a.show ? "--show" : a.rerun ? "--rerun" : "--diff";
    allowed = {"db"};
  } else {
    allowed = {"strategy",
               "symbols",
               "start-date",
               "end-date",
               "capital",
               "slippage",
               "param",
               "commission-per-share",
               "commission-per-order",
               "commission-min",
               "sec-fee-rate",
               "finra-taf-per-share",
               "finra-taf-max",
               "pessimistic-fills",
               "data",
               "seed",
               "json",
               "trades-csv",
               "report",
               "db"};
  }
  for (const auto& [name, value] : vm) {
    if (value.defaulted() || name == "help" ||
        std::find(actions.begin(), actions.end(), name) != actions.end()) {
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      throw po::error("--" + name + " does not apply to " + action);
    }
  }
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
      "symbols", po::value<std::string>(), "comma-separated symbols, e.g. AAPL,MSFT,BRK.B")(
      "start-date", po::value<std::string>(), "first day")("end-date", po::value<std::string>(),
                                                           "last day (the first or later)")(
      "capital", po::value<std::string>(), "initial capital (default 25000)")(
      "slippage", po::value<std::string>(), "slippage per share (default 0.01)")(
      "param", po::value<std::vector<std::string>>()->composing(),
      "strategy parameter NAME=VALUE (repeatable; see --list-strategies)")(
      "commission-per-share", po::value<std::string>(), "F10 commission per share")(
      "commission-per-order", po::value<std::string>(), "F10 commission per order")(
      "commission-min", po::value<std::string>(), "F10 minimum commission per order")(
      "sec-fee-rate", po::value<std::string>(), "F10 SEC fee rate on sells (e.g. 0.0000278)")(
      "finra-taf-per-share", po::value<std::string>(), "F10 FINRA TAF per share sold")(
      "finra-taf-max", po::value<std::string>(), "F10 FINRA TAF cap per sell")(
      "pessimistic-fills", "F11: take the stop on the entry bar when its low reaches it")(
      "data", po::value<std::string>()->default_value("auto"),
      "auto (store, fetch what is missing when keys are set) | store | alpaca | synthetic")(
      "seed", po::value<std::string>(), "synthetic data seed, 0 or more (default 1)")(
      "json", "machine output: trades and metrics")("trades-csv", po::value<std::string>(),
                                                    "write the trades to this CSV file")(
      "report", po::value<std::string>(), "write a self-contained HTML report to this file")(
      "db", po::value<std::string>(), "database file (overrides ALGO_DB_PATH)")(
      "list-strategies", "list the strategies with their parameters")("list", "list stored runs")(
      "limit", po::value<std::string>(), "--list: how many, 1 or more (default 20)")(
      "show", po::value<std::string>(), "show a stored run")(
      "rerun", po::value<std::string>(), "repeat a stored run and compare the results")(
      "diff", po::value<std::vector<std::string>>()->multitoken(),
      "compare two stored runs: settings, data, trades, metrics");
  po::variables_map vm;
  // No positional arguments: an extra word is an error, never silently ignored.
  po::options_description all;
  all.add(options).add_options()("unexpected", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("unexpected", -1);
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  if (vm.count("unexpected")) {
    throw po::error("unexpected argument '" +
                    vm["unexpected"].as<std::vector<std::string>>().front() + "'");
  }
  if (vm.count("help") || argc == 1) {
    std::cout << options << "\n";
    std::exit(argc == 1 ? 2 : 0);
  }
  Arguments a;
  const auto whole = [&](const char* name, std::uint64_t minimum, std::uint64_t maximum) {
    try {
      return trader::tools::parse_bounded_option(vm[name].as<std::string>(),
                                                 std::string("--") + name, minimum, maximum);
    } catch (const trader::Error& e) {  // not a number, or out of bounds: a usage error
      throw po::error(e.what());
    }
  };
  a.list_strategies = vm.count("list-strategies") > 0;
  a.list = vm.count("list") > 0;
  if (vm.count("limit")) a.limit = static_cast<int>(whole("limit", 1, 1'000'000));
  if (vm.count("show"))
    a.show = static_cast<std::int64_t>(whole("show", 1, trader::tools::kMaxStoredId));
  if (vm.count("rerun"))
    a.rerun = static_cast<std::int64_t>(whole("rerun", 1, trader::tools::kMaxStoredId));
  if (vm.count("diff")) {
    const auto ids = vm["diff"].as<std::vector<std::string>>();
    if (ids.size() != 2) throw po::error("--diff takes two run ids, e.g. --diff 3 7");
    for (const auto& id : ids) {
      try {
        a.diff.push_back(static_cast<std::int64_t>(
            trader::tools::parse_bounded_option(id, "--diff", 1, trader::tools::kMaxStoredId)));
      } catch (const trader::Error& e) {
        throw po::error(e.what());
      }
    }
  }
  check_options_apply(vm, a);
  if (vm.count("db")) a.db = vm["db"].as<std::string>();
  a.json = vm.count("json") > 0;
  if (vm.count("trades-csv")) a.trades_csv = vm["trades-csv"].as<std::string>();
  if (vm.count("report")) a.report = vm["report"].as<std::string>();
  if (a.list_strategies || a.list || a.show || a.rerun || !a.diff.empty()) return a;

  a.strategy = vm["strategy"].as<std::string>();
  if (!vm.count("symbols")) throw po::error("--symbols is required (e.g. --symbols AAPL)");
  try {
    a.symbols = trader::tools::parse_symbols(vm["symbols"].as<std::string>());
  } catch (const trader::ParseError& e) {
    throw po::error(std::string("--symbols: ") + e.what());
  }
  if (a.symbols.empty()) throw po::error("--symbols: at least one symbol required");
  if (!vm.count("start-date") || !vm.count("end-date")) {
    throw po::error("--start-date and --end-date are required");
  }
  a.start = date_option(vm, "start-date");
  a.end = date_option(vm, "end-date");
  // Issue 11 item 18: one day (equal dates) is a valid range, unlike the reference's rule.
  if (*a.end < *a.start) {
    throw po::error("--end-date " + trader::core::format_date(*a.end) +
                    " must not be before --start-date " + trader::core::format_date(*a.start));
  }
  try {
    a.data = trader::marketdata::parse_data_mode(vm["data"].as<std::string>());
  } catch (const trader::ParseError& e) {
    throw po::error(std::string("--data: ") + e.what());
  }
  if (vm.count("seed")) a.seed = whole("seed", 0, UINT64_MAX);
  if (vm.count("param")) {
    for (const auto& p : vm["param"].as<std::vector<std::string>>()) {
      const auto equals = p.find('=');
      if (equals == std::string::npos || equals == 0) {
        throw po::error("--param " + p + ": expected NAME=VALUE");
      }
      a.params.emplace_back(p.substr(0, equals), p.substr(equals + 1));
    }
  }
  // Issue 11 item 21: two outputs naming one file would overwrite each other.
  if (a.report && a.trades_csv && trader::tools::same_file(*a.report, *a.trades_csv)) {
    throw po::error("--report and --trades-csv name the same file " + *a.report);
  }
  const std::pair<const char*, const char*> mapped[] = {
      {"capital", "ALGO_BACKTEST__INITIAL_CAPITAL"},
      {"slippage", "ALGO_BACKTEST__SLIPPAGE_PER_SHARE"},
      {"commission-per-share", "ALGO_BACKTEST__COMMISSION_PER_SHARE"},
      {"commission-per-order", "ALGO_BACKTEST__COMMISSION_PER_ORDER"},
      {"commission-min", "ALGO_BACKTEST__COMMISSION_MIN"},
      {"sec-fee-rate", "ALGO_BACKTEST__SEC_FEE_RATE"},
      {"finra-taf-per-share", "ALGO_BACKTEST__FINRA_TAF_PER_SHARE"},
      {"finra-taf-max", "ALGO_BACKTEST__FINRA_TAF_MAX"}};
  for (const auto& [option, variable] : mapped) {
    if (vm.count(option)) a.overrides.emplace_back(variable, vm[option].as<std::string>());
  }
  if (vm.count("pessimistic-fills")) {
    a.overrides.emplace_back("ALGO_BACKTEST__PESSIMISTIC_FILLS", "true");
  }
  return a;
}

// The option a configuration variable came from, for messages.
std::string option_for(const std::string& variable) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"ALGO_BACKTEST__INITIAL_CAPITAL", "--capital"},
      {"ALGO_BACKTEST__SLIPPAGE_PER_SHARE", "--slippage"},
      {"ALGO_BACKTEST__COMMISSION_PER_SHARE", "--commission-per-share"},
      {"ALGO_BACKTEST__COMMISSION_PER_ORDER", "--commission-per-order"},
      {"ALGO_BACKTEST__COMMISSION_MIN", "--commission-min"},
      {"ALGO_BACKTEST__SEC_FEE_RATE", "--sec-fee-rate"},
      {"ALGO_BACKTEST__FINRA_TAF_PER_SHARE", "--finra-taf-per-share"},
      {"ALGO_BACKTEST__FINRA_TAF_MAX", "--finra-taf-max"}};
  for (const auto& [v, o] : kNames) {
    if (variable == v) return o;
  }
  return variable;
}

// run_id null: the run could not be stored (the reason is on stderr).
void print_json(const bt::BacktestResult& r, std::int64_t run_id) {
  fmt::print("{}\n", bt::result_json(r, run_id > 0 ? std::optional(run_id) : std::nullopt));
}

void write_trades_csv(const bt::BacktestResult& r, trader::tools::AtomicOutputFile& out) {
  out.write(
      "symbol,side,qty,entry_at,entry_price,exit_at,exit_price,exit_reason,pnl,costs,"
      "duration_seconds\n");
  for (const auto& t : r.trades) {
    out.write(fmt::format("{},buy,{},{},{},{},{},{},{},{},{}\n", r.symbol_of(t), t.qty,
                          trader::core::format_timestamp(t.entry_at), t.entry_price.to_string(),
                          trader::core::format_timestamp(t.exit_at), t.exit_price.to_string(),
                          trader::engine::to_string(t.exit_reason), t.pnl.to_string(),
                          t.costs.to_string(), t.duration_seconds));
  }
  out.commit();
}

void list_strategies(const trader::strategy::StrategyRegistry& registry) {
  for (const auto& info : registry.list()) {
    fmt::print("{}\n  {}\n  parameters (--param NAME=VALUE):\n", info.name, info.description);
    for (const auto& p : info.parameters) {
      fmt::print("    {:<26} default {:<8} {:<14} {}\n", p.name, p.default_value,
                 p.allowed.empty() ? "" : "[" + p.allowed + "]", p.description);
    }
    fmt::print("\n");
  }
}

int run(const Arguments& a, const trader::config::Sources& sources) {
  const auto registry = trader::strategy::StrategyRegistry::with_builtins();
  if (a.list_strategies) {
    list_strategies(registry);
    return 0;
  }
  const auto settings = registry.schema().load(sources);  // every strategy's parameters known
  trader::store::DatabaseOptions options = trader::store::database_options(settings);
  options.path = a.db.value_or(settings.db_path);
  // --list and --show only look: read-only, so they work on a database this user may not
  // write, and never create one (issue 11 item 11).
  const bool reads_only = a.list || a.show.has_value() || !a.diff.empty();
  if (a.list && !options.path.empty() && !std::filesystem::exists(options.path)) {
    fmt::print("no stored runs ({} does not exist)\n", options.path.string());
    return 0;
  }
  auto db = trader::store::Database::open(
      options, reads_only ? trader::store::OpenMode::read : trader::store::OpenMode::use);
  bt::BacktestRunner runner(db, registry, sources);

  if (a.list) {
    bt::RunArchive archive(db);
    const auto stored = archive.list(a.limit);
    if (stored.empty()) fmt::print("no stored runs in {}\n", options.path.string());
    for (const auto& r : stored) {
      std::string symbols;
      for (const auto& s : r.symbols) symbols += (symbols.empty() ? "" : ",") + s;
      fmt::print("{:>5}  {}  {:<14} {:<16} {} .. {}  {:>4} trades  {:>12}  {}\n", r.id,
                 trader::core::format_timestamp(r.created_at).substr(0, 19), r.strategy, symbols,
                 trader::core::format_date(r.start_date), trader::core::format_date(r.end_date),
                 r.total_trades, dollars(r.total_return), r.data_source);
    }
    return 0;
  }
  if (a.show) {
    bt::RunArchive archive(db);
    const auto r = archive.find(*a.show);
    if (!r) throw bt::BacktestError("no backtest run " + std::to_string(*a.show));
    std::string symbols;
    for (const auto& s : r->symbols) symbols += (symbols.empty() ? "" : ", ") + s;
    if (r->data_source.find("synthetic") != std::string::npos) {
      fmt::print("*** SYNTHETIC DATA: generated bars, not market prices ***\n");
    }
    fmt::print("Run {}: {} on {} from {} to {}\n", r->id, r->strategy, symbols,
               trader::core::format_date(r->start_date), trader::core::format_date(r->end_date));
    fmt::print(
        "Created:      {}\nProgram:      libtrader {}\nData:         {} ({} bars, fingerprint "
        "{})\n",
        trader::core::format_timestamp(r->created_at), r->program_version, r->data_source,
        r->bar_count, r->bars_fingerprint);
    fmt::print("Capital:      {}\nReturn:       {}\nTrades:       {}\n",
               dollars(r->initial_capital), dollars(r->total_return), r->total_trades);
    fmt::print("Parameters:   {}\nMetrics:      {}\nSettings:     {}\n", r->params_json,
               r->metrics_json, r->settings_json);
    const auto trades = archive.get(r->id).trades;
    if (!trades.empty()) fmt::print("\nTrades:\n");
    for (const auto& t : trades) {
      fmt::print("  {:<6} {:>6}  {} {:>10}  {} {:>10}  {:<13} {:>10}\n",
                 r->symbols.at(trader::data::index_of(t.symbol)), t.qty,
                 trader::core::format_timestamp(t.entry_at), t.entry_price.to_string(),
                 trader::core::format_timestamp(t.exit_at), t.exit_price.to_string(),
                 trader::engine::to_string(t.exit_reason), t.pnl.to_string());
    }
    return 0;
  }
  if (!a.diff.empty()) {  // issue 12 item 6: what differs between two stored runs
    bt::RunArchive archive(db);
    const auto diff = archive.diff(a.diff[0], a.diff[1]);
    const auto verdict = [](const std::vector<std::string>& lines) {
      return lines.empty() ? "identical" : "DIFFERENT";
    };
    fmt::print("Run {} vs run {}: settings {}, data {}, trades {}, metrics {}\n", a.diff[0],
               a.diff[1], verdict(diff.settings), verdict(diff.data), verdict(diff.trades),
               verdict(diff.metrics));
    for (const auto& [title, lines] :
         {std::pair{"settings", &diff.settings}, std::pair{"data", &diff.data},
          std::pair{"trades", &diff.trades}, std::pair{"metrics", &diff.metrics},
          std::pair{"program", &diff.program}}) {
      if (lines->empty()) continue;
      fmt::print("{}:\n", title);
      for (const auto& line : *lines) fmt::print("  {}\n", line);
    }
    return diff.identical() ? 0 : 1;
  }

  trader::tools::ProgressLine bar("backtest");
  const bool terminal = trader::tools::stderr_is_terminal();
  const bt::RunProgress progress = [&](double fraction, std::int64_t bars) {
    if (!terminal) return;
    const int filled = static_cast<int>(fraction * 30);
    fmt::print(stderr, "\r[{}{}] {:3.0f}%  {} bars",
               std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(30 - filled), ' '), fraction * 100.0,
               trader::tools::with_thousands(bars));
  };

  if (a.rerun) {
    const auto rerun = runner.rerun(*a.rerun, progress, &trader::tools::interruption());
    if (terminal) fmt::print(stderr, "\n");
    print_text(rerun.result, 0);
    const bool same = rerun.trades_identical && rerun.metrics_identical;
    fmt::print("\nRerun of run {}: trades {}, metrics {}, bars {}\n", *a.rerun,
               rerun.trades_identical ? "identical" : "DIFFERENT",
               rerun.metrics_identical ? "identical" : "DIFFERENT",
               rerun.bars_identical ? "identical" : "DIFFERENT");
    for (const auto& d : rerun.differences) fmt::print("  {}\n", d);
    return same ? 0 : 1;
  }

  // The output files are opened (as temporaries) now, so one that cannot be written fails
  // before the run; each is renamed into place only when written completely.
  std::optional<trader::tools::AtomicOutputFile> report_file, trades_file;
  const auto open_output = [&](const std::optional<std::string>& path, const char* option,
                               std::optional<trader::tools::AtomicOutputFile>& file) {
    if (!path) return;
    try {
      if (trader::tools::same_file(*path, options.path)) {
        throw trader::tools::OutputError(*path, "it is the database");
      }
      file.emplace(*path);
    } catch (const trader::tools::OutputError& e) {
      throw trader::tools::OutputError(*path, e.reason() + " (" + option + ")");
    }
  };
  open_output(a.report, "--report", report_file);
  open_output(a.trades_csv, "--trades-csv", trades_file);
  bt::BacktestRequest request;
  request.strategy = a.strategy;
  request.symbols = a.symbols;
  request.start_date = *a.start;
  request.end_date = *a.end;
  request.parameters = a.params;
  request.settings_overrides = a.overrides;
  request.data = a.data;
  request.synthetic_seed = a.seed;
  request.collect_report = a.report.has_value();
  bt::BacktestResult result = runner.run(request, progress, &trader::tools::interruption());
  if (terminal && result.bars >= (1 << 20)) fmt::print(stderr, "\n");
  for (const auto& w : result.warnings) fmt::print(stderr, "warning: {}\n", w);
  // A signal during the run stops before anything is stored; one after it changes nothing.
  trader::tools::interruption().throw_if_cancelled();
  // Issue 11 item 10: a run that cannot be stored (the database busy, full, read-only) still
  // shows its results, says it was not stored and why, and exits 1.
  std::int64_t run_id = -1;
  std::string not_stored;
  try {
    run_id = runner.save(result);
  } catch (const trader::store::StoreError& e) {
    not_stored = e.what();
  }
  // Issue 11 items 6 and 7: a file that cannot be written is named with the reason, and the
  // results and the stored run id are still shown.
  std::vector<std::string> failed;
  const auto write_output = [&](std::optional<trader::tools::AtomicOutputFile>& file,
                                const char* option, const auto& produce) {
    if (!file) return;
    try {
      produce(*file);
    } catch (const trader::tools::OutputError& e) {
      failed.push_back(fmt::format("{} ({})", e.what(), option));
    }
  };
  write_output(trades_file, "--trades-csv",
               [&](trader::tools::AtomicOutputFile& f) { write_trades_csv(result, f); });
  write_output(report_file, "--report", [&](trader::tools::AtomicOutputFile& f) {
    result.report.run_id = std::max<std::int64_t>(run_id, 0);
    f.write_with([&](std::ostream& out) { bt::write_html_report(result.report, out); });
  });
  try {
    if (a.json) {
      print_json(result, run_id);
    } else {
      print_text(result, run_id);
    }
    trader::tools::finish_stdout();
  } catch (const std::exception& e) {  // standard output failed: still say what was stored
    failed.push_back(trader::tools::error_text(e));
  }
  for (const auto& f : failed) fmt::print(stderr, "trader-backtest: {}\n", f);
  if (!not_stored.empty()) {
    fmt::print(stderr, "trader-backtest: the run was NOT stored: {}\n", not_stored);
  } else if (!failed.empty()) {
    fmt::print(stderr, "trader-backtest: the run was stored (run_id: {})\n", run_id);
  }
  return failed.empty() && not_stored.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) try {
  trader::tools::check_stdout_at_exit("trader-backtest");
  trader::tools::install_interrupt_handlers();
  const Arguments args = parse_arguments(argc, argv);
  const auto sources = trader::config::Sources::from_process();
  // The report is the output: log events (circuit-breaker trips, ...) only when asked for.
  const auto inspected = trader::config::inspect(sources);
  auto log_settings = inspected.settings.log;
  for (const auto& key : inspected.keys) {
    if (key.variable == "ALGO_LOG_LEVEL" && key.source == trader::config::Source::default_value) {
      log_settings.level = trader::config::LogLevel::warning;
    }
  }
  trader::log::init(log_settings);
  try {
    const int code = run(args, sources);
    trader::tools::finish_stdout();
    return code;
  } catch (const trader::config::ConfigErrors& e) {
    // Issue 12 item 8: a value given as an option is a bad command line (2) and is named by its
    // option; one from .env or the environment is a failure (1) and is named by its variable.
    bool from_command_line = false;
    fmt::print(stderr, "trader-backtest: invalid settings:\n");
    for (const auto& error : e.errors()) {
      const bool option = std::any_of(args.overrides.begin(), args.overrides.end(),
                                      [&](const auto& o) { return o.first == error.variable(); });
      from_command_line = from_command_line || option;
      fmt::print(stderr, "  {}\n",
                 error.describe(option ? option_for(error.variable()) : error.variable()));
    }
    return from_command_line ? 2 : 1;
  } catch (const trader::strategy::ParameterError& e) {
    fmt::print(stderr, "trader-backtest: {}\n(see trader-backtest --list-strategies)\n", e.what());
    return 2;
  }
} catch (const po::error& e) {
  fmt::print(stderr, "trader-backtest: {}\n(see trader-backtest --help)\n", e.what());
  return 2;
} catch (const trader::config::ConfigErrors& e) {
  fmt::print(stderr, "trader-backtest: {}\n", e.what());
  return 2;
} catch (const trader::strategy::UnknownStrategyError& e) {
  fmt::print(stderr, "trader-backtest: {}\n(see trader-backtest --list-strategies)\n", e.what());
  return 2;
} catch (const trader::Interrupted& e) {
  // Issue 11 item 8: the run is stored only after it completed, so nothing was stored.
  fmt::print(stderr, "trader-backtest: interrupted: nothing was stored ({})\n",
             trader::tools::signal_name(e.reason()));
  return trader::tools::interrupted_exit_code(e);
} catch (const std::exception& e) {
  fmt::print(stderr, "trader-backtest: {}\n", trader::tools::error_text(e));
  return 1;
}
