// A sweep: one pass over the bars feeds many engines and each gives exactly what a lone backtest
// gives; the best combination rerun alone through the backtest runner with its --param values
// gives identical trades and metrics; shards merge into the single-process result, and a
// missing, foreign or incomplete shard is refused by name.
#include <trader/sweep/sweep.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <trader/backtest/run_archive.hpp>
#include <trader/backtest/runner.hpp>
#include <trader/backtest/session.hpp>
#include <trader/marketdata/bar_supply.hpp>
#include <trader/store/database.hpp>
#include <trader/strategy/velez.hpp>
#include <trader/sweep/archive.hpp>
#include <trader/sweep/report.hpp>
#include <trader/sweep/results.hpp>
#include <trader/sweep/shard_file.hpp>
#include <trader/sweep/shared_pass.hpp>

#include "support/process.hpp"

namespace sw = trader::sweep;
namespace bt = trader::backtest;
using trader::core::parse_date;

namespace {

const trader::strategy::StrategyRegistry& registry() {
  static const auto r = trader::strategy::StrategyRegistry::with_builtins();
  return r;
}

sw::BarProvider synthetic(const std::vector<std::string>& symbols, std::uint64_t seed = 3) {
  return [symbols, seed](trader::core::Date first, trader::core::Date last) {
    return trader::marketdata::synthetic_bars(trader::marketdata::BarRequest{
        symbols, first, last, trader::marketdata::DataMode::synthetic, seed});
  };
}

sw::SweepRequest request(std::vector<std::string> grid) {
  sw::SweepRequest r;
  r.symbols = {"AAPL", "MSFT"};
  r.start_date = parse_date("2025-01-02");
  r.end_date = parse_date("2025-02-28");
  r.grid = std::move(grid);
  r.data = trader::marketdata::DataMode::synthetic;
  r.synthetic_seed = 3;
  r.jobs = 2;
  return r;
}

const std::vector<std::string> kGrid{"sma_fast=5:20:5", "stop_buffer_pct=0.1,0.3",
                                     "max_run_candles=2,3"};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string merge_refusal(const std::filesystem::path& dir) {
  try {
    static_cast<void>(sw::merge_shards(dir));
  } catch (const sw::MergeError& e) {
    return e.what();
  }
  return "";
}

void write_shards(const sw::SweepRunner& runner, sw::SweepRequest r, std::size_t count,
                  const std::filesystem::path& dir) {
  for (std::size_t k = 0; k < count; ++k) {
    r.shard = sw::Shard{k, count};
    const auto shard = runner.run(r);
    trader::testing::write_file(dir / r.shard.file_name(), sw::shard_file_text(shard));
  }
}

}  // namespace

