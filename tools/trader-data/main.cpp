// trader-data: bars in and out of the local store - import, export, fetch, synth, list, rm,
// and the NYSE sessions of a range.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <iostream>

#include <trader/calendar/nyse.hpp>
#include <trader/config/load.hpp>
#include <trader/core/text.hpp>
#include <trader/log/log.hpp>
#include <trader/marketdata/listing.hpp>
#include <trader/marketdata/market_data.hpp>
#include <trader/store/bar_store.hpp>
#include <trader/strategy/registry.hpp>

#include "common/cli.hpp"
#include "common/output.hpp"
#include "common/signals.hpp"

namespace {

namespace po = boost::program_options;
using trader::core::Date;
using trader::tools::with_thousands;

constexpr const char* kUsage =
    "Usage: trader-data [--db PATH] COMMAND [options]\n\n"
    "Commands:\n"
    "  import FILE [--symbol SYM] [--tz UTC|America/New_York] [--skip-bad-rows]\n"
    "              [--resample 1min]\n"
    "      import 1-minute bars from CSV (timestamp,open,high,low,close,volume[,symbol,vwap,\n"
    "      trade_count]); all or nothing unless --skip-bad-rows. Bars merge into stored\n"
    "      sessions by minute (an imported bar replaces the stored bar of its minute).\n"
    "      A timestamp not on a whole minute is a bad row, unless --resample 1min\n"
    "      aggregates shorter bars into the minute that holds them\n"
    "  export --symbols A,B --start D --end D [--output FILE]   CSV to FILE or stdout\n"
    "  fetch  --symbols A,B --start D --end D    Alpaca bars for the sessions the store lacks\n"
    "  synth  --symbols A,B --start D --end D [--seed N]    deterministic SYNTHETIC bars;\n"
    "                          never over sessions of real bars (unless --replace-sessions)\n"
    "  list   [--json]         per symbol: first/last bar, bars, sessions, missing minutes,\n"
    "                          sources\n"
    "  rm     SYMBOL [--start D --end D]    delete stored sessions\n"
    "  verify                  SQLite integrity check and every session's checksum and bars\n"
    "  sessions --start D --end D [--json]  the NYSE sessions in the range\n\n"
    "import and synth: --replace-sessions replaces each stored session they touch\n"
    "whole instead of merging (synth may then overwrite real bars).\n"
    "Dates are YYYY-MM-DD (inclusive). The database is ALGO_DB_PATH unless --db is given.\n\n"
    "Options";

struct Arguments {
  std::string command;
  std::string file;  // import FILE, rm SYMBOL
  std::optional<std::string> db, symbol, tz, output;
  std::vector<std::string> symbols;
  std::optional<Date> start, end;
  std::uint64_t seed = 1;
  bool skip_bad_rows = false;
  bool resample = false;  // import --resample 1min
  bool json = false;
  bool replace_sessions = false;
};

Date date_option(const po::variables_map& vm, const char* name) {
  try {
    return trader::tools::parse_date_option(vm[name].as<std::string>(), std::string("--") + name);
  } catch (const trader::ParseError& e) {
    throw po::error(e.what());
  }
}

// Issue 11 item 21: an option the command does not use is refused, never silently ignored.
void check_options_apply(const po::variables_map& vm, const std::string& command) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kAccepted{
      {"import", {"symbol", "tz", "skip-bad-rows", "replace-sessions", "resample"}},
      {"export", {"symbols", "start", "end", "output"}},
      {"fetch", {"symbols", "start", "end"}},
      {"synth", {"symbols", "start", "end", "seed", "replace-sessions"}},
      {"list", {"json"}},
      {"rm", {"start", "end"}},
      {"sessions", {"start", "end", "json"}},
      {"verify", {}},
  };
  static const std::vector<std::string> kEveryCommand{"help", "db", "command", "argument"};
  const auto entry = std::find_if(kAccepted.begin(), kAccepted.end(),
                                  [&](const auto& e) { return e.first == command; });
  if (entry == kAccepted.end()) return;
  for (const auto& [name, value] : vm) {
    if (value.defaulted() ||
        std::find(kEveryCommand.begin(), kEveryCommand.end(), name) != kEveryCommand.end() ||
        std::find(entry->second.begin(), entry->second.end(), name) != entry->second.end()) {
      continue;
    }
    throw po::error("--" + name + " does not apply to " + command);
  }
}

