#include <trader/orders/order_state.hpp>

#include <doctest/doctest.h>

#include <random>

using trader::orders::can_transition;
using trader::orders::InvalidTransitionError;
using trader::orders::OrderState;
using trader::orders::OrderStateMachine;

namespace {
constexpr OrderState kAll[] = {
    OrderState::pending_submit,   OrderState::submitted, OrderState::accepted,
    OrderState::partially_filled, OrderState::filled,    OrderState::canceled,
    OrderState::expired,          OrderState::rejected,  OrderState::submit_failed};
}  // namespace

TEST_SUITE("orders/order_state") {
  TEST_CASE("every allowed edge of the transition table succeeds") {
    const std::pair<OrderState, OrderState> spec_edges[] = {
        {OrderState::pending_submit, OrderState::submitted},
        {OrderState::pending_submit, OrderState::submit_failed},
        {OrderState::submitted, OrderState::accepted},
        {OrderState::submitted, OrderState::rejected},
        {OrderState::submitted, OrderState::filled},
        {OrderState::submitted, OrderState::canceled},
        {OrderState::submitted, OrderState::expired},
        {OrderState::accepted, OrderState::partially_filled},
        {OrderState::accepted, OrderState::filled},
        {OrderState::accepted, OrderState::canceled},
        {OrderState::accepted, OrderState::expired},
        {OrderState::partially_filled, OrderState::partially_filled},
        {OrderState::partially_filled, OrderState::filled},
        {OrderState::partially_filled, OrderState::canceled},
    };
    for (const auto& [from, to] : spec_edges) {
      OrderStateMachine m(from);
      m.transition(to);
      CHECK(m.state() == to);
    }
    OrderStateMachine repeated(OrderState::partially_filled);
    repeated.transition(OrderState::partially_filled);
    repeated.transition(OrderState::partially_filled);
    CHECK(repeated.state() == OrderState::partially_filled);
  }

  TEST_CASE("F15: submitted -> partially_filled and partially_filled -> expired exist") {
    CHECK(can_transition(OrderState::submitted, OrderState::partially_filled));
    CHECK(can_transition(OrderState::partially_filled, OrderState::expired));
    CHECK(trader::orders::kTransitions.size() == 16);
  }

  TEST_CASE("every other pair is an InvalidTransitionError naming both states; terminals absorb") {
    for (const OrderState from : kAll) {
      for (const OrderState to : kAll) {
        if (can_transition(from, to)) continue;
        OrderStateMachine m(from, "bt-7");
        try {
          m.transition(to);
          FAIL("accepted an invalid edge");
        } catch (const InvalidTransitionError& e) {
          CHECK(e.from() == from);
          CHECK(e.to() == to);
          CHECK(e.order_id() == "bt-7");
        }
        CHECK(m.state() == from);
      }
      if (trader::orders::is_terminal(from)) {
        for (const OrderState to : kAll) CHECK_FALSE(can_transition(from, to));
      }
    }
    OrderStateMachine filled(OrderState::filled);
    try {
      filled.transition(OrderState::accepted);
    } catch (const InvalidTransitionError& e) {
      const std::string text = e.what();
      CHECK(text.find("filled") != std::string::npos);
      CHECK(text.find("accepted") != std::string::npos);
    }
  }

  TEST_CASE("random sequences: the state is the target or unchanged; terminal stays terminal") {
    std::mt19937 rng(300);
    for (int run = 0; run < 300; ++run) {
      OrderStateMachine m;
      for (int step = 0; step < 20; ++step) {
        const OrderState before = m.state();
        const OrderState target = kAll[rng() % std::size(kAll)];
        try {
          m.transition(target);
          CHECK(m.state() == target);
          CHECK_FALSE(trader::orders::is_terminal(before));
        } catch (const InvalidTransitionError&) {
          CHECK(m.state() == before);
        }
      }
    }
  }

  TEST_CASE("force_state only for reconciliation") {
    for (const OrderState from :
         {OrderState::submitted, OrderState::pending_submit, OrderState::canceled}) {
      OrderStateMachine m(from);
      m.force_state(OrderState::filled, OrderStateMachine::Reconciliation::yes);
      CHECK(m.state() == OrderState::filled);
    }
    OrderStateMachine m(OrderState::submitted);
    CHECK_THROWS_WITH_AS(m.force_state(OrderState::filled, OrderStateMachine::Reconciliation::no),
                         doctest::Contains("reconciliation"), trader::Error);
  }

  TEST_CASE("every Alpaca status is understood; transient ones change nothing") {
    using trader::orders::state_for_broker_status;
    CHECK(state_for_broker_status("new") == OrderState::accepted);  // F15: on the book
    CHECK(state_for_broker_status("pending_new") == OrderState::submitted);
    CHECK(state_for_broker_status("held") == OrderState::accepted);
    CHECK(state_for_broker_status("partially_filled") == OrderState::partially_filled);
    CHECK(state_for_broker_status("filled") == OrderState::filled);
    CHECK(state_for_broker_status("canceled") == OrderState::canceled);
    CHECK(state_for_broker_status("expired") == OrderState::expired);
    CHECK(state_for_broker_status("rejected") == OrderState::rejected);
    for (const char* transient :
         {"done_for_day", "replaced", "pending_cancel", "pending_replace", "stopped", "suspended",
          "calculated", "pending_review", "something_new"}) {
      CHECK_FALSE(state_for_broker_status(transient).has_value());
    }
  }
}
