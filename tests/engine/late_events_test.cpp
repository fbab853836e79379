// Issue 12 item 1: the broker contract as commands and events. A real broker answers later: the
// engine must make the same decisions when the answers to its commands and the fills arrive bars
// after the fact, in any order a broker may produce.
#include <trader/engine/engine.hpp>

#include <doctest/doctest.h>

#include <trader/data/csv_reader.hpp>
#include <trader/strategy/registry.hpp>

#include "support/delayed_broker.hpp"
#include "support/fake_broker.hpp"
#include "support/recording_observer.hpp"
#include "support/scripted_strategy.hpp"

using trader::core::Decimal;
using trader::core::format_timestamp;
using trader::core::parse_timestamp;
using trader::data::Bar;
using trader::data::SymbolId;
using trader::engine::ExitReason;
using trader::orders::OrderEvent;
using trader::orders::OrderEventType;
using trader::orders::OrderRole;
using trader::testing::Script;
using namespace std::chrono;

namespace {

Decimal d(const char* t) { return Decimal::parse(t); }

struct Expected {
  const char* entry_at;
  const char* exit_at;
  std::int64_t qty;
  const char* entry_price;
  const char* exit_price;
  const char* pnl;
  ExitReason reason;
};

// The golden scenario's three trades (golden_scenario_test.cpp checks them in full).
const Expected kGoldenTrades[] = {
    {"2026-02-11T14:44:00Z", "2026-02-11T14:56:00Z", 12, "100.51", "101.39", "10.56",
     ExitReason::strategy_exit},
    {"2026-02-11T15:00:00Z", "2026-02-11T15:02:00Z", 12, "101.61", "101.10", "-6.12",
     ExitReason::stop_loss},
    {"2026-02-11T15:10:00Z", "2026-02-11T15:11:00Z", 12, "101.71", "101.79", "0.96",
     ExitReason::session_close},
};

struct DelayedGolden {
  DelayedGolden(int update_delay, int ack_delay)
      : broker(trader::broker::SimulationSettings::from(settings.backtest), update_delay,
               ack_delay) {
    trader::engine::Engine engine(
        symbols, [&] { return velez.create(); }, broker,
        trader::engine::EngineOptions{.risk = settings.risk, .venue = &broker}, &observer);
    trader::data::CsvReadOptions options;
    options.symbol = "AAPL";
    auto table = symbols;
    for (const auto& record : trader::data::read_csv(
             std::string(SOURCE_ROOT) + "/tests/fixtures/golden_scenario.csv", options, table)) {
      engine.on_bar(record.bar);
      max_held = std::max(max_held, broker.held());
    }
    engine.finish();
    final_cash = engine.cash();
    left_over = broker.held();
  }

  trader::data::SymbolTable symbols = trader::data::SymbolTable::sorted({"AAPL"});
  // Velez with its default parameters, the golden scenario's settings.
  trader::strategy::StrategyBlueprint velez =
      trader::strategy::StrategyRegistry::with_builtins().configure("velez", {}, {});
  const trader::config::Settings& settings = velez.settings();
  trader::testing::DelayedBroker broker;
  trader::testing::RecordingObserver observer{settings.backtest.initial_capital};
  std::size_t max_held = 0;
  std::size_t left_over = 0;
  Decimal final_cash;
};

void check_golden_trades(const std::vector<trader::engine::Trade>& trades) {
  REQUIRE(trades.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    const Expected& e = kGoldenTrades[i];
    CHECK(format_timestamp(trades[i].entry_at) == e.entry_at);
    CHECK(format_timestamp(trades[i].exit_at) == e.exit_at);
    CHECK(trades[i].qty == e.qty);
    CHECK(trades[i].entry_price == d(e.entry_price));
    CHECK(trades[i].exit_price == d(e.exit_price));
    CHECK(trades[i].pnl == d(e.pnl));
    CHECK(trades[i].exit_reason == e.reason);
  }
}

Bar bar(const char* ts, const char* o, const char* h, const char* l, const char* c) {
  return Bar{parse_timestamp(ts), d(o), d(h), d(l), d(c), 1'000'000, SymbolId{0}};
}

// An engine on a FakeBroker that answers only when the test says so.
struct Manual {
  explicit Manual(bool auto_ack = false) {
    broker.auto_ack = auto_ack;
    broker.equity = d("25000");
  }
  trader::data::SymbolTable symbols = trader::data::SymbolTable::sorted({"AAPL"});
  Script script;
  trader::testing::FakeBroker broker;
  trader::testing::RecordingObserver observer{d("25000")};
  trader::engine::Engine engine{
      symbols, [this] { return std::make_unique<trader::testing::ScriptedStrategy>(script); },
      broker, trader::engine::EngineOptions{}, &observer};

