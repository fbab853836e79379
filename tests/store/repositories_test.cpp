#include <trader/store/repositories.hpp>

#include <doctest/doctest.h>

#include "support/process.hpp"

using trader::core::Decimal;
using trader::core::parse_timestamp;
using trader::orders::OrderEventRecord;
using trader::orders::OrderRecord;
using trader::orders::OrderState;
using trader::store::Database;
using trader::testing::TempDir;

namespace {

Database open_db(const TempDir& dir) {
  trader::store::DatabaseOptions o;
  o.path = dir / "t.db";
  return Database::open(o);
}

OrderRecord entry(const std::string& id) {
  OrderRecord o;
  o.local_id = id;
  o.client_order_id = "client-" + id;
  o.correlation_id = "corr-" + id;
  o.symbol = "AAPL";
  o.side = trader::orders::Side::buy;
  o.type = trader::orders::OrderType::stop;
  o.qty_requested = Decimal::parse("12");
  o.stop_price = Decimal::parse("100.50");
  o.planned_stop_price = Decimal::parse("99.85");
  o.strategy = "velez";
  o.created_at = o.updated_at = parse_timestamp("2026-02-11T14:42:00.123456Z");
  return o;
}

OrderEventRecord event(const OrderRecord& o, const char* type,
                       std::optional<OrderState> old_state) {
  OrderEventRecord e;
  e.order_local_id = o.local_id;
  e.event_type = type;
  e.old_state = old_state;
  e.new_state = o.state;
  e.broker_id = o.broker_id;
  e.recorded_at = o.updated_at;
  return e;
}

}  // namespace