TEST_SUITE("sweep/sweep") {
  TEST_CASE("one pass, many engines: each run equals a lone BacktestSession, on any thread count") {
    trader::strategy::VelezParameters a;
    trader::strategy::VelezParameters b;
    b.sma_fast = 8;
    b.max_run_candles = 2;
    trader::strategy::VelezParameters c;
    c.sma_slow = 120;
    c.candle_interval_minutes = 1;
    const std::vector<trader::strategy::VelezParameters> params{a, b, c, a, b};
    std::vector<bt::StrategyFactory> factories;
    for (const auto& p : params) {
      factories.emplace_back([p] { return std::make_unique<trader::strategy::Velez>(p); });
    }
    bt::SessionOptions options;
    options.first = parse_date("2025-01-02");
    options.last = parse_date("2025-03-31");
    const auto supply = [&] {
      return synthetic({"AAPL", "MSFT", "NVDA"})(options.first, options.last);
    };
    std::vector<bt::SessionResult> alone;
    for (const auto& make : factories) {
      auto s = supply();
      alone.push_back(bt::BacktestSession(s.symbols, make, options).run(*s.source));
    }
    CHECK(alone[0].trades.size() > 20);  // the check below means something
    for (const int jobs : {1, 2, 3, 8}) {
      CAPTURE(jobs);
      auto s = supply();
      const auto pass = sw::run_shared_pass(s.symbols, factories, options, *s.source, jobs);
      REQUIRE(pass.runs.size() == factories.size());
      CHECK(pass.bars == alone[0].bars);
      CHECK(pass.fingerprint == alone[0].fingerprint);
      for (std::size_t i = 0; i < factories.size(); ++i) {
        CAPTURE(i);
        CHECK(pass.runs[i].trades == alone[i].trades);
        CHECK(bt::metrics_json(pass.runs[i].metrics) == bt::metrics_json(alone[i].metrics));
      }
    }
  }

  TEST_CASE(
      "the best combination rerun alone with its --param values: identical trades and metrics") {
    const sw::SweepRunner runner(registry(), {}, synthetic({"AAPL", "MSFT"}));
    auto r = request(kGrid);
    r.keep_trades = true;
    const sw::SweepResult result = runner.run(r);
    REQUIRE(result.results.size() == 16);
    CHECK(result.combinations == 16);
    const sw::CombinationResult& best = *result.ranked().front();
    CHECK(best.metrics.total_trades > 0);

    trader::testing::TempDir dir;
    auto db = trader::store::Database::open({.path = dir.path() / "t.db"});
    bt::BacktestRunner backtests(db, registry(), {});
    bt::BacktestRequest alone;
    alone.symbols = r.symbols;
    alone.start_date = r.start_date;
    alone.end_date = r.end_date;
    alone.parameters = best.parameters;
    alone.data = trader::marketdata::DataMode::synthetic;
    alone.synthetic_seed = 3;
    const bt::BacktestResult rerun = backtests.run(alone);
    CHECK(rerun.trades == best.trades);
    CHECK(bt::metrics_json(rerun.metrics) == bt::metrics_json(best.metrics));
    CHECK(rerun.fingerprint == result.bars_fingerprint);
  }

  TEST_CASE("threads and batch sizes change nothing in the results") {
    const sw::SweepRunner runner(registry(), {}, synthetic({"AAPL", "MSFT"}));
    auto r = request(kGrid);
    r.jobs = 1;
    const std::string one = sw::results_json(runner.run(r));
    r.jobs = 3;
    r.batch = 5;  // four passes over the bars
    const auto batched = runner.run(r);
    CHECK(sw::results_json(batched) == one);
    CHECK(has(one, R"({"rank": 1, "combination": )"));
    CHECK(batched.bars > 0);
  }

  TEST_CASE("shards merge into exactly the single-process sweep") {
    const sw::SweepRunner runner(registry(), {}, synthetic({"AAPL", "MSFT"}));
    const auto whole = runner.run(request(kGrid));
    trader::testing::TempDir dir;
    write_shards(runner, request(kGrid), 4, dir.path());
    const auto merged = sw::merge_shards(dir.path());
    CHECK(sw::results_json(merged) == sw::results_json(whole));
    CHECK(sw::results_csv(merged) == sw::results_csv(whole));
    CHECK(sw::results_table(merged, 0) == sw::results_table(whole, 0));
    CHECK(merged.fingerprint == whole.fingerprint);
    // More shards than combinations: the empty ones still carry the fingerprint.
    trader::testing::TempDir many;
    write_shards(runner, request({"sma_fast=5,6"}), 3, many.path());
    CHECK(sw::merge_shards(many.path()).results.size() == 2);
  }

  TEST_CASE("a missing, foreign, incomplete or misplaced shard is refused by name") {
    const sw::SweepRunner runner(registry(), {}, synthetic({"AAPL", "MSFT"}));
    trader::testing::TempDir dir;
    write_shards(runner, request(kGrid), 4, dir.path());
    const auto path = [&](const char* name) { return dir.path() / name; };
    const std::string kept = trader::testing::read_file(path("shard-2-of-4.jsonl"));

    std::filesystem::remove(path("shard-2-of-4.jsonl"));
    CHECK(has(merge_refusal(dir.path()), "shard 2 of 4 is missing (shard-2-of-4.jsonl not found)"));

    // A shard of another sweep (another grid) in its place.
    trader::testing::TempDir other;
    write_shards(runner,
                 request({"sma_fast=5:20:5", "stop_buffer_pct=0.1,0.4", "max_run_candles=2,3"}), 4,
                 other.path());
    std::filesystem::copy_file(other.path() / "shard-2-of-4.jsonl", path("shard-2-of-4.jsonl"));
    CHECK(has(merge_refusal(dir.path()), "shard-2-of-4.jsonl belongs to a different sweep"));
    CHECK(has(merge_refusal(dir.path()), "different settings"));

    // The same settings over other bars.
    trader::testing::TempDir bars;
    write_shards(sw::SweepRunner(registry(), {}, synthetic({"AAPL", "MSFT"}, 4)), request(kGrid), 4,
                 bars.path());
    std::filesystem::remove(path("shard-2-of-4.jsonl"));
    std::filesystem::copy_file(bars.path() / "shard-2-of-4.jsonl", path("shard-2-of-4.jsonl"));
    CHECK(has(merge_refusal(dir.path()), "different bars"));

    // Cut short (the end line lost).
    trader::testing::write_file(path("shard-2-of-4.jsonl"), kept.substr(0, kept.rfind("{\"end\"")));
    CHECK(has(merge_refusal(dir.path()), "shard-2-of-4.jsonl: incomplete"));
    trader::testing::write_file(path("shard-2-of-4.jsonl"), "not json\n");
    CHECK(has(merge_refusal(dir.path()), "shard-2-of-4.jsonl:1:"));

    // Shards of two splits in one directory, and a shard whose header says another index.
    trader::testing::write_file(path("shard-2-of-4.jsonl"), kept);
    CHECK(merge_refusal(dir.path()).empty());
    trader::testing::write_file(path("shard-0-of-5.jsonl"), kept);
    CHECK(has(merge_refusal(dir.path()), "holds shards of different splits"));
    std::filesystem::remove(path("shard-0-of-5.jsonl"));
    std::filesystem::rename(path("shard-2-of-4.jsonl"), path("shard-3-of-4.jsonl.bak"));
    std::filesystem::rename(path("shard-3-of-4.jsonl"), path("shard-2-of-4.jsonl"));
    trader::testing::write_file(path("shard-3-of-4.jsonl"), kept);
    CHECK(has(merge_refusal(dir.path()), "its header says shard 3 of 4, its name shard 2 of 4"));
    CHECK(has(merge_refusal(dir.path() / "nothing"), "not a directory"));
  }

  TEST_CASE("a combination that cannot be configured is named before a bar is read") {
    int reads = 0;
    const sw::SweepRunner runner(registry(), {}, [&](trader::core::Date a, trader::core::Date b) {
      ++reads;
      return synthetic({"AAPL"})(a, b);
    });
    auto r = request({"sma_fast=5,60"});
    CHECK_THROWS_WITH_AS(static_cast<void>(runner.run(r)),
                         doctest::Contains("60 is outside sma_fast's declared range 5..50"),
                         sw::GridError);
    r = request({"sma_fast=5"});
    r.parameters = {{"sma_slow", "50"}};
    CHECK_THROWS_AS(static_cast<void>(runner.run(r)), trader::strategy::ParameterError);
    r = request({});
    CHECK_THROWS_WITH_AS(static_cast<void>(runner.run(r)), doctest::Contains("--grid"),
                         sw::SweepError);
    CHECK(reads == 0);
  }
}

