#pragma once
// The broker as the engine sees it: commands (submit, cancel, replace) that go out and return at
// once, and a stream of order events that says what became of them. SimBroker (the simulated
// exchange) and the Alpaca adapter implement it; the engine never knows which one it talks to.
//
// The contract (the shape of a real broker, which answers over the network):
// - A command returns at once. It is refused locally (sent = false, with the reason) only when it
//   could not go out at all: an invalid request, an order the broker cannot address. Everything
//   else arrives later through the listener, as OrderEvents, in any order a real broker may
//   produce:
//     submit  -> submitted (with the broker's order id) or submit_failed; then accepted, fills,
//                canceled, expired, rejected. A fill may even arrive before `submitted` (the
//                stream is faster than the answer to the request): it carries the client order
//                id, and the order counts as submitted from then on.
//     cancel  -> canceled, or cancel_rejected (the order filled first: its fill arrives).
//     replace -> replaced (the order now in force, with its broker id, qty and prices), or
//                replace_rejected.
// - Events may be delivered at once, even from inside the command (SimBroker does, which keeps a
//   backtest's timing exact), or later from another driver loop turn; never concurrently.
// - Commands address an order by the client order id we gave it (F22), with the broker's id when
//   it is already known; a broker that needs its own id and does not know it yet resolves it
//   (Alpaca: by client order id) or refuses locally.
// - positions() and account() are what a driver asks at start-up and on reconciliation.

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

// What became of a command at once: sent (the outcome follows as events) or refused locally.
struct CommandResult {
  bool sent = false;
  std::string reason;  // when refused

  [[nodiscard]] static CommandResult ok() { return CommandResult{true, {}}; }
  [[nodiscard]] static CommandResult refused(std::string why) {
    return CommandResult{false, std::move(why)};
  }
};

// The order a cancel or replace is about.
struct OrderRef {
  std::string_view client_order_id = {};
  std::string_view broker_order_id = {};  // empty until the broker acknowledged the order
};

// A full description of the order wanted in force: every field set is the new value.
struct ReplaceRequest {
  std::optional<std::int64_t> qty;  // the order's total quantity, filled part included
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
  virtual CommandResult submit(const orders::OrderRequest& request) = 0;
  virtual CommandResult cancel(const OrderRef& order) = 0;
  virtual CommandResult replace(const OrderRef& order, const ReplaceRequest& request) = 0;
  [[nodiscard]] virtual std::vector<BrokerPosition> positions() = 0;
  [[nodiscard]] virtual AccountSnapshot account() = 0;
  // Bars and session closes are not the broker's business: a simulated exchange receives them
  // as a SimulatedVenue (simulated_venue.hpp), wired only by a simulating driver.
};

}  // namespace trader::broker
