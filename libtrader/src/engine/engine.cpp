#include <trader/engine/engine.hpp>

#include <algorithm>

#include <trader/log/log.hpp>

namespace trader::engine {

using orders::Order;
using orders::OrderEvent;
using orders::OrderRole;
using orders::OrderType;
using orders::Side;

std::string_view to_string(ExitReason reason) noexcept {
  switch (reason) {
    case ExitReason::stop_loss:
      return "stop_loss";
    case ExitReason::strategy_exit:
      return "strategy_exit";
    case ExitReason::session_close:
      return "session_close";
  }
  return "?";
}

struct Engine::SymbolState {
  SymbolState(data::SymbolId symbol, std::unique_ptr<strategy::Strategy> s)
      : id(symbol),
        strategy(std::move(s)),
        aggregator(symbol, strategy->candle_interval_minutes()),
        indicators(strategy->indicators()),
        required_history(strategy->required_history()) {}

  data::SymbolId id;
  std::unique_ptr<strategy::Strategy> strategy;
  data::CandleAggregator aggregator;
  strategy::IndicatorSet indicators;
  int required_history;

  // The position, mirrored from fills.
  std::int64_t qty = 0;
  Decimal avg_entry_price;
  Decimal market_value;
  Decimal entry_costs;
  Decimal initial_stop;
  Timestamp opened_at;
  std::uint64_t open_sequence = 0;
  // Exits accumulated until the position is flat (several partial fills make one trade).
  std::int64_t exited_qty = 0;
  Decimal exit_value;
  Decimal exit_costs;

  // Our orders for the symbol (client order ids; empty when none).
  std::string entry_order;
  int candles_since_entry = 0;
  Decimal planned_stop;
  Decimal reserved;  // F6: cash held for the pending entry
  std::string stop_order;
  Decimal stop_price;
  std::string exit_order;
  ExitReason exit_reason = ExitReason::strategy_exit;
};

Engine::Engine(const data::SymbolTable& symbols,
               const std::function<std::unique_ptr<strategy::Strategy>()>& make_strategy,
               broker::Broker& broker, EngineOptions options, EngineObserver* observer)
    : symbols_(symbols),
      broker_(broker),
      options_(std::move(options)),
      observer_(observer),
      orders_(
          broker, [this] { return options_.order_ids.next(); }, options_.order_repository),
      risk_(options_.risk),
      breaker_(options_.risk) {
  states_.reserve(symbols.size());
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    states_.emplace_back(data::SymbolId{static_cast<std::uint32_t>(i)}, make_strategy());
  }
  cash_ = broker_.account().cash;
  broker_.set_listener(this);
}

Engine::~Engine() { broker_.set_listener(nullptr); }

Decimal Engine::equity() const { return cash_ + positions_value_; }

std::int64_t Engine::position_qty(data::SymbolId symbol) const {
  return states_.at(data::index_of(symbol)).qty;
}

namespace {
[[noreturn]] void unknown_symbol(std::uint32_t index) {
  throw Error("bar or order for symbol id " + std::to_string(index) +
              ", which is not in this engine's symbol table");
}
}  // namespace

Engine::SymbolState& Engine::state(data::SymbolId symbol) {
  const auto index = data::index_of(symbol);
  if (index >= states_.size()) [[unlikely]]
    unknown_symbol(index);
  return states_[index];
}

void Engine::start_session(core::Date date) {
  session_date_ = date;
  day_start_ = core::start_of_day(date);
  day_end_ = day_start_ + std::chrono::days{1};
  const auto session = calendar::find_session(date);
  // A date without a session (bars the calendar does not expect) closes at the day change.
  session_close_ = session ? session->close : day_end_;
  session_open_ = true;
  breaker_.reset_daily(equity());
}