TEST_SUITE("sweep/archive") {
  TEST_CASE("a stored sweep reads back exactly, and a shard is not stored") {
    const sw::SweepRunner runner(registry(), {}, synthetic({"AAPL", "MSFT"}));
    const auto whole = runner.run(request(kGrid));
    trader::testing::TempDir dir;
    auto db = trader::store::Database::open({.path = dir.path() / "t.db"});
    sw::SweepArchive archive(db);
    const auto id = archive.save(whole);
    CHECK(id == 1);
    const auto loaded = archive.load(id);
    CHECK(sw::results_json(loaded) == sw::results_json(whole));
    CHECK(sw::results_table(loaded, 0) == sw::results_table(whole, 0));
    CHECK(loaded.fingerprint == whole.fingerprint);
    CHECK(loaded.settings == whole.settings);
    CHECK(archive.list(10).size() == 1);
    CHECK_THROWS_WITH_AS(static_cast<void>(archive.load(2)), doctest::Contains("no sweep 2 in"),
                         sw::SweepError);
    auto r = request(kGrid);
    r.shard = sw::Shard{1, 2};
    CHECK_THROWS_WITH_AS(static_cast<void>(archive.save(runner.run(r))),
                         doctest::Contains("merge the shards"), sw::SweepError);
    // Its best combination, repeated from the stored settings alone.
    const auto best = whole.ranked().front()->combination;
    const auto rerun = sw::rerun_combination(db, registry(), id, best);
    CHECK(rerun.metrics_identical);
    CHECK(rerun.bars_identical);
  }

  TEST_CASE("a sweep in which nothing traded says its ranking is only the tie-break") {
    const sw::SweepRunner runner(registry(), {}, synthetic({"AAPL", "MSFT"}));
    // Two months: Velez trades, and nothing is said.
    const auto traded = runner.run(request(kGrid));
    CHECK(sw::results_warning(traded).empty());
    CHECK_FALSE(has(sw::results_table(traded, 0), "no combination traded"));
    // One session is shorter than the 200-candle warm-up: nothing trades.
    auto r = request(kGrid);
    r.end_date = r.start_date;
    const auto idle = runner.run(r);
    CHECK(has(sw::results_warning(idle),
              "no combination traded, so the ranking is only the "
              "tie-break"));
    CHECK(has(sw::results_table(idle, 0), "warning: no combination traded"));
    std::ostringstream page;
    sw::write_sweep_report(idle, {}, page);
    CHECK(has(page.str(), "<p class=\"warn\">warning: no combination traded"));
    // Every cell of the heat map is alike: the neutral middle colour, not the best one's.
    CHECK(has(page.str(), "fill=\"rgb(255,255,255)\""));
    CHECK_FALSE(has(page.str(), "fill=\"rgb(26,152,80)\""));
  }
}
