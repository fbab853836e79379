// Engine behaviour around the deliberate fixes, with scripted signals.
#include <trader/engine/engine.hpp>

#include <doctest/doctest.h>

#include <trader/broker/sim_broker.hpp>

#include <set>

#include "support/fake_broker.hpp"
#include "support/recording_observer.hpp"
#include "support/scripted_strategy.hpp"

using trader::core::Decimal;
using trader::core::parse_timestamp;
using trader::core::Timestamp;
using trader::data::Bar;
using trader::data::SymbolId;
using trader::engine::ExitReason;
using trader::testing::Script;
using namespace std::chrono;

namespace {

Decimal d(const char* t) { return Decimal::parse(t); }

Bar bar(const char* ts, const char* o, const char* h, const char* l, const char* c,
        SymbolId s = SymbolId{0}) {
  return Bar{parse_timestamp(ts), d(o), d(h), d(l), d(c), 1'000'000, s};
}

struct Harness {
  explicit Harness(
      std::vector<std::string> names = {"AAPL"},
      trader::config::Settings s = trader::config::Settings{},
      trader::engine::EndOfDay end_of_day = trader::engine::EndOfDay::at_first_bar_after_close)
      : symbols(trader::data::SymbolTable::sorted(std::move(names))),
        settings(std::move(s)),
        broker(trader::broker::SimulationSettings::from(settings.backtest)),
        observer(settings.backtest.initial_capital),
        engine(
            symbols, [this] { return std::make_unique<trader::testing::ScriptedStrategy>(script); },
            broker,
            trader::engine::EngineOptions{
                .risk = settings.risk, .venue = &broker, .end_of_day = end_of_day},
            &observer) {}

  trader::data::SymbolTable symbols;
  trader::config::Settings settings;
  Script script;
  trader::broker::SimBroker broker;
  trader::testing::RecordingObserver observer;
  trader::engine::Engine engine;
};

trader::config::Settings with(const std::function<void(trader::config::Settings&)>& change) {
  trader::config::Settings s;
  change(s);
  return s;
}

}  // namespace