void Engine::on_bar(const data::Bar& bar) {
  ++bars_;
  SymbolState& s = state(bar.symbol);
  if (bar.ts >= day_end_ || bar.ts < day_start_) {
    if (session_open_) on_session_close(session_date_);
    start_session(core::utc_date(bar.ts));
  } else if (session_open_ && bar.ts >= session_close_) {
    on_session_close(session_date_);  // F7: at the calendar's close, early closes included
  }
  now_ = bar.ts;
  // A simulated exchange matches the bar; its fills come back through on_order_event, at once.
  if (options_.venue != nullptr) options_.venue->on_market_bar(bar);
  if (s.qty != 0) {
    const Decimal marked = bar.close * s.qty;
    positions_value_ += marked - s.market_value;
    s.market_value = marked;
  }
  const auto candle = s.aggregator.process(bar);
  if (!candle) return;
  s.indicators.update(*candle);
  evaluate(s, *candle);
  if (observer_ != nullptr) {
    observer_->on_candle(*candle);
    observer_->on_candle_equity(s.id, candle->ts, equity());
  }
}

void Engine::evaluate(SymbolState& s, const data::Bar& candle) {
  if (s.qty > 0) {
    const strategy::PositionView view{s.qty, s.avg_entry_price, s.market_value,
                                      s.market_value - s.avg_entry_price * s.qty, s.stop_price};
    const auto proposed = s.strategy->should_update_stop(candle, view, s.indicators);
    if (proposed && !s.stop_order.empty()) {
      // F3: a sell stop rounds down; F1: it never moves down.
      const auto raised =
          strategy::raised_stop(s.stop_price, orders::tick_price(Side::sell, *proposed));
      Order* stop = orders_.find(s.stop_order);
      if (raised && stop != nullptr && orders_.replace_stop(*stop, *raised, now_)) {
        s.stop_price = *raised;
        if (observer_ != nullptr) observer_->on_stop_moved(s.id, candle.ts, *raised);
      }
    }
    if (s.strategy->should_exit(candle, view, s.indicators) && s.exit_order.empty()) {
      submit_exit(s, ExitReason::strategy_exit, now_);
    }
    return;
  }
  if (!s.entry_order.empty()) {
    ++s.candles_since_entry;
    if (s.strategy->should_cancel_pending(candle, s.candles_since_entry)) {
      if (const Order* entry = orders_.find(s.entry_order)) orders_.cancel(*entry);
    }
    return;
  }
  if (s.indicators.candle_count() < s.required_history) return;
  if (!s.strategy->should_long(candle, s.indicators)) return;
  enter(s, candle);
}

void Engine::enter(SymbolState& s, const data::Bar& candle) {
  // F3: the buy-stop rounds up, the planned sell stop down; sizing uses the rounded prices.
  const Decimal entry =
      orders::tick_price(Side::buy, s.strategy->entry_price(candle, s.indicators));
  const Decimal stop =
      orders::tick_price(Side::sell, s.strategy->stop_loss_price(candle, s.indicators));
  const std::string& symbol = symbols_.name(s.id);
  if (stop >= entry) {
    log::warning("signal_rejected", {{"symbol", symbol},
                                     {"reason", "stop not below entry"},
                                     {"entry", entry.to_string()},
                                     {"stop", stop.to_string()}});
    return;
  }
  const risk::RiskContext context{equity(), cash_, reserved_cash_, open_positions_,
                                  pending_entries_};
  const risk::RiskDecision decision = risk_.approve(breaker_, context, entry, stop);
  if (!decision.approved) {
    // Log fields are strings: build them only when the record will be written.
    if (log::enabled(log::Level::debug)) {
      log::write(
          log::Level::debug, "risk_rejected",
          {{"symbol", symbol}, {"reason", decision.detail(breaker_, risk_.max_open_positions())}});
    }
    return;
  }
  orders::OrderRequest request = new_request(
      s, Side::buy, OrderType::stop, orders::TimeInForce::day, OrderRole::entry, decision.qty);
  request.stop_price = entry;
  request.planned_stop = stop;
  const Order& order = orders_.submit(std::move(request), now_);
  if (order.state == orders::OrderState::submit_failed) return;
  s.entry_order = order.request.client_order_id;
  s.candles_since_entry = 0;
  s.planned_stop = stop;
  s.reserved = entry * decision.qty;
  reserved_cash_ += s.reserved;
  ++pending_entries_;
  log::debug("order_submitted", {{"symbol", symbol},
                                 {"order", s.entry_order},
                                 {"qty", std::to_string(decision.qty)},
                                 {"entry", entry.to_string()},
                                 {"stop", stop.to_string()}});
  if (observer_ != nullptr) observer_->on_order(order);
}

