#pragma once
// Persistence of the order lifecycle, as the domain needs it: the mutable order row and its
// append-only audit events, always written together. The SOCI implementation lives in the
// storage layer (trader/store/repositories.hpp); tests may use an in-memory one.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/core/error.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/orders/order_types.hpp>

namespace trader::orders {

using core::Decimal;
using core::Timestamp;

struct OrderRecord {
  std::string local_id;
  std::string client_order_id;  // sent to the broker, so a retried submit is never a duplicate
  std::optional<std::string> broker_id;
  std::string correlation_id;  // ties an entry to its stop and exit
  std::string symbol;
  Side side = Side::buy;
  OrderType type = OrderType::market;
  TimeInForce time_in_force = TimeInForce::day;
  OrderRole role = OrderRole::entry;
  OrderState state = OrderState::pending_submit;
  Decimal qty_requested;
  Decimal qty_filled;
  std::optional<Decimal> avg_fill_price;
  std::optional<Decimal> limit_price;
  std::optional<Decimal> stop_price;
  std::optional<Decimal> planned_stop_price;  // an entry's protective stop, for crash recovery
  std::optional<std::string> parent_id;       // a stop's entry
  std::optional<std::string> strategy;
  std::optional<std::string> last_error;
  int submit_attempts = 0;
  int version = 0;  // optimistic lock: bumped by every update
  Timestamp created_at;
  Timestamp updated_at;
};

struct OrderEventRecord {
  std::string order_local_id;
  std::string event_type;  // submitted, fill, partial_fill, canceled, replaced, reconciled, ...
  std::optional<OrderState> old_state;
  OrderState new_state = OrderState::pending_submit;
  std::optional<Decimal> qty_filled;
  std::optional<Decimal> fill_price;
  std::optional<std::string> broker_id;
  std::optional<std::string> detail;
  Timestamp recorded_at;
};

// Someone else changed the row since it was read (its version moved on).
class ConcurrentUpdateError : public Error {
 public:
  using Error::Error;
};

class OrderRepository {
 public:
  virtual ~OrderRepository() = default;
  // A new order and its first event, in one transaction.
  virtual void insert(const OrderRecord& order, const OrderEventRecord& event) = 0;
  // Saves `order` (whose version must still be the stored one; it is bumped) and appends `event`
  // in one transaction; ConcurrentUpdateError when the stored version moved on.
  virtual void update(OrderRecord& order, const OrderEventRecord& event) = 0;
  [[nodiscard]] virtual std::optional<OrderRecord> find_by_local_id(std::string_view local_id) = 0;
  [[nodiscard]] virtual std::optional<OrderRecord> find_by_broker_id(
      std::string_view broker_id) = 0;
  [[nodiscard]] virtual std::optional<OrderRecord> find_by_client_order_id(std::string_view id) = 0;
  [[nodiscard]] virtual std::vector<OrderRecord> non_terminal() = 0;
  // Every order of each round trip that has no trade row yet and is still open: one with an
  // order that is not terminal, or an entry with a fill. Oldest first. What a restart takes over
  // (engine::Engine::restore): pending entries, open positions with their stops and exits, and
  // a position whose closing fill was stored just before a crash that kept its trade row out.
  [[nodiscard]] virtual std::vector<OrderRecord> open_round_trips() = 0;
  [[nodiscard]] virtual std::vector<OrderEventRecord> events(std::string_view local_id) = 0;
};

// A closed round trip of live or paper trading.
struct TradeRecord {
  std::string trade_id;
  std::string correlation_id;
  std::string symbol;
  std::string side = "long";  // long | short
  Decimal qty;
  Decimal entry_price;
  Decimal exit_price;
  Timestamp entry_at;
  Timestamp exit_at;
  Decimal pnl;
  Decimal pnl_pct;  // a fraction
  std::string strategy = "unknown";
  std::int64_t duration_seconds = 0;
  Decimal commission;
};

class TradeRepository {
 public:
  virtual ~TradeRepository() = default;
  // F15: idempotent. Returns false (and stores nothing) when a trade for the same correlation
  // already exists, so a repeated fill never creates a second trade.
  virtual bool insert(const TradeRecord& trade) = 0;
  // Trades that closed in [from, to), oldest first (the circuit breaker's day).
  [[nodiscard]] virtual std::vector<TradeRecord> closed_between(Timestamp from, Timestamp to) = 0;
};

}  // namespace trader::orders
