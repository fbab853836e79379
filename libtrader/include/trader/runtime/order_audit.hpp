#pragma once
// The order audit: what the trade-update stream said of our open orders, compared with the
// broker's REST state. A fill frame can be lost while the connection stays healthy and its
// heartbeats continue (peers' users lose money to exactly that); the audit turns each
// difference (a fill, a cancel, an expiry, a rejection, a replacement, a submission answered
// nowhere) into the event the stream should have delivered. Start-up reconciliation uses the same
// comparison for the orders stored before a restart.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <trader/alpaca/broker.hpp>
#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/bar.hpp>
#include <trader/orders/order.hpp>

namespace trader::runtime {

// One of our orders as the events described it.
struct TrackedOrder {
  std::string client_order_id;
  std::string broker_order_id;  // empty until the broker answered
  std::string symbol;
  data::SymbolId symbol_id{};
  orders::Side side = orders::Side::buy;
  orders::OrderType type = orders::OrderType::market;
  orders::OrderRole role = orders::OrderRole::entry;
  std::int64_t qty = 0;  // asked for (replacements applied)
  std::optional<core::Decimal> limit_price;
  std::optional<core::Decimal> stop_price;
  std::int64_t filled_qty = 0;  // cumulative
  core::Decimal filled_value;   // the fills' price x quantity, summed
  core::Timestamp sent_at;      // on the runtime's clock
};

// The events that bring `tracked` up to the broker's `rest` orders (any status, newest first or
// not), oldest order first: `submitted` for an order the broker holds whose answer never came,
// `replaced` along a chain of replacements, one fill or partial_fill for the quantity filled
// beyond what is known (its price from the broker's average), then canceled, expired or
// rejected. An order the broker does not show yields nothing.
[[nodiscard]] std::vector<orders::OrderEvent> audit_events(
    const std::vector<TrackedOrder>& tracked, const std::vector<alpaca::OrderInfo>& rest);

}  // namespace trader::runtime
