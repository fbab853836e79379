// The runtime's broker gate: no new order goes out while the trade-update stream is not
// listening; a held order leaves when it listens again; after the wait an entry fails safe
// while a protective order goes out anyway; the gate follows what the events say of each order.
#include "runtime/gated_broker.hpp"

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <vector>

#include "support/fake_broker.hpp"

namespace trader::testing {
namespace {

using core::parse_timestamp;
using orders::OrderEventType;
using namespace std::chrono_literals;

struct Recorder final : broker::OrderEventListener {
  void on_order_event(const orders::OrderEvent& e) override { events.push_back(e); }
  std::vector<orders::OrderEvent> events;
};

struct Fixture {
  boost::asio::io_context io;
  runtime::VirtualClock clock{io, parse_timestamp("2026-03-02T14:30:00Z")};
  FakeBroker inner;
  bool listening = false;
  runtime::GatedBroker gate{inner, clock, [this] { return listening; }, 10s};
  Recorder recorder;
  Fixture() { gate.set_listener(&recorder); }

  void advance(std::chrono::milliseconds by) {
    clock.advance_to(clock.now() + by);
    io.poll();
    io.restart();
  }
};

orders::OrderRequest request(const char* id, orders::OrderRole role) {
  orders::OrderRequest r;
  r.client_order_id = id;
  r.symbol = "AAPL";
  r.role = role;
  r.qty = 10;
  r.type = role == orders::OrderRole::entry ? orders::OrderType::stop : orders::OrderType::market;
  r.stop_price = core::Decimal::parse("100");
  return r;
}

TEST_SUITE("runtime") {
  TEST_CASE("no order goes out while the trade-update stream is not listening; it leaves then") {
    Fixture f;
    CHECK(f.gate.submit(request("e-1", orders::OrderRole::entry)).sent);
    CHECK(f.inner.submitted.empty());
    CHECK(f.gate.held() == 1);
    f.advance(2s);
    CHECK(f.inner.submitted.empty());
    f.listening = true;
    f.advance(200ms);
    REQUIRE(f.inner.submitted.size() == 1);
    CHECK(f.inner.submitted[0].client_order_id == "e-1");
    CHECK(f.gate.held() == 0);
    // The acknowledgement reached the listener through the gate, which noted the broker id.
    REQUIRE(!f.recorder.events.empty());
    CHECK(f.recorder.events.back().type == OrderEventType::submitted);
    REQUIRE(f.gate.open_orders().size() == 1);
    CHECK(f.gate.open_orders()[0].broker_order_id == "broker-1");
  }

  TEST_CASE("after the wait, a held entry fails safe and a held stop goes out anyway") {
    Fixture f;
    static_cast<void>(f.gate.submit(request("e-1", orders::OrderRole::entry)));
    static_cast<void>(f.gate.submit(request("s-1", orders::OrderRole::stop_loss)));
    f.advance(11s);
    REQUIRE(f.inner.submitted.size() == 1);
    CHECK(f.inner.submitted[0].client_order_id == "s-1");
    const auto failed = std::find_if(f.recorder.events.begin(), f.recorder.events.end(),
                                     [](const auto& e) { return e.client_order_id == "e-1"; });
    REQUIRE(failed != f.recorder.events.end());
    CHECK(failed->type == OrderEventType::submit_failed);
    CHECK(f.gate.held() == 0);
  }

  TEST_CASE("with the stream listening, commands pass at once and fills are followed") {
    Fixture f;
    f.listening = true;
    static_cast<void>(f.gate.submit(request("e-1", orders::OrderRole::entry)));
    REQUIRE(f.inner.submitted.size() == 1);
    auto fill = f.inner.event_for(f.inner.submitted[0], OrderEventType::partial_fill);
    fill.filled_qty = 4;
    fill.fill_qty = 4;
    fill.fill_price = core::Decimal::parse("100.5");
    f.inner.push(fill);
    REQUIRE(f.gate.open_orders().size() == 1);
    CHECK(f.gate.open_orders()[0].filled_qty == 4);
    CHECK(f.gate.open_orders()[0].filled_value == core::Decimal::parse("402"));
    fill.type = OrderEventType::fill;
    fill.filled_qty = 10;
    fill.fill_qty = 6;
    f.inner.push(fill);
    CHECK(f.gate.open_orders().empty());
  }

  TEST_CASE("an order waiting too long is overdue: a market order unfilled, a submit unanswered") {
    Fixture f;
    f.listening = true;
    f.inner.auto_ack = false;
    static_cast<void>(f.gate.submit(request("x-1", orders::OrderRole::exit_market)));
    CHECK_FALSE(f.gate.overdue(5s));
    f.advance(6s);
    CHECK(f.gate.overdue(5s));
  }

  TEST_CASE("a cancel of a held entry takes it off the queue: it never goes out") {
    Fixture f;
    static_cast<void>(f.gate.submit(request("e-1", orders::OrderRole::entry)));
    CHECK(f.gate.cancel(broker::OrderRef{"e-1", ""}).sent);
    f.listening = true;
    f.advance(1s);
    CHECK(f.inner.submitted.empty());
    REQUIRE(!f.recorder.events.empty());
    CHECK(f.recorder.events.back().type == OrderEventType::submit_failed);
  }

  TEST_CASE("Alpaca: an exit cancels the working stop first, and is sent once the cancel is in") {
    Fixture f;
    f.listening = true;
    runtime::GatedBroker gate(
        f.inner, f.clock, [] { return true; }, 10s, runtime::ExitOrder::cancel_stop_first);
    Recorder recorder;
    gate.set_listener(&recorder);
    static_cast<void>(gate.submit(request("s-1", orders::OrderRole::stop_loss)));
    auto exit = request("x-1", orders::OrderRole::exit_market);
    exit.side = orders::Side::sell;
    static_cast<void>(gate.submit(exit));
    REQUIRE(f.inner.submitted.size() == 1);  // the stop only
    REQUIRE(f.inner.canceled_clients.size() == 1);
    CHECK(f.inner.canceled_clients[0] == "s-1");
    f.inner.push(f.inner.event_for(f.inner.submitted[0], OrderEventType::canceled));
    REQUIRE(f.inner.submitted.size() == 2);
    CHECK(f.inner.submitted[1].client_order_id == "x-1");
  }

  TEST_CASE("Alpaca: when the stop fills before its cancel, the exit is not sent (no short)") {
    Fixture f;
    runtime::GatedBroker gate(
        f.inner, f.clock, [] { return true; }, 10s, runtime::ExitOrder::cancel_stop_first);
    Recorder recorder;
    gate.set_listener(&recorder);
    static_cast<void>(gate.submit(request("s-1", orders::OrderRole::stop_loss)));
    auto exit = request("x-1", orders::OrderRole::exit_market);
    exit.side = orders::Side::sell;
    static_cast<void>(gate.submit(exit));
    auto fill = f.inner.event_for(f.inner.submitted[0], OrderEventType::fill);
    fill.filled_qty = 10;
    fill.fill_qty = 10;
    f.inner.push(fill);
    CHECK(f.inner.submitted.size() == 1);
    REQUIRE(!recorder.events.empty());
    CHECK(recorder.events.back().type == OrderEventType::submit_failed);
    CHECK(recorder.events.back().client_order_id == "x-1");
  }
}

}  // namespace
}  // namespace trader::testing
