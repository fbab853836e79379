#pragma once
// The book of our orders (F15): sends commands through a Broker, applies broker events through
// the transition table, and persists both when given a repository (live and paper; backtests
// keep it in memory). Every side effect is gated on an applied transition: a duplicate or late
// event changes nothing, so a repeated fill can never make a second trade.
//
// Write-ahead: with a repository, a new order's row (pending_submit) is stored before anything
// goes to the broker, and every applied event is stored (order_state and order_event in one
// transaction) before apply() returns, so before the caller's next action.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <trader/broker/broker.hpp>
#include <trader/orders/order.hpp>
#include <trader/orders/order_repository.hpp>

namespace trader::orders {

struct ApplyResult {
  enum class Kind : std::uint8_t {
    applied,  // the event moved the order (fill quantities below are this event's)
    ignored,  // a duplicate or late event: refused by the transition table, no side effect
    unknown,  // not one of our orders
  };
  Kind kind = Kind::unknown;
  Order* order = nullptr;
  std::int64_t fill_qty = 0;
  Decimal fill_price;
  Decimal costs;
  OrderState old_state = OrderState::pending_submit;
};

class OrderManager {
 public:
  using IdSource = std::function<std::string()>;

  // `repository` may be null (backtests). The broker must outlive the manager.
  OrderManager(broker::Broker& broker, IdSource ids, OrderRepository* repository = nullptr);

  // A new order, pending_submit, with its client order id (from the request, else the id source),
  // stored before anything is sent. The reference stays valid until the order is forgotten.
  Order& create(OrderRequest request, core::Timestamp now);
  // Sends a pending_submit order. True: it went out, and its outcome arrives as events (maybe
  // during this call, so the order may have moved on - or, once terminal and forgotten, be gone:
  // do not use the reference after a true result unless the order cannot close a position).
  // False: refused locally; the order is then submit_failed (stored) with `reason`. Sending an
  // order that is still pending_submit again is a retry with the same client order id (F22).
  bool send(Order& order, core::Timestamp now, std::string* reason = nullptr);
  // create() and send().
  Order& submit(OrderRequest request, core::Timestamp now, std::string* reason = nullptr);
  // Asks the broker to cancel, once; the confirmation arrives as an event. False when there is
  // nothing to ask (terminal, already asked) or the broker refused locally.
  bool cancel(Order& order);
  // Asks the broker to replace the order (quantity and/or prices); the order changes when the
  // `replaced` event arrives (replace_rejected: it stays). False if refused locally.
  bool replace(Order& order, const broker::ReplaceRequest& change);

  ApplyResult apply(const OrderEvent& event);

  // Restore after a restart: takes over a stored order as it is (no write).
  Order& adopt(const OrderRecord& record, data::SymbolId symbol_id);

  [[nodiscard]] Order* find(std::string_view client_order_id);
  [[nodiscard]] Order* find_by_broker_id(std::string_view broker_order_id);
  [[nodiscard]] std::size_t size() const noexcept { return orders_.size(); }
  // Drops terminal orders from memory (late events for them are then "unknown": still no effect).
  void forget_terminal();

 private:
  // pending_submit -> submitted, learning the broker's id (from its answer or any later event).
  void mark_submitted(Order& order, std::string_view broker_id, core::Timestamp ts,
                      std::string_view detail);
  void follow_broker_id(Order& order, std::string_view broker_id);
  void persist_new(const Order& order, core::Timestamp now);
  void persist_change(const Order& order, OrderState old_state, std::string_view event_type,
                      core::Timestamp now, std::string_view detail);

  // Looked up by string_view without building a std::string for each lookup.
  struct IdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const noexcept {
      return std::hash<std::string_view>{}(id);
    }
  };
  template <class Value>
  using ById = std::unordered_map<std::string, Value, IdHash, std::equal_to<>>;

  broker::Broker& broker_;
  IdSource ids_;
  OrderRepository* repository_;
  ById<Order> orders_;              // by client order id
  ById<std::string> by_broker_id_;  // broker id -> client id
  ById<int> versions_;              // repository row versions
};

}  // namespace trader::orders