orders::OrderRequest Engine::new_request(const SymbolState& s, orders::Side side,
                                         orders::OrderType type, orders::TimeInForce tif,
                                         orders::OrderRole role, std::int64_t qty) const {
  orders::OrderRequest request;
  request.symbol = symbols_.name(s.id);
  request.symbol_id = s.id;
  request.side = side;
  request.type = type;
  request.time_in_force = tif;
  request.role = role;
  request.qty = qty;
  request.strategy = std::string(s.strategy->name());
  return request;
}

void Engine::submit_exit(SymbolState& s, ExitReason reason, Timestamp now) {
  const Order& order =
      orders_.submit(new_request(s, Side::sell, OrderType::market, orders::TimeInForce::day,
                                 OrderRole::exit_market, s.qty),
                     now);
  if (order.state == orders::OrderState::submit_failed) return;
  s.exit_order = order.request.client_order_id;
  s.exit_reason = reason;
  if (observer_ != nullptr) observer_->on_order(order);
}

void Engine::on_order_event(const OrderEvent& event) {
  const orders::ApplyResult result = orders_.apply(event);
  if (result.kind != orders::ApplyResult::Kind::applied || result.order == nullptr) return;
  const Order& order = *result.order;
  SymbolState& s = state(order.request.symbol_id);
  const std::string& id = order.request.client_order_id;
  const bool filled = result.fill_qty > 0;
  const bool done = orders::is_terminal(order.state);
  bool closed = false;
  switch (order.request.role) {
    case OrderRole::entry:
      if (filled) on_entry_filled(s, order, result, event);
      if (done && s.entry_order == id) {
        reserved_cash_ -= s.reserved;
        s.reserved = Decimal{};
        --pending_entries_;
        s.entry_order.clear();
        // A partly filled entry that ends unfilled still needs its protective stop.
        if (s.qty > 0 && s.stop_order.empty() && !filled) on_entry_filled(s, order, result, event);
      }
      break;
    case OrderRole::stop_loss:
      if (filled) closed = on_exit_filled(s, order, result, event);
      if (done && s.stop_order == id) s.stop_order.clear();
      break;
    case OrderRole::exit_market:
      if (filled) closed = on_exit_filled(s, order, result, event);
      if (done && s.exit_order == id) s.exit_order.clear();
      break;
  }
  if (observer_ != nullptr) observer_->on_order(order);
  // Only now: forgetting terminal orders frees `order` (and `id`), which were used above (a
  // use-after-free that ASan found when this ran inside on_exit_filled).
  if (closed) orders_.forget_terminal();
}

void Engine::on_entry_filled(SymbolState& s, const Order& order, const orders::ApplyResult& r,
                             const OrderEvent& event) {
  if (r.fill_qty > 0) {
    cash_ -= r.fill_price * r.fill_qty + r.costs;
    total_costs_ += r.costs;
    if (s.qty == 0) {
      s.opened_at = event.ts;
      s.avg_entry_price = r.fill_price;
      s.open_sequence = ++open_sequence_;
      s.entry_costs = Decimal{};
      s.initial_stop = s.planned_stop;
      s.exited_qty = 0;
      s.exit_value = s.exit_costs = Decimal{};
      ++open_positions_;
    } else {
      s.avg_entry_price =
          div_round(s.avg_entry_price * s.qty + r.fill_price * r.fill_qty, s.qty + r.fill_qty);
    }
    s.qty += r.fill_qty;
    s.entry_costs += r.costs;
    const Decimal marked = r.fill_price * s.qty;
    positions_value_ += marked - s.market_value;
    s.market_value = marked;
  }
  if (order.state != orders::OrderState::filled && order.state != orders::OrderState::canceled &&
      order.state != orders::OrderState::expired) {
    return;  // partly filled and still working: the stop comes with the rest
  }
  if (!s.stop_order.empty() || s.qty <= 0) return;
  orders::OrderRequest stop = new_request(s, Side::sell, OrderType::stop, orders::TimeInForce::gtc,
                                          OrderRole::stop_loss, s.qty);
  stop.stop_price = s.planned_stop;
  stop.correlation_id = order.request.client_order_id;
  stop.parent_id = order.request.client_order_id;
  const Order& placed = orders_.submit(std::move(stop), event.ts);
  if (placed.state == orders::OrderState::submit_failed) {
    // An unprotected position is not acceptable: leave it no longer than one order round trip.
    log::critical("stop_submit_failed_market_exit", {{"symbol", order.request.symbol}});
    submit_exit(s, ExitReason::stop_loss, event.ts);
    return;
  }
  s.stop_order = placed.request.client_order_id;
  s.stop_price = s.planned_stop;
  if (observer_ != nullptr) observer_->on_order(placed);
}

