// End-to-end: the built trader-backtest (and trader-data) binaries on temporary databases.
#include <doctest/doctest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include "support/process.hpp"

using trader::testing::read_file;
using trader::testing::run_process;
using trader::testing::TempDir;
using trader::testing::write_file;

namespace {

const std::string kGolden = std::string(SOURCE_ROOT) + "/tests/fixtures/golden_scenario.csv";

trader::testing::ProcessResult backtest(const TempDir& dir, std::vector<std::string> args,
                                        trader::testing::EnvironmentList env = {}) {
  args.insert(args.begin(), TRADER_BACKTEST_BIN);
  return run_process(args, env, dir.path());
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void import_golden(const TempDir& dir) {
  const auto r =
      run_process({TRADER_DATA_BIN, "import", kGolden, "--symbol", "AAPL"}, {}, dir.path());
  REQUIRE(r.exit_code == 0);
}

const std::vector<std::string> kGoldenRun{"--strategy",   "velez",      "--symbols",  "AAPL",
                                          "--start-date", "2026-02-10", "--end-date", "2026-02-12"};

std::vector<std::string> golden_with(std::vector<std::string> extra) {
  std::vector<std::string> args = kGoldenRun;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

int stored_runs(const TempDir& dir) {
  const auto list = backtest(dir, {"--list"});
  int lines = 0;
  for (const char c : list.out) lines += c == '\n';
  return has(list.out, "no stored runs") ? 0 : lines;
}

}  // namespace

TEST_SUITE("tools/trader-backtest") {
  TEST_CASE("the golden scenario from an imported CSV: exactly the expected trades and metrics") {
    TempDir dir;
    import_golden(dir);
    const auto r = backtest(dir, golden_with({"--json"}));
    REQUIRE(r.exit_code == 0);
    // The JSON result (docs/architecture.md, "The golden scenario"), field by field.
    for (
        const char* expected :
        {R"({"symbol": "AAPL", "side": "buy", "qty": "12", "entry_at": "2026-02-11T14:44:00Z", "entry_price": "100.51", "exit_at": "2026-02-11T14:56:00Z", "exit_price": "101.39", "exit_reason": "strategy_exit", "pnl": "10.56")",
         R"({"symbol": "AAPL", "side": "buy", "qty": "12", "entry_at": "2026-02-11T15:00:00Z", "entry_price": "101.61", "exit_at": "2026-02-11T15:02:00Z", "exit_price": "101.10", "exit_reason": "stop_loss", "pnl": "-6.12")",
         R"({"symbol": "AAPL", "side": "buy", "qty": "12", "entry_at": "2026-02-11T15:10:00Z", "entry_price": "101.71", "exit_at": "2026-02-11T15:11:00Z", "exit_price": "101.79", "exit_reason": "session_close", "pnl": "0.96")",
         R"("total_trades": 3, "winning_trades": 2, "losing_trades": 1, "win_rate": 0.6666666666666666, "total_return": "5.40", "total_return_pct": "0.0216", "final_equity": "25005.40", "profit_factor": 1.8823529411764706, "sharpe_ratio": 9.165151389911681, "max_drawdown": 0.0002734766073547615, "max_drawdown_pct": 0.02734766073547615, "avg_win": "5.76", "avg_loss": "-6.12", "largest_win": "10.56", "largest_loss": "-6.12", "avg_trade_duration": 300)",
         R"("synthetic": false)"}) {
      CAPTURE(expected);
      CHECK(has(r.out, expected));
    }
    CHECK(std::filesystem::exists(dir / "data/trading.db"));
  }

  TEST_CASE("the text report keeps the reference layout (F8 losers percentage)") {
    TempDir dir;
    import_golden(dir);
    const auto r = backtest(dir, kGoldenRun);
    REQUIRE(r.exit_code == 0);
    for (const char* line :
         {"\nBacktest Results: velez\n", "Period: 2026-02-10 to 2026-02-12\n", "Symbols: AAPL\n",
          "Initial Capital: $25,000.00\n\nPerformance:\n", "  Total Return:    $5.40 (0.02%)\n",
          "  Final Equity:    $25,005.40\n", "  Sharpe Ratio:    9.17\n",
          "  Max Drawdown:    -0.03%\n", "  Profit Factor:   1.88\n\nTrades:\n",
          "  Total:           3\n", "  Winners:         2 (66.7%)\n",
          "  Losers:          1 (33.3%)\n", "  Avg Win:         $5.76\n",
          "  Avg Loss:        -$6.12\n", "  Largest Win:     $10.56\n",
          "  Largest Loss:    -$6.12\n", "  Avg Duration:    5 min\n",
          "Results saved to database (run_id: 1)"}) {
      CAPTURE(line);
      CHECK(has(r.out, line));
    }
    CHECK_FALSE(has(r.out, "SYNTHETIC"));
  }

  TEST_CASE("--data synthetic runs, says SYNTHETIC DATA everywhere, and is stored") {
    TempDir dir;
    const std::vector<std::string> args{"--strategy",   "velez",      "--symbols",  "AAPL",
                                        "--start-date", "2025-06-01", "--end-date", "2025-06-30",
                                        "--data",       "synthetic"};
    const auto text = backtest(dir, args);
    REQUIRE(text.exit_code == 0);
    CHECK(has(text.out, "*** SYNTHETIC DATA"));
    CHECK(has(text.out, "Results saved to database (run_id: 1)"));
    auto json_args = args;
    json_args.push_back("--json");
    const auto json = backtest(dir, json_args);
    CHECK(has(json.out, R"("synthetic": true, "data_source": "synthetic:seed=1")"));
    CHECK(has(backtest(dir, {"--show", "1"}).out, "SYNTHETIC DATA"));
    CHECK(has(backtest(dir, {"--list"}).out, "synthetic:seed=1"));
  }

  TEST_CASE("--rerun repeats a stored run identically from its stored settings alone") {
    TempDir dir;
    import_golden(dir);
    REQUIRE(backtest(dir, golden_with({"--param", "max_run_candles=4", "--capital", "30000"}))
                .exit_code == 0);
    // A different environment must not change a repeat (F5).
    const auto rerun = backtest(dir, {"--rerun", "1"}, {{"ALGO_VELEZ__SMA_FAST", "10"}});
    CHECK(rerun.exit_code == 0);
    CHECK(has(rerun.out, "Rerun of run 1: trades identical, metrics identical, bars identical"));
    const auto show = backtest(dir, {"--show", "1"});
    CHECK(has(show.out, R"("ALGO_VELEZ__MAX_RUN_CANDLES": "4")"));
    CHECK(has(show.out, R"("initial_capital": "30000")"));
    CHECK(backtest(dir, {"--rerun", "99"}).exit_code == 1);
  }

  TEST_CASE("--param changes the run and is recorded; JSON lists the effective parameters") {
    TempDir dir;
    import_golden(dir);
    const auto r = backtest(dir, golden_with({"--param", "sma_fast=10", "--json"}));
    REQUIRE(r.exit_code == 0);
    CHECK(has(r.out, R"("sma_fast": "10")"));
    CHECK(has(backtest(dir, {"--show", "1"}).out, R"("ALGO_VELEZ__SMA_FAST": "10")"));
  }

  TEST_CASE("--list-strategies prints both strategies with parameters, defaults and ranges") {
    TempDir dir;
    const auto r = backtest(dir, {"--list-strategies"});
    CHECK(r.exit_code == 0);
    CHECK(has(r.out, "velez\n"));
    CHECK(has(r.out, "sma-crossover\n"));
    CHECK(has(r.out, "sma_fast"));
    CHECK(has(r.out, "[5..50]"));
    CHECK(has(r.out, "atr_multiplier"));
  }

  TEST_CASE("--trades-csv writes every trade") {
    TempDir dir;
    import_golden(dir);
    REQUIRE(backtest(dir, golden_with({"--trades-csv", "trades.csv"})).exit_code == 0);
    const std::string csv = read_file(dir / "trades.csv");
    CHECK(
        has(csv, "symbol,side,qty,entry_at,entry_price,exit_at,exit_price,exit_reason,pnl,costs"));
    CHECK(has(csv,
              "AAPL,buy,12,2026-02-11T15:00:00Z,101.61,2026-02-11T15:02:00Z,101.1,stop_loss,-6.12,"
              "0,120"));
  }

  TEST_CASE("errors: a clear message, a non-zero exit, and no run stored") {
    TempDir dir;
    import_golden(dir);
    const auto unknown = backtest(dir, {"--strategy", "nonexistent", "--symbols", "AAPL",
                                        "--start-date", "2026-02-10", "--end-date", "2026-02-12"});
    CHECK(unknown.exit_code == 2);
    CHECK(has(unknown.err, "Unknown strategy: 'nonexistent'. Available: velez, sma-crossover"));
    const auto param = backtest(dir, golden_with({"--param", "sma_fast=4"}));
    CHECK(param.exit_code == 2);
    CHECK(has(param.err, "--param sma_fast=4: must be an integer in 5..50"));
    CHECK(has(backtest(dir, golden_with({"--param", "nope=1"})).err, "unknown parameter of velez"));
    const auto bad_date = backtest(
        dir, {"--symbols", "AAPL", "--start-date", "2026-02-30", "--end-date", "2026-03-05"});
    CHECK(bad_date.exit_code == 2);
    CHECK(has(bad_date.err, "--start-date"));
    const auto backwards = backtest(
        dir, {"--symbols", "AAPL", "--start-date", "2026-02-12", "--end-date", "2026-02-10"});
    CHECK(backwards.exit_code == 2);
    CHECK(has(backwards.err, "must not be before --start-date"));
    const auto no_data = backtest(
        dir, {"--symbols", "AAPL,MSFT", "--start-date", "2026-02-10", "--end-date", "2026-02-12"});
    CHECK(no_data.exit_code == 1);
    CHECK(has(no_data.err, "MSFT 2026-02-10..2026-02-12 (3 sessions)"));
    CHECK(has(no_data.err, "trader-data fetch --symbols MSFT --start 2026-02-10 --end 2026-02-12"));
    CHECK(has(no_data.err, "trader-data import"));
    const auto report = backtest(dir, golden_with({"--report", "/nonexistent/dir/r.html"}));
    CHECK(report.exit_code == 1);
    CHECK(has(report.err, "cannot write /nonexistent/dir/r.html: "));
    CHECK(has(report.err, "(--report)"));
    const auto capital = backtest(dir, golden_with({"--capital", "500"}));
    CHECK(capital.exit_code == 2);
    CHECK(has(capital.err, "--capital=500: must be between 1000..10000000"));
    CHECK(backtest(dir, {"--symbols", "AAPL"}).exit_code == 2);
    CHECK(backtest(dir, golden_with({"--data", "cloud"})).exit_code == 2);
    CHECK(stored_runs(dir) == 0);
  }
}

// ---- issue 11: outputs, signals, argument validation ------------------------------------------

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kSyntheticWeek{"--symbols",  "AAPL",       "--start-date",
                                              "2025-06-02", "--end-date", "2025-06-06",
                                              "--data",     "synthetic"};

std::vector<std::string> synthetic_week_with(std::vector<std::string> extra) {
  std::vector<std::string> args = kSyntheticWeek;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// The tool with its standard output on /dev/full (every write fails with ENOSPC).
trader::testing::ProcessResult backtest_to_full_stdout(const TempDir& dir,
                                                       const std::vector<std::string>& args,
                                                       trader::testing::EnvironmentList env = {}) {
  std::vector<std::string> argv{"/bin/sh", "-c", "exec \"$0\" \"$@\" > /dev/full",
                                TRADER_BACKTEST_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, env, dir.path());
}

// Temporary files an output left behind (".NAME.tmp-...").
std::vector<std::string> leftovers(const fs::path& directory) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos) out.push_back(name);
  }
  return out;
}

}  // namespace

