// Issue 12 item 6: BacktestSession runs a backtest from bars alone (no database, no settings
// files), gives the same result as the runner that wraps it, and keeps the symbols' names.
#include <trader/backtest/session.hpp>

#include <doctest/doctest.h>

#include <map>

#include <trader/backtest/run_archive.hpp>
#include <trader/backtest/runner.hpp>
#include <trader/data/csv_reader.hpp>
#include <trader/data/synthetic.hpp>
#include <trader/marketdata/bar_supply.hpp>
#include <trader/strategy/velez.hpp>

#include "support/process.hpp"

namespace bt = trader::backtest;
using trader::core::Decimal;
using trader::core::format_timestamp;
using trader::engine::ExitReason;

namespace {

Decimal d(const char* text) { return Decimal::parse(text); }

std::vector<trader::data::Bar> golden_bars(trader::data::SymbolTable& table) {
  trader::data::CsvReadOptions options;
  options.symbol = "AAPL";
  std::vector<trader::data::Bar> bars;
  for (const auto& record : trader::data::read_csv(
           std::string(SOURCE_ROOT) + "/tests/fixtures/golden_scenario.csv", options, table)) {
    bars.push_back(record.bar);
  }
  return bars;
}

bt::SessionOptions options_for(const char* first, const char* last) {
  bt::SessionOptions options;  // default settings: capital 25000, slippage 0.01, no costs
  options.first = trader::core::parse_date(first);
  options.last = trader::core::parse_date(last);
  return options;
}

bt::BacktestRequest synthetic_request(std::vector<std::string> symbols) {
  bt::BacktestRequest request;
  request.symbols = std::move(symbols);
  request.start_date = trader::core::parse_date("2025-06-02");
  request.end_date = trader::core::parse_date("2025-06-20");
  request.data = bt::DataMode::synthetic;
  request.synthetic_seed = 3;
  return request;
}

}  // namespace

TEST_SUITE("backtest/session") {
  TEST_CASE("the golden scenario through a BacktestSession: the three trades, no database") {
    auto table = trader::data::SymbolTable::sorted({"AAPL"});
    const auto bars = golden_bars(table);
    trader::data::SpanBarSource source(bars);
    const bt::BacktestSession session(
        table, [] { return std::make_unique<trader::strategy::Velez>(); },
        options_for("2026-02-10", "2026-02-12"));
    const auto result = session.run(source);
    CHECK(result.bars == 436);
    REQUIRE(result.trades.size() == 3);
    const auto& t = result.trades;
    CHECK(result.symbol_of(t[0]) == "AAPL");
    CHECK(format_timestamp(t[0].entry_at) == "2026-02-11T14:44:00Z");
    CHECK(t[0].pnl == d("10.56"));
    CHECK(t[0].exit_reason == ExitReason::strategy_exit);
    CHECK(t[1].exit_price == d("101.10"));
    CHECK(t[1].pnl == d("-6.12"));
    CHECK(t[1].exit_reason == ExitReason::stop_loss);
    CHECK(t[2].pnl == d("0.96"));
    CHECK(t[2].exit_reason == ExitReason::session_close);
    CHECK(result.metrics.total_return == d("5.40"));
    CHECK(result.metrics.final_equity == d("25005.40"));
    CHECK(result.daily_equity.size() == 3);
    CHECK(result.fingerprint.size() == 16);
    // A second run of the same session is a fresh engine and broker: the same result.
    trader::data::SpanBarSource again(bars);
    const auto repeat = session.run(again);
    CHECK(repeat.trades == result.trades);
    CHECK(repeat.fingerprint == result.fingerprint);
  }

  TEST_CASE("the runner's result is the session's: same trades, fingerprint and metrics") {
    trader::testing::TempDir dir;
    auto db = trader::store::Database::open({dir / "t.db", 5000});
    const auto registry = trader::strategy::StrategyRegistry::with_builtins();
    bt::BacktestRunner runner(db, registry, {});
    const auto request = synthetic_request({"MSFT", "AAPL", "AMD"});
    const auto via_runner = runner.run(request);

    const trader::marketdata::BarRequest wanted{request.symbols, request.start_date,
                                                request.end_date, request.data,
                                                request.synthetic_seed};
    auto supply = trader::marketdata::synthetic_bars(wanted);
    const auto blueprint = registry.configure("velez", {}, {});
    bt::SessionOptions options = options_for("2025-06-02", "2025-06-20");
    options.backtest = blueprint.settings().backtest;
    options.risk = blueprint.settings().risk;
    const bt::BacktestSession session(
        supply.symbols, [&] { return blueprint.create(); }, options);
    const auto direct = session.run(*supply.source);

    CHECK(direct.bars == via_runner.bars);
    CHECK(direct.fingerprint == via_runner.fingerprint);
    CHECK(direct.trades == via_runner.trades);
    CHECK(bt::metrics_json(direct.metrics) == bt::metrics_json(via_runner.metrics));
    CHECK(via_runner.trades.size() > 3);
  }

  TEST_CASE("symbol names are kept: each trade names the symbol whose bars it traded") {
    trader::testing::TempDir dir;
    auto db = trader::store::Database::open({dir / "t.db", 5000});
    const auto registry = trader::strategy::StrategyRegistry::with_builtins();
    bt::BacktestRunner runner(db, registry, {});
    // Given unsorted: the result's table sorts them once, and every name comes from it.
    const auto result = runner.run(synthetic_request({"MSFT", "AAPL", "AMD"}));
    CHECK(std::vector<std::string>(result.symbols.names().begin(), result.symbols.names().end()) ==
          std::vector<std::string>{"AAPL", "AMD", "MSFT"});
    // Each symbol's own bars, by minute.
    std::map<std::pair<std::string, trader::core::Timestamp>, trader::data::Bar> bars;
    trader::data::SymbolTable table = result.symbols;
    for (const auto& name : result.symbols.names()) {
      trader::data::SyntheticSpec spec;
      spec.seed = 3;
      spec.symbol = name;
      spec.first = trader::core::parse_date("2025-06-02");
      spec.last = trader::core::parse_date("2025-06-20");
      trader::data::SyntheticBarGenerator generator(spec, table);
      std::vector<trader::data::Bar> buffer(4096);
      for (std::size_t n; (n = generator.read(buffer)) > 0;) {
        for (std::size_t i = 0; i < n; ++i) bars[{name, buffer[i].ts}] = buffer[i];
      }
    }
    REQUIRE(result.trades.size() > 3);
    std::map<std::string, int> per_symbol;
    for (const auto& t : result.trades) {
      const std::string& name = result.symbol_of(t);
      ++per_symbol[name];
      // The exit filled inside the named symbol's bar of that minute (within the slippage).
      const auto at = bars.find({name, t.exit_at});
      REQUIRE(at != bars.end());
      CAPTURE(name);
      CHECK(t.exit_price >= at->second.low - d("0.01"));
      CHECK(t.exit_price <= at->second.high + d("0.01"));
    }
    CHECK(per_symbol.size() >= 2);
  }
}
