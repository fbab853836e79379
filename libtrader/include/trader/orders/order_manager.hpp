#pragma once
// The book of our orders (spec orders §6 with F15): submits through a Broker, applies broker
// events through the transition table, and persists both when given a repository (live and
// paper; backtests keep it in memory). Every side effect is gated on an applied transition: a
// duplicate or late event changes nothing, so a repeated fill can never make a second trade.

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
};

class OrderManager {
 public:
  using IdSource = std::function<std::string()>;

  // `repository` may be null (backtests). The broker must outlive the manager.
  OrderManager(broker::Broker& broker, IdSource ids, OrderRepository* repository = nullptr);

  // Assigns the client order id, submits, and returns the order: submitted, or submit_failed
  // (rejected by the broker, with the reason in `reason`). The reference stays valid until the
  // order is forgotten.
  Order& submit(OrderRequest request, core::Timestamp now, std::string* reason = nullptr);
  void cancel(const Order& order);
  // Moves a stop; follows a new broker id when the broker replaced the order. False if refused.
  bool replace_stop(Order& order, Decimal stop_price, core::Timestamp now);

  ApplyResult apply(const OrderEvent& event);

  [[nodiscard]] Order* find(std::string_view client_order_id);
  [[nodiscard]] Order* find_by_broker_id(std::string_view broker_order_id);
  [[nodiscard]] std::size_t size() const noexcept { return orders_.size(); }
  // Drops terminal orders from memory (late events for them are then "unknown": still no effect).
  void forget_terminal();

 private:
  void persist_new(const Order& order, core::Timestamp now);
  void persist_change(const Order& order, OrderState old_state, std::string_view event_type,
                      core::Timestamp now, std::string_view detail);

  broker::Broker& broker_;
  IdSource ids_;
  OrderRepository* repository_;
  std::unordered_map<std::string, Order> orders_;              // by client order id
  std::unordered_map<std::string, std::string> by_broker_id_;  // broker id -> client id
  std::unordered_map<std::string, int> versions_;              // repository row versions
};

}  // namespace trader::orders
