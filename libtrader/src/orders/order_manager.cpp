#include <trader/orders/order_manager.hpp>

#include <trader/log/log.hpp>
#include <trader/orders/order_state.hpp>

namespace trader::orders {
namespace {

std::optional<OrderState> target_state(const OrderEvent& event) {
  switch (event.type) {
    case OrderEventType::accepted:
      return OrderState::accepted;
    case OrderEventType::partial_fill:
      return OrderState::partially_filled;
    case OrderEventType::fill:
      return OrderState::filled;
    case OrderEventType::canceled:
      return OrderState::canceled;
    case OrderEventType::expired:
      return OrderState::expired;
    case OrderEventType::rejected:
      return OrderState::rejected;
    case OrderEventType::replaced:
    case OrderEventType::pending:
      return std::nullopt;
  }
  return std::nullopt;
}

OrderRecord record_of(const Order& o, int version) {
  OrderRecord r;
  r.local_id = o.request.client_order_id;
  r.client_order_id = o.request.client_order_id;
  if (!o.broker_order_id.empty()) r.broker_id = o.broker_order_id;
  r.correlation_id =
      o.request.correlation_id.empty() ? o.request.client_order_id : o.request.correlation_id;
  r.symbol = o.request.symbol;
  r.side = o.request.side;
  r.type = o.request.type;
  r.time_in_force = o.request.time_in_force;
  r.role = o.request.role;
  r.state = o.state;
  r.qty_requested = Decimal::from_integer(o.request.qty);
  r.qty_filled = Decimal::from_integer(o.filled_qty);
  if (o.filled_qty > 0) r.avg_fill_price = o.avg_fill_price;
  r.limit_price = o.request.limit_price;
  r.stop_price = o.request.stop_price;
  r.planned_stop_price = o.request.planned_stop;
  if (!o.request.parent_id.empty()) r.parent_id = o.request.parent_id;
  if (!o.request.strategy.empty()) r.strategy = o.request.strategy;
  r.submit_attempts = 1;
  r.version = version;
  r.created_at = o.created_at;
  r.updated_at = o.updated_at;
  return r;
}

}  // namespace

OrderManager::OrderManager(broker::Broker& broker, IdSource ids, OrderRepository* repository)
    : broker_(broker), ids_(std::move(ids)), repository_(repository) {}

Order& OrderManager::submit(OrderRequest request, core::Timestamp now, std::string* reason) {
  if (request.client_order_id.empty()) request.client_order_id = ids_();
  Order order;
  order.request = std::move(request);
  order.created_at = order.updated_at = now;
  const std::string id = order.request.client_order_id;
  Order& stored = orders_.insert_or_assign(id, std::move(order)).first->second;
  persist_new(stored, now);
  const broker::SubmitResult result = broker_.submit(stored.request);
  const OrderState old_state = stored.state;
  if (result.accepted) {
    stored.state = OrderState::submitted;
    stored.broker_order_id = result.broker_order_id;
    by_broker_id_[result.broker_order_id] = id;
    persist_change(stored, old_state, "submitted", now, {});
  } else {
    stored.state = OrderState::submit_failed;
    if (reason != nullptr) *reason = result.reason;
    log::warning("order_submit_failed",
                 {{"order", id}, {"symbol", stored.request.symbol}, {"reason", result.reason}});
    persist_change(stored, old_state, "submit_failed", now, result.reason);
  }
  return stored;
}

void OrderManager::cancel(const Order& order) {
  if (is_terminal(order.state) || order.broker_order_id.empty()) return;
  broker_.cancel(order.broker_order_id);  // the confirmation arrives as an event
}

bool OrderManager::replace_stop(Order& order, Decimal stop_price, core::Timestamp now) {
  if (is_terminal(order.state) || order.broker_order_id.empty()) return false;
  broker::ReplaceRequest change;
  change.stop_price = stop_price;
  const broker::SubmitResult result = broker_.replace(order.broker_order_id, change);
  if (!result.accepted) {
    log::warning("stop_replace_failed",
                 {{"order", order.request.client_order_id}, {"reason", result.reason}});
    return false;
  }
  order.request.stop_price = stop_price;
  order.updated_at = now;
  if (result.broker_order_id != order.broker_order_id) {  // F15: follow the replacement
    const std::string old_broker_id = order.broker_order_id;
    by_broker_id_.erase(old_broker_id);
    order.broker_order_id = result.broker_order_id;
    by_broker_id_[order.broker_order_id] = order.request.client_order_id;
    persist_change(order, order.state, "replaced", now, "old_broker_id=" + old_broker_id);
  } else if (repository_ != nullptr) {
    persist_change(order, order.state, "replaced", now, "stop_price=" + stop_price.to_string());
  }
  return true;
}

ApplyResult OrderManager::apply(const OrderEvent& event) {
  ApplyResult result;
  Order* order = find_by_broker_id(event.broker_order_id);
  if (order == nullptr && !event.client_order_id.empty()) order = find(event.client_order_id);
  if (order == nullptr) {
    log::warning("unknown_order_update", {{"broker_order_id", event.broker_order_id},
                                          {"event", std::string(to_string(event.type))}});
    return result;
  }
  result.order = order;
  if (event.type == OrderEventType::replaced) {
    if (!event.new_broker_order_id.empty() && event.new_broker_order_id != order->broker_order_id) {
      by_broker_id_.erase(order->broker_order_id);
      const std::string old_id = order->broker_order_id;
      order->broker_order_id = event.new_broker_order_id;
      by_broker_id_[order->broker_order_id] = order->request.client_order_id;
      persist_change(*order, order->state, "replaced", event.ts, "old_broker_id=" + old_id);
    }
    result.kind = ApplyResult::Kind::applied;
    return result;
  }
  const auto target = target_state(event);
  if (!target) {
    result.kind = ApplyResult::Kind::ignored;
    return result;
  }
  const OrderState old_state = order->state;
  if (!can_transition(old_state, *target)) {
    // F15: duplicate or late (a fill after the fill, a cancel after the fill): no side effect.
    log::info("order_event_ignored", {{"order", order->request.client_order_id},
                                      {"event", std::string(to_string(event.type))},
                                      {"state", std::string(to_string(old_state))}});
    result.kind = ApplyResult::Kind::ignored;
    return result;
  }
  if (event.type == OrderEventType::fill || event.type == OrderEventType::partial_fill) {
    const std::int64_t delta = event.filled_qty - order->filled_qty;
    if (delta <= 0) {  // a repeated partial fill carries no new quantity
      result.kind = ApplyResult::Kind::ignored;
      return result;
    }
    // The running average over executions (cumulative quantities, as the stream reports).
    order->avg_fill_price = div_round(
        order->avg_fill_price * order->filled_qty + event.fill_price * delta, event.filled_qty);
    order->filled_qty = event.filled_qty;
    order->costs += event.costs;
    result.fill_qty = delta;
    result.fill_price = event.fill_price;
    result.costs = event.costs;
  }
  order->state = *target;
  order->updated_at = event.ts;
  persist_change(*order, old_state, to_string(event.type), event.ts, event.reason);
  result.kind = ApplyResult::Kind::applied;
  return result;
}

Order* OrderManager::find(std::string_view client_order_id) {
  const auto it = orders_.find(std::string(client_order_id));
  return it == orders_.end() ? nullptr : &it->second;
}

Order* OrderManager::find_by_broker_id(std::string_view broker_order_id) {
  const auto it = by_broker_id_.find(std::string(broker_order_id));
  return it == by_broker_id_.end() ? nullptr : find(it->second);
}

void OrderManager::forget_terminal() {
  for (auto it = orders_.begin(); it != orders_.end();) {
    if (is_terminal(it->second.state)) {
      by_broker_id_.erase(it->second.broker_order_id);
      versions_.erase(it->first);
      it = orders_.erase(it);
    } else {
      ++it;
    }
  }
}

void OrderManager::persist_new(const Order& order, core::Timestamp now) {
  if (repository_ == nullptr) return;
  OrderEventRecord event;
  event.order_local_id = order.request.client_order_id;
  event.event_type = "created";
  event.new_state = order.state;
  event.recorded_at = now;
  repository_->insert(record_of(order, 0), event);
  versions_[order.request.client_order_id] = 0;
}

void OrderManager::persist_change(const Order& order, OrderState old_state,
                                  std::string_view event_type, core::Timestamp now,
                                  std::string_view detail) {
  if (repository_ == nullptr) return;
  int& version = versions_[order.request.client_order_id];
  OrderRecord record = record_of(order, version);
  OrderEventRecord event;
  event.order_local_id = order.request.client_order_id;
  event.event_type = std::string(event_type);
  event.old_state = old_state;
  event.new_state = order.state;
  if (order.filled_qty > 0) {
    event.qty_filled = Decimal::from_integer(order.filled_qty);
    event.fill_price = order.avg_fill_price;
  }
  if (!order.broker_order_id.empty()) event.broker_id = order.broker_order_id;
  if (!detail.empty()) event.detail = std::string(detail);
  event.recorded_at = now;
  repository_->update(record, event);
  version = record.version;
}

}  // namespace trader::orders