TEST_SUITE("store/repositories") {
  TEST_CASE("orders round-trip with every field; events are kept in order") {
    TempDir dir;
    auto db = open_db(dir);
    auto repo = trader::store::make_order_repository(db);
    OrderRecord o = entry("e1");
    repo->insert(o, event(o, "created", std::nullopt));
    auto stored = repo->find_by_local_id("e1");
    REQUIRE(stored);
    CHECK(stored->client_order_id == "client-e1");
    CHECK(stored->stop_price == Decimal::parse("100.5"));
    CHECK(stored->planned_stop_price == Decimal::parse("99.85"));
    CHECK_FALSE(stored->avg_fill_price.has_value());
    CHECK(stored->created_at == o.created_at);
    CHECK(stored->version == 0);

    o.state = OrderState::submitted;
    o.broker_id = "b-1";
    o.submit_attempts = 1;
    repo->update(o, event(o, "submitted", OrderState::pending_submit));
    CHECK(o.version == 1);
    o.state = OrderState::filled;
    o.qty_filled = Decimal::parse("12");
    o.avg_fill_price = Decimal::parse("100.51");
    repo->update(o, event(o, "fill", OrderState::submitted));

    const auto by_broker = repo->find_by_broker_id("b-1");
    REQUIRE(by_broker);
    CHECK(by_broker->state == OrderState::filled);
    CHECK(by_broker->avg_fill_price == Decimal::parse("100.51"));
    CHECK(by_broker->version == 2);
    CHECK(repo->find_by_client_order_id("client-e1").has_value());
    CHECK_FALSE(repo->find_by_broker_id("nope").has_value());
    const auto events = repo->events("e1");
    REQUIRE(events.size() == 3);
    CHECK(events[1].event_type == "submitted");
    CHECK(events[1].old_state == OrderState::pending_submit);
    CHECK(events[2].new_state == OrderState::filled);
  }

  TEST_CASE("a refused insert names the order, writes nothing, and the statement stays usable") {
    TempDir dir;
    auto db = open_db(dir);
    auto repo = trader::store::make_order_repository(db);
    OrderRecord o = entry("e1");
    repo->insert(o, event(o, "created", std::nullopt));
    // The same client order id again (F22 makes it unique): SQLite refuses the row.
    OrderRecord twin = entry("e2");
    twin.client_order_id = o.client_order_id;
    CHECK_THROWS_WITH_AS(repo->insert(twin, event(twin, "created", std::nullopt)),
                         doctest::Contains("inserting order e2"), trader::store::StoreError);
    CHECK_FALSE(repo->find_by_local_id("e2"));
    CHECK(repo->events("e2").empty());  // the event of the refused order rolled back with it
    // The prepared statements were reset: the next transition goes through.
    OrderRecord next = entry("e3");
    repo->insert(next, event(next, "created", std::nullopt));
    CHECK(repo->find_by_local_id("e3"));
    CHECK(repo->events("e1").size() == 1);
  }

  TEST_CASE("a stale version is a ConcurrentUpdateError and writes nothing") {
    TempDir dir;
    auto db = open_db(dir);
    auto repo = trader::store::make_order_repository(db);
    OrderRecord o = entry("e1");
    repo->insert(o, event(o, "created", std::nullopt));
    OrderRecord first = *repo->find_by_local_id("e1");
    OrderRecord second = first;
    first.state = OrderState::submitted;
    repo->update(first, event(first, "submitted", OrderState::pending_submit));
    second.state = OrderState::submit_failed;
    CHECK_THROWS_AS(
        repo->update(second, event(second, "submit_failed", OrderState::pending_submit)),
        trader::orders::ConcurrentUpdateError);
    CHECK(repo->find_by_local_id("e1")->state == OrderState::submitted);
    CHECK(repo->events("e1").size() == 2);
  }

  TEST_CASE("non-terminal orders; a broker id is unique") {
    TempDir dir;
    auto db = open_db(dir);
    auto repo = trader::store::make_order_repository(db);
    OrderRecord a = entry("a"), b = entry("b");
    repo->insert(a, event(a, "created", std::nullopt));
    b.state = OrderState::canceled;
    repo->insert(b, event(b, "created", std::nullopt));
    const auto open = repo->non_terminal();
    REQUIRE(open.size() == 1);
    CHECK(open.front().local_id == "a");
    OrderRecord c = entry("c");
    c.broker_id = "dup";
    repo->insert(c, event(c, "created", std::nullopt));
    OrderRecord d = entry("d");
    d.broker_id = "dup";
    CHECK_THROWS_AS(repo->insert(d, event(d, "created", std::nullopt)), trader::store::StoreError);
    CHECK_FALSE(repo->find_by_local_id("d").has_value());  // the event did not land either
    CHECK(repo->events("d").empty());
  }

  TEST_CASE("F15: a trade is stored once per correlation") {
    TempDir dir;
    auto db = open_db(dir);
    auto trades = trader::store::make_trade_repository(db);
    trader::orders::TradeRecord t;
    t.trade_id = "t1";
    t.correlation_id = "corr-1";
    t.symbol = "AAPL";
    t.qty = Decimal::parse("10");
    t.entry_price = Decimal::parse("155.20");
    t.exit_price = Decimal::parse("154.70");
    t.pnl = Decimal::parse("-5.00");
    t.pnl_pct = Decimal::parse("-0.0032216");
    t.entry_at = parse_timestamp("2026-02-11T15:00:00Z");
    t.exit_at = parse_timestamp("2026-02-11T15:02:00Z");
    t.strategy = "velez";
    t.duration_seconds = 120;
    CHECK(trades->insert(t));
    t.trade_id = "t2";  // the same round trip reported again
    CHECK_FALSE(trades->insert(t));
    const auto day = trades->closed_between(parse_timestamp("2026-02-11T00:00:00Z"),
                                            parse_timestamp("2026-02-12T00:00:00Z"));
    REQUIRE(day.size() == 1);
    CHECK(day.front().trade_id == "t1");
    CHECK(day.front().pnl == Decimal::parse("-5"));
  }

  TEST_CASE("backtest runs and their trades") {
    TempDir dir;
    auto db = open_db(dir);
    auto runs = trader::store::make_run_repository(db);
    trader::store::StoredRun run;
    run.strategy = "velez";
    run.symbols = {"AAPL", "BRK.B"};
    run.start_date = std::chrono::year{2026} / 2 / 10;
    run.end_date = std::chrono::year{2026} / 2 / 12;
    run.initial_capital = Decimal::parse("25000");
    run.params_json = "{}";
    run.total_return = Decimal::parse("5.40");
    run.win_rate = 0.6666666666666666;
    run.sharpe_ratio = 9.165151389911681;
    run.max_drawdown = 0.0002734766073547615;
    run.total_trades = 1;
    run.settings_json = R"({"risk": {}})";
    run.data_source = "store";
    run.bars_fingerprint = "abc";
    run.program_version = "0.1.0";
    run.created_at = parse_timestamp("2026-11-26T00:00:00Z");
    // Issue 12 item 6: one trade record (engine::Trade), its symbol an index into run.symbols.
    trader::engine::Trade trade;
    trade.symbol = trader::data::SymbolId{1};  // BRK.B
    trade.qty = 12;
    trade.entry_price = Decimal::parse("100.51");
    trade.exit_price = Decimal::parse("101.39");
    trade.entry_at = parse_timestamp("2026-02-11T14:44:00Z");
    trade.exit_at = parse_timestamp("2026-02-11T14:56:00Z");
    trade.pnl = Decimal::parse("10.56");
    trade.duration_seconds = 720;
    trade.exit_reason = trader::engine::ExitReason::strategy_exit;
    trade.costs = Decimal::parse("1.25");
    const std::int64_t id = runs->insert(run, std::span(&trade, 1));
    CHECK(id > 0);
    const auto found = runs->find(id);
    REQUIRE(found);
    CHECK(found->symbols == run.symbols);
    CHECK(found->win_rate == run.win_rate);
    CHECK(found->sharpe_ratio == run.sharpe_ratio);
    CHECK(found->max_drawdown == run.max_drawdown);
    CHECK(found->total_return == Decimal::parse("5.4"));
    CHECK(found->settings_json == run.settings_json);
    CHECK(runs->list(10).size() == 1);
    const auto stored_trades = runs->trades(id);
    REQUIRE(stored_trades.size() == 1);
    CHECK(stored_trades.front() == trade);
    CHECK(found->symbols.at(trader::data::index_of(stored_trades.front().symbol)) == "BRK.B");
    CHECK_FALSE(runs->find(id + 1).has_value());
  }
}
