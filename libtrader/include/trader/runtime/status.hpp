#pragma once
// What GET /status shows of a running trader-run, and what GET /healthz decides from it: a plain
// snapshot the runtime fills on its io_context's thread, written as JSON (money as exact decimal
// strings, instants as UTC ISO-8601, ages in seconds on the runtime's clock, so a simulated
// clock's session reads consistently).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/orders/order_types.hpp>
#include <trader/runtime/bar_feed.hpp>

namespace trader::runtime {

// One stream: the market data, the trade updates (or a replay's feed).
struct StreamStatus {
  std::string name;  // "market_data", "trade_updates", "replay"
  bool connected = false;
  // Since its last message, on the runtime's clock; none when no message came yet.
  std::optional<double> last_message_age_seconds;
  int reconnects = 0;
  std::string fatal_error;  // empty while none
  // Whether silence means trouble now (the market-data stream during the session): /healthz
  // then requires last_message_age_seconds <= the staleness limit.
  bool expect_messages = false;
};

// A stream's status from its FeedHealth, its age measured at `now` (the runtime's clock).
[[nodiscard]] StreamStatus stream_status(std::string name, const FeedHealth& health,
                                         core::Timestamp now, bool expect_messages);

struct PositionStatus {
  std::string symbol;
  std::int64_t quantity = 0;
  core::Decimal entry_price;
  core::Timestamp opened_at{};
  std::optional<core::Decimal> stop_price;  // none: no active stop (an unprotected position)
  std::string stop_order_id;
  std::string strategy;
};

struct OrderStatus {
  std::string client_order_id;
  std::string broker_order_id;
  std::string symbol;
  orders::Side side = orders::Side::buy;
  orders::OrderType type = orders::OrderType::market;
  orders::OrderRole role = orders::OrderRole::entry;
  orders::OrderState state = orders::OrderState::pending_submit;
  std::int64_t quantity = 0;
  std::int64_t filled_quantity = 0;
  std::optional<core::Decimal> limit_price;
  std::optional<core::Decimal> stop_price;
  core::Timestamp submitted_at{};
};

struct BreakerStatus {
  bool tripped = false;
  std::string reason;  // why it tripped; empty while it did not
  int consecutive_losses = 0;
  core::Decimal start_of_day_equity;
};

struct StatusSnapshot {
  std::string state;  // the runtime's state: "starting", "running", "shutting_down", ...
  std::string mode;   // "paper", "live", "dry-run", "replay"
  bool simulated_clock = false;
  core::Timestamp clock{};       // the runtime's clock now
  core::Timestamp started_at{};  // on the runtime's clock
  double uptime_seconds = 0.0;   // real time since the process started
  std::string strategy;
  std::vector<StreamStatus> streams;
  std::vector<PositionStatus> positions;
  std::vector<OrderStatus> pending_orders;
  core::Decimal realized_pnl_today;
  std::optional<core::Decimal> equity;  // the account's, when known
  BreakerStatus circuit_breaker;
  std::int64_t bars_processed = 0;
  int supervision_failures = 0;  // in the current window (F19)
  int stream_gaps = 0;           // order events applied by the audit, not the stream
};

// The snapshot as one JSON object (no trailing newline):
// {"state":"running","mode":"paper","simulated_clock":false,"clock":"2026-03-02T15:04:05Z",
//  "started_at":...,"uptime_seconds":12.5,"strategy":"velez",
//  "streams":[{"name":"market_data","connected":true,"last_message_age_seconds":3.2,
//              "reconnects":0,"fatal_error":null}],
//  "positions":[{"symbol":"AAPL","quantity":10,"entry_price":"187.12",
//                "opened_at":...,"stop_price":"185.5","stop_order_id":"...","strategy":"velez"}],
//  "pending_orders":[{"client_order_id":...,"side":"buy","type":"limit","role":"entry",
//                     "state":"submitted","quantity":10,"filled_quantity":0,
//                     "limit_price":"187.2","stop_price":null,...}],
//  "realized_pnl_today":"-12.5","equity":"25000","circuit_breaker":{"tripped":false,...},
//  "bars_processed":1234,"supervision_failures":0,"stream_gaps":0}
[[nodiscard]] std::string to_json(const StatusSnapshot& snapshot);

// What GET /healthz answers: healthy, or the first reason it is not.
struct HealthVerdict {
  bool healthy = false;
  std::string reason;  // empty when healthy
};

// Healthy when the state is "running", no stream has a fatal error or is disconnected, and every
// stream that expects messages and had one heard the last within `stale_after`. Reasons read like
// "state is warming_up", "market_data is disconnected", "market_data silent for 240 s".
[[nodiscard]] HealthVerdict assess_health(const StatusSnapshot& snapshot,
                                          std::chrono::seconds stale_after);

}  // namespace trader::runtime
