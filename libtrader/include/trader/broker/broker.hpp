#pragma once
// The broker as the engine sees it (spec orders §2, §8 of the issue): submit, cancel, replace,
// positions, account, and a stream of order events. SimBroker (the simulated exchange) and the
// Alpaca adapter implement it; the engine never knows which one it talks to.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/orders/order.hpp>

namespace trader::broker {

using core::Decimal;

// Receives order events. The engine implements it.
class OrderEventListener {
 public:
  virtual ~OrderEventListener() = default;
  virtual void on_order_event(const orders::OrderEvent& event) = 0;
};

struct SubmitResult {
  bool accepted = false;
  std::string broker_order_id;
  std::string reason;  // when refused
};

struct ReplaceRequest {
  std::optional<std::int64_t> qty;
  std::optional<Decimal> limit_price;
  std::optional<Decimal> stop_price;
};

struct BrokerPosition {
  std::string symbol;
  std::int64_t qty = 0;
  Decimal avg_entry_price;
  Decimal market_value;
  Decimal unrealized_pl;
};

struct AccountSnapshot {
  Decimal equity;
  Decimal cash;
  Decimal buying_power;
};

class Broker {
 public:
  virtual ~Broker() = default;

  virtual void set_listener(OrderEventListener* listener) = 0;
  virtual SubmitResult submit(const orders::OrderRequest& request) = 0;
  virtual void cancel(std::string_view broker_order_id) = 0;
  // Returns the id of the order now in force (Alpaca replaces create a new one).
  virtual SubmitResult replace(std::string_view broker_order_id, const ReplaceRequest& request) = 0;
  [[nodiscard]] virtual std::vector<BrokerPosition> positions() = 0;
  [[nodiscard]] virtual AccountSnapshot account() = 0;
  // Bars and session closes are not the broker's business: a simulated exchange receives them
  // as a SimulatedVenue (simulated_venue.hpp), wired only by a simulating driver.
};

}  // namespace trader::broker
