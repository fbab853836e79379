#include <trader/orders/order_manager.hpp>

#include <doctest/doctest.h>

#include <optional>

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

// A FakeBroker whose events reach the manager (in the engine, the engine forwards them).
struct Desk final : trader::broker::OrderEventListener {
  explicit Desk(trader::orders::OrderRepository* repo = nullptr)
      : om(
            broker, [this] { return "id-" + std::to_string(++ids); }, repo) {
    broker.set_listener(this);
  }
  void on_order_event(const OrderEvent& e) override { results.push_back(om.apply(e)); }

  FakeBroker broker;
  int ids = 0;
  OrderManager om;
  std::vector<ApplyResult> results;
};

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

struct TempDb {
  TempDb() {
    trader::store::DatabaseOptions options;
    options.path = dir / "orders.db";
    db.emplace(trader::store::Database::open(options));
    repo = trader::store::make_order_repository(*db);
  }
  trader::testing::TempDir dir;
  std::optional<trader::store::Database> db;
  std::unique_ptr<trader::orders::OrderRepository> repo;
};

}  // namespace

TEST_SUITE("orders/order_manager") {
  TEST_CASE("submit: the broker gets the request; the order is submitted with its broker id") {
    Desk d;
    const auto& o = d.om.submit(entry(), {});
    CHECK(o.state == OrderState::submitted);
    CHECK(o.broker_order_id == "broker-1");
    REQUIRE(d.broker.submitted.size() == 1);
    CHECK(d.broker.submitted[0].symbol == "TSLA");
    CHECK(d.broker.submitted[0].qty == 5);
    CHECK(d.broker.submitted[0].stop_price == Decimal::parse("300"));
    CHECK_FALSE(d.broker.submitted[0].client_order_id.empty());
  }

  TEST_CASE("a refused submit is submit_failed with the reason") {
    Desk d;
    d.broker.refuse_with = "API down";
    std::string reason;
    const auto& o = d.om.submit(entry(), {}, &reason);
    CHECK(o.state == OrderState::submit_failed);
    CHECK(reason == "API down");
  }

  TEST_CASE("issue 12 item 1: the answer to a submit arrives later, as an event") {
    Desk d;
    d.broker.auto_ack = false;
    auto& o = d.om.submit(entry(), {});
    CHECK(o.state == OrderState::pending_submit);
    CHECK(o.broker_order_id.empty());
    OrderEvent ack = d.broker.event_for(o.request, OrderEventType::submitted);
    d.broker.push(ack);
    CHECK(o.state == OrderState::submitted);
    CHECK(o.broker_order_id == "broker-1");
    CHECK(d.om.find_by_broker_id("broker-1") == &o);
    d.broker.push(ack);  // a second answer changes nothing
    CHECK(d.results.back().kind == ApplyResult::Kind::ignored);

    auto& late = d.om.submit(entry(), {});
    OrderEvent failed = d.broker.event_for(late.request, OrderEventType::submit_failed);
    failed.reason = "insufficient buying power";
    d.broker.push(failed);
    CHECK(late.state == OrderState::submit_failed);
  }

  TEST_CASE("issue 12 item 1, F15: a fill that outruns the submit's answer counts as submitted") {
    TempDb db;
    Desk d(db.repo.get());
    d.broker.auto_ack = false;
    auto& o = d.om.submit(entry(), {});
    OrderEvent fill = d.broker.event_for(o.request, OrderEventType::fill);
    fill.filled_qty = fill.fill_qty = 5;
    fill.fill_price = Decimal::parse("300.02");
    d.broker.push(fill);
    CHECK(o.state == OrderState::filled);
    CHECK(o.broker_order_id == "broker-1");
    CHECK(o.filled_qty == 5);
    d.broker.push(d.broker.event_for(o.request, OrderEventType::submitted));  // late: ignored
    CHECK(o.state == OrderState::filled);
    const auto events = db.repo->events(o.request.client_order_id);
    REQUIRE(events.size() == 3);  // created, submitted (implied by the fill), fill
    CHECK(events[1].event_type == "submitted");
    CHECK(events[1].new_state == OrderState::submitted);
    CHECK(events[2].event_type == "fill");
  }

  TEST_CASE("F15: a duplicate fill and a late cancel are ignored") {
    Desk d;
    auto& om = d.om;
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
    Desk d;
    auto& om = d.om;
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
    Desk d;
    auto& om = d.om;
    const auto& o = om.submit(entry(), {});
    om.apply(event(OrderEventType::partial_fill, o.broker_order_id, 3, "10"));
    CHECK(o.state == OrderState::partially_filled);
    om.apply(event(OrderEventType::expired, o.broker_order_id));
    CHECK(o.state == OrderState::expired);
  }

  TEST_CASE("F15: replacement ids are followed, from the stream and from replace") {
    Desk d;
    auto& om = d.om;
    auto& o = om.submit(entry(), {});
    OrderEvent replaced = event(OrderEventType::replaced, o.broker_order_id);
    replaced.new_broker_order_id = "broker-new";
    om.apply(replaced);
    CHECK(o.broker_order_id == "broker-new");
    CHECK(om.find_by_broker_id("broker-new") == &o);
    CHECK(om.find_by_broker_id("broker-1") == nullptr);
    d.broker.new_id_on_replace = "broker-newer";
    trader::broker::ReplaceRequest change;
    change.stop_price = Decimal::parse("301");
    CHECK(om.replace(o, change));
    CHECK(o.broker_order_id == "broker-newer");
    CHECK(o.request.stop_price == Decimal::parse("301"));
    CHECK(om.apply(event(OrderEventType::fill, "broker-newer", 5, "301")).kind ==
          ApplyResult::Kind::applied);
  }

  TEST_CASE("issue 12 item 1: a replace takes effect when acknowledged; a rejected one leaves it") {
    Desk d;
    d.broker.auto_ack = false;
    auto& o = d.om.submit(entry(), {});
    d.broker.push(d.broker.event_for(o.request, OrderEventType::submitted));
    trader::broker::ReplaceRequest change;
    change.stop_price = Decimal::parse("302");
    change.qty = 7;
    CHECK(d.om.replace(o, change));
    CHECK(o.replaces_in_flight == 1);
    CHECK(o.request.stop_price == Decimal::parse("300"));  // not yet in force
    OrderEvent rejected = d.broker.event_for(o.request, OrderEventType::replace_rejected);
    rejected.reason = "order is filled";
    d.broker.push(rejected);
    CHECK(o.replaces_in_flight == 0);
    CHECK(o.request.stop_price == Decimal::parse("300"));
    CHECK(d.om.replace(o, change));
    OrderEvent replaced = d.broker.event_for(o.request, OrderEventType::replaced);
    replaced.new_broker_order_id = "broker-9";
    replaced.stop_price = Decimal::parse("302");
    replaced.qty = 7;
    d.broker.push(replaced);
    CHECK(o.request.stop_price == Decimal::parse("302"));
    CHECK(o.request.qty == 7);
    CHECK(o.broker_order_id == "broker-9");
  }

  TEST_CASE("cancel asks the broker once; the confirmation arrives as an event") {
    Desk d;
    auto& om = d.om;
    auto& o = om.submit(entry(), {});
    CHECK(om.cancel(o));
    CHECK(d.broker.canceled == std::vector<std::string>{"broker-1"});
    CHECK(o.state == OrderState::submitted);
    CHECK_FALSE(om.cancel(o));  // already asked
    CHECK(d.broker.canceled.size() == 1);
    OrderEvent refused = event(OrderEventType::cancel_rejected, o.broker_order_id);
    om.apply(refused);  // e.g. it was filling: asking again is allowed
    CHECK(om.cancel(o));
    om.apply(event(OrderEventType::canceled, o.broker_order_id));
    CHECK(o.state == OrderState::canceled);
    CHECK_FALSE(om.cancel(o));  // terminal: nothing to ask
    CHECK(d.broker.canceled.size() == 2);
  }

  TEST_CASE("issue 12 item 1: an order not yet acknowledged is cancelled by its client id") {
    Desk d;
    d.broker.auto_ack = false;
    auto& o = d.om.submit(entry(), {});
    CHECK(d.om.cancel(o));
    CHECK(d.broker.canceled_clients == std::vector<std::string>{o.request.client_order_id});
    d.broker.push(d.broker.event_for(o.request, OrderEventType::canceled));
    CHECK(o.state == OrderState::canceled);  // pending_submit -> submitted -> canceled
  }

  TEST_CASE("F22: sending again an order the broker never answered reuses its client order id") {
    Desk d;
    d.broker.auto_ack = false;
    auto& o = d.om.create(entry(), {});
    CHECK(d.om.send(o, {}));
    CHECK(d.om.send(o, {}));  // a retry: still pending_submit
    REQUIRE(d.broker.submitted.size() == 2);
    CHECK(d.broker.submitted[0].client_order_id == d.broker.submitted[1].client_order_id);
    CHECK(o.submit_attempts == 2);
    d.broker.push(d.broker.event_for(o.request, OrderEventType::submitted));
    CHECK_FALSE(d.om.send(o, {}));  // answered: nothing to retry
    CHECK(d.broker.submitted.size() == 2);
    OrderRequest again = entry();
    again.client_order_id = o.request.client_order_id;
    CHECK_THROWS_WITH_AS(d.om.create(again, {}), doctest::Contains("already in use"),
                         trader::Error);
  }

  TEST_CASE("with a repository, every change and its event is stored") {
    TempDb db;
    Desk d(db.repo.get());
    auto& om = d.om;
    const auto& o = om.submit(entry(), {});
    om.apply(event(OrderEventType::fill, o.broker_order_id, 5, "300.01"));
    om.apply(event(OrderEventType::fill, o.broker_order_id, 5, "300.01"));  // ignored: not stored
    const auto stored = db.repo->find_by_local_id(o.request.client_order_id);
    REQUIRE(stored);
    CHECK(stored->state == OrderState::filled);
    CHECK(stored->avg_fill_price == Decimal::parse("300.01"));
    CHECK(stored->broker_id == "broker-1");
    CHECK(stored->submit_attempts == 1);
    const auto events = db.repo->events(o.request.client_order_id);
    REQUIRE(events.size() == 3);  // created, submitted, fill
    CHECK(events[2].event_type == "fill");
  }

  TEST_CASE("issue 12 item 2: write-ahead: the order's row is stored before the broker sees it") {
    // A broker that looks into the database when the order reaches it.
    struct Peeking final : trader::broker::Broker {
      trader::orders::OrderRepository* repo = nullptr;
      std::vector<std::optional<trader::orders::OrderRecord>> seen;
      void set_listener(trader::broker::OrderEventListener*) override {}
      trader::broker::CommandResult submit(const OrderRequest& r) override {
        seen.push_back(repo->find_by_client_order_id(r.client_order_id));
        return trader::broker::CommandResult::ok();
      }
      trader::broker::CommandResult cancel(const trader::broker::OrderRef&) override {
        return trader::broker::CommandResult::ok();
      }
      trader::broker::CommandResult replace(const trader::broker::OrderRef&,
                                            const trader::broker::ReplaceRequest&) override {
        return trader::broker::CommandResult::ok();
      }
      std::vector<trader::broker::BrokerPosition> positions() override { return {}; }
      trader::broker::AccountSnapshot account() override { return {}; }
    };
    TempDb db;
    Peeking broker;
    broker.repo = db.repo.get();
    OrderManager om(
        broker, [] { return std::string("wa-1"); }, db.repo.get());
    OrderRequest r = entry();
    r.planned_stop = Decimal::parse("295.5");
    om.submit(r, {});
    REQUIRE(broker.seen.size() == 1);
    REQUIRE(broker.seen[0]);
    CHECK(broker.seen[0]->state == OrderState::pending_submit);
    CHECK(broker.seen[0]->planned_stop_price == Decimal::parse("295.5"));  // F18
  }
}
