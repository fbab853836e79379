#include <trader/orders/order_state.hpp>

#include <trader/orders/order.hpp>

#include <utility>

namespace trader::orders {

InvalidTransitionError::InvalidTransitionError(std::string order_id, OrderState from, OrderState to)
    : Error("Invalid transition: " + std::string(to_string(from)) + " -> " +
            std::string(to_string(to)) + (order_id.empty() ? "" : " (order " + order_id + ")")),
      order_id_(std::move(order_id)),
      from_(from),
      to_(to) {}

void OrderStateMachine::transition(OrderState to) {
  if (!can_transition(state_, to)) throw InvalidTransitionError(order_id_, state_, to);
  state_ = to;
}

void OrderStateMachine::force_state(OrderState to, Reconciliation reconciliation) {
  if (reconciliation != Reconciliation::yes) {
    throw Error("force_state is only for reconciliation with the broker (order " + order_id_ + ")");
  }
  state_ = to;
}

std::optional<OrderState> state_for_broker_status(std::string_view status) noexcept {
  // F15: Alpaca's "new" means routed and on the book: accepted, so partial fills are valid.
  static constexpr std::pair<std::string_view, OrderState> kMapped[] = {
      {"new", OrderState::accepted},
      {"accepted", OrderState::accepted},
      {"accepted_for_bidding", OrderState::accepted},
      {"held", OrderState::accepted},  // an OTO/bracket leg waiting: open
      {"pending_new", OrderState::submitted},
      {"partially_filled", OrderState::partially_filled},
      {"filled", OrderState::filled},
      {"canceled", OrderState::canceled},
      {"expired", OrderState::expired},
      {"rejected", OrderState::rejected},
  };
  for (const auto& [text, state] : kMapped) {
    if (text == status) return state;
  }
  // done_for_day, replaced (follow replaced_by), pending_cancel, pending_replace, stopped,
  // suspended, calculated, pending_review and anything new: transient, no local change.
  return std::nullopt;
}

std::string_view to_string(OrderEventType type) noexcept {
  switch (type) {
    case OrderEventType::accepted:
      return "accepted";
    case OrderEventType::partial_fill:
      return "partial_fill";
    case OrderEventType::fill:
      return "fill";
    case OrderEventType::canceled:
      return "canceled";
    case OrderEventType::expired:
      return "expired";
    case OrderEventType::rejected:
      return "rejected";
    case OrderEventType::replaced:
      return "replaced";
    case OrderEventType::pending:
      return "pending";
    case OrderEventType::submitted:
      return "submitted";
    case OrderEventType::submit_failed:
      return "submit_failed";
    case OrderEventType::replace_rejected:
      return "replace_rejected";
    case OrderEventType::cancel_rejected:
      return "cancel_rejected";
  }
  return "?";
}

}  // namespace trader::orders
