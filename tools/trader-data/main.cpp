// trader-data: bars in and out of the local store - import, export, fetch, synth, list, rm,
// and the NYSE sessions of a range.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

#include <trader/backtest/market_data.hpp>
#include <trader/calendar/nyse.hpp>
#include <trader/config/load.hpp>
#include <trader/core/json_text.hpp>
#include <trader/log/log.hpp>
#include <trader/store/bar_store.hpp>

#include "common/cli.hpp"

namespace {

namespace po = boost::program_options;
using trader::core::Date;
using trader::tools::with_thousands;

constexpr const char* kUsage =
    "Usage: trader-data [--db PATH] COMMAND [options]\n\n"
    "Commands:\n"
    "  import FILE [--symbol SYM] [--tz UTC|America/New_York] [--skip-bad-rows]\n"
    "      import 1-minute bars from CSV (timestamp,open,high,low,close,volume[,symbol,vwap,\n"
    "      trade_count]); all or nothing unless --skip-bad-rows\n"
    "  export --symbols A,B --start D --end D [--output FILE]   CSV to FILE or stdout\n"
    "  fetch  --symbols A,B --start D --end D    Alpaca bars for the sessions the store lacks\n"
    "  synth  --symbols A,B --start D --end D [--seed N]    deterministic SYNTHETIC bars\n"
    "  list   [--json]         per symbol: first/last bar, bars, sessions, missing minutes,\n"
    "                          sources\n"
    "  rm     SYMBOL [--start D --end D]    delete stored sessions\n"
    "  sessions --start D --end D [--json]  the NYSE sessions in the range\n\n"
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
  bool json = false;
};

