// Write-ahead persistence in the engine (issue 12 item 2, F15, F18): with repositories attached,
// orders are stored before they are sent and every closed trade once. The crash-at-every-
// transition test is restore_test.cpp.
#include <trader/engine/engine.hpp>

#include <doctest/doctest.h>

#include <optional>

#include <trader/store/database.hpp>
#include <trader/store/repositories.hpp>

#include "support/fake_broker.hpp"
#include "support/process.hpp"
#include "support/scripted_strategy.hpp"

using trader::core::Decimal;
using trader::orders::OrderEvent;
using trader::orders::OrderEventType;

namespace {

Decimal d(const char* t) { return Decimal::parse(t); }

trader::data::Bar flat_bar(const char* ts, const char* price = "100") {
  return trader::data::Bar{
      trader::core::parse_timestamp(ts), d(price), d(price), d(price), d(price), 1'000'000,
      trader::data::SymbolId{0}};
}

trader::store::Database open_db(const std::filesystem::path& path) {
  trader::store::DatabaseOptions options;
  options.path = path;
  return trader::store::Database::open(options);
}

}  // namespace

TEST_SUITE("engine/persistence") {
  TEST_CASE(
      "F15 with repositories: a repeated closing fill writes one trade row; the open round trips") {
    trader::testing::TempDir dir;
    auto db = open_db(dir / "t.db");
    auto orders = trader::store::make_order_repository(db);
    auto trades = trader::store::make_trade_repository(db);
    const auto symbols = trader::data::SymbolTable::sorted({"AAPL"});
    trader::testing::Script script;
    script.longs = {trader::core::parse_timestamp("2026-02-10T14:30:00Z")};
    trader::testing::FakeBroker broker;
    broker.equity = d("25000");
    trader::engine::EngineOptions options;
    options.order_repository = orders.get();
    options.trade_repository = trades.get();
    trader::engine::Engine engine(
        symbols, [&] { return std::make_unique<trader::testing::ScriptedStrategy>(script); },
        broker, std::move(options));
    engine.on_bar(flat_bar("2026-02-10T14:30:00Z"));
    REQUIRE(broker.submitted.size() == 1);
    const auto stored_entry = orders->find_by_client_order_id(broker.submitted[0].client_order_id);
    REQUIRE(stored_entry);
    CHECK(stored_entry->planned_stop_price == d("99"));  // F18
    // What a restart would take over: the pending entry, then the position and its stop, then
    // nothing once the round trip has its trade row.
    CHECK(orders->open_round_trips().size() == 1);
    OrderEvent fill = broker.event_for(broker.submitted[0], OrderEventType::fill);
    fill.filled_qty = fill.fill_qty = broker.submitted[0].qty;
    fill.fill_price = d("100.01");
    broker.push(fill);
    REQUIRE(broker.submitted.size() == 2);
    const auto open = orders->open_round_trips();
    REQUIRE(open.size() == 2);
    CHECK(open[1].role == trader::orders::OrderRole::stop_loss);
    CHECK(open[1].correlation_id == open[0].client_order_id);
    OrderEvent stop_fill = broker.event_for(broker.submitted[1], OrderEventType::fill);
    stop_fill.filled_qty = stop_fill.fill_qty = broker.submitted[1].qty;
    stop_fill.fill_price = d("99");
    broker.push(stop_fill);
    broker.push(stop_fill);  // the stream repeats itself
    const auto rows = trades->closed_between(trader::core::Timestamp{},
                                             trader::core::parse_timestamp("2099-01-01T00:00:00Z"));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].correlation_id == broker.submitted[0].client_order_id);
    CHECK(rows[0].exit_price == d("99"));
    CHECK(rows[0].strategy == "scripted");
    CHECK(orders->open_round_trips().empty());
  }
}
