// The golden scenario (docs/architecture.md): 436 bars of AAPL over three sessions, default
// settings, the fixes applied. Trades, equity and metrics must come out exactly.
#include <trader/engine/engine.hpp>

#include <doctest/doctest.h>

#include <trader/broker/sim_broker.hpp>
#include <trader/data/csv_reader.hpp>
#include <trader/strategy/velez.hpp>

#include "support/recording_observer.hpp"

using trader::core::Decimal;
using trader::core::format_timestamp;
using trader::engine::ExitReason;

namespace {

struct GoldenRun {
  trader::data::SymbolTable symbols = trader::data::SymbolTable::sorted({"AAPL"});
  trader::config::Settings settings;
  trader::broker::SimBroker broker{trader::broker::SimulationSettings::from(settings.backtest)};
  trader::testing::RecordingObserver observer{settings.backtest.initial_capital};
  std::size_t bars = 0;

  explicit GoldenRun(bool pessimistic = false) {
    settings.backtest.pessimistic_fills = pessimistic;
    broker = trader::broker::SimBroker(trader::broker::SimulationSettings::from(settings.backtest));
    trader::engine::Engine engine(
        symbols, [&] { return std::make_unique<trader::strategy::Velez>(); }, broker,
        trader::engine::EngineOptions{.risk = settings.risk, .venue = &broker}, &observer);
    trader::data::CsvReadOptions options;
    options.symbol = "AAPL";
    auto table = symbols;
    for (const auto& record : trader::data::read_csv(
             std::string(SOURCE_ROOT) + "/tests/fixtures/golden_scenario.csv", options, table)) {
      engine.on_bar(record.bar);
      ++bars;
    }
    engine.finish();
  }
};

Decimal d(const char* text) { return Decimal::parse(text); }

}  // namespace