Date date_option(const po::variables_map& vm, const char* name) {
  try {
    return trader::tools::parse_date_option(vm[name].as<std::string>(), std::string("--") + name);
  } catch (const trader::ParseError& e) {
    throw po::error(e.what());
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
      "output,o", po::value<std::string>(), "export: file to write (default: stdout)")(
      "seed", po::value<std::uint64_t>(), "synth: random seed (default 1)")("json",
                                                                            "machine output");
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
  static const std::vector<std::string> kCommands{"import", "export", "fetch",   "synth",
                                                  "list",   "rm",     "sessions"};
  if (std::find(kCommands.begin(), kCommands.end(), a.command) == kCommands.end()) {
    throw po::error("unknown command '" + a.command +
                    "' (import, export, fetch, synth, list, rm, sessions)");
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
  if (vm.count("tz")) a.tz = vm["tz"].as<std::string>();
  if (vm.count("output")) a.output = vm["output"].as<std::string>();
  if (vm.count("start")) a.start = date_option(vm, "start");
  if (vm.count("end")) a.end = date_option(vm, "end");
  if (vm.count("seed")) a.seed = vm["seed"].as<std::uint64_t>();
  a.skip_bad_rows = vm.count("skip-bad-rows") > 0;
  a.json = vm.count("json") > 0;

  const bool needs_file = a.command == "import" || a.command == "rm";
  if (needs_file && a.file.empty()) {
    throw po::error(a.command + (a.command == "rm" ? " needs a SYMBOL" : " needs a FILE"));
  }
  if (!needs_file && !a.file.empty()) throw po::error("unexpected argument '" + a.file + "'");
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

void print_written(const trader::store::WriteReport& w) {
  fmt::print("stored {} bars in {} sessions ({} replaced)", with_thousands(w.bars_written),
             w.sessions_written, w.sessions_replaced);
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

int run(const Arguments& a, const trader::config::Settings& settings) {
  if (a.command == "sessions") {
    const auto sessions = trader::calendar::sessions_between(*a.start, *a.end);
    if (a.json) {
      std::string out = "[";
      for (std::size_t i = 0; i < sessions.size(); ++i) {
        const auto& s = sessions[i];
        out += fmt::format(
            "{}\n {{\"date\": \"{}\", \"open_utc\": \"{}\", \"close_utc\": \"{}\", "
            "\"open_new_york\": \"09:30\", \"close_new_york\": \"{}\", \"early_close\": {}}}",
            i ? "," : "", trader::core::format_date(s.date), trader::core::format_timestamp(s.open),
            trader::core::format_timestamp(s.close), s.early_close ? "13:00" : "16:00",
            s.early_close ? "true" : "false");
      }
      fmt::print("{}\n]\n", out);
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

  trader::store::DatabaseOptions options;
  options.path = a.db.value_or(settings.db_path);
  options.busy_timeout_ms = settings.db_busy_timeout_ms;
  auto db = trader::store::Database::open(options);
  trader::store::BarStore store(db);

  if (a.command == "import") {
    trader::data::CsvReadOptions read;
    read.symbol = a.symbol;
    read.skip_bad_rows = a.skip_bad_rows;
    if (a.tz) read.naive = trader::data::parse_naive_time_zone(*a.tz);
    trader::tools::ProgressLine line("importing " + a.file);
    const auto report = trader::backtest::import_csv(
        store, a.file, read, [&](std::int64_t rows) { line.update(rows, "rows"); });
    line.done();
    fmt::print("{}: {} rows read", report.file_name, with_thousands(report.rows_read));
    if (report.rows_skipped > 0) fmt::print(", {} bad rows skipped", report.rows_skipped);
    fmt::print("\n");
    for (const auto& example : report.skipped_examples) fmt::print("  skipped {}\n", example);
    print_written(report.written);
  } else if (a.command == "export") {
    std::int64_t rows = 0;
    if (a.output) {
      std::ofstream out(*a.output, std::ios::binary);
      if (!out) throw trader::Error("cannot write " + *a.output);
      rows = trader::backtest::export_csv(store, a.symbols, *a.start, *a.end, out, *a.output);
      fmt::print(stderr, "wrote {} rows to {}\n", with_thousands(rows), *a.output);
    } else {
      rows = trader::backtest::export_csv(store, a.symbols, *a.start, *a.end, std::cout, "stdout");
    }
    if (rows == 0) fmt::print(stderr, "trader-data: no stored bars for those symbols and dates\n");
  } else if (a.command == "fetch") {
    trader::tools::ProgressLine line("fetching");
    const auto report =
        trader::backtest::fetch_missing(store, settings, a.symbols, *a.start, *a.end,
                                        [&](std::int64_t bars) { line.update(bars, "bars"); });
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
    const auto report =
        trader::backtest::write_synthetic(store, a.symbols, *a.start, *a.end, a.seed,
                                          [&](std::int64_t bars) { line.update(bars, "bars"); });
    line.done();
    fmt::print("SYNTHETIC DATA (seed {}): ", a.seed);
    print_written(report.written);
  } else if (a.command == "list") {
    const auto summary = store.summary();
    if (a.json) {
      std::string out = "[";
      for (std::size_t i = 0; i < summary.size(); ++i) {
        const auto& s = summary[i];
        std::string sources = "[";
        for (std::size_t j = 0; j < s.sources.size(); ++j) {
          sources += (j ? ", " : "") + trader::core::json_quote(s.sources[j]);
        }
        out += fmt::format(
            "{}\n {{\"symbol\": {}, \"first\": \"{}\", \"last\": \"{}\", \"bars\": {}, "
            "\"sessions\": {}, \"missing_minutes\": {}, \"sources\": {}]}}",
            i ? "," : "", trader::core::json_quote(s.symbol),
            trader::core::format_timestamp(s.first), trader::core::format_timestamp(s.last), s.bars,
            s.sessions, s.missing_minutes, sources);
      }
      fmt::print("{}\n]\n", out);
    } else if (summary.empty()) {
      fmt::print("the store holds no bars ({})\n", options.path.string());
    } else {
      fmt::print("{:<8} {:<20} {:<20} {:>12} {:>9} {:>9}  {}\n", "SYMBOL", "FIRST BAR", "LAST BAR",
                 "BARS", "SESSIONS", "MISSING", "SOURCES");
      for (const auto& s : summary) {
        std::string sources;
        for (const auto& src : s.sources) sources += (sources.empty() ? "" : ", ") + src;
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
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const Arguments args = parse_arguments(argc, argv);
  const auto settings = trader::config::load(trader::config::Sources::from_process());
  trader::log::init(settings.log);
  return run(args, settings);
} catch (const po::error& e) {
  fmt::print(stderr, "trader-data: {}\n(see trader-data --help)\n", e.what());
  return 2;
} catch (const std::exception& e) {
  fmt::print(stderr, "trader-data: {}\n", e.what());
  return 1;
}
