#include <trader/runtime/order_audit.hpp>

#include <unordered_map>

namespace trader::runtime {

namespace {

std::int64_t shares(core::Decimal qty) { return qty.truncated(); }

orders::OrderEvent event_for(const TrackedOrder& t, const alpaca::OrderInfo& o,
                             orders::OrderEventType type) {
  orders::OrderEvent e;
  e.type = type;
  e.client_order_id = t.client_order_id;
  e.broker_order_id = o.id;
  e.symbol_id = t.symbol_id;
  e.side = t.side;
  e.ts = o.updated_at == core::Timestamp{} ? o.created_at : o.updated_at;
  e.filled_qty = t.filled_qty;
  return e;
}

}  // namespace

std::vector<orders::OrderEvent> audit_events(const std::vector<TrackedOrder>& tracked,
                                             const std::vector<alpaca::OrderInfo>& rest) {
  std::unordered_map<std::string, const alpaca::OrderInfo*> by_id;
  std::unordered_map<std::string, const alpaca::OrderInfo*> by_client_id;
  for (const alpaca::OrderInfo& o : rest) {
    by_id.emplace(o.id, &o);
    by_client_id.emplace(o.client_order_id, &o);
  }
  std::vector<orders::OrderEvent> out;
  for (TrackedOrder t : tracked) {
    const alpaca::OrderInfo* o = nullptr;
    if (!t.broker_order_id.empty()) {
      const auto found = by_id.find(t.broker_order_id);
      if (found != by_id.end()) o = found->second;
    } else {
      const auto found = by_client_id.find(t.client_order_id);
      if (found != by_client_id.end()) {
        o = found->second;
        auto submitted = event_for(t, *o, orders::OrderEventType::submitted);
        submitted.ts = o->created_at;
        out.push_back(std::move(submitted));
        t.broker_order_id = o->id;
      }
    }
    if (o == nullptr) continue;
    // Alpaca replaces an order by a new one: follow the chain to the order in force.
    for (int hops = 0; o->status == "replaced" && !o->replaced_by.empty() && hops < 100; ++hops) {
      const auto next = by_id.find(o->replaced_by);
      if (next == by_id.end()) break;
      // Fills of the replaced order before it was replaced.
      if (shares(o->filled_qty.value) > t.filled_qty) break;
      const alpaca::OrderInfo& n = *next->second;
      auto replaced = event_for(t, n, orders::OrderEventType::replaced);
      replaced.broker_order_id = o->id;
      replaced.new_broker_order_id = n.id;
      replaced.ts = n.created_at;
      replaced.qty = shares(n.qty.value);
      if (n.stop_price) replaced.stop_price = n.stop_price->value;
      if (n.limit_price) replaced.limit_price = n.limit_price->value;
      out.push_back(std::move(replaced));
      o = &n;
      t.broker_order_id = n.id;
    }
    const std::int64_t filled = shares(o->filled_qty.value);
    if (filled > t.filled_qty) {
      const std::int64_t delta = filled - t.filled_qty;
      const bool complete = o->status == "filled" || o->filled_qty.value >= o->qty.value;
      auto fill = event_for(
          t, *o, complete ? orders::OrderEventType::fill : orders::OrderEventType::partial_fill);
      fill.filled_qty = filled;
      fill.fill_qty = delta;
      if (o->filled_avg_price) {
        fill.fill_price =
            core::div_round(o->filled_avg_price->value * filled - t.filled_value, delta);
      }
      fill.reason = "from the broker's REST state";
      out.push_back(std::move(fill));
      t.filled_qty = filled;
    }
    const alpaca::StatusMeaning meaning = alpaca::map_order_status(o->status);
    switch (meaning.event) {
      case orders::OrderEventType::canceled:
      case orders::OrderEventType::expired:
      case orders::OrderEventType::rejected: {
        auto end = event_for(t, *o, meaning.event);
        end.reason = o->status;
        out.push_back(std::move(end));
        break;
      }
      default:
        break;
    }
  }
  return out;
}

}  // namespace trader::runtime
