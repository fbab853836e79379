#pragma once
// Start-up reconciliation, before any stream is started: the stored orders and the
// broker's orders, positions and account are brought into one RestoreState for
// Engine::restore. Private to the runtime.

#include <string>
#include <vector>

#include <trader/alpaca/broker.hpp>
#include <trader/config/settings.hpp>
#include <trader/core/error.hpp>
#include <trader/engine/engine.hpp>
#include <trader/orders/order_repository.hpp>
#include <trader/runtime/order_audit.hpp>

namespace trader::runtime {

// The broker could not be read (after the retries) or showed values that cannot be right:
// start-up stops, because trading on stale state is worse than not trading.
class ReconciliationError : public Error {
 public:
  using Error::Error;
};

struct Reconciliation {
  engine::RestoreState state;
  alpaca::AccountInfo account;
  // Every symbol the stored round trips and the broker's positions name (the engine's symbol
  // table must hold them besides the watchlist).
  std::vector<std::string> symbols;
  // The orders still open after the missed events, for the order audit to follow.
  std::vector<TrackedOrder> open;
  int orders_checked = 0;
  int events = 0;
  int orphan_orders_canceled = 0;
  int orphan_positions_adopted = 0;
};

// Reads the broker (3 attempts, 1 s / 2 s / 4 s apart), bounds-checks its positions, cancels
// the broker's open orders that no stored order knows (and waits for them to go), adopts each
// position no stored round trip holds as an `orphan-SYMBOL-YYYYMMDD` filled entry (stored once,
// so restarts are idempotent), turns what the broker did to the stored open orders into
// missed events (a stored entry the broker never received: submit_failed; a stop or exit: sent
// again by restore), and takes the circuit breaker's base from the account: equity minus the
// day's realized P&L. Throws ReconciliationError.
[[nodiscard]] Reconciliation reconcile(alpaca::AlpacaBroker& broker,
                                       orders::OrderRepository& orders,
                                       orders::TradeRepository& trades, core::Timestamp now,
                                       core::Date session_date);

}  // namespace trader::runtime