  const trader::orders::OrderRequest& order(std::size_t i) const { return broker.submitted.at(i); }
  void ack(std::size_t i) { broker.push(broker.event_for(order(i), OrderEventType::submitted)); }
  void fill(std::size_t i, std::int64_t cumulative, const char* price, const char* ts,
            bool complete = true) {
    OrderEvent e =
        broker.event_for(order(i), complete ? OrderEventType::fill : OrderEventType::partial_fill);
    e.filled_qty = cumulative;
    e.fill_qty = cumulative;  // the manager derives this execution's quantity itself
    e.fill_price = d(price);
    e.ts = parse_timestamp(ts);
    broker.push(e);
  }
  void end(std::size_t i, OrderEventType type, const char* reason = "") {
    OrderEvent e = broker.event_for(order(i), type);
    e.reason = reason;
    broker.push(e);
  }
};

}  // namespace

TEST_SUITE("engine/late_events") {
  TEST_CASE("golden scenario, every answer and fill delivered on the next bar: the same trades") {
    DelayedGolden run(1, 1);
    check_golden_trades(run.observer.trades);
    CHECK(run.max_held > 0);  // events really were held back
    CHECK(run.left_over == 0);
    CHECK(run.final_cash == d("25005.40"));
  }

  TEST_CASE("golden scenario, answers 2..8 bars late, fills on the next bar: the same trades") {
    for (const int ack_delay : {2, 3, 5, 8}) {
      CAPTURE(ack_delay);
      DelayedGolden run(1, ack_delay);
      check_golden_trades(run.observer.trades);
      CHECK(run.broker.overtakes() > 0);  // fills arrived before the answers to their submits
      CHECK(run.final_cash == d("25005.40"));
    }
  }

  TEST_CASE("golden scenario, fills two bars late: a fill known after the close changes trade 3") {
    // Where a delay legitimately changes the outcome: the last entry fills on the day's last bar
    // (15:10; the data ends at 15:11), and its fill reaches the engine only after the session
    // closed. The engine could not flatten a position it did not know of; when the fill arrives
    // it protects the position and sends it out at once (the next open). Trades 1 and 2 stand.
    DelayedGolden run(2, 2);
    const auto& t = run.observer.trades;
    REQUIRE(t.size() == 3);
    CHECK(format_timestamp(t[1].exit_at) == kGoldenTrades[1].exit_at);
    CHECK(t[1].exit_price == d(kGoldenTrades[1].exit_price));
    CHECK(format_timestamp(t[2].entry_at) == "2026-02-11T15:10:00Z");
    CHECK(format_timestamp(t[2].exit_at) == "2026-02-12T14:30:00Z");
    CHECK(t[2].exit_reason == ExitReason::session_close);
    CHECK(t[2].exit_price == d("101.80"));
  }

  TEST_CASE("an entry still pending_submit: no second entry, its expiry goes out by client id") {
    Manual m;
    m.script.longs = {parse_timestamp("2026-02-10T14:30:00Z"),
                      parse_timestamp("2026-02-10T14:31:00Z")};
    m.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100"));
    REQUIRE(m.broker.submitted.size() == 1);
    m.engine.on_bar(bar("2026-02-10T14:31:00Z", "99", "99.5", "98", "99"));  // expiry: cancel
    CHECK(m.broker.submitted.size() == 1);  // a pending entry is not doubled
    CHECK(m.broker.canceled_clients == std::vector<std::string>{m.order(0).client_order_id});
    m.engine.on_bar(bar("2026-02-10T14:32:00Z", "99", "99.5", "98", "99"));
    CHECK(m.broker.canceled_clients.size() == 1);  // asked once
    m.ack(0);
    m.end(0, OrderEventType::canceled);
    CHECK(m.observer.trades.empty());
    m.script.longs.insert(parse_timestamp("2026-02-10T14:33:00Z"));
    m.engine.on_bar(bar("2026-02-10T14:33:00Z", "100", "100", "100", "100"));
    CHECK(m.broker.submitted.size() == 2);  // the reservation was released: a new entry
  }

  TEST_CASE("a stop whose submit fails later: the position leaves at market at once") {
    for (const auto type : {OrderEventType::submit_failed, OrderEventType::rejected}) {
      CAPTURE(trader::orders::to_string(type));
      Manual m;
      m.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
      m.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100"));
      m.ack(0);
      m.fill(0, m.order(0).qty, "100.01", "2026-02-10T14:31:00Z");
      REQUIRE(m.broker.submitted.size() == 2);
      CHECK(m.order(1).role == OrderRole::stop_loss);
      if (type == OrderEventType::rejected) m.ack(1);
      m.end(1, type, "no");
      REQUIRE(m.broker.submitted.size() == 3);
      CHECK(m.order(2).role == OrderRole::exit_market);
      CHECK(m.order(2).qty == m.order(0).qty);
      m.fill(2, m.order(2).qty, "99.90", "2026-02-10T14:32:00Z");  // before its ack
      REQUIRE(m.observer.trades.size() == 1);
      CHECK(m.observer.trades[0].exit_reason == ExitReason::stop_loss);
      CHECK(m.engine.position_qty(SymbolId{0}) == 0);
    }
  }

  TEST_CASE("F1: a raise takes effect when acknowledged; a refused one leaves the stop in force") {
    Manual m(true);
    m.broker.auto_ack = true;
    m.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
    m.script.stop_moves = {{parse_timestamp("2026-02-10T14:32:00Z"), d("99.50")},
                           {parse_timestamp("2026-02-10T14:33:00Z"), d("99.40")},  // below 99.50
                           {parse_timestamp("2026-02-10T14:34:00Z"), d("99.70")},
                           {parse_timestamp("2026-02-10T14:35:00Z"), d("99.60")}};
    m.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100"));  // stop 99
    m.fill(0, m.order(0).qty, "100.01", "2026-02-10T14:31:00Z");
    m.engine.on_bar(bar("2026-02-10T14:31:00Z", "100", "101", "100", "100.5"));
    CHECK(m.engine.stop_price(SymbolId{0}) == d("99"));
    m.broker.auto_ack = false;  // from now on the broker answers when the test says so
    m.engine.on_bar(bar("2026-02-10T14:32:00Z", "100.5", "100.6", "100.4", "100.5"));
    REQUIRE(m.broker.replaced_stops == std::vector<Decimal>{d("99.50")});
    CHECK(m.engine.stop_price(SymbolId{0}) == d("99"));  // not in force yet
    m.engine.on_bar(bar("2026-02-10T14:33:00Z", "100.5", "100.6", "100.4", "100.5"));
    CHECK(m.broker.replaced_stops.size() == 1);  // F1: 99.40 is below the raise on its way
    OrderEvent rejected = m.broker.event_for(m.order(1), OrderEventType::replace_rejected);
    rejected.reason = "pending replace";
    m.broker.push(rejected);
    CHECK(m.engine.stop_price(SymbolId{0}) == d("99"));
    CHECK(m.observer.stops.empty());
    m.engine.on_bar(bar("2026-02-10T14:34:00Z", "100.5", "100.6", "100.4", "100.5"));
    REQUIRE(m.broker.replaced_stops.size() == 2);
    CHECK(m.broker.replaced_stops[1] == d("99.70"));
    OrderEvent replaced = m.broker.event_for(m.order(1), OrderEventType::replaced);
    replaced.new_broker_order_id = "broker-2b";  // Alpaca: a new order takes over
    replaced.stop_price = d("99.70");
    replaced.qty = m.order(1).qty;
    m.broker.push(replaced);
    CHECK(m.engine.stop_price(SymbolId{0}) == d("99.70"));
    CHECK(m.observer.stops == std::vector<Decimal>{d("99.70")});
    m.engine.on_bar(bar("2026-02-10T14:35:00Z", "100.5", "100.6", "100.4", "100.5"));
    CHECK(m.broker.replaced_stops.size() == 2);  // F1: 99.60 would lower it
    OrderEvent stop_fill = m.broker.event_for(m.order(1), OrderEventType::fill);
    stop_fill.broker_order_id = "broker-2b";
    stop_fill.filled_qty = stop_fill.fill_qty = m.order(1).qty;
    stop_fill.fill_price = d("99.69");
    m.broker.push(stop_fill);
    REQUIRE(m.observer.trades.size() == 1);
    CHECK(m.observer.trades[0].exit_price == d("99.69"));
  }

  TEST_CASE("F21: the stop covers exactly what is held, grows with fills, ends matching") {
    Manual m(true);
    m.script.longs = {parse_timestamp("2026-02-10T14:30:00Z")};
    m.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", "100", "100", "100"));
    const std::int64_t wanted = m.order(0).qty;
    REQUIRE(wanted > 10);
    m.fill(0, 4, "100.01", "2026-02-10T14:31:00Z", false);
    REQUIRE(m.broker.submitted.size() == 2);  // protected from the first shares
    CHECK(m.order(1).role == OrderRole::stop_loss);
    CHECK(m.order(1).qty == 4);
    m.fill(0, 10, "100.03", "2026-02-10T14:31:00Z", false);
    REQUIRE(m.broker.replace_requests.size() == 1);
    CHECK(m.broker.replace_requests[0].qty == 10);
    CHECK(m.broker.replace_requests[0].stop_price == d("99"));
    CHECK(m.engine.position_qty(SymbolId{0}) == 10);
    m.end(0, OrderEventType::canceled);  // the rest is cancelled: the stop already matches
    CHECK(m.broker.replace_requests.size() == 1);
    CHECK(m.broker.submitted.size() == 2);
    // A market exit filled in part leaves a smaller stop behind.
    m.script.exits = {parse_timestamp("2026-02-10T14:32:00Z")};
    m.engine.on_bar(bar("2026-02-10T14:32:00Z", "100.5", "100.6", "100.4", "100.5"));
    REQUIRE(m.broker.submitted.size() == 3);
    CHECK(m.order(2).qty == 10);
    m.fill(2, 6, "100.40", "2026-02-10T14:33:00Z", false);
    REQUIRE(m.broker.replace_requests.size() == 2);
    CHECK(m.broker.replace_requests[1].qty == 4);
    m.fill(2, 10, "100.40", "2026-02-10T14:33:00Z");
    REQUIRE(m.observer.trades.size() == 1);
    CHECK(m.observer.trades[0].qty == 10);
    CHECK(m.broker.canceled_clients.back() == m.order(1).client_order_id);  // the stop goes
  }

  TEST_CASE("an entry fill that arrives after the day was flattened leaves at once") {
    Manual m(true);
    m.script.longs = {parse_timestamp("2026-02-10T20:58:00Z")};
    m.engine.on_bar(bar("2026-02-10T20:58:00Z", "100", "100", "100", "100"));
    REQUIRE(m.broker.submitted.size() == 1);
    m.engine.on_bar(bar("2026-02-10T21:00:00Z", "100", "100", "100", "100"));  // F7: the close
    CHECK(m.broker.canceled_clients.size() == 1);                              // the entry
    m.fill(0, m.order(0).qty, "100.01", "2026-02-10T20:59:00Z");  // it filled first after all
    REQUIRE(m.broker.submitted.size() == 3);
    CHECK(m.order(1).role == OrderRole::stop_loss);
    CHECK(m.order(2).role == OrderRole::exit_market);
  }
}
