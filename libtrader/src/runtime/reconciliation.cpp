#include "reconciliation.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include <trader/log/log.hpp>

namespace trader::runtime {

namespace {

using orders::OrderEventType;
using orders::OrderRecord;

constexpr int kAttempts = 3;
constexpr std::int64_t kMaxShares = 100'000;
const core::Decimal kMaxPrice = core::Decimal::from_integer(1'000'000);

// A broker read, retried (3 attempts, 1 s, 2 s, 4 s apart), else the start-up stops.
template <class F>
auto with_retries(std::string_view what, F read) {
  std::chrono::seconds wait{1};
  for (int attempt = 1;; ++attempt) {
    try {
      return read();
    } catch (const std::exception& e) {
      if (attempt >= kAttempts) {
        throw ReconciliationError("start-up reconciliation could not read the broker's " +
                                  std::string(what) + " after " + std::to_string(kAttempts) +
                                  " attempts: " + e.what() +
                                  "; not starting (trading on stale state is worse than not "
                                  "trading)");
      }
      log::warning(
          "reconcile_retry",
          {{"what", std::string(what)}, {"attempt", std::to_string(attempt)}, {"error", e.what()}});
      std::this_thread::sleep_for(wait);
      wait *= 2;
    }
  }
}

std::string compact_date(core::Date date) {
  std::string text = core::format_date(date);  // YYYY-MM-DD
  text.erase(std::remove(text.begin(), text.end(), '-'), text.end());
  return text;
}

void check_position(const alpaca::PositionInfo& p) {
  const core::Decimal qty = p.qty.value;
  if (qty <= core::Decimal{} || qty > core::Decimal::from_integer(kMaxShares) ||
      qty != core::Decimal::from_integer(qty.truncated())) {
    throw ReconciliationError("the broker shows a position of " + p.qty.text + " shares of " +
                              p.symbol + ", outside 0 < qty <= 100000 whole shares (long only); " +
                              "not starting: close it by hand (trader-broker positions)");
  }
  const core::Decimal price = p.avg_entry_price.value;
  if (price <= core::Decimal{} || price > kMaxPrice) {
    throw ReconciliationError("the broker shows " + p.symbol + " bought at " +
                              p.avg_entry_price.text + ", outside 0 < price <= 1000000; " +
                              "not starting");
  }
}

TrackedOrder tracked_from(const OrderRecord& r) {
  TrackedOrder t;
  t.client_order_id = r.client_order_id;
  t.broker_order_id = r.broker_id.value_or("");
  t.symbol = r.symbol;
  t.side = r.side;
  t.type = r.type;
  t.role = r.role;
  t.qty = r.qty_requested.truncated();
  t.limit_price = r.limit_price;
  t.stop_price = r.stop_price;
  t.filled_qty = r.qty_filled.truncated();
  t.filled_value = r.avg_fill_price.value_or(core::Decimal{}) * t.filled_qty;
  t.sent_at = r.created_at;
  return t;
}

}  // namespace

Reconciliation reconcile(alpaca::AlpacaBroker& broker, orders::OrderRepository& orders,
                         orders::TradeRepository& trades, core::Timestamp now,
                         core::Date session_date) {
  Reconciliation out;
  out.account = with_retries("account", [&] { return broker.account_info(); });
  const auto positions = with_retries("positions", [&] { return broker.position_infos(); });
  const auto recent =
      with_retries("orders", [&] { return broker.orders(alpaca::OrderStatusFilter::all, 500); });
  for (const auto& p : positions) check_position(p);

  // 1. The broker's open orders that nothing stored knows: cancelled, and gone before we go on
  //    (a stale sell order would hold the shares a new stop needs).
  std::set<std::string> orphans;
  for (const alpaca::OrderInfo& o : recent) {
    if (alpaca::map_order_status(o.status).terminal) continue;
    if (orders.find_by_client_order_id(o.client_order_id) || orders.find_by_broker_id(o.id)) {
      continue;
    }
    log::warning("orphan_order_cancelled", {{"order", o.id},
                                            {"client_order_id", o.client_order_id},
                                            {"symbol", o.symbol},
                                            {"side", o.side},
                                            {"type", o.type}});
    const auto sent = broker.cancel(broker::OrderRef{o.client_order_id, o.id});
    if (!sent.sent) {
      throw ReconciliationError("could not cancel the broker's order " + o.id + " (" + o.symbol +
                                ") that no stored order knows: " + sent.reason);
    }
    orphans.insert(o.id);
    ++out.orphan_orders_canceled;
  }
  if (!orphans.empty()) {
    bool gone = false;
    for (int i = 0; i < 20 && !gone; ++i) {
      const auto open = with_retries(
          "open orders", [&] { return broker.orders(alpaca::OrderStatusFilter::open, 500); });
      gone = std::none_of(open.begin(), open.end(),
                          [&](const alpaca::OrderInfo& o) { return orphans.contains(o.id); });
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (!gone) {
      throw ReconciliationError(
          "the broker's orders that no stored order knows were not cancelled within 5 s; "
          "not starting (trader-broker orders shows them)");
    }
  }

  // 2. Positions no stored round trip holds: adopted as filled entries, once (F18: no planned
  //    stop is known, so restore protects them with the emergency stop).
  auto open_trips = orders.open_round_trips();
  std::set<std::string> held_locally;
  for (const OrderRecord& r : open_trips) {
    if (r.role == orders::OrderRole::entry) held_locally.insert(r.symbol);
  }
  for (const alpaca::PositionInfo& p : positions) {
    if (held_locally.contains(p.symbol)) continue;
    const std::string id = "orphan-" + p.symbol + "-" + compact_date(session_date);
    if (orders.find_by_client_order_id(id)) {
      log::warning("orphan_position_known", {{"symbol", p.symbol}, {"order", id}});
      continue;
    }
    OrderRecord r;
    r.local_id = id;
    r.client_order_id = id;
    r.correlation_id = id;
    r.symbol = p.symbol;
    r.side = orders::Side::buy;
    r.type = orders::OrderType::market;
    r.role = orders::OrderRole::entry;
    r.state = orders::OrderState::filled;
    r.qty_requested = p.qty.value;
    r.qty_filled = p.qty.value;
    r.avg_fill_price = p.avg_entry_price.value;
    r.strategy = "orphan";
    r.created_at = now;
    r.updated_at = now;
    orders::OrderEventRecord event;
    event.order_local_id = id;
    event.event_type = "reconciled";
    event.new_state = orders::OrderState::filled;
    event.qty_filled = p.qty.value;
    event.fill_price = p.avg_entry_price.value;
    event.detail = "a broker position no stored order holds, adopted at start-up";
    event.recorded_at = now;
    orders.insert(r, event);
    log::critical("orphan_position_adopted", {{"symbol", p.symbol},
                                              {"qty", p.qty.text},
                                              {"avg_entry_price", p.avg_entry_price.text},
                                              {"order", id}});
    ++out.orphan_positions_adopted;
  }

  // 3. The stored side, and what the broker did to its open orders meanwhile.
  out.state = engine::stored_state(orders, trades, session_date);
  out.state.now = now;
  std::vector<TrackedOrder> open;
  for (const OrderRecord& r : out.state.orders) {
    if (orders::is_terminal(r.state)) continue;
    ++out.orders_checked;
    const bool at_broker = std::any_of(recent.begin(), recent.end(), [&](const auto& o) {
      return o.client_order_id == r.client_order_id || (r.broker_id && o.id == *r.broker_id);
    });
    if (!r.broker_id && !at_broker && r.role == orders::OrderRole::entry) {
      // An entry stored but never received by the broker is not sent hours later.
      orders::OrderEvent failed;
      failed.type = OrderEventType::submit_failed;
      failed.client_order_id = r.client_order_id;
      failed.side = r.side;
      failed.ts = now;
      failed.reason = "not at the broker after a restart";
      out.state.missed.push_back(std::move(failed));
      continue;
    }
    open.push_back(tracked_from(r));
  }
  auto missed = audit_events(open, recent);
  out.events = static_cast<int>(missed.size()) + static_cast<int>(out.state.missed.size());
  for (auto& e : missed) out.state.missed.push_back(std::move(e));
  std::stable_sort(
      out.state.missed.begin(), out.state.missed.end(),
      [](const orders::OrderEvent& a, const orders::OrderEvent& b) { return a.ts < b.ts; });
  out.open = std::move(open);

  // 4. The circuit breaker's base: today's equity before today's trades.
  core::Decimal realized;
  for (const auto& t : out.state.trades_today) realized += t.pnl;
  out.state.start_of_day_equity = out.account.equity.value - realized;
  out.state.cash = out.account.cash.value;

  std::set<std::string> symbols;
  for (const OrderRecord& r : out.state.orders) symbols.insert(r.symbol);
  for (const auto& p : positions) symbols.insert(p.symbol);
  out.symbols.assign(symbols.begin(), symbols.end());
  log::info("reconciled",
            {{"orders_checked", std::to_string(out.orders_checked)},
             {"missed_events", std::to_string(out.events)},
             {"orphan_orders_canceled", std::to_string(out.orphan_orders_canceled)},
             {"orphan_positions_adopted", std::to_string(out.orphan_positions_adopted)},
             {"positions", std::to_string(positions.size())},
             {"trades_today", std::to_string(out.state.trades_today.size())}});
  return out;
}

}  // namespace trader::runtime
