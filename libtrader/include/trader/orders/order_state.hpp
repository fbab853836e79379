#pragma once
// The order lifecycle as an explicit transition table (the reference's, plus F15): one allowed
// edge per line, anything else refused. Who refuses decides what it means: a duplicate or late
// broker event is expected (ignored, no side effect), a bad command from our own code is an
// InvalidTransitionError.

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include <trader/core/error.hpp>
#include <trader/orders/order_types.hpp>

namespace trader::orders {

struct Transition {
  OrderState from;
  OrderState to;
};

inline constexpr std::array kTransitions{
    Transition{OrderState::pending_submit, OrderState::submitted},
    Transition{OrderState::pending_submit, OrderState::submit_failed},
    Transition{OrderState::submitted, OrderState::accepted},
    Transition{OrderState::submitted, OrderState::rejected},
    Transition{OrderState::submitted, OrderState::filled},
    Transition{OrderState::submitted, OrderState::canceled},
    Transition{OrderState::submitted, OrderState::expired},
    Transition{OrderState::submitted,
               OrderState::partially_filled},  // F15: fills before "accepted"
    Transition{OrderState::accepted, OrderState::partially_filled},
    Transition{OrderState::accepted, OrderState::filled},
    Transition{OrderState::accepted, OrderState::canceled},
    Transition{OrderState::accepted, OrderState::expired},
    Transition{OrderState::partially_filled, OrderState::partially_filled},  // more fills
    Transition{OrderState::partially_filled, OrderState::filled},
    Transition{OrderState::partially_filled, OrderState::canceled},
    Transition{OrderState::partially_filled, OrderState::expired},  // F15: a DAY order at the close
};

[[nodiscard]] constexpr bool can_transition(OrderState from, OrderState to) noexcept {
  for (const Transition& t : kTransitions) {
    if (t.from == from && t.to == to) return true;
  }
  return false;
}

// A refused edge from our own code: names the order and both states.
class InvalidTransitionError : public Error {
 public:
  InvalidTransitionError(std::string order_id, OrderState from, OrderState to);
  [[nodiscard]] OrderState from() const noexcept { return from_; }
  [[nodiscard]] OrderState to() const noexcept { return to_; }
  [[nodiscard]] const std::string& order_id() const noexcept { return order_id_; }

 private:
  std::string order_id_;
  OrderState from_;
  OrderState to_;
};

// A small state machine for one order (tests, reconciliation).
class OrderStateMachine {
 public:
  explicit OrderStateMachine(OrderState initial = OrderState::pending_submit,
                             std::string order_id = {})
      : state_(initial), order_id_(std::move(order_id)) {}
  [[nodiscard]] OrderState state() const noexcept { return state_; }
  [[nodiscard]] bool is_terminal() const noexcept { return orders::is_terminal(state_); }
  // Throws InvalidTransitionError for an edge not in the table.
  void transition(OrderState to);
  // Sets any state, even from a terminal one; only reconciliation with the broker as the truth
  // may do that, so it must say so (otherwise an Error mentioning "reconciliation").
  enum class Reconciliation : std::uint8_t { no, yes };
  void force_state(OrderState to, Reconciliation reconciliation);

 private:
  OrderState state_;
  std::string order_id_;
};

// Every Alpaca order status, mapped to a local state;
// nullopt for transient statuses that change nothing (pending_cancel, replaced, ...) and for
// unknown ones, which are treated as "open, transient" rather than errors (F15).
[[nodiscard]] std::optional<OrderState> state_for_broker_status(std::string_view status) noexcept;

}  // namespace trader::orders
