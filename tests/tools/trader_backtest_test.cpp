// End-to-end: the built trader-backtest (and trader-data) binaries on temporary databases.
#include <doctest/doctest.h>

#include "support/process.hpp"

using trader::testing::read_file;
using trader::testing::run_process;
using trader::testing::TempDir;

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
    // The result schema of golden-scenario.md §5, field by field.
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
    CHECK(has(backwards.err, "must be after --start-date"));
    const auto no_data = backtest(
        dir, {"--symbols", "AAPL,MSFT", "--start-date", "2026-02-10", "--end-date", "2026-02-12"});
    CHECK(no_data.exit_code == 1);
    CHECK(has(no_data.err, "MSFT 2026-02-10..2026-02-12 (3 sessions)"));
    CHECK(has(no_data.err, "trader-data fetch --symbols MSFT --start 2026-02-10 --end 2026-02-12"));
    CHECK(has(no_data.err, "trader-data import"));
    const auto report = backtest(dir, golden_with({"--report", "/nonexistent/dir/r.html"}));
    CHECK(report.exit_code == 1);
    CHECK(has(report.err, "--report /nonexistent/dir/r.html"));
    const auto capital = backtest(dir, golden_with({"--capital", "500"}));
    CHECK(capital.exit_code == 2);
    CHECK(has(capital.err, "--capital=500: must be between 1000..10000000"));
    CHECK(backtest(dir, {"--symbols", "AAPL"}).exit_code == 2);
    CHECK(backtest(dir, golden_with({"--data", "cloud"})).exit_code == 2);
    CHECK(stored_runs(dir) == 0);
  }
}