bool Engine::on_exit_filled(SymbolState& s, const Order& order, const orders::ApplyResult& r,
                            const OrderEvent& event) {
  const std::int64_t qty = std::min(r.fill_qty, s.qty);
  if (qty <= 0) return false;
  cash_ += r.fill_price * qty - r.costs;
  total_costs_ += r.costs;
  s.qty -= qty;
  s.exited_qty += qty;
  s.exit_value += r.fill_price * qty;
  s.exit_costs += r.costs;
  const Decimal marked = r.fill_price * s.qty;
  positions_value_ += marked - s.market_value;
  s.market_value = marked;
  if (s.qty > 0) return false;

  Trade trade;
  trade.symbol = s.id;
  trade.qty = s.exited_qty;
  trade.entry_price = s.avg_entry_price;
  trade.exit_price = div_round(s.exit_value, s.exited_qty);
  trade.entry_at = s.opened_at;
  trade.exit_at = event.ts;
  trade.costs = s.entry_costs + s.exit_costs;
  trade.pnl = s.exit_value - s.avg_entry_price * s.exited_qty - trade.costs;
  trade.duration_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(trade.exit_at - trade.entry_at).count();
  trade.exit_reason =
      order.request.role == OrderRole::stop_loss ? ExitReason::stop_loss : s.exit_reason;
  trade.initial_stop = s.initial_stop;
  --open_positions_;
  // F7: every trade, session closes included, reaches the circuit breaker.
  breaker_.record_trade(trade.pnl);
  s.strategy->on_position_closed();
  // A real broker leaves the other exit order working: cancel it (a no-op where already gone).
  if (!s.stop_order.empty() && s.stop_order != order.request.client_order_id) {
    if (const Order* stop = orders_.find(s.stop_order)) orders_.cancel(*stop);
  }
  if (!s.exit_order.empty() && s.exit_order != order.request.client_order_id) {
    if (const Order* exit = orders_.find(s.exit_order)) orders_.cancel(*exit);
  }
  log::debug("trade_closed", {{"symbol", symbols_.name(s.id)},
                              {"pnl", trade.pnl.to_string()},
                              {"reason", std::string(to_string(trade.exit_reason))}});
  if (observer_ != nullptr) observer_->on_trade(trade);
  return true;
}

void Engine::on_session_close(core::Date date) {
  if (!session_open_ || date != session_date_) return;
  for (SymbolState& s : states_) static_cast<void>(s.aggregator.flush());  // partial: discarded
  now_ = std::max(now_, day_start_);
  for (SymbolState& s : states_) {
    if (s.entry_order.empty()) continue;
    if (const Order* entry = orders_.find(s.entry_order)) orders_.cancel(*entry);
  }
  // Flatten in the order the positions were opened (the reference's order).
  std::vector<SymbolState*> open;
  for (SymbolState& s : states_) {
    if (s.qty > 0) open.push_back(&s);
  }
  std::sort(open.begin(), open.end(), [](const SymbolState* a, const SymbolState* b) {
    return a->open_sequence < b->open_sequence;
  });
  for (SymbolState* s : open) {
    if (!s->exit_order.empty()) {
      s->exit_reason = ExitReason::session_close;
    } else {
      submit_exit(*s, ExitReason::session_close, now_);
    }
  }
  if (options_.venue != nullptr) {
    const auto session = calendar::find_session(date);
    options_.venue->on_session_close(
        session ? *session : calendar::Session{date, day_start_, day_end_, false});
  }
  session_open_ = false;
  if (observer_ != nullptr) observer_->on_daily_equity(date, equity());
  orders_.forget_terminal();
}

void Engine::finish() {
  if (session_open_) on_session_close(session_date_);
}

}  // namespace trader::engine
