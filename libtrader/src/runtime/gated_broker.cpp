#include "gated_broker.hpp"

#include <algorithm>

#include <trader/log/log.hpp>

namespace trader::runtime {

using orders::OrderEventType;

namespace {
constexpr std::chrono::milliseconds kPollEvery{100};

bool ends_order(OrderEventType type) {
  switch (type) {
    case OrderEventType::fill:
    case OrderEventType::canceled:
    case OrderEventType::expired:
    case OrderEventType::rejected:
    case OrderEventType::submit_failed:
      return true;
    default:
      return false;
  }
}
}  // namespace

GatedBroker::GatedBroker(broker::Broker& inner, Clock& clock, std::function<bool()> listening,
                         std::chrono::milliseconds max_wait, ExitOrder exit_order)
    : inner_(inner),
      clock_(clock),
      listening_(std::move(listening)),
      max_wait_(max_wait),
      exit_order_(exit_order) {}

GatedBroker::~GatedBroker() { inner_.set_listener(nullptr); }

void GatedBroker::set_listener(broker::OrderEventListener* listener) {
  listener_ = listener;
  inner_.set_listener(listener == nullptr ? nullptr : this);
}

broker::CommandResult GatedBroker::submit(const orders::OrderRequest& request) {
  TrackedOrder t;
  t.client_order_id = request.client_order_id;
  t.symbol = request.symbol;
  t.symbol_id = request.symbol_id;
  t.side = request.side;
  t.type = request.type;
  t.role = request.role;
  t.qty = request.qty;
  t.limit_price = request.limit_price;
  t.stop_price = request.stop_price;
  t.sent_at = clock_.now();
  open_.insert_or_assign(request.client_order_id, std::move(t));
  if (exit_order_ == ExitOrder::cancel_stop_first &&
      request.role == orders::OrderRole::exit_market && request.side == orders::Side::sell) {
    const auto stop = std::find_if(open_.begin(), open_.end(), [&](const auto& entry) {
      const TrackedOrder& o = entry.second;
      return o.role == orders::OrderRole::stop_loss && o.symbol == request.symbol &&
             !exits_after_stop_.contains(o.client_order_id);
    });
    if (stop != open_.end()) {
      const TrackedOrder& s = stop->second;
      log::info("exit_waits_for_stop_cancel",
                {{"order", request.client_order_id}, {"stop", s.client_order_id}});
      exits_after_stop_.emplace(s.client_order_id, request);
      const auto r = inner_.cancel(broker::OrderRef{s.client_order_id, s.broker_order_id});
      if (r.sent) return broker::CommandResult::ok();
      exits_after_stop_.erase(s.client_order_id);
    }
  }
  return submit_now(request);
}

broker::CommandResult GatedBroker::submit_now(const orders::OrderRequest& request) {
  if (held_.empty() && listening_()) {
    if (on_send) on_send(request);
    return inner_.submit(request);
  }
  Held h;
  h.kind = Held::Kind::submit;
  h.request = request;
  h.deadline = clock_.now() + max_wait_;
  log::warning("order_held_stream_down", {{"order", request.client_order_id},
                                          {"symbol", request.symbol},
                                          {"role", std::string(orders::to_string(request.role))},
                                          {"max_wait_ms", std::to_string(max_wait_.count())}});
  held_.push_back(std::move(h));
  arm();
  return broker::CommandResult::ok();
}

broker::CommandResult GatedBroker::cancel(const broker::OrderRef& order) {
  // A cancel never adds exposure; one for an order still held here takes it off the queue.
  const auto held = std::find_if(held_.begin(), held_.end(), [&](const Held& h) {
    return h.kind == Held::Kind::submit && h.request.client_order_id == order.client_order_id;
  });
  if (held != held_.end()) {
    orders::OrderEvent e;
    e.type = OrderEventType::submit_failed;
    e.client_order_id = held->request.client_order_id;
    e.symbol_id = held->request.symbol_id;
    e.side = held->request.side;
    e.ts = clock_.now();
    e.reason = "cancelled while held (the trade-update stream was not listening)";
    held_.erase(held);
    on_order_event(e);
    return broker::CommandResult::ok();
  }
  return inner_.cancel(order);
}

broker::CommandResult GatedBroker::replace(const broker::OrderRef& order,
                                           const broker::ReplaceRequest& request) {
  if (held_.empty() && listening_()) return inner_.replace(order, request);
  Held h;
  h.kind = Held::Kind::replace;
  h.client_order_id = std::string(order.client_order_id);
  h.broker_order_id = std::string(order.broker_order_id);
  h.change = request;
  h.deadline = clock_.now() + max_wait_;
  log::warning("order_held_stream_down", {{"order", h.client_order_id}, {"command", "replace"}});
  held_.push_back(std::move(h));
  arm();
  return broker::CommandResult::ok();
}

std::vector<broker::BrokerPosition> GatedBroker::positions() { return inner_.positions(); }
broker::AccountSnapshot GatedBroker::account() { return inner_.account(); }

void GatedBroker::arm() {
  if (held_.empty()) return;
  poll_timer_ = clock_.timers().start(kPollEvery, [this] { poll(); });
}

void GatedBroker::poll() {
  const bool open = listening_();
  const core::Timestamp now = clock_.now();
  // In order: a later command never overtakes an earlier one.
  while (!held_.empty()) {
    if (!open && now < held_.front().deadline) break;
    Held h = std::move(held_.front());
    held_.pop_front();
    send_held(h, !open);
  }
  arm();
}

void GatedBroker::send_held(Held& h, bool expired) {
  if (h.kind == Held::Kind::replace) {
    if (expired) {
      // The stop stays where it is in force; the engine learns the move did not happen.
      log::error("order_refused_stream_down",
                 {{"order", h.client_order_id}, {"command", "replace"}});
      orders::OrderEvent e;
      e.type = OrderEventType::replace_rejected;
      e.client_order_id = h.client_order_id;
      e.broker_order_id = h.broker_order_id;
      e.ts = clock_.now();
      e.reason = "the trade-update stream was not listening";
      on_order_event(e);
      return;
    }
    const broker::OrderRef ref{h.client_order_id, h.broker_order_id};
    const auto r = inner_.replace(ref, h.change);
    if (!r.sent) {
      orders::OrderEvent e;
      e.type = OrderEventType::replace_rejected;
      e.client_order_id = h.client_order_id;
      e.ts = clock_.now();
      e.reason = r.reason;
      on_order_event(e);
    }
    return;
  }
  const bool protective = h.request.role != orders::OrderRole::entry;
  if (expired && !protective) {
    log::error("order_refused_stream_down",
               {{"order", h.request.client_order_id},
                {"symbol", h.request.symbol},
                {"reason",
                 "the trade-update stream did not listen within the wait; entry not "
                 "sent"}});
    orders::OrderEvent e;
    e.type = OrderEventType::submit_failed;
    e.client_order_id = h.request.client_order_id;
    e.symbol_id = h.request.symbol_id;
    e.side = h.request.side;
    e.ts = clock_.now();
    e.reason = "the trade-update stream was not listening";
    on_order_event(e);
    return;
  }
  if (expired) {
    // An unprotected position is worse than an order whose events come late (the audit and
    // the stream's catch-up deliver them).
    log::critical("protective_order_sent_stream_down",
                  {{"order", h.request.client_order_id}, {"symbol", h.request.symbol}});
  }
  if (on_send) on_send(h.request);
  const auto r = inner_.submit(h.request);
  if (!r.sent) {
    orders::OrderEvent e;
    e.type = OrderEventType::submit_failed;
    e.client_order_id = h.request.client_order_id;
    e.symbol_id = h.request.symbol_id;
    e.side = h.request.side;
    e.ts = clock_.now();
    e.reason = r.reason;
    on_order_event(e);
  }
}

void GatedBroker::release_all() {
  while (!held_.empty()) {
    Held h = std::move(held_.front());
    held_.pop_front();
    send_held(h, true);
  }
  poll_timer_.cancel();
}

void GatedBroker::note_event(const orders::OrderEvent& event) {
  const auto found = open_.find(event.client_order_id);
  if (found == open_.end()) return;
  TrackedOrder& t = found->second;
  if (!event.broker_order_id.empty() && t.broker_order_id.empty()) {
    t.broker_order_id = event.broker_order_id;
  }
  if (event.type == OrderEventType::replaced) {
    if (!event.new_broker_order_id.empty()) t.broker_order_id = event.new_broker_order_id;
    if (event.qty) t.qty = *event.qty;
    if (event.stop_price) t.stop_price = event.stop_price;
    if (event.limit_price) t.limit_price = event.limit_price;
  }
  if ((event.type == OrderEventType::fill || event.type == OrderEventType::partial_fill) &&
      event.filled_qty > t.filled_qty) {
    t.filled_value += event.fill_price * (event.filled_qty - t.filled_qty);
    t.filled_qty = event.filled_qty;
  }
  if (ends_order(event.type)) open_.erase(found);
}

void GatedBroker::on_order_event(const orders::OrderEvent& event) {
  note_event(event);
  if (on_event) on_event(event);
  if (listener_ != nullptr) listener_->on_order_event(event);
  if (!exits_after_stop_.empty()) after_stop_ended(event);
}

void GatedBroker::after_stop_ended(const orders::OrderEvent& event) {
  if (!ends_order(event.type) && event.type != OrderEventType::cancel_rejected) return;
  const auto found = exits_after_stop_.find(event.client_order_id);
  if (found == exits_after_stop_.end()) return;
  if (event.type == OrderEventType::cancel_rejected) return;  // its fill follows
  const orders::OrderRequest exit = std::move(found->second);
  exits_after_stop_.erase(found);
  if (event.type == OrderEventType::fill) {
    // The stop took the position out first: selling again would open a short.
    log::warning("exit_not_sent_stop_filled", {{"order", exit.client_order_id}});
    orders::OrderEvent failed;
    failed.type = OrderEventType::submit_failed;
    failed.client_order_id = exit.client_order_id;
    failed.symbol_id = exit.symbol_id;
    failed.side = exit.side;
    failed.ts = clock_.now();
    failed.reason = "the stop filled before the exit was sent";
    on_order_event(failed);
    return;
  }
  const auto r = submit_now(exit);
  if (!r.sent) {
    orders::OrderEvent failed;
    failed.type = OrderEventType::submit_failed;
    failed.client_order_id = exit.client_order_id;
    failed.symbol_id = exit.symbol_id;
    failed.side = exit.side;
    failed.ts = clock_.now();
    failed.reason = r.reason;
    on_order_event(failed);
  }
}

void GatedBroker::deliver(const orders::OrderEvent& event) { on_order_event(event); }

void GatedBroker::follow(TrackedOrder order) {
  std::string id = order.client_order_id;
  open_.insert_or_assign(std::move(id), std::move(order));
}

std::vector<TrackedOrder> GatedBroker::open_orders() const {
  std::vector<TrackedOrder> out;
  out.reserve(open_.size());
  for (const auto& [id, t] : open_) out.push_back(t);
  std::sort(out.begin(), out.end(),
            [](const TrackedOrder& a, const TrackedOrder& b) { return a.sent_at < b.sent_at; });
  return out;
}

bool GatedBroker::overdue(std::chrono::milliseconds patience) const {
  const core::Timestamp limit = clock_.now() - patience;
  return std::any_of(open_.begin(), open_.end(), [&](const auto& entry) {
    const TrackedOrder& t = entry.second;
    if (t.sent_at > limit) return false;
    return t.broker_order_id.empty() || t.type == orders::OrderType::market;
  });
}

}  // namespace trader::runtime