TEST_SUITE("tools/trader-backtest") {
  TEST_CASE("issue 11 items 6, 7: an output that fails is named, the stored run id still shown") {
    TempDir dir;
    // --report and --trades-csv on a full device: the run was stored, say so and exit 1.
    for (const char* option : {"--report", "--trades-csv"}) {
      CAPTURE(option);
      const auto r = backtest(dir, synthetic_week_with({option, "/dev/full"}));
      CHECK(r.exit_code == 1);
      CHECK(has(r.err,
                "cannot write /dev/full: No space left on device (" + std::string(option) + ")"));
      CHECK(has(r.out, "Results saved to database (run_id: "));
      CHECK(has(r.err, "the run was stored (run_id: "));
    }
    // Standard output full: text and JSON, and the read-only actions.
    for (const auto& args : {kSyntheticWeek, synthetic_week_with({"--json"})}) {
      const auto r = backtest_to_full_stdout(dir, args);
      CHECK(r.exit_code == 1);
      CHECK(has(r.err, "cannot write standard output: No space left on device"));
      CHECK(has(r.err, "the run was stored (run_id: "));
    }
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"--list"}, {"--show", "1"}, {"--list-strategies"}, {"--help"}}) {
      const std::string action = args.front();
      CAPTURE(action);
      const auto r = backtest_to_full_stdout(dir, args);
      CHECK(r.exit_code == 1);
      CHECK(has(r.err, "cannot write standard output"));
    }
    CHECK(stored_runs(dir) == 4);
  }

  TEST_CASE("issue 11 item 6: an output that cannot be created fails before the run") {
    TempDir dir;
    fs::create_directories(dir / "db");
    fs::permissions(dir / "db", fs::perms::all);
    fs::create_directories(dir / "ro");
    write_file(dir / "ro/old.csv", "old\n");
    fs::permissions(dir / "ro/old.csv", fs::perms::all);
    fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec |
                                    fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
    const std::string db = (dir / "db/t.db").string();
    // As an unprivileged user (root would ignore the directory's permissions).
    const std::string result = trader::testing::run_unprivileged([&] {
      std::string text;
      for (const auto& [option, file] :
           {std::pair<std::string, std::string>{"--trades-csv", "ro/old.csv"},
            {"--report", "ro/new.html"}}) {
        const auto r = run_process(
            {TRADER_BACKTEST_BIN, "--symbols", "AAPL", "--start-date", "2025-06-02", "--end-date",
             "2025-06-06", "--data", "synthetic", "--db", db, option, (dir / file).string()},
            {}, dir.path());
        text += "exit " + std::to_string(r.exit_code) + ": " + r.err;
      }
      text += run_process({TRADER_BACKTEST_BIN, "--list", "--db", db}, {}, dir.path()).out;
      return text;
    });
    CHECK(has(result, "exit 1: trader-backtest: cannot write " + (dir / "ro/old.csv").string() +
                          ": cannot create a file in " + (dir / "ro").string() +
                          " (Permission denied)"));
    CHECK(has(result, "exit 1: trader-backtest: cannot write " + (dir / "ro/new.html").string()));
    CHECK_FALSE(has(result, "velez"));  // no run stored
    CHECK(read_file(dir / "ro/old.csv") == "old\n");
    CHECK_FALSE(fs::exists(dir / "ro/new.html"));
    CHECK(leftovers(dir / "ro").empty());
  }

  TEST_CASE("issue 11 item 6: files are complete or absent: an existing file is replaced whole") {
    TempDir dir;
    write_file(dir / "trades.csv", "old\n");
    fs::permissions(dir / "trades.csv",
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    REQUIRE(backtest(dir,
                     synthetic_week_with({"--trades-csv", "trades.csv", "--report", "report.html"}))
                .exit_code == 0);
    CHECK(read_file(dir / "trades.csv").rfind("symbol,side,qty,entry_at", 0) == 0);
    CHECK((fs::status(dir / "trades.csv").permissions() & fs::perms::all) ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
    CHECK(has(read_file(dir / "report.html"), "</html>"));
    CHECK(leftovers(dir.path()).empty());
  }

  TEST_CASE("issue 11 item 10: a run that cannot be stored still shows its results") {
    TempDir dir;
    const std::string db = (dir / "t.db").string();
    REQUIRE(backtest(dir, synthetic_week_with({"--db", db})).exit_code == 0);
    // Another process holds the write lock past the busy timeout.
    trader::testing::ChildProcess writer({STORE_WRITER_BIN, db, "w", "1", "--hang"});
    REQUIRE(writer.read_line() == "in-transaction");
    const trader::testing::EnvironmentList busy{{"ALGO_DB_BUSY_TIMEOUT_MS", "50"}};
    const auto text = backtest(dir, synthetic_week_with({"--db", db}), busy);
    CHECK(text.exit_code == 1);
    CHECK(has(text.out, "Backtest Results: velez"));
    CHECK(has(text.out, "Results NOT saved to the database"));
    CHECK(has(text.err, "the run was NOT stored: "));
    CHECK(has(text.err, "ALGO_DB_BUSY_TIMEOUT_MS"));
    const auto json = backtest(dir, synthetic_week_with({"--db", db, "--json"}), busy);
    CHECK(json.exit_code == 1);
    CHECK(json.out.rfind(R"({"run_id": null, "synthetic": true)", 0) == 0);
    writer.kill(SIGKILL);
    static_cast<void>(writer.wait());
    CHECK(has(backtest(dir, {"--list", "--db", db}).out, "    1  "));
    CHECK_FALSE(has(backtest(dir, {"--list", "--db", db}).out, "    2  "));
  }

  TEST_CASE("issue 11 item 8: SIGINT or SIGTERM during a backtest: 130 or 143, nothing stored") {
    std::string symbols;
    for (int i = 0; i < 40; ++i) {
      symbols += (i ? ",S" : "S") + std::string(1, static_cast<char>('A' + i / 26)) +
                 std::string(1, static_cast<char>('A' + i % 26));
    }
    for (const auto& [signal, expected] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
      const int signal_number = signal;  // clang 14 cannot capture a structured binding
      CAPTURE(signal_number);
      TempDir dir;
      const fs::path db = dir / "t.db";
      // About eight million synthetic bars: seconds of work on any machine.
      trader::testing::ChildProcess child(
          {TRADER_BACKTEST_BIN, "--symbols", symbols, "--start-date", "2023-01-01", "--end-date",
           "2024-12-31", "--data", "synthetic", "--db", db.string()},
          {}, true);
      // The database is opened right before the bars are read: then the long part has begun.
      for (int i = 0; i < 600'000 && !fs::exists(db); ++i) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      child.kill(signal);
      const std::string output = child.read_rest();
      CHECK(child.wait() == expected);
      CHECK(has(output, "trader-backtest: interrupted: nothing was stored"));
      CHECK(has(backtest(dir, {"--list", "--db", db.string()}).out, "no stored runs"));
    }
  }

  TEST_CASE("issue 11 item 17: a strategy parameter outside its declared range is refused") {
    TempDir dir;
    for (const char* value : {"-5", "1000000", "100.01"}) {
      CAPTURE(value);
      const auto r = backtest(
          dir, synthetic_week_with({"--param", std::string("doji_threshold_pct=") + value}));
      CHECK(r.exit_code == 2);
      CHECK(has(r.err, std::string("--param doji_threshold_pct=") + value +
                           ": must be between 0.0..100.0"));
    }
    CHECK(backtest(dir, synthetic_week_with({"--param", "doji_threshold_pct=0"})).exit_code == 0);
    CHECK(has(backtest(dir, {"--list-strategies"}).out, "[0.0..100.0]"));
  }

  TEST_CASE("issue 11 item 18: a range without sessions is an error; one day is a valid range") {
    TempDir dir;
    const auto weekend = backtest(dir, {"--symbols", "AAPL", "--start-date", "2025-06-07",
                                        "--end-date", "2025-06-08", "--data", "synthetic"});
    CHECK(weekend.exit_code == 1);
    CHECK(has(weekend.err, "no NYSE sessions between 2025-06-07 and 2025-06-08"));
    const auto holiday = backtest(dir, {"--symbols", "AAPL", "--start-date", "2025-12-25",
                                        "--end-date", "2025-12-25", "--data", "synthetic"});
    CHECK(holiday.exit_code == 1);
    CHECK(has(holiday.err, "(2025-12-25 Christmas Day)"));
    // Also from the store: nothing stored, nothing fetched.
    import_golden(dir);
    CHECK(backtest(dir,
                   {"--symbols", "AAPL", "--start-date", "2026-02-14", "--end-date", "2026-02-16"})
              .exit_code == 1);
    CHECK(stored_runs(dir) == 0);
    // One day: the golden scenario's trading day alone.
    const auto one_day = backtest(dir, {"--symbols", "AAPL", "--start-date", "2026-02-11",
                                        "--end-date", "2026-02-11", "--json"});
    CHECK(one_day.exit_code == 0);
    CHECK(has(one_day.out, R"("start_date": "2026-02-11", "end_date": "2026-02-11")"));
    CHECK(stored_runs(dir) == 1);
  }

  TEST_CASE("issue 11 item 21: bad arguments exit 2 with the usage hint and store nothing") {
    TempDir dir;
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {synthetic_week_with({"--seed", "-1"}),
         "expected a whole number >= 0 for --seed, got '-1'"},
        {synthetic_week_with({"--seed", "1x"}), "for --seed"},
        {{"--symbols", "AAPL", "--start-date", "1900-01-01", "--end-date", "2025-06-06"},
         "(the calendar's range) for --start-date, got '1900-01-01'"},
        {{"--symbols", "AAPL", "--start-date", "2025-06-02", "--end-date", "2200-01-01"},
         "for --end-date, got '2200-01-01'"},
        {{"--show", "1", "--rerun", "2"}, "--show and --rerun cannot be combined"},
        {{"--list", "--rerun", "1"}, "--list and --rerun cannot be combined"},
        {{"--list-strategies", "--symbols", "AAPL"},
         "--symbols does not apply to --list-strategies"},
        {{"--show", "1", "--json"}, "--json does not apply to --show"},
        {synthetic_week_with({"--limit", "5"}), "--limit does not apply to a backtest run"},
        {{"--list", "extra"}, "unexpected argument 'extra'"},
        {synthetic_week_with({"stray"}), "unexpected argument 'stray'"},
        {{"--list", "--limit", "0"}, "expected a whole number >= 1 for --limit, got '0'"},
        {{"--show", "0"}, "for --show"},
        {{"--rerun", "-3"}, "for --rerun"},
        {synthetic_week_with({"--param", "sma_fast=10", "--param", "SMA_FAST=12"}),
         "--param SMA_FAST=12: sma_fast is already given (sma_fast=10)"},
        {synthetic_week_with({"--report", "out.html", "--trades-csv", "./out.html"}),
         "--report and --trades-csv name the same file out.html"},
        {synthetic_week_with({"--strategy", "nonexistent"}), "Unknown strategy: 'nonexistent'"},
    };
    for (const auto& [args, message] : cases) {
      std::string command_line;
      for (const auto& arg : args) command_line += arg + " ";
      CAPTURE(command_line);
      const auto r = backtest(dir, args);
      CHECK(r.exit_code == 2);
      CHECK(has(r.err, message));
      CHECK(has(r.err, "(see trader-backtest --"));
    }
    CHECK_FALSE(fs::exists(dir / "out.html"));
    CHECK(stored_runs(dir) == 0);
  }

  // issue 11 item 2: a backtest never mixes synthetic and real bars without saying so, per symbol.
  TEST_CASE("where each symbol's bars came from is in the output and the run record") {
    TempDir dir;
    import_golden(dir);  // AAPL: real bars, 2026-02-10..12
    const auto synth = [&](const char* symbols, const char* first, const char* last) {
      REQUIRE(run_process({TRADER_DATA_BIN, "synth", "--symbols", symbols, "--start", first,
                           "--end", last, "--seed", "7"},
                          {}, dir.path())
                  .exit_code == 0);
    };
    synth("MSFT", "2026-02-10", "2026-02-12");
    const auto both = backtest(dir, {"--symbols", "AAPL,MSFT", "--start-date", "2026-02-10",
                                     "--end-date", "2026-02-12", "--data", "store", "--json"});
    REQUIRE(both.exit_code == 0);
    CHECK(has(both.out, "\"synthetic\": true"));
    CHECK(has(both.out, "store: AAPL csv:golden_scenario.csv; MSFT synthetic:seed=7"));
    CHECK(has(both.out, "MSFT runs on SYNTHETIC bars (synthetic:seed=7), not market prices"));
    CHECK_FALSE(has(both.out, "AAPL runs on SYNTHETIC"));
    // AAPL with a synthetic day beside its real ones: the mix is named.
    synth("AAPL", "2026-02-13", "2026-02-13");
    const auto mixed = backtest(dir, {"--symbols", "AAPL", "--start-date", "2026-02-10",
                                      "--end-date", "2026-02-13", "--data", "store"});
    REQUIRE(mixed.exit_code == 0);
    CHECK(has(mixed.out, "SYNTHETIC DATA"));
    CHECK(has(mixed.err,
              "AAPL mixes real and SYNTHETIC bars: 3 sessions of real bars, 1 of synthetic bars"));
    const auto listed = backtest(dir, {"--list"});
    CHECK(has(listed.out, "store: AAPL csv:golden_scenario.csv,synthetic:seed=7"));
    // The real-only run stays clean.
    const auto real = backtest(dir, golden_with({"--data", "store", "--json"}));
    CHECK(has(real.out, "\"synthetic\": false"));
    CHECK(has(real.out, "\"data_source\": \"store: AAPL csv:golden_scenario.csv\""));
  }

  // issue 11 item 11: --list and --show only read.
  TEST_CASE("--list and --show never create a database") {
    TempDir dir;
    const auto list = backtest(dir, {"--db", "nowhere/x.db", "--list"});
    CHECK(list.exit_code == 0);
    CHECK(has(list.out, "does not exist"));
    const auto show = backtest(dir, {"--db", "nowhere/x.db", "--show", "1"});
    CHECK(show.exit_code == 1);
    CHECK(has(show.err, "no database at nowhere/x.db"));
    CHECK_FALSE(std::filesystem::exists(dir / "nowhere"));
  }

  // Issue 12 item 6: the run archive compares two stored runs.
  TEST_CASE("--diff names what differs between two stored runs: settings, data, trades, metrics") {
    TempDir dir;
    import_golden(dir);
    REQUIRE(backtest(dir, kGoldenRun).exit_code == 0);                                     // run 1
    REQUIRE(backtest(dir, kGoldenRun).exit_code == 0);                                     // run 2
    REQUIRE(backtest(dir, golden_with({"--param", "max_run_candles=4"})).exit_code == 0);  // 3
    const auto same = backtest(dir, {"--diff", "1", "2"});
    CHECK(same.exit_code == 0);
    CHECK(has(same.out,
              "Run 1 vs run 2: settings identical, data identical, trades identical, metrics "
              "identical\n"));
    const auto other = backtest(dir, {"--diff", "1", "3"});
    CHECK(other.exit_code == 1);
    CHECK(has(other.out, "Run 1 vs run 3: settings DIFFERENT, data identical"));
    CHECK(has(other.out, "settings:\n  ALGO_VELEZ__MAX_RUN_CANDLES: \"3\" -> \"4\"\n"));
    // Read-only, like --show; a missing run and a wrong number of ids are errors.
    CHECK(has(backtest(dir, {"--diff", "1", "9"}).err, "no backtest run 9"));
    CHECK(backtest(dir, {"--diff", "1", "9"}).exit_code == 1);
    CHECK(backtest(dir, {"--diff", "1"}).exit_code == 2);
    CHECK(backtest(dir, {"--diff", "1", "2", "--show", "1"}).exit_code == 2);
    CHECK(backtest(dir, {"--diff", "1", "x"}).exit_code == 2);
    // An id past a signed 64-bit number is refused, not wrapped into run -1.
    const auto huge = backtest(dir, {"--diff", "1", "18446744073709551615"});
    CHECK(huge.exit_code == 2);
    CHECK(has(huge.err, "--diff must be at most 9223372036854775807"));
  }

  // Issue 12 item 6: names come from the run itself, never from re-sorting the request.
  TEST_CASE("symbols given unsorted: every output names each trade by its own symbol") {
    TempDir dir;
    const std::vector<std::string> args{"--symbols",    "MSFT,AAPL",  "--start-date", "2025-06-02",
                                        "--end-date",   "2025-06-13", "--data",       "synthetic",
                                        "--trades-csv", "trades.csv", "--json"};
    const auto r = backtest(dir, args);
    REQUIRE(r.exit_code == 0);
    CHECK(has(r.out, R"("symbols": ["AAPL", "MSFT"])"));
    const std::string csv = read_file(dir / "trades.csv");
    const auto show = backtest(dir, {"--show", "1"});
    // The same trades, in the same order, named the same in the JSON, the CSV and the archive.
    std::vector<std::string> from_json, from_csv, from_show;
    for (std::size_t at = 0; (at = r.out.find("{\"symbol\": \"", at)) != std::string::npos;) {
      at += 12;
      from_json.push_back(r.out.substr(at, r.out.find('"', at) - at));
    }
    for (std::size_t at = csv.find('\n'); at + 1 < csv.size(); at = csv.find('\n', at + 1)) {
      from_csv.push_back(csv.substr(at + 1, csv.find(',', at) - at - 1));
    }
    for (std::size_t at = show.out.find("\nTrades:\n");
         at != std::string::npos && (at = show.out.find("\n  ", at)) != std::string::npos;) {
      at += 3;
      from_show.push_back(show.out.substr(at, show.out.find(' ', at) - at));
    }
    CHECK(from_json.size() > 2);
    CHECK(from_csv == from_json);
    CHECK(from_show == from_json);
  }
}
