#include <trader/broker/sim_broker.hpp>

#include <algorithm>

#include <trader/log/log.hpp>

namespace trader::broker {
namespace {

using orders::OrderEvent;
using orders::OrderEventType;
using orders::OrderRole;
using orders::OrderType;
using orders::Side;

const Decimal kMinPrice = Decimal::from_units(Decimal::kScale / 100);  // $0.01 floor

bool on_tick(Decimal price) { return price.rounded_to_tick(core::TickRounding::down) == price; }

// Which matching pass an order belongs to (reference: stop-losses, entries, markets; F4 adds
// limits and stop-limits: sells with the protective pass, buys with the entries).
enum class Pass : std::uint8_t { protective, entry, market };

Pass pass_of(const orders::OrderRequest& r) {
  if (r.type == OrderType::market) return Pass::market;
  return r.side == Side::sell ? Pass::protective : Pass::entry;
}

// Whether matching could do anything with this order on this bar (fill, arm, or delete it).
// Most bars touch no order; this cheap test spares them the three matching passes.
bool may_act(const orders::OrderRequest& r, bool triggered, const data::Bar& bar,
             bool has_position) {
  if (r.side == Side::sell && !has_position) return true;  // an orphan to delete
  switch (r.type) {
    case OrderType::market:
      return true;
    case OrderType::stop:
      return r.side == Side::sell ? bar.low <= *r.stop_price : bar.high >= *r.stop_price;
    case OrderType::limit:
      return r.side == Side::buy ? bar.low <= *r.limit_price : bar.high >= *r.limit_price;
    case OrderType::stop_limit:
      if (triggered) {
        return r.side == Side::buy ? bar.low <= *r.limit_price : bar.high >= *r.limit_price;
      }
      return r.side == Side::buy ? bar.high >= *r.stop_price : bar.low <= *r.stop_price;
    case OrderType::trailing_stop:
      return false;
  }
  return true;
}

std::string validate(const orders::OrderRequest& r) {
  if (r.qty <= 0) return "qty must be positive";
  const bool needs_stop = r.type == OrderType::stop || r.type == OrderType::stop_limit;
  const bool needs_limit = r.type == OrderType::limit || r.type == OrderType::stop_limit;
  if (r.type == OrderType::trailing_stop) return "trailing stop orders are not simulated";
  if (needs_stop && (!r.stop_price || *r.stop_price <= Decimal{}))
    return "a stop price is required";
  if (needs_limit && (!r.limit_price || *r.limit_price <= Decimal{})) {
    return "a limit price is required";
  }
  // F3: as Alpaca does, refuse prices finer than the tick.
  if (r.stop_price && !on_tick(*r.stop_price))
    return "sub-penny stop price " + r.stop_price->to_string();
  if (r.limit_price && !on_tick(*r.limit_price)) {
    return "sub-penny limit price " + r.limit_price->to_string();
  }
  return {};
}

}  // namespace

SimBroker::SimBroker(SimulationSettings settings)
    : settings_(settings), cash_(settings_.initial_cash) {}

SimBroker::Book& SimBroker::grow_books(std::uint32_t index) {
  books_.resize(index + 1);
  return books_[index];
}

SimBroker::Pending* SimBroker::find(Book& book, std::uint64_t sequence) {
  for (Pending& p : book.orders) {
    if (p.sequence == sequence) return &p;
  }
  return nullptr;
}

void SimBroker::remove(Book& book, std::uint64_t sequence) {
  std::erase_if(book.orders, [&](const Pending& p) { return p.sequence == sequence; });
}

std::optional<SimPosition> SimBroker::position(data::SymbolId symbol) const {
  const auto index = data::index_of(symbol);
  if (index >= books_.size()) return std::nullopt;
  return books_[index].position;
}

std::size_t SimBroker::pending_orders() const noexcept {
  std::size_t n = 0;
  for (const Book& b : books_) n += b.orders.size();
  return n;
}

bool SimBroker::has_open_order(std::string_view client_order_id) const noexcept {
  for (const Book& b : books_) {
    for (const Pending& p : b.orders) {
      if (p.request.client_order_id == client_order_id) return true;
    }
  }
  return false;
}

CommandResult SimBroker::submit(const orders::OrderRequest& request) {
  if (std::string problem = validate(request); !problem.empty()) {
    return CommandResult::refused(std::move(problem));
  }
  Book& b = book(request.symbol_id);
  if (b.symbol.empty()) b.symbol = request.symbol;
  Pending p;
  p.request = request;
  p.sequence = ++order_counter_;
  // The client order id doubles as the exchange's id: the reference's bt-N ids stay readable.
  p.id = request.client_order_id.empty() ? "sim-" + std::to_string(p.sequence)
                                         : request.client_order_id;
  b.orders.push_back(p);
  acknowledge(event_for(p, OrderEventType::submitted, b.last_ts()));
  return CommandResult::ok();
}

void SimBroker::acknowledge(const orders::OrderEvent& event) {
  if (listener_ != nullptr) listener_->on_order_event(event);
}

std::pair<SimBroker::Book*, SimBroker::Pending*> SimBroker::find(const OrderRef& ref) {
  for (Book& b : books_) {
    for (Pending& p : b.orders) {
      const bool named = ref.client_order_id.empty()
                             ? p.id == ref.broker_order_id
                             : p.request.client_order_id == ref.client_order_id;
      if (named) return {&b, &p};
    }
  }
  return {nullptr, nullptr};
}

orders::OrderEvent SimBroker::event_for(const Pending& order, orders::OrderEventType type,
                                        core::Timestamp ts) {
  OrderEvent e;
  e.type = type;
  e.broker_order_id = order.id;
  e.client_order_id = order.request.client_order_id;
  e.symbol_id = order.request.symbol_id;
  e.side = order.request.side;
  e.ts = ts;
  return e;
}

void SimBroker::emit_cancel(const Pending& order, std::string reason, core::Timestamp ts) {
  OrderEvent e = event_for(order, OrderEventType::canceled, ts);
  e.reason = std::move(reason);
  events_.push_back(std::move(e));
}

CommandResult SimBroker::cancel(const OrderRef& ref) {
  const auto [b, p] = find(ref);
  // Unknown or already done: its end was reported already; cancelling is idempotent.
  if (p == nullptr) return CommandResult::ok();
  const Pending copy = *p;
  remove(*b, copy.sequence);
  emit_cancel(copy, "canceled by request", b->last_ts());
  dispatch();
  return CommandResult::ok();
}

CommandResult SimBroker::replace(const OrderRef& ref, const ReplaceRequest& request) {
  const auto [b, p] = find(ref);
  if (p == nullptr) return CommandResult::refused("no such open order");
  orders::OrderRequest changed = p->request;
  if (request.qty) changed.qty = *request.qty;
  if (request.stop_price) changed.stop_price = request.stop_price;
  if (request.limit_price) changed.limit_price = request.limit_price;
  if (std::string problem = validate(changed); !problem.empty()) {
    return CommandResult::refused(std::move(problem));
  }
  p->request = changed;  // in place: the simulated exchange keeps the id
  OrderEvent e = event_for(*p, OrderEventType::replaced, b->last_ts());
  e.new_broker_order_id = p->id;
  e.qty = changed.qty;
  e.stop_price = changed.stop_price;
  e.limit_price = changed.limit_price;
  acknowledge(e);
  return CommandResult::ok();
}

std::vector<BrokerPosition> SimBroker::positions() {
  std::vector<BrokerPosition> out;
  for (const Book& b : books_) {
    if (!b.position) continue;
    const SimPosition& p = *b.position;
    out.push_back(BrokerPosition{b.symbol, p.qty, p.avg_entry_price, p.market_value,
                                 p.market_value - p.avg_entry_price * p.qty});
  }
  return out;
}

AccountSnapshot SimBroker::account() {
  Decimal equity = cash_;
  for (const Book& b : books_) {
    if (b.position) equity += b.position->market_value;
  }
  return AccountSnapshot{equity, cash_, cash_};  // no margin: buying power is cash
}

void SimBroker::execute(Book& b, std::uint64_t sequence, Decimal price, const data::Bar& bar) {
  Pending* found = find(b, sequence);
  if (found == nullptr) return;
  const Pending order = *found;
  const orders::OrderRequest& r = order.request;
  std::int64_t qty = r.qty;
  if (r.side == Side::sell) {
    if (!b.position) {
      remove(b, sequence);
      emit_cancel(order, "no position to sell", bar.ts);
      return;
    }
    qty = std::min(qty, b.position->qty);  // never goes short
  }
  const Decimal costs = settings_.costs.costs(r.side, qty, price);
  if (r.side == Side::buy) {
    const Decimal needed = price * qty + costs;
    if (needed > cash_) {
      // F6: cash never goes negative; the fill is refused with a reason.
      remove(b, sequence);
      OrderEvent e = event_for(order, OrderEventType::rejected, bar.ts);
      e.reason = "insufficient cash: needs " + needed.to_string() + ", has " + cash_.to_string();
      events_.push_back(std::move(e));
      log::warning("fill_rejected_insufficient_cash", {{"symbol", b.symbol},
                                                       {"order", order.id},
                                                       {"needs", needed.to_string()},
                                                       {"cash", cash_.to_string()}});
      return;
    }
    cash_ -= needed;
    if (b.position) {
      SimPosition& p = *b.position;
      p.avg_entry_price = div_round(p.avg_entry_price * p.qty + price * qty, p.qty + qty);
      p.qty += qty;
      p.market_value = price * p.qty;
    } else {
      b.position = SimPosition{qty, price, price * qty, bar.ts};
      b.opened_sequence = ++open_counter_;
    }
    remove(b, sequence);
  }
  std::vector<Pending> orphaned;
  if (r.side == Side::sell) {
    cash_ += price * qty - costs;
    b.position->qty -= qty;
    remove(b, sequence);
    if (b.position->qty == 0) {
      b.position.reset();
      // The ghost-trade fix: a closing sell cancels every other order of the symbol.
      orphaned = std::move(b.orders);
      b.orders.clear();
    } else {
      b.position->market_value = bar.close * b.position->qty;
    }
  }
  if (bar.volume > 0 && qty * 10 > bar.volume) {
    ++volume_warnings_;
    log::warning("fill_exceeds_volume_fraction", {{"symbol", b.symbol},
                                                  {"qty", std::to_string(qty)},
                                                  {"bar_volume", std::to_string(bar.volume)}});
  }
  OrderEvent e = event_for(order, OrderEventType::fill, bar.ts);
  e.filled_qty = qty;
  e.fill_qty = qty;
  e.fill_price = price;
  e.costs = costs;
  events_.push_back(std::move(e));
  // The fill is reported before the cancellations it caused.
  for (const Pending& other : orphaned) emit_cancel(other, "position closed", bar.ts);
}

void SimBroker::match(Book& b, const data::Bar& bar) {
  const Decimal slip = settings_.slippage_per_share;
  const auto run_pass = [&](Pass pass) {
    pass_orders_.clear();
    for (const Pending& p : b.orders) {
      if (pass_of(p.request) == pass) pass_orders_.push_back(p.sequence);
    }
    for (const std::uint64_t sequence : pass_orders_) {
      Pending* p = find(b, sequence);
      if (p == nullptr) continue;  // F2: removed earlier within this bar; never processed twice
      const orders::OrderRequest& r = p->request;
      switch (r.type) {
        case OrderType::market: {
          const Decimal price = r.side == Side::buy ? max(min(bar.open + slip, bar.high), kMinPrice)
                                                    : max(max(bar.open - slip, bar.low), kMinPrice);
          execute(b, sequence, price, bar);
          break;
        }
        case OrderType::stop: {
          const Decimal stop = *r.stop_price;
          if (r.side == Side::sell) {
            if (!b.position) {  // an orphan stop is deleted, never filled
              const Pending copy = *p;
              remove(b, sequence);
              emit_cancel(copy, "no position to protect", bar.ts);
              break;
            }
            if (entry_filled_this_bar_ || bar.low > stop) break;
            execute(b, sequence, max(max(min(bar.open, stop) - slip, bar.low), kMinPrice), bar);
          } else {
            if (bar.high < stop) break;
            entry_filled_this_bar_ = true;
            execute(b, sequence, max(min(max(bar.open, stop) + slip, bar.high), kMinPrice), bar);
          }
          break;
        }
        case OrderType::limit: {  // F4: never worse than the limit
          const Decimal limit = *r.limit_price;
          if (r.side == Side::buy) {
            if (bar.low > limit) break;
            entry_filled_this_bar_ = true;
            execute(b, sequence, min(min(bar.open, limit) + slip, limit), bar);
          } else {
            if (bar.high < limit) break;
            execute(b, sequence, max(max(bar.open, limit) - slip, limit), bar);
          }
          break;
        }
        case OrderType::stop_limit: {  // F4: the stop arms a limit order
          const Decimal stop = *r.stop_price;
          const Decimal limit = *r.limit_price;
          if (r.side == Side::buy) {
            Decimal base = bar.open;
            if (!p->triggered) {
              if (bar.high < stop) break;
              p->triggered = true;
              base = max(bar.open, stop);
            } else if (bar.low > limit) {
              break;
            } else {
              base = min(bar.open, limit);  // armed earlier: a plain limit order now
            }
            if (base > limit) break;  // triggered above the limit: waits as a limit order
            entry_filled_this_bar_ = true;
            execute(b, sequence, min(min(base + slip, limit), bar.high), bar);
          } else {
            Decimal base = bar.open;
            if (!p->triggered) {
              if (bar.low > stop) break;
              p->triggered = true;
              base = min(bar.open, stop);
            } else if (bar.high < limit) {
              break;
            } else {
              base = max(bar.open, limit);  // armed earlier: a plain limit order now
            }
            if (base < limit) break;  // gapped below the limit: waits as a limit order
            execute(b, sequence, max(max(base - slip, limit), bar.low), bar);
          }
          break;
        }
        case OrderType::trailing_stop:
          break;  // refused at submit
      }
    }
  };
  run_pass(Pass::protective);
  run_pass(Pass::entry);
  run_pass(Pass::market);
}

void SimBroker::pessimistic_pass(Book& b, const data::Bar& bar, std::size_t first_new) {
  // F11: stops placed in reaction to this bar's entry fill are tested against the same bar.
  pass_orders_.clear();
  for (const Pending& p : b.orders) {
    if (p.sequence > first_new && p.request.side == Side::sell &&
        p.request.type == OrderType::stop && p.request.role == OrderRole::stop_loss) {
      pass_orders_.push_back(p.sequence);
    }
  }
  for (const std::uint64_t sequence : pass_orders_) {
    const Pending* p = find(b, sequence);
    if (p == nullptr || !b.position) continue;
    const Decimal stop = *p->request.stop_price;
    if (bar.low > stop) continue;
    // The entry traded first, so the stop is reached from above: it fills at the stop.
    execute(b, sequence, max(max(stop - settings_.slippage_per_share, bar.low), kMinPrice), bar);
  }
}

void SimBroker::on_market_bar(const data::Bar& bar) {
  Book& b = book(bar.symbol);
  b.last_bar = bar;
  b.has_bar = true;
  // Most bars find no order of their symbol (and no event waiting): only the position's value.
  if (b.orders.empty() && events_.empty()) [[likely]] {
    if (b.position) b.position->market_value = bar.close * b.position->qty;
    return;
  }
  match_bar(b, bar);
}

void SimBroker::match_bar(Book& b, const data::Bar& bar) {
  entry_filled_this_bar_ = false;
  const std::uint64_t before = order_counter_;
  if (!b.orders.empty() && std::any_of(b.orders.begin(), b.orders.end(), [&](const Pending& p) {
        return may_act(p.request, p.triggered, bar, b.position.has_value());
      })) {
    match(b, bar);
  }
  if (b.position) b.position->market_value = bar.close * b.position->qty;
  if (events_.empty()) return;
  dispatch();  // the engine may submit stops for entries filled on this bar
  if (settings_.pessimistic_fills && entry_filled_this_bar_ && order_counter_ > before) {
    pessimistic_pass(b, bar, before);
    dispatch();
  }
}

void SimBroker::on_session_close(const calendar::Session& session) {
  // F7 with the reference's price rule: market orders still open are flattened at
  // max(last close - slippage, last low), stamped with the last bar; positions in the order
  // they were opened. Everything else is cancelled.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < books_.size(); ++i) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const auto key = [&](std::size_t i) {
      return books_[i].position ? books_[i].opened_sequence : ~std::uint64_t{0};
    };
    return key(x) < key(y);
  });
  for (const std::size_t i : order) {
    Book& b = books_[i];
    if (!b.has_bar) {  // no bar this run: nothing can fill, but nothing outlives the session
      const std::vector<Pending> rest = std::move(b.orders);
      b.orders.clear();
      for (const Pending& p : rest) emit_cancel(p, "session closed", session.close);
      continue;
    }
    const data::Bar last = b.last_bar;
    pass_orders_.clear();
    for (const Pending& p : b.orders) {
      if (p.request.type == OrderType::market && p.request.side == Side::sell) {
        pass_orders_.push_back(p.sequence);
      }
    }
    for (const std::uint64_t sequence : pass_orders_) {
      const Decimal price =
          max(max(last.close - settings_.slippage_per_share, last.low), kMinPrice);
      execute(b, sequence, price, last);
    }
    const std::vector<Pending> rest = std::move(b.orders);
    b.orders.clear();
    for (const Pending& p : rest) emit_cancel(p, "session closed", last.ts);
  }
  dispatch();
}

void SimBroker::dispatch() {
  if (listener_ == nullptr) {
    events_.clear();
    return;
  }
  // A listener may submit or cancel orders while handling: take the batch first.
  std::vector<orders::OrderEvent> batch;
  batch.swap(events_);
  for (const auto& e : batch) listener_->on_order_event(e);
  batch.clear();
  if (events_.empty()) events_.swap(batch);  // keep the capacity
}

}  // namespace trader::broker
