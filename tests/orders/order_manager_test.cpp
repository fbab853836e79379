#include <trader/orders/order_manager.hpp>

#include <doctest/doctest.h>

#include <trader/store/repositories.hpp>

#include "support/fake_broker.hpp"
#include "support/process.hpp"

using trader::core::Decimal;
using trader::orders::ApplyResult;
using trader::orders::OrderEvent;
using trader::orders::OrderEventType;
using trader::orders::OrderManager;
using trader::orders::OrderRequest;
using trader::orders::OrderState;
using trader::testing::FakeBroker;

namespace {

int counter = 0;
OrderManager manager(FakeBroker& broker, trader::orders::OrderRepository* repo = nullptr) {
  return OrderManager(
      broker, [] { return "id-" + std::to_string(++counter); }, repo);
}

OrderRequest entry(const char* symbol = "TSLA") {
  OrderRequest r;
  r.symbol = symbol;
  r.type = trader::orders::OrderType::stop;
  r.qty = 5;
  r.stop_price = Decimal::parse("300");
  return r;
}

OrderEvent event(OrderEventType type, const std::string& broker_id, std::int64_t filled = 0,
                 const char* price = "0") {
  OrderEvent e;
  e.type = type;
  e.broker_order_id = broker_id;
  e.filled_qty = filled;
  e.fill_price = Decimal::parse(price);
  return e;
}

}  // namespace

TEST_SUITE("orders/order_manager") {
  TEST_CASE("submit: the broker gets the request; the order is submitted with its broker id") {
    FakeBroker broker;
    auto om = manager(broker);
    const auto& o = om.submit(entry(), {});
    CHECK(o.state == OrderState::submitted);
    CHECK(o.broker_order_id == "broker-1");
    REQUIRE(broker.submitted.size() == 1);
    CHECK(broker.submitted[0].symbol == "TSLA");
    CHECK(broker.submitted[0].qty == 5);
    CHECK(broker.submitted[0].stop_price == Decimal::parse("300"));
    CHECK_FALSE(broker.submitted[0].client_order_id.empty());
  }

  TEST_CASE("a refused submit is submit_failed with the reason") {
    FakeBroker broker;
    broker.refuse_with = "API down";
    auto om = manager(broker);
    std::string reason;
    const auto& o = om.submit(entry(), {}, &reason);
    CHECK(o.state == OrderState::submit_failed);
    CHECK(reason == "API down");
  }

  TEST_CASE("F15: a duplicate fill and a late cancel are ignored") {
    FakeBroker broker;
    auto om = manager(broker);
    const auto& o = om.submit(entry(), {});
    const auto first = om.apply(event(OrderEventType::fill, o.broker_order_id, 5, "300.01"));
    CHECK(first.kind == ApplyResult::Kind::applied);
    CHECK(first.fill_qty == 5);
    CHECK(o.state == OrderState::filled);
    CHECK(o.avg_fill_price == Decimal::parse("300.01"));
    CHECK(om.apply(event(OrderEventType::fill, o.broker_order_id, 5, "300.01")).kind ==
          ApplyResult::Kind::ignored);
    CHECK(om.apply(event(OrderEventType::canceled, o.broker_order_id)).kind ==
          ApplyResult::Kind::ignored);
    CHECK(o.state == OrderState::filled);
    CHECK(om.apply(event(OrderEventType::fill, "nobody")).kind == ApplyResult::Kind::unknown);
  }

  TEST_CASE("partial fills are cumulative; the average follows the executions") {
    FakeBroker broker;
    auto om = manager(broker);
    const auto& o = om.submit(entry(), {});
    om.apply(event(OrderEventType::accepted, o.broker_order_id));
    CHECK(o.state == OrderState::accepted);
    CHECK(om.apply(event(OrderEventType::partial_fill, o.broker_order_id, 2, "10")).fill_qty == 2);
    CHECK(om.apply(event(OrderEventType::partial_fill, o.broker_order_id, 2, "10")).kind ==
          ApplyResult::Kind::ignored);  // the same report again
    CHECK(om.apply(event(OrderEventType::fill, o.broker_order_id, 5, "11")).fill_qty == 3);
    CHECK(o.filled_qty == 5);
    CHECK(o.avg_fill_price == Decimal::parse("10.6"));
  }

  TEST_CASE("F15: submitted -> partially filled -> expired at the close") {
    FakeBroker broker;
    auto om = manager(broker);
    const auto& o = om.submit(entry(), {});
    om.apply(event(OrderEventType::partial_fill, o.broker_order_id, 3, "10"));
    CHECK(o.state == OrderState::partially_filled);
    om.apply(event(OrderEventType::expired, o.broker_order_id));
    CHECK(o.state == OrderState::expired);
  }

  TEST_CASE("F15: replacement ids are followed, from the stream and from replace") {
    FakeBroker broker;
    auto om = manager(broker);
    auto& o = om.submit(entry(), {});
    OrderEvent replaced = event(OrderEventType::replaced, o.broker_order_id);
    replaced.new_broker_order_id = "broker-new";
    om.apply(replaced);
    CHECK(o.broker_order_id == "broker-new");
    CHECK(om.find_by_broker_id("broker-new") == &o);
    CHECK(om.find_by_broker_id("broker-1") == nullptr);
    broker.new_id_on_replace = "broker-newer";
    CHECK(om.replace_stop(o, Decimal::parse("301"), {}));
    CHECK(o.broker_order_id == "broker-newer");
    CHECK(o.request.stop_price == Decimal::parse("301"));
    CHECK(om.apply(event(OrderEventType::fill, "broker-newer", 5, "301")).kind ==
          ApplyResult::Kind::applied);
  }

  TEST_CASE("cancel asks the broker; the confirmation arrives as an event") {
    FakeBroker broker;
    auto om = manager(broker);
    const auto& o = om.submit(entry(), {});
    om.cancel(o);
    CHECK(broker.canceled == std::vector<std::string>{"broker-1"});
    CHECK(o.state == OrderState::submitted);
    om.apply(event(OrderEventType::canceled, o.broker_order_id));
    CHECK(o.state == OrderState::canceled);
    om.cancel(o);  // terminal: nothing to ask
    CHECK(broker.canceled.size() == 1);
  }

  TEST_CASE("with a repository, every change and its event is stored") {
    trader::testing::TempDir dir;
    trader::store::DatabaseOptions options;
    options.path = dir / "orders.db";
    auto db = trader::store::Database::open(options);
    auto repo = trader::store::make_order_repository(db);
    FakeBroker broker;
    auto om = manager(broker, repo.get());
    const auto& o = om.submit(entry(), {});
    om.apply(event(OrderEventType::fill, o.broker_order_id, 5, "300.01"));
    om.apply(event(OrderEventType::fill, o.broker_order_id, 5, "300.01"));  // ignored: not stored
    const auto stored = repo->find_by_local_id(o.request.client_order_id);
    REQUIRE(stored);
    CHECK(stored->state == OrderState::filled);
    CHECK(stored->avg_fill_price == Decimal::parse("300.01"));
    CHECK(stored->broker_id == "broker-1");
    const auto events = repo->events(o.request.client_order_id);
    REQUIRE(events.size() == 3);  // created, submitted, fill
    CHECK(events[2].event_type == "fill");
  }
}
