// Issue 12 item 6: the run archive (save, get, diff) and the JSON it writes and reads (Boost.JSON
// behind it, the project's spelling kept).
#include <trader/backtest/run_archive.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "support/process.hpp"

namespace bt = trader::backtest;

namespace {

struct Fixture {
  trader::testing::TempDir dir;
  trader::store::Database db = trader::store::Database::open({dir / "t.db", 5000});
  trader::strategy::StrategyRegistry registry = trader::strategy::StrategyRegistry::with_builtins();
  bt::BacktestRunner runner{db, registry, {}};
  bt::RunArchive archive{db};
};

bt::BacktestRequest synthetic(std::uint64_t seed = 1) {
  bt::BacktestRequest request;
  request.symbols = {"MSFT", "AAPL"};
  request.start_date = trader::core::parse_date("2025-06-02");
  request.end_date = trader::core::parse_date("2025-06-13");
  request.data = bt::DataMode::synthetic;
  request.synthetic_seed = seed;
  return request;
}

bool has_line(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& line : lines) {
    if (line.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_SUITE("backtest/run_archive") {
  TEST_CASE("a saved run comes back with its trades, named by the run's own symbols") {
    Fixture f;
    const auto result = f.runner.run(synthetic());
    REQUIRE(!result.trades.empty());
    const auto id = f.archive.save(result);
    const auto stored = f.archive.get(id);
    CHECK(stored.run.symbols == std::vector<std::string>{"AAPL", "MSFT"});
    REQUIRE(stored.trades.size() == result.trades.size());
    for (std::size_t i = 0; i < result.trades.size(); ++i) {
      auto expected = result.trades[i];
      expected.initial_stop = {};  // the one field backtest_trade does not keep
      CHECK(stored.trades[i] == expected);
      CHECK(stored.run.symbols.at(trader::data::index_of(stored.trades[i].symbol)) ==
            result.symbol_of(result.trades[i]));
    }
    CHECK(stored.run.metrics_json == bt::metrics_json(result.metrics));
    CHECK(stored.run.bars_fingerprint == result.fingerprint);
    CHECK_THROWS_WITH_AS(static_cast<void>(f.archive.get(id + 5)),
                         doctest::Contains(("no backtest run " + std::to_string(id + 5)).c_str()),
                         bt::BacktestError);
  }

  TEST_CASE("the stored JSON columns keep their exact text (Python's separators)") {
    Fixture f;
    const auto archived = bt::to_archived_run(f.runner.run(synthetic()));
    CHECK(archived.run.params_json ==
          R"({"strategy": "velez", "symbols": ["AAPL", "MSFT"], "start_date": "2025-06-02", )"
          R"("end_date": "2025-06-13", "initial_capital": "25000", "slippage_per_share": "0.01", )"
          R"("candle_interval_minutes": 2})");
    CHECK(archived.run.equity_curve_json.rfind(R"([{"date": "2025-06-02", "equity": ")", 0) == 0);
    CHECK(archived.run.settings_json.find(R"("ALGO_BACKTEST__INITIAL_CAPITAL": "25000")") !=
          std::string::npos);
    CHECK(archived.run.settings_json.find("SECRET") == std::string::npos);  // F12
    // The settings read back are the ones written, in order.
    const auto settings = bt::settings_from_json(archived.run.settings_json);
    CHECK(std::find(settings.begin(), settings.end(),
                    std::pair<std::string, std::string>{"ALGO_BACKTEST__INITIAL_CAPITAL",
                                                        "25000"}) != settings.end());
    CHECK_THROWS_AS(bt::settings_from_json("[1, 2]"), bt::BacktestError);
    CHECK_THROWS_AS(bt::settings_from_json(R"({"ALGO_X": 5})"), bt::BacktestError);
    CHECK_THROWS_AS(bt::settings_from_json("{not json"), bt::BacktestError);
  }

  TEST_CASE("metrics JSON: every metric, doubles in shortest form, no NaN in the text") {
    bt::Metrics m;
    m.total_trades = 3;
    m.win_rate = 2.0 / 3.0;
    m.total_return = trader::core::Decimal::parse("5.4");
    m.sharpe_ratio = std::numeric_limits<double>::quiet_NaN();
    m.profit_factor = std::numeric_limits<double>::infinity();
    const auto text = bt::metrics_json(m);
    CHECK(text.rfind(R"({"total_trades": 3, "winning_trades": 0, "losing_trades": 0, )"
                     R"("win_rate": 0.6666666666666666, "total_return": "5.40", )",
                     0) == 0);
    CHECK(text.find(R"("sharpe_ratio": null)") != std::string::npos);
    CHECK(text.find(R"("profit_factor": null)") != std::string::npos);
    CHECK(text.find(R"("exits": {"stop_loss": 0, "strategy_exit": 0, "session_close": 0}})") !=
          std::string::npos);
  }

  TEST_CASE("diff: two identical runs are identical; each kind of difference is named") {
    Fixture f;
    const auto first = f.archive.save(f.runner.run(synthetic()));
    const auto same = f.archive.save(f.runner.run(synthetic()));
    const auto none = f.archive.diff(first, same);
    CHECK(none.identical());
    CHECK(none.settings.empty());
    CHECK(none.trades.empty());

    auto capital = synthetic();
    capital.settings_overrides = {{"ALGO_BACKTEST__INITIAL_CAPITAL", "30000"}};
    const auto richer = f.archive.save(f.runner.run(capital));
    const auto money = f.archive.diff(first, richer);
    CHECK_FALSE(money.identical());
    CHECK(has_line(money.settings, R"(ALGO_BACKTEST__INITIAL_CAPITAL: "25000" -> "30000")"));
    CHECK(has_line(money.settings, R"(initial_capital: "25000" -> "30000")"));
    CHECK(money.data.empty());  // the same bars
    CHECK(has_line(money.metrics, "final_equity: "));

    const auto other_bars = f.archive.save(f.runner.run(synthetic(2)));
    const auto data = f.archive.diff(first, other_bars);
    CHECK(has_line(data.data, "data source: synthetic:seed=1 -> synthetic:seed=2"));
    CHECK(has_line(data.data, "bars fingerprint: "));
    CHECK(!data.trades.empty());
    CHECK((has_line(data.trades, "trade 1: AAPL") || has_line(data.trades, "trade 1: MSFT") ||
           has_line(data.trades, "trades: ")));
    CHECK(data.settings.empty());
  }

  TEST_CASE("diff reads stored numbers exactly: one ulp apart is a difference, shown as stored") {
    bt::ArchivedRun a;
    a.run.metrics_json =
        R"({"profit_factor": 1.8823529411764706, "sharpe_ratio": 9.165151389911681})";
    bt::ArchivedRun b = a;
    b.run.metrics_json =
        R"({"profit_factor": 1.8823529411764706, "sharpe_ratio": 9.16515138991168})";
    const auto d = bt::compare_runs(a, b, "a", "b");
    CHECK(d.metrics ==
          std::vector<std::string>{"sharpe_ratio: 9.165151389911681 -> 9.16515138991168"});
    CHECK(bt::compare_runs(a, a, "a", "a").identical());
  }

  TEST_CASE("result JSON: one trade per line, names from the result, run_id null if unstored") {
    Fixture f;
    const auto result = f.runner.run(synthetic());
    REQUIRE(result.trades.size() >= 2);
    const auto text = bt::result_json(result, std::nullopt);
    CHECK(text.rfind(R"({"run_id": null, "synthetic": true, "data_source": "synthetic:seed=1", )"
                     R"("strategy": "velez", "symbols": ["AAPL", "MSFT"], )",
                     0) == 0);
    CHECK(text.find("\"trades\": [\n  {\"symbol\": \"" + result.symbol_of(result.trades[0]) +
                    "\", \"side\": \"buy\", \"qty\": ") != std::string::npos);
    std::size_t lines = 0;
    for (const char c : text) lines += c == '\n';
    CHECK(lines == result.trades.size() + 1);
    CHECK(bt::result_json(result, 7).rfind(R"({"run_id": 7, )", 0) == 0);
  }
}