Arguments parse_arguments(int argc, char** argv) {
  po::options_description options(kUsage);
  options.add_options()("help,h", "show this help")("db", po::value<std::string>(),
                                                    "database file (overrides ALGO_DB_PATH)")(
      "symbol", po::value<std::string>(), "import: the symbol of a file without a symbol column")(
      "symbols", po::value<std::string>(), "comma-separated symbols")(
      "start", po::value<std::string>(), "first date, YYYY-MM-DD")("end", po::value<std::string>(),
                                                                   "last date, YYYY-MM-DD")(
      "tz", po::value<std::string>(), "import: zone of naive timestamps (UTC, America/New_York)")(
      "skip-bad-rows", "import: skip and count bad rows instead of failing")(
      "resample", po::value<std::string>(),
      "import: 1min aggregates bars shorter than a minute into one-minute bars")(
      "replace-sessions", "import, synth: replace stored sessions whole (no merge)")(
      "output,o", po::value<std::string>(), "export: file to write (default: stdout)")(
      "seed", po::value<std::string>(), "synth: random seed, 0 or more (default 1)")(
      "json", "machine output");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("argument", po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("argument", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  if (vm.count("help") || !vm.count("command")) {
    std::cout << options << "\n";
    std::exit(vm.count("help") ? 0 : 2);
  }
  Arguments a;
  a.command = vm["command"].as<std::string>();
  static const std::vector<std::string> kCommands{"import", "export", "fetch",    "synth",
                                                  "list",   "rm",     "sessions", "verify"};
  if (std::find(kCommands.begin(), kCommands.end(), a.command) == kCommands.end()) {
    throw po::error("unknown command '" + a.command +
                    "' (import, export, fetch, synth, list, rm, sessions, verify)");
  }
  if (vm.count("argument")) a.file = vm["argument"].as<std::string>();
  if (vm.count("db")) a.db = vm["db"].as<std::string>();
  try {
    if (vm.count("symbol"))
      a.symbol = trader::core::normalize_symbol(vm["symbol"].as<std::string>());
    if (vm.count("symbols"))
      a.symbols = trader::tools::parse_symbols(vm["symbols"].as<std::string>());
  } catch (const trader::ParseError& e) {
    throw po::error(std::string("--symbol(s): ") + e.what());
  }
  if (vm.count("tz")) {
    a.tz = vm["tz"].as<std::string>();
    try {
      static_cast<void>(trader::data::parse_naive_time_zone(*a.tz));
    } catch (const trader::ParseError& e) {
      throw po::error(std::string("--tz: ") + e.what());
    }
  }
  if (vm.count("output")) a.output = vm["output"].as<std::string>();
  if (vm.count("start")) a.start = date_option(vm, "start");
  if (vm.count("end")) a.end = date_option(vm, "end");
  if (vm.count("seed")) {
    try {
      a.seed = trader::tools::parse_unsigned_option(vm["seed"].as<std::string>(), "--seed");
    } catch (const trader::ParseError& e) {
      throw po::error(e.what());
    }
  }
  a.skip_bad_rows = vm.count("skip-bad-rows") > 0;
  if (vm.count("resample")) {  // issue 11 item 14: the store holds one-minute bars only
    const std::string interval = vm["resample"].as<std::string>();
    if (interval != "1min") {
      throw po::error("--resample: expected 1min (bars are stored by the minute), got " +
                      trader::core::quote_for_message(interval));
    }
    a.resample = true;
  }
  a.replace_sessions = vm.count("replace-sessions") > 0;
  a.json = vm.count("json") > 0;
  check_options_apply(vm, a.command);

  const bool needs_file = a.command == "import" || a.command == "rm";
  if (needs_file && a.file.empty()) {
    throw po::error(a.command + (a.command == "rm" ? " needs a SYMBOL" : " needs a FILE"));
  }
  if (!needs_file && !a.file.empty()) throw po::error("unexpected argument '" + a.file + "'");
  if (a.command == "rm") {
    try {
      static_cast<void>(trader::core::normalize_symbol(a.file));  // issue 11 item 21: exit 2
    } catch (const trader::ParseError& e) {
      throw po::error(std::string("rm SYMBOL: ") + e.what());
    }
  }
  const bool needs_range = a.command == "export" || a.command == "fetch" || a.command == "synth" ||
                           a.command == "sessions";
  if (needs_range && (!a.start || !a.end)) throw po::error(a.command + " needs --start and --end");
  if (a.start && a.end && *a.end < *a.start) {
    throw po::error("--end " + trader::core::format_date(*a.end) + " is before --start " +
                    trader::core::format_date(*a.start));
  }
  if ((a.command == "export" || a.command == "fetch" || a.command == "synth") &&
      a.symbols.empty()) {
    throw po::error(a.command + " needs --symbols");
  }
  return a;
}

// "stored 436 bars in 3 sessions: 200 added, 236 replaced, 154 kept; 1 new session, 2 merged"
void print_written(const trader::store::WriteReport& w) {
  fmt::print("stored {} bars in {} session{}: {} added, {} replaced, {} kept",
             with_thousands(w.bars_written()), w.sessions_written,
             w.sessions_written == 1 ? "" : "s", with_thousands(w.bars_added),
             with_thousands(w.bars_replaced), with_thousands(w.bars_kept));
  fmt::print("; {} new session{}, {} merged", w.sessions_new, w.sessions_new == 1 ? "" : "s",
             w.sessions_merged);
  if (w.sessions_replaced > 0) {
    fmt::print(", {} replaced whole ({} stored bars removed)", w.sessions_replaced,
               with_thousands(w.bars_dropped));
  }
  if (w.bars_outside_session > 0) {
    fmt::print("; {} bars outside regular sessions were not stored",
               with_thousands(w.bars_outside_session));
  }
  fmt::print("\n");
}

std::string range_text(const trader::store::MissingRange& r) {
  return fmt::format("{} {}..{} ({} session{})", r.symbol, trader::core::format_date(r.first),
                     trader::core::format_date(r.last), r.sessions, r.sessions == 1 ? "" : "s");
}

// Issue 11 items 6, 8, 21: the CSV goes to a temporary file renamed into place when complete
// (or to standard output), every write checked; a signal stops it (the temporary is removed);
// a range without any stored bar is an error and writes nothing.
void export_bars(const Arguments& a, trader::store::BarStore& store,
                 const std::filesystem::path& database) {
  std::vector<std::string> empty;
  for (const auto& symbol : a.symbols) {
    if (store.sessions(symbol, *a.start, *a.end).empty()) empty.push_back(symbol);
  }
  const std::string range =
      trader::core::format_date(*a.start) + ".." + trader::core::format_date(*a.end);
  if (empty.size() == a.symbols.size()) {
    std::string names;
    for (const auto& symbol : a.symbols) names += (names.empty() ? "" : ",") + symbol;
    throw trader::Error("no stored bars for " + names + " in " + range + "; nothing written");
  }
  for (const auto& symbol : empty) {
    fmt::print(stderr, "trader-data: warning: no stored bars for {} in {}\n", symbol, range);
  }
  if (a.output && trader::tools::same_file(*a.output, database)) {
    throw trader::tools::OutputError(*a.output, "it is the database");
  }
  auto* cancel = &trader::tools::interruption();
  std::optional<trader::tools::AtomicOutputFile> out;
  if (a.output) {
    trader::tools::interruption_note() = "nothing was written to " + *a.output;
    out.emplace(*a.output, cancel);
  } else {
    trader::tools::interruption_note() = "output incomplete";
    out.emplace(trader::tools::AtomicOutputFile::kStandardOutput, cancel);
  }
  std::int64_t rows = 0;
  out->write_with([&](std::ostream& stream) {
    rows = trader::marketdata::export_csv(store, a.symbols, *a.start, *a.end, stream, out->name(),
                                          cancel);
  });
  if (a.output) fmt::print(stderr, "wrote {} rows to {}\n", with_thousands(rows), *a.output);
}

int run(const Arguments& a, const trader::config::Settings& settings) {
  if (a.command == "sessions") {
    const auto sessions = trader::calendar::sessions_between(*a.start, *a.end);
    if (a.json) {
      fmt::print("{}\n", trader::marketdata::sessions_json(sessions));
    } else {
      for (const auto& s : sessions) {
        fmt::print("{}  {} - {} UTC  09:30 - {} New York{}\n", trader::core::format_date(s.date),
                   trader::core::format_timestamp(s.open).substr(11, 5),
                   trader::core::format_timestamp(s.close).substr(11, 5),
                   s.early_close ? "13:00" : "16:00", s.early_close ? "  early-close" : "");
      }
    }
    return 0;
  }

  trader::store::DatabaseOptions options = trader::store::database_options(settings);
  options.path = a.db.value_or(settings.db_path);
  // Commands that only look open the database read-only: they work for a user who may not
  // write it, and never create a directory or a database.
  const bool reads_only = a.command == "list" || a.command == "export" || a.command == "verify";
  if (a.command == "list" && !options.path.empty() && !std::filesystem::exists(options.path)) {
    fmt::print("the store holds no bars ({} does not exist)\n", options.path.string());
    return 0;
  }
  auto db = trader::store::Database::open(
      options, reads_only ? trader::store::OpenMode::read : trader::store::OpenMode::use);
  trader::store::BarStore store(db);
  const auto policy = a.replace_sessions ? trader::store::WritePolicy::replace_sessions
                                         : trader::store::WritePolicy::merge;

  if (a.command == "import") {
    trader::data::CsvReadOptions read;
    read.symbol = a.symbol;
    read.skip_bad_rows = a.skip_bad_rows;
    read.resample_to_minute = a.resample;
    if (a.tz) read.naive = trader::data::parse_naive_time_zone(*a.tz);
    trader::tools::ProgressLine line("importing " + a.file);
    const auto report = trader::marketdata::import_csv(
        store, a.file, read, policy, [&](std::int64_t rows) { line.update(rows, "rows"); },
        &trader::tools::interruption());
    line.done();
    // Issue 11 item 21: rows read are all data rows, good and skipped counted apart; the
    // skipped rows are diagnostics (stderr), the summary is the result (stdout).
    fmt::print("{}: {} rows read",
               trader::core::escape_for_message(report.file_name, trader::core::kNoLimit),
               with_thousands(report.rows_read));
    if (report.rows_skipped > 0) {
      fmt::print(", {} good, {} bad rows skipped",
                 with_thousands(report.rows_read - report.rows_skipped),
                 with_thousands(report.rows_skipped));
    }
    fmt::print("\n");
    for (const auto& example : report.skipped_examples) {
      fmt::print(stderr, "  skipped {}\n", example);
    }
    if (report.rows_skipped > static_cast<std::int64_t>(report.skipped_examples.size())) {
      fmt::print(stderr, "  ... and {} more bad rows\n",
                 with_thousands(report.rows_skipped -
                                static_cast<std::int64_t>(report.skipped_examples.size())));
    }
    print_written(report.written);
  } else if (a.command == "export") {
    export_bars(a, store, options.path);
  } else if (a.command == "fetch") {
    trader::tools::ProgressLine line("fetching");
    const auto report = trader::marketdata::fetch_missing(
        store, settings, a.symbols, *a.start, *a.end,
        [&](std::int64_t bars) { line.update(bars, "bars"); }, &trader::tools::interruption());
    line.done();
    if (report.requested.empty()) {
      fmt::print("the store already has every session of that range; nothing fetched\n");
      return 0;
    }
    for (const auto& r : report.requested) fmt::print("missing: {}\n", range_text(r));
    fmt::print("fetched {} bars in {} pages ({} retries)\n", with_thousands(report.bars),
               report.pages, report.retries);
    print_written(report.written);
    for (const auto& r : report.still_missing) {
      fmt::print("no bars from Alpaca for {} (holidays of the feed or no trading)\n",
                 range_text(r));
    }
  } else if (a.command == "synth") {
    trader::tools::ProgressLine line("generating");
    const auto report = trader::marketdata::write_synthetic(
        store, a.symbols, *a.start, *a.end, a.seed, policy,
        [&](std::int64_t bars) { line.update(bars, "bars"); }, &trader::tools::interruption());
    line.done();
    fmt::print("SYNTHETIC DATA (seed {}): ", a.seed);
    print_written(report.written);
  } else if (a.command == "list") {
    const auto summary = store.summary();
    if (a.json) {
      fmt::print("{}\n", trader::marketdata::summary_json(summary));
    } else if (summary.empty()) {
      fmt::print("the store holds no bars ({})\n", options.path.string());
    } else {
      fmt::print("{:<8} {:<20} {:<20} {:>12} {:>9} {:>9}  {}\n", "SYMBOL", "FIRST BAR", "LAST BAR",
                 "BARS", "SESSIONS", "MISSING", "SOURCES");
      for (const auto& s : summary) {
        std::string sources;
        // A source names a file ("csv:<name>"): escaped, it cannot steer the terminal.
        for (const auto& src : s.sources) {
          sources += (sources.empty() ? "" : ", ") +
                     trader::core::escape_for_message(src, trader::core::kNoLimit);
        }
        fmt::print("{:<8} {:<20} {:<20} {:>12} {:>9} {:>9}  {}\n", s.symbol,
                   trader::core::format_timestamp(s.first), trader::core::format_timestamp(s.last),
                   with_thousands(s.bars), s.sessions, with_thousands(s.missing_minutes), sources);
      }
    }
  } else if (a.command == "rm") {
    const std::string symbol = trader::core::normalize_symbol(a.file);
    if (a.start.has_value() != a.end.has_value())
      throw po::error("rm needs both --start and --end, or neither");
    const auto removed = store.remove(symbol, a.start, a.end);
    fmt::print("removed {} session{} of {}\n", removed, removed == 1 ? "" : "s", symbol);
    if (removed == 0) return 1;
  } else if (a.command == "verify") {
    trader::tools::ProgressLine line("verifying");
    const auto report =
        store.verify([&](std::int64_t sessions) { line.update(sessions, "sessions"); });
    line.done();
    for (const auto& problem : report.integrity_problems) {
      fmt::print("integrity_check: {}\n", problem);
    }
    for (const auto& d : report.damaged) {
      fmt::print("damaged: {} {}: {}\n", d.symbol, trader::core::format_date(d.date), d.problem);
    }
    fmt::print("{}: {} sessions, {} bars checked; integrity_check {}; {} damaged session{}\n",
               db.path().string(), with_thousands(report.sessions_checked),
               with_thousands(report.bars_checked),
               report.integrity_problems.empty() ? "ok" : "FAILED", report.damaged.size(),
               report.damaged.size() == 1 ? "" : "s");
    if (!report.ok()) {
      fmt::print(stderr,
                 "trader-data: {} is damaged. Remove damaged sessions with trader-data rm SYMBOL "
                 "--start D --end D and import or fetch them again; if integrity_check failed, "
                 "restore a copy from the backups directory beside it\n",
                 db.path().string());
      return 1;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  trader::tools::check_stdout_at_exit("trader-data");
  trader::tools::install_interrupt_handlers();
  const Arguments args = parse_arguments(argc, argv);
  // The schema knows every strategy's parameters: ALGO_VELEZ__* in .env is checked, not unknown.
  const auto registry = trader::strategy::StrategyRegistry::with_builtins();
  const auto settings =
      registry.schema().load(trader::config::Sources::from_process(".", registry.schema()));
  trader::log::init(settings.log);
  const int code = run(args, settings);
  trader::tools::finish_stdout();  // issue 11 item 6: a failed write to stdout is an error
  return code;
} catch (const po::error& e) {
  fmt::print(stderr, "trader-data: {}\n(see trader-data --help)\n", e.what());
  return 2;
} catch (const trader::data::MissingSymbolError& e) {
  // Issue 11 item 21: a missing argument, found when the file turned out to need it.
  fmt::print(stderr, "trader-data: {}: name it with --symbol\n(see trader-data --help)\n",
             e.what());
  return 2;
} catch (const trader::Interrupted& e) {
  // Issue 11 item 8: each write is one transaction, rolled back by the unwinding.
  fmt::print(stderr, "trader-data: interrupted: {} ({})\n", trader::tools::interruption_note(),
             trader::tools::signal_name(e.reason()));
  return trader::tools::interrupted_exit_code(e);
} catch (const std::exception& e) {
  fmt::print(stderr, "trader-data: {}\n", trader::tools::error_text(e));
  return 1;
}