TEST_SUITE("engine/fixes") {
  TEST_CASE("F2: a stop-loss and a pending market exit on one bar: no crash, one trade") {
    Harness h;
    h.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
    h.script.exits = {parse_timestamp("2026-02-10T14:32:00Z")};
    h.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100"));    // signal: stop 99
    h.engine.on_bar(bar("2026-02-10T14:31:00Z", "100", "101", "100", "100.5"));  // entry 100.01
    h.engine.on_bar(
        bar("2026-02-10T14:32:00Z", "100.5", "100.6", "100.4", "100.5"));  // exit signal
    CHECK_NOTHROW(h.engine.on_bar(bar("2026-02-10T14:33:00Z", "99.5", "99.5", "98", "98.5")));
    h.engine.finish();
    REQUIRE(h.observer.trades.size() == 1);
    CHECK(h.observer.trades[0].exit_reason == ExitReason::stop_loss);
    CHECK(h.observer.trades[0].exit_price == d("98.99"));
    CHECK(h.engine.position_qty(SymbolId{0}) == 0);
    CHECK(h.broker.pending_orders() == 0);
  }

  TEST_CASE("F1: the engine never lowers a stop; it raises it on the tick") {
    Harness h;
    h.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
    h.script.stop_moves = {{parse_timestamp("2026-02-10T14:32:00Z"), d("98.50")},      // lower
                           {parse_timestamp("2026-02-10T14:33:00Z"), d("99.87654")}};  // higher
    h.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100"));
    h.engine.on_bar(bar("2026-02-10T14:31:00Z", "100", "101", "100", "100.5"));
    h.engine.on_bar(bar("2026-02-10T14:32:00Z", "100.5", "100.6", "100.4", "100.5"));
    CHECK(h.observer.stops.empty());
    h.engine.on_bar(bar("2026-02-10T14:33:00Z", "100.5", "100.6", "100.4", "100.5"));
    REQUIRE(h.observer.stops.size() == 1);
    CHECK(h.observer.stops[0] == d("99.87"));
    h.engine.on_bar(bar("2026-02-10T14:34:00Z", "100", "100", "99.80", "99.9"));
    REQUIRE(h.observer.trades.size() == 1);
    CHECK(h.observer.trades[0].exit_price == d("99.86"));  // 99.87 - 0.01
  }

  TEST_CASE("F6: five symbols signalling at once cannot spend more than the cash") {
    const auto s = with([](trader::config::Settings& c) {
      c.risk.max_position_pct = d("0.25");
      c.risk.max_risk_per_trade_pct = d("0.05");
      c.risk.max_risk_per_trade_abs = d("5000");
      c.risk.max_open_positions = 20;
    });
    Harness h({"AAA", "BBB", "CCC", "DDD", "EEE"}, s);
    h.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
    for (std::uint32_t i = 0; i < 5; ++i) {
      h.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100", SymbolId{i}));
    }
    std::vector<std::int64_t> sizes;
    for (const auto& o : h.observer.orders) {
      if (o.request.role == trader::orders::OrderRole::entry &&
          o.state == trader::orders::OrderState::submitted) {
        sizes.push_back(o.request.qty);
      }
    }
    // 62 shares x $100 each (the 25 % cap) while cash lasts: the fifth gets what is left over
    // after the reservations of the first four, 2 shares, not another 62.
    CHECK(sizes == std::vector<std::int64_t>{62, 62, 62, 62, 2});
    for (std::uint32_t i = 0; i < 5; ++i) {
      h.engine.on_bar(bar("2026-02-10T14:31:00Z", "100", "100.5", "100", "100.2", SymbolId{i}));
    }
    CHECK(h.broker.cash() >= Decimal{});
    CHECK(h.engine.cash() >= Decimal{});
    CHECK(h.broker.positions().size() == 4);
  }

  TEST_CASE("F6: the position cap counts pending entries") {
    const auto s = with([](trader::config::Settings& c) { c.risk.max_open_positions = 2; });
    Harness h({"AAA", "BBB", "CCC"}, s);
    h.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
    for (std::uint32_t i = 0; i < 3; ++i) {
      h.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100", SymbolId{i}));
    }
    CHECK(h.observer.orders.size() == 2);
  }

  TEST_CASE(
      "F7: an early-close day flattens at 13:00 New York, and the trade counts in the breaker") {
    Harness h;
    h.script.longs = {parse_timestamp("2025-11-28T17:50:00Z")};
    h.script.stop_distance = d("5");
    h.engine.on_bar(bar("2025-11-28T17:50:00Z", "100", "100", "100", "100"));
    h.engine.on_bar(bar("2025-11-28T17:51:00Z", "100", "101", "100", "100.5"));
    h.engine.on_bar(bar("2025-11-28T17:59:00Z", "99", "99.5", "98.80", "99"));
    CHECK(h.observer.trades.empty());
    h.engine.on_bar(bar("2025-11-28T18:00:00Z", "99", "99", "99", "99"));  // 13:00 New York
    REQUIRE(h.observer.trades.size() == 1);
    const auto& t = h.observer.trades[0];
    CHECK(t.exit_reason == ExitReason::session_close);
    CHECK(trader::core::format_timestamp(t.exit_at) == "2025-11-28T17:59:00Z");
    CHECK(t.exit_price == d("98.99"));  // max(99 - 0.01, 98.80)
    CHECK(h.engine.circuit_breaker().daily_realized_pnl() == t.pnl);
    CHECK(h.engine.circuit_breaker().consecutive_losses() == 1);
    REQUIRE(h.observer.daily.size() == 1);
    CHECK(h.broker.pending_orders() == 0);
    h.engine.on_bar(bar("2025-11-28T18:05:00Z", "99", "99", "99", "99"));  // after the close
    CHECK(h.observer.trades.size() == 1);
  }

  TEST_CASE("F10: costs on a known trade reach the trade and the cash") {
    const auto s = with([](trader::config::Settings& c) {
      c.backtest.slippage_per_share = Decimal{};
      c.backtest.commission_per_share = d("0.005");
      c.backtest.commission_min = d("1.00");
      c.backtest.sec_fee_rate = d("0.0000278");
      c.backtest.finra_taf_per_share = d("0.000166");
      c.backtest.finra_taf_max = d("8.30");
    });
    Harness h({"AAPL"}, s);
    h.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
    h.script.exits = {parse_timestamp("2026-02-10T14:31:00Z")};
    h.engine.on_bar(bar("2026-02-10T14:30:00Z", "150", "150", "150", "150"));
    h.engine.on_bar(bar("2026-02-10T14:31:00Z", "150", "150", "150", "150"));
    h.engine.on_bar(bar("2026-02-10T14:32:00Z", "155", "155", "155", "155"));
    REQUIRE(h.observer.trades.size() == 1);
    const auto& t = h.observer.trades[0];
    CHECK(t.qty == 8);  // the 5 % position cap at $150
    // Commission 1.00 (the minimum) each way; on the sell, SEC ceil(1240 x 0.0000278) = 0.04
    // and TAF ceil(8 x 0.000166) = 0.01.
    CHECK(t.costs == d("2.05"));
    CHECK(t.pnl == d("40") - t.costs);
    CHECK(h.engine.cash() == d("25000") + t.pnl);
    CHECK(h.engine.total_costs() == t.costs);
  }

  TEST_CASE("F11: the pessimistic intrabar rule, on and off") {
    for (const bool pessimistic : {false, true}) {
      CAPTURE(pessimistic);
      const auto s =
          with([&](trader::config::Settings& c) { c.backtest.pessimistic_fills = pessimistic; });
      Harness h({"AAPL"}, s);
      h.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
      h.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100"));  // stop 99
      h.engine.on_bar(
          bar("2026-02-10T14:31:00Z", "100", "100.5", "98.5", "99.5"));  // entry bar dips
      if (pessimistic) {
        REQUIRE(h.observer.trades.size() == 1);
        CHECK(h.observer.trades[0].exit_price == d("98.99"));
        CHECK(h.observer.trades[0].exit_at == h.observer.trades[0].entry_at);
      } else {
        CHECK(h.observer.trades.empty());
        CHECK(h.engine.position_qty(SymbolId{0}) > 0);
      }
    }
  }

  TEST_CASE("F15: a duplicated fill neither doubles the position nor makes a second trade") {
    trader::data::SymbolTable symbols = trader::data::SymbolTable::sorted({"AAPL"});
    Script script;
    script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
    trader::testing::FakeBroker broker;
    broker.equity = d("25000");
    trader::testing::RecordingObserver observer(d("25000"));
    trader::engine::Engine engine(
        symbols, [&] { return std::make_unique<trader::testing::ScriptedStrategy>(script); },
        broker, trader::engine::EngineOptions{}, &observer);
    engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100"));
    REQUIRE(broker.submitted.size() == 1);
    trader::orders::OrderEvent fill;
    fill.type = trader::orders::OrderEventType::fill;
    fill.broker_order_id = "broker-1";
    fill.filled_qty = fill.fill_qty = broker.submitted[0].qty;
    fill.fill_price = d("100.01");
    fill.ts = parse_timestamp("2026-02-10T14:31:00Z");
    broker.push(fill);
    broker.push(fill);  // the stream repeats itself
    CHECK(engine.position_qty(SymbolId{0}) == broker.submitted[0].qty);
    REQUIRE(broker.submitted.size() == 2);  // one stop, not two
    trader::orders::OrderEvent stop_fill = fill;
    stop_fill.broker_order_id = "broker-2";
    stop_fill.fill_price = d("99");
    broker.push(stop_fill);
    broker.push(stop_fill);
    CHECK(observer.trades.size() == 1);
    CHECK(engine.position_qty(SymbolId{0}) == 0);
  }

  TEST_CASE("a pending entry expires after its candles and frees its reservation") {
    Harness h;
    h.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
    h.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100"));
    h.engine.on_bar(
        bar("2026-02-10T14:31:00Z", "99", "99.5", "98", "99"));  // not reached: cancelled
    CHECK(h.broker.pending_orders() == 0);
    h.engine.on_bar(bar("2026-02-10T14:32:00Z", "101", "102", "100", "101"));
    CHECK(h.observer.trades.empty());
    CHECK(h.engine.position_qty(SymbolId{0}) == 0);
  }

  TEST_CASE("F22: two engines started one after the other never issue the same client order id") {
    // Issue 12 item 4: a live restart gets a new run prefix; backtests keep bt-1, bt-2, ...
    trader::data::SymbolTable symbols = trader::data::SymbolTable::sorted({"AAPL"});
    Script script;
    for (int m = 0; m < 30; ++m) {
      script.longs.insert(parse_timestamp("2026-02-10T14:30:00Z") + minutes{2 * m});
    }
    std::set<std::string> seen;
    std::size_t issued = 0;
    for (int run = 0; run < 2; ++run) {
      trader::testing::FakeBroker broker;
      std::size_t confirmed = 0;
      trader::engine::EngineOptions options;
      options.order_ids = trader::orders::ClientOrderIds::unique_run();
      trader::engine::Engine engine(
          symbols, [&] { return std::make_unique<trader::testing::ScriptedStrategy>(script); },
          broker, std::move(options));
      for (int m = 0; m < 60; ++m) {
        const auto ts = parse_timestamp("2026-02-10T14:30:00Z") + minutes{m};
        engine.on_bar(Bar{ts, d("100"), d("100"), d("100"), d("100"), 1'000'000, SymbolId{0}});
        for (; confirmed < broker.canceled.size(); ++confirmed) {  // the entry expired
          trader::orders::OrderEvent canceled;
          canceled.type = trader::orders::OrderEventType::canceled;
          canceled.broker_order_id = broker.canceled[confirmed];
          canceled.ts = ts;
          broker.push(canceled);
        }
      }
      REQUIRE(broker.submitted.size() > 5);
      for (const auto& request : broker.submitted) seen.insert(request.client_order_id);
      issued += broker.submitted.size();
    }
    CHECK(seen.size() == issued);

    Harness backtest;
    backtest.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
    backtest.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100"));
    REQUIRE_FALSE(backtest.observer.orders.empty());
    CHECK(backtest.observer.orders[0].request.client_order_id == "bt-1");
  }
}

