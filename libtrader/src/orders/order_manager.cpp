#include <trader/orders/order_manager.hpp>

#include <algorithm>

#include <trader/core/error.hpp>
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
    case OrderEventType::submitted:
    case OrderEventType::submit_failed:
    case OrderEventType::replace_rejected:
    case OrderEventType::cancel_rejected:
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
  r.submit_attempts = o.submit_attempts;
  r.version = version;
  r.created_at = o.created_at;
  r.updated_at = o.updated_at;
  return r;
}

}  // namespace

OrderManager::OrderManager(broker::Broker& broker, IdSource ids, OrderRepository* repository)
    : broker_(broker), ids_(std::move(ids)), repository_(repository) {}

Order& OrderManager::create(OrderRequest request, core::Timestamp now) {
  if (request.client_order_id.empty()) request.client_order_id = ids_();
  Order order;
  order.request = std::move(request);
  order.created_at = order.updated_at = now;
  std::string id = order.request.client_order_id;
  const auto [it, inserted] = orders_.try_emplace(std::move(id), std::move(order));
  if (!inserted) {
    // F22: an id names one order for ever; reusing one would merge two orders at the broker.
    throw Error("client order id " + it->first + " is already in use");
  }
  persist_new(it->second, now);
  return it->second;
}

bool OrderManager::send(Order& order, core::Timestamp now, std::string* reason) {
  if (order.state != OrderState::pending_submit) return false;
  ++order.submit_attempts;
  const broker::CommandResult result = broker_.submit(order.request);
  // Sent: the answer (submitted or submit_failed) and maybe more arrive as events, possibly
  // already during the call above; the order may even be gone now (filled, closed, forgotten).
  if (result.sent) return true;
  // Refused locally: nothing reached the broker and no event came.
  const OrderState old_state = order.state;
  order.state = OrderState::submit_failed;
  order.updated_at = now;
  if (reason != nullptr) *reason = result.reason;
  log::warning("order_submit_failed", {{"order", order.request.client_order_id},
                                       {"symbol", order.request.symbol},
                                       {"reason", result.reason}});
  persist_change(order, old_state, "submit_failed", now, result.reason);
  return false;
}

Order& OrderManager::submit(OrderRequest request, core::Timestamp now, std::string* reason) {
  Order& order = create(std::move(request), now);
  const std::string id = order.request.client_order_id;
  send(order, now, reason);
  Order* still = find(id);
  if (still == nullptr) throw Error("order " + id + " was forgotten during its own submit");
  return *still;
}

bool OrderManager::cancel(Order& order) {
  if (is_terminal(order.state) || order.cancel_requested) return false;
  order.cancel_requested = true;  // before the call: the confirmation may arrive inside it
  const std::string id = order.request.client_order_id;
  const broker::CommandResult result =
      broker_.cancel(broker::OrderRef{order.request.client_order_id, order.broker_order_id});
  if (result.sent) return true;
  if (Order* still = find(id)) still->cancel_requested = false;
  log::warning("order_cancel_refused", {{"order", id}, {"reason", result.reason}});
  return false;
}

bool OrderManager::replace(Order& order, const broker::ReplaceRequest& change) {
  if (is_terminal(order.state)) return false;
  ++order.replaces_in_flight;  // before the call: the answer may arrive inside it
  const std::string id = order.request.client_order_id;
  const broker::CommandResult result = broker_.replace(
      broker::OrderRef{order.request.client_order_id, order.broker_order_id}, change);
  if (result.sent) return true;
  if (Order* still = find(id)) --still->replaces_in_flight;
  log::warning("order_replace_refused", {{"order", id}, {"reason", result.reason}});
  return false;
}

void OrderManager::follow_broker_id(Order& order, std::string_view broker_id) {
  if (broker_id.empty() || broker_id == order.broker_order_id) return;
  if (!order.broker_order_id.empty()) by_broker_id_.erase(order.broker_order_id);
  order.broker_order_id = std::string(broker_id);
  by_broker_id_[order.broker_order_id] = order.request.client_order_id;
}

void OrderManager::mark_submitted(Order& order, std::string_view broker_id, core::Timestamp ts,
                                  std::string_view detail) {
  const OrderState old_state = order.state;
  follow_broker_id(order, broker_id);
  order.state = OrderState::submitted;
  order.updated_at = ts;
  persist_change(order, old_state, "submitted", ts, detail);
}

