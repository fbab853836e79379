#pragma once
// Orders as the engine and brokers exchange them: a request (what to trade), the order with its
// lifecycle state, and the events a broker reports (F3, F15).

#include <cstdint>
#include <optional>
#include <string>

#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/bar.hpp>
#include <trader/orders/order_types.hpp>

namespace trader::orders {

using core::Decimal;
using core::Timestamp;

struct OrderRequest {
  std::string client_order_id;  // unique per order: a retried submit can never duplicate it
  std::string symbol;
  data::SymbolId symbol_id{};
  Side side = Side::buy;
  OrderType type = OrderType::market;
  TimeInForce time_in_force = TimeInForce::day;
  OrderRole role = OrderRole::entry;
  std::int64_t qty = 0;
  std::optional<Decimal> limit_price;  // on a valid tick (F3)
  std::optional<Decimal> stop_price;   // on a valid tick (F3)
  // An entry's protective stop, known before it fills (crash recovery, F11's pessimistic rule).
  std::optional<Decimal> planned_stop;
  std::string correlation_id;  // the entry's id, shared by its stop and exit
  std::string parent_id;       // a stop's or exit's entry
  std::string strategy;
};

// F3: prices sent to a broker sit on a valid tick; sell stops and sell limits round down, buy
// stops and buy limits round up.
[[nodiscard]] inline Decimal tick_price(Side side, Decimal price) {
  return price.rounded_to_tick(side == Side::buy ? core::TickRounding::up
                                                 : core::TickRounding::down);
}

// What a broker reports about an order (broker/broker.hpp has the contract). Fill quantities are
// cumulative for the order, as on the Alpaca stream; fill_qty/fill_price describe this event's
// execution.
enum class OrderEventType : std::uint8_t {
  accepted,  // on the book
  partial_fill,
  fill,
  canceled,
  expired,
  rejected,
  replaced,          // a replace took effect: new_broker_order_id, and the order now in force
  pending,           // a transient broker status (pending_new, pending_cancel, ...): no change
  submitted,         // the broker took the submission: broker_order_id is its id
  submit_failed,     // the submission never reached the book (reason)
  replace_rejected,  // a replace did not take effect; the order stays as it was (reason)
  cancel_rejected,   // a cancel did not take effect (the order filled first, ...) (reason)
};
[[nodiscard]] std::string_view to_string(OrderEventType type) noexcept;

struct OrderEvent {
  OrderEventType type = OrderEventType::accepted;
  std::string broker_order_id;
  std::string client_order_id;
  data::SymbolId symbol_id{};
  Side side = Side::buy;
  std::int64_t filled_qty = 0;  // cumulative
  std::int64_t fill_qty = 0;    // this execution
  Decimal fill_price;           // this execution
  Decimal costs;                // commission and fees of this execution (F10)
  Timestamp ts;
  std::string new_broker_order_id;  // replaced
  // replaced: the order in force now (unset fields did not change).
  std::optional<std::int64_t> qty;
  std::optional<Decimal> stop_price;
  std::optional<Decimal> limit_price;
  std::string reason;  // canceled/rejected/submit_failed/replace_rejected: why
};

struct Order {
  OrderRequest request;  // with the quantity and prices in force (replacements applied)
  std::string broker_order_id;
  OrderState state = OrderState::pending_submit;
  std::int64_t filled_qty = 0;
  Decimal avg_fill_price;
  Decimal costs;
  Timestamp created_at;
  Timestamp updated_at;
  int submit_attempts = 0;  // submit commands sent (a retry reuses the client order id, F22)
  // Commands sent whose outcome has not arrived yet.
  int replaces_in_flight = 0;
  bool cancel_requested = false;
};

}  // namespace trader::orders
