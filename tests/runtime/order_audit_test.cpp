// The order audit's comparison: what the trade-update stream said of our open orders against
// the broker's REST state, each difference the event the stream should have delivered.
#include <trader/runtime/order_audit.hpp>

#include <doctest/doctest.h>

namespace trader::testing {
namespace {

using core::Decimal;
using orders::OrderEventType;
using runtime::audit_events;
using runtime::TrackedOrder;

alpaca::Amount amount(const char* text) { return alpaca::Amount{Decimal::parse(text), text}; }

alpaca::OrderInfo rest_order(const std::string& id, const std::string& client_id,
                             const std::string& status, const char* qty, const char* filled) {
  alpaca::OrderInfo o;
  o.id = id;
  o.client_order_id = client_id;
  o.symbol = "AAPL";
  o.side = "buy";
  o.type = "stop";
  o.status = status;
  o.qty = amount(qty);
  o.filled_qty = amount(filled);
  o.created_at = core::parse_timestamp("2026-03-02T14:35:00Z");
  o.updated_at = core::parse_timestamp("2026-03-02T14:36:00Z");
  return o;
}

TrackedOrder tracked(const std::string& client_id, const std::string& broker_id) {
  TrackedOrder t;
  t.client_order_id = client_id;
  t.broker_order_id = broker_id;
  t.symbol = "AAPL";
  t.symbol_id = data::SymbolId{3};
  t.type = orders::OrderType::stop;
  return t;
}

TEST_SUITE("runtime") {
  TEST_CASE("a fill the stream never delivered is applied from REST at the broker's price") {
    auto o = rest_order("b-1", "run-1", "filled", "100", "100");
    o.filled_avg_price = amount("187.25");
    const auto events = audit_events({tracked("run-1", "b-1")}, {o});
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == OrderEventType::fill);
    CHECK(events[0].client_order_id == "run-1");
    CHECK(events[0].broker_order_id == "b-1");
    CHECK(events[0].symbol_id == data::SymbolId{3});
    CHECK(events[0].filled_qty == 100);
    CHECK(events[0].fill_qty == 100);
    CHECK(events[0].fill_price == Decimal::parse("187.25"));
  }

  TEST_CASE("the part filled beyond what the stream said, priced from the average") {
    TrackedOrder t = tracked("run-1", "b-1");
    t.filled_qty = 40;
    t.filled_value = Decimal::parse("4000");  // 40 at 100
    auto o = rest_order("b-1", "run-1", "partially_filled", "100", "100");
    o.status = "filled";
    o.filled_avg_price = amount("100.6");  // 40 at 100 + 60 at 101
    const auto events = audit_events({t}, {o});
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == OrderEventType::fill);
    CHECK(events[0].fill_qty == 60);
    CHECK(events[0].filled_qty == 100);
    CHECK(events[0].fill_price == Decimal::parse("101"));
  }

  TEST_CASE("a partial fill stays partial; cancels, expiries and rejections come through") {
    auto partial = rest_order("b-1", "run-1", "partially_filled", "100", "30");
    partial.filled_avg_price = amount("10");
    auto events = audit_events({tracked("run-1", "b-1")}, {partial});
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == OrderEventType::partial_fill);
    CHECK(events[0].fill_qty == 30);

    events = audit_events({tracked("run-2", "b-2")},
                          {rest_order("b-2", "run-2", "canceled", "10", "0")});
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == OrderEventType::canceled);
    events =
        audit_events({tracked("run-3", "b-3")}, {rest_order("b-3", "run-3", "expired", "10", "0")});
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == OrderEventType::expired);
    events = audit_events({tracked("run-4", "b-4")},
                          {rest_order("b-4", "run-4", "rejected", "10", "0")});
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == OrderEventType::rejected);
  }

  TEST_CASE("an order the stream described as it is yields nothing, nor one REST does not show") {
    CHECK(audit_events({tracked("run-1", "b-1")}, {rest_order("b-1", "run-1", "new", "10", "0")})
              .empty());
    CHECK(audit_events({tracked("run-1", "b-1")}, {}).empty());
    CHECK(audit_events({tracked("run-1", "")}, {}).empty());
  }

  TEST_CASE("a submission whose answer never came: submitted, with the broker's id") {
    const auto events =
        audit_events({tracked("run-1", "")}, {rest_order("b-9", "run-1", "new", "10", "0")});
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == OrderEventType::submitted);
    CHECK(events[0].broker_order_id == "b-9");
  }

  TEST_CASE("a replacement the stream missed: replaced to the order in force, then its fill") {
    auto old = rest_order("b-1", "run-1", "replaced", "10", "0");
    old.replaced_by = "b-2";
    auto now = rest_order("b-2", "other-id", "filled", "10", "10");
    now.replaces = "b-1";
    now.stop_price = amount("95.5");
    now.filled_avg_price = amount("95.4");
    const auto events = audit_events({tracked("run-1", "b-1")}, {now, old});
    REQUIRE(events.size() == 2);
    CHECK(events[0].type == OrderEventType::replaced);
    CHECK(events[0].broker_order_id == "b-1");
    CHECK(events[0].new_broker_order_id == "b-2");
    CHECK(events[0].stop_price == Decimal::parse("95.5"));
    CHECK(events[0].qty == 10);
    CHECK(events[1].type == OrderEventType::fill);
    CHECK(events[1].client_order_id == "run-1");
    CHECK(events[1].broker_order_id == "b-2");
    CHECK(events[1].fill_price == Decimal::parse("95.4"));
  }
}

}  // namespace
}  // namespace trader::testing