ApplyResult OrderManager::apply(const OrderEvent& event) {
  ApplyResult result;
  Order* order = event.broker_order_id.empty() ? nullptr : find_by_broker_id(event.broker_order_id);
  if (order == nullptr && !event.client_order_id.empty()) order = find(event.client_order_id);
  if (order == nullptr) {
    log::warning("unknown_order_update", {{"broker_order_id", event.broker_order_id},
                                          {"client_order_id", event.client_order_id},
                                          {"event", std::string(to_string(event.type))}});
    return result;
  }
  result.order = order;
  result.old_state = order->state;
  const auto ignore = [&] {
    // F15: duplicate or late (a fill after the fill, a cancel after the fill, a second answer
    // to one submit): no side effect.
    log::info("order_event_ignored", {{"order", order->request.client_order_id},
                                      {"event", std::string(to_string(event.type))},
                                      {"state", std::string(to_string(order->state))}});
    result.kind = ApplyResult::Kind::ignored;
    return result;
  };
  switch (event.type) {
    case OrderEventType::pending:
      result.kind = ApplyResult::Kind::ignored;
      return result;
    case OrderEventType::submitted:
      if (order->state != OrderState::pending_submit) return ignore();
      mark_submitted(*order, event.broker_order_id, event.ts, {});
      result.kind = ApplyResult::Kind::applied;
      return result;
    case OrderEventType::submit_failed:
      if (order->state != OrderState::pending_submit) return ignore();
      order->state = OrderState::submit_failed;
      order->updated_at = event.ts;
      log::warning("order_submit_failed", {{"order", order->request.client_order_id},
                                           {"symbol", order->request.symbol},
                                           {"reason", event.reason}});
      persist_change(*order, result.old_state, "submit_failed", event.ts, event.reason);
      result.kind = ApplyResult::Kind::applied;
      return result;
    case OrderEventType::replace_rejected:
    case OrderEventType::cancel_rejected:
      if (event.type == OrderEventType::replace_rejected) {
        order->replaces_in_flight = std::max(0, order->replaces_in_flight - 1);
      } else {
        order->cancel_requested = false;
      }
      log::warning("order_command_rejected", {{"order", order->request.client_order_id},
                                              {"event", std::string(to_string(event.type))},
                                              {"reason", event.reason}});
      persist_change(*order, order->state, to_string(event.type), event.ts, event.reason);
      result.kind = ApplyResult::Kind::applied;
      return result;
    case OrderEventType::replaced: {
      order->replaces_in_flight = std::max(0, order->replaces_in_flight - 1);
      if (is_terminal(order->state)) return ignore();  // it filled or ended first
      if (order->state == OrderState::pending_submit) {
        mark_submitted(*order, event.broker_order_id, event.ts, "implied by replaced");
      }
      // The stored event's detail, written only where there is a repository to store it.
      const bool stored = repository_ != nullptr;
      std::string detail;
      const auto note = [&](std::string_view key, const std::string& value) {
        if (!stored) return;
        if (!detail.empty()) detail += ", ";
        detail.append(key).append("=").append(value);
      };
      if (!event.new_broker_order_id.empty() &&
          event.new_broker_order_id != order->broker_order_id) {  // F15: follow the replacement
        note("old_broker_id", order->broker_order_id);
        follow_broker_id(*order, event.new_broker_order_id);
      }
      if (event.qty) {
        order->request.qty = *event.qty;
        if (stored) note("qty", std::to_string(*event.qty));
      }
      if (event.stop_price) {
        order->request.stop_price = event.stop_price;
        if (stored) note("stop_price", event.stop_price->to_string());
      }
      if (event.limit_price) {
        order->request.limit_price = event.limit_price;
        if (stored) note("limit_price", event.limit_price->to_string());
      }
      order->updated_at = event.ts;
      persist_change(*order, order->state, "replaced", event.ts, detail);
      result.kind = ApplyResult::Kind::applied;
      return result;
    }
    default:
      break;
  }
  const auto target = target_state(event);
  if (!target) return ignore();
  if (order->state == OrderState::pending_submit) {
    // The broker's stream can outrun its answer to the submit (F15): any news of the order
    // means the broker has it, so it counts as submitted first.
    mark_submitted(*order, event.broker_order_id, event.ts,
                   "implied by " + std::string(to_string(event.type)));
  }
  const OrderState old_state = order->state;
  if (!can_transition(old_state, *target)) return ignore();
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
  if (*target == OrderState::canceled || *target == OrderState::expired) {
    order->cancel_requested = false;
  }
  order->state = *target;
  order->updated_at = event.ts;
  persist_change(*order, old_state, to_string(event.type), event.ts, event.reason);
  result.kind = ApplyResult::Kind::applied;
  return result;
}

Order& OrderManager::adopt(const OrderRecord& r, data::SymbolId symbol_id) {
  Order o;
  o.request.client_order_id = r.client_order_id;
  o.request.symbol = r.symbol;
  o.request.symbol_id = symbol_id;
  o.request.side = r.side;
  o.request.type = r.type;
  o.request.time_in_force = r.time_in_force;
  o.request.role = r.role;
  o.request.qty = r.qty_requested.truncated();
  o.request.limit_price = r.limit_price;
  o.request.stop_price = r.stop_price;
  o.request.planned_stop = r.planned_stop_price;
  o.request.correlation_id = r.correlation_id;
  o.request.parent_id = r.parent_id.value_or("");
  o.request.strategy = r.strategy.value_or("");
  o.broker_order_id = r.broker_id.value_or("");
  o.state = r.state;
  o.filled_qty = r.qty_filled.truncated();
  o.avg_fill_price = r.avg_fill_price.value_or(Decimal{});
  o.submit_attempts = r.submit_attempts;
  o.created_at = r.created_at;
  o.updated_at = r.updated_at;
  const auto [it, inserted] = orders_.try_emplace(r.client_order_id, std::move(o));
  if (!inserted) throw Error("order " + r.client_order_id + " is restored twice");
  if (!it->second.broker_order_id.empty()) {
    by_broker_id_[it->second.broker_order_id] = it->first;
  }
  versions_[it->first] = r.version;
  return it->second;
}

Order* OrderManager::find(std::string_view client_order_id) {
  const auto it = orders_.find(client_order_id);
  return it == orders_.end() ? nullptr : &it->second;
}

Order* OrderManager::find_by_broker_id(std::string_view broker_order_id) {
  const auto it = by_broker_id_.find(broker_order_id);
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