namespace {
std::size_t count_role(const trader::testing::RecordingObserver& o,
                       trader::orders::OrderRole role) {
  std::size_t n = 0;
  for (const auto& order : o.orders) {
    if (order.request.role == role && order.state == trader::orders::OrderState::submitted) ++n;
  }
  return n;
}
}  // namespace

TEST_SUITE("engine/end_of_day") {
  using trader::engine::EndOfDay;

  TEST_CASE("F17: the driver flattens before the close; later bars are not evaluated") {
    // Issue 12 item 5: a market order sent at the close would not fill; the live driver sends
    // the exits at close - N seconds from its own timer, and nothing is evaluated after that.
    Harness h({"AAPL"}, trader::config::Settings{}, EndOfDay::driver);
    h.script.longs = {parse_timestamp("2026-02-10T20:50:00Z"),
                      parse_timestamp("2026-02-10T20:59:00Z"),
                      parse_timestamp("2026-02-11T14:30:00Z")};
    h.script.stop_distance = d("5");
    h.engine.on_bar(bar("2026-02-10T20:50:00Z", "100", "100", "100", "100"));      // buy-stop 100
    h.engine.on_bar(bar("2026-02-10T20:51:00Z", "100", "100.5", "100", "100.2"));  // filled
    for (const char* ts : {"2026-02-10T20:52:00Z", "2026-02-10T20:58:00Z"}) {
      h.engine.on_bar(bar(ts, "100.2", "100.3", "100.1", "100.2"));
    }
    REQUIRE(h.engine.position_qty(SymbolId{0}) > 0);
    h.engine.flatten_for_close(parse_timestamp("2026-02-10T20:59:00Z"));  // close - 60 s
    h.engine.flatten_for_close(parse_timestamp("2026-02-10T20:59:01Z"));  // idempotent
    CHECK(count_role(h.observer, trader::orders::OrderRole::exit_market) == 1);
    const std::size_t points = h.observer.curve.size();
    h.engine.on_bar(bar("2026-02-10T20:59:00Z", "100.1", "100.4", "100", "100.3"));
    REQUIRE(h.observer.trades.size() == 1);  // filled while the market was open
    CHECK(h.observer.trades[0].exit_reason == ExitReason::session_close);
    CHECK(trader::core::format_timestamp(h.observer.trades[0].exit_at) == "2026-02-10T20:59:00Z");
    CHECK(h.observer.trades[0].exit_price == d("100.09"));  // the open less slippage
    CHECK(h.observer.curve.size() == points);               // the 20:59 signal was never evaluated
    CHECK(count_role(h.observer, trader::orders::OrderRole::entry) == 1);
    h.engine.on_bar(bar("2026-02-11T14:30:00Z", "101", "101", "101", "101"));  // the next session
    CHECK(count_role(h.observer, trader::orders::OrderRole::entry) == 2);
    REQUIRE(h.observer.daily.size() == 1);
  }

  TEST_CASE("F17: in driver mode no bar flattens at the close; a missed flatten ends the day") {
    Harness h({"AAPL"}, trader::config::Settings{}, EndOfDay::driver);
    h.script.longs = {parse_timestamp("2026-02-10T20:50:00Z")};
    h.script.stop_distance = d("5");
    h.engine.on_bar(bar("2026-02-10T20:50:00Z", "100", "100", "100", "100"));
    h.engine.on_bar(bar("2026-02-10T20:51:00Z", "100", "100.5", "100", "100.2"));
    h.engine.on_bar(bar("2026-02-10T21:00:00Z", "100.2", "100.3", "100.1", "100.2"));
    CHECK(h.engine.position_qty(SymbolId{0}) > 0);  // F7 would have flattened here
    CHECK(h.observer.trades.empty());
    h.engine.on_session_close(std::chrono::year{2026} / 2 / 10);  // the driver, after the close
    REQUIRE(h.observer.trades.size() == 1);  // the last resort, at the venue's close
    CHECK(h.observer.trades[0].exit_reason == ExitReason::session_close);
    CHECK(h.engine.position_qty(SymbolId{0}) == 0);
  }
}