TEST_SUITE("engine/golden") {
  TEST_CASE("golden scenario: the three trades, exactly (fixes F1, F2, F3, F6, F7 applied)") {
    GoldenRun run;
    CHECK(run.bars == 436);
    REQUIRE(run.observer.trades.size() == 3);
    const auto& t = run.observer.trades;
    CHECK(format_timestamp(t[0].entry_at) == "2026-02-11T14:44:00Z");
    CHECK(format_timestamp(t[0].exit_at) == "2026-02-11T14:56:00Z");
    CHECK(t[0].qty == 12);
    CHECK(t[0].entry_price == d("100.51"));
    CHECK(t[0].exit_price == d("101.39"));
    CHECK(t[0].pnl == d("10.56"));
    CHECK(t[0].duration_seconds == 720);
    CHECK(t[0].exit_reason == ExitReason::strategy_exit);

    CHECK(format_timestamp(t[1].entry_at) == "2026-02-11T15:00:00Z");
    CHECK(format_timestamp(t[1].exit_at) == "2026-02-11T15:02:00Z");
    CHECK(t[1].entry_price == d("101.61"));
    CHECK(t[1].exit_price == d("101.10"));  // F3: the stop 101.11878 went out as 101.11
    CHECK(t[1].pnl == d("-6.12"));
    CHECK(t[1].duration_seconds == 120);
    CHECK(t[1].exit_reason == ExitReason::stop_loss);

    CHECK(format_timestamp(t[2].entry_at) == "2026-02-11T15:10:00Z");
    CHECK(format_timestamp(t[2].exit_at) == "2026-02-11T15:11:00Z");
    CHECK(t[2].entry_price == d("101.71"));
    CHECK(t[2].exit_price == d("101.79"));
    CHECK(t[2].pnl == d("0.96"));
    CHECK(t[2].duration_seconds == 60);
    CHECK(t[2].exit_reason == ExitReason::session_close);
    for (const auto& trade : t) CHECK(trade.costs.is_zero());
  }

  TEST_CASE("golden scenario: orders on the tick (F3) and the one upward stop move (F1)") {
    GoldenRun run;
    std::vector<std::pair<std::string, std::string>> stops;  // (client id, stop price) as placed
    for (const auto& o : run.observer.orders) {
      if (o.state == trader::orders::OrderState::submitted && o.request.stop_price) {
        stops.emplace_back(o.request.client_order_id, o.request.stop_price->to_string());
      }
    }
    REQUIRE(stops.size() == 7);  // bt-3 is the market exit
    CHECK(stops[0] == std::pair<std::string, std::string>{"bt-1", "100.5"});  // buy stop
    CHECK(stops[1] == std::pair<std::string, std::string>{"bt-2", "99.85"});  // 99.85005 down
    CHECK(stops[2] == std::pair<std::string, std::string>{"bt-4", "101.6"});
    CHECK(stops[3] == std::pair<std::string, std::string>{"bt-5", "101.11"});  // 101.11878 down
    CHECK(stops[4] == std::pair<std::string, std::string>{"bt-6", "101.45"});
    CHECK(stops[5] == std::pair<std::string, std::string>{"bt-7", "101.7"});
    CHECK(stops[6] == std::pair<std::string, std::string>{"bt-8", "101.17"});  // 101.17872 down
    REQUIRE(run.observer.stops.size() == 1);
    CHECK(run.observer.stops[0] == d("100.35"));
  }

  TEST_CASE("golden scenario: metrics") {
    GoldenRun run;
    const auto m = run.observer.metrics.compute();
    CHECK(m.total_trades == 3);
    CHECK(m.winning_trades == 2);
    CHECK(m.losing_trades == 1);
    CHECK(m.win_rate == 0.6666666666666666);
    CHECK(m.total_return == d("5.40"));
    CHECK(m.total_return_pct == d("0.0216"));
    CHECK(m.final_equity == d("25005.40"));
    CHECK(m.profit_factor == 1.8823529411764706);
    CHECK(m.sharpe_ratio == 9.165151389911681);
    CHECK(m.max_drawdown == 0.0002734766073547615);
    CHECK(m.max_drawdown_pct == 0.02734766073547615);
    CHECK(m.avg_win == d("5.76"));
    CHECK(m.avg_loss == d("-6.12"));
    CHECK(m.largest_win == d("10.56"));
    CHECK(m.largest_loss == d("-6.12"));
    CHECK(m.avg_trade_duration == 300);
    CHECK(m.exits_stop_loss == 1);
    CHECK(m.exits_strategy == 1);
    CHECK(m.exits_session_close == 1);
    CHECK(m.total_costs.is_zero());
    CHECK(m.max_consecutive_losses == 1);
  }

  TEST_CASE("golden scenario: daily and per-candle equity") {
    GoldenRun run;
    const auto& daily = run.observer.daily;
    REQUIRE(daily.size() == 3);
    CHECK(trader::core::format_date(daily[0].date) == "2026-02-10");
    CHECK(daily[0].equity == d("25000"));
    CHECK(daily[1].equity == d("25005.40"));
    CHECK(daily[2].equity == d("25005.40"));

    const auto& curve = run.observer.curve;
    REQUIRE(curve.size() == 218);
    for (std::size_t i = 0; i < 195; ++i) CHECK(curve[i].equity == d("25000"));
    CHECK(format_timestamp(curve[194].ts) == "2026-02-10T20:58:00Z");
    const std::vector<std::pair<const char*, const char*>> day2{
        {"14:30", "25000"},    {"14:32", "25000"},    {"14:34", "25000"},    {"14:36", "25000"},
        {"14:38", "25000"},    {"14:40", "25000"},    {"14:42", "25000"},    {"14:44", "25002.88"},
        {"14:46", "24998.68"}, {"14:48", "25001.68"}, {"14:50", "25004.68"}, {"14:52", "25007.68"},
        {"14:54", "25011.28"}, {"14:56", "25010.56"}, {"14:58", "25010.56"}, {"15:00", "25007.44"},
        {"15:02", "25004.44"}, {"15:04", "25004.44"}, {"15:06", "25004.44"}, {"15:08", "25004.44"},
        {"15:10", "25005.52"}};
    for (std::size_t i = 0; i < day2.size(); ++i) {
      const auto& point = curve[195 + i];
      CAPTURE(day2[i].first);
      CHECK(format_timestamp(point.ts) == std::string("2026-02-11T") + day2[i].first + ":00Z");
      CHECK(point.equity == d(day2[i].second));
    }
    CHECK(format_timestamp(curve[216].ts) == "2026-02-12T14:30:00Z");
    CHECK(format_timestamp(curve[217].ts) == "2026-02-12T14:32:00Z");
    CHECK(curve[216].equity == d("25005.40"));
    CHECK(curve[217].equity == d("25005.40"));
  }
}
