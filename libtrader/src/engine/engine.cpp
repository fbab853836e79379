#include <trader/engine/engine.hpp>

#include <algorithm>

#include <trader/log/log.hpp>

namespace trader::engine {

using orders::Order;
using orders::OrderEvent;
using orders::OrderEventType;
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
  Decimal stop_price;         // the protective stop in force
  Decimal stop_requested;     // F1: the highest stop asked for (the one in force when none is
                              // in flight); a raise is measured against it
  std::int64_t stop_qty = 0;  // F21: the stop order's total quantity asked for
  Timestamp stop_moved_at;    // the candle that asked for the move in flight
  std::string exit_order;
  ExitReason exit_reason = ExitReason::strategy_exit;
  // The open round trip: its entry's client order id, shared by its stop and exits (and the
  // trade row's correlation, F15); when the pending entry was sent (restore's candle count).
  std::string correlation;
  Timestamp entry_since;
};

// Marks the engine busy while it runs: orders are forgotten only when nothing up the stack can
// still hold one (events may arrive re-entrantly, from inside a command the engine sent).
class Engine::Busy {
 public:
  explicit Busy(Engine& engine) noexcept : engine_(engine) { ++engine_.depth_; }
  ~Busy() {
    if (--engine_.depth_ == 0 && engine_.forget_pending_) {
      engine_.forget_pending_ = false;
      engine_.orders_.forget_terminal();
    }
  }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;

 private:
  Engine& engine_;
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

Engine::PositionSummary Engine::position(data::SymbolId symbol) const {
  const SymbolState& s = states_.at(data::index_of(symbol));
  if (s.qty <= 0) return PositionSummary{};
  return PositionSummary{s.qty, s.avg_entry_price, s.opened_at, s.stop_price, s.stop_order};
}

Decimal Engine::stop_price(data::SymbolId symbol) const {
  return states_.at(data::index_of(symbol)).stop_price;
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
  const auto session = calendar::lookup_session(date);
  // A date without a session (bars the calendar does not expect) closes at the day change.
  session_close_ = session ? session->close : day_end_;
  session_open_ = true;
  day_closed_ = false;
  boundary_ = options_.end_of_day == EndOfDay::at_first_bar_after_close
                  ? std::min(session_close_, day_end_)
                  : day_end_;
  breaker_.reset_daily(equity());
}

void Engine::cross_boundary(Timestamp ts) {
  if (ts >= day_end_ || ts < day_start_) {
    if (session_open_) on_session_close(session_date_);
    start_session(core::utc_date(ts));
  } else if (session_open_ && ts >= session_close_ &&
             options_.end_of_day == EndOfDay::at_first_bar_after_close) {
    on_session_close(session_date_);  // F7: at the calendar's close, early closes included
  }
}

void Engine::on_bar(const data::Bar& bar) {
  const Busy busy(*this);
  ++bars_;
  SymbolState& s = state(bar.symbol);
  // One test for most bars: one of the session's day, before its close (or the day's end).
  if (bar.ts >= boundary_ || bar.ts < day_start_) [[unlikely]]
    cross_boundary(bar.ts);
  now_ = bar.ts;
  // A simulated exchange matches the bar; its fills come back through on_order_event, at once.
  if (options_.venue != nullptr) options_.venue->on_market_bar(bar);
  if (s.qty != 0) {
    const Decimal marked = bar.close * s.qty;
    positions_value_ += marked - s.market_value;
    s.market_value = marked;
  }
  // Flattened for the day (F17, or after the F7 close): nothing is evaluated until the next
  // session. (The aggregator would drop a bar after the close anyway.)
  if (day_closed_) return;
  const data::Bar* candle = s.aggregator.next(bar);
  if (candle == nullptr) return;
  s.indicators.update(*candle);
  evaluate(s, *candle);
  if (observer_ != nullptr) {
    observer_->on_candle(*candle);
    observer_->on_candle_equity(s.id, candle->ts, equity());
  }
}

// What the strategy says about a candle, asked before anything is done about it, so that a
// strategy's exception leaves the engine exactly as it was (isolated to its symbol and candle).
struct Engine::Answers {
  std::optional<Decimal> stop;  // a position: the proposed stop
  bool exit = false;            // a position: leave
  bool cancel = false;          // a pending entry: cancel it
  bool enter = false;           // flat: a long signal, at these prices
  Decimal entry;
  Decimal stop_loss;
};

void Engine::evaluate(SymbolState& s, const data::Bar& candle) {
  Answers a;
  try {
    a = ask(s, candle);
  } catch (const std::exception& e) {
    strategy_failed(s, candle, e.what());
    return;
  }
  if (s.qty > 0) {
    // The exit first: with repositories its order is stored before anything else is sent, so a
    // crash between the candle's two actions can lose the stop's move (which the exit makes
    // moot) but never the exit.
    if (a.exit && s.exit_order.empty()) submit_exit(s, ExitReason::strategy_exit, now_);
    if (a.stop && !s.stop_order.empty()) {
      // F3: a sell stop rounds down; F1: it never moves down, not even below a raise that is
      // still on its way to the broker.
      const auto raised =
          strategy::raised_stop(s.stop_requested, orders::tick_price(Side::sell, *a.stop));
      if (raised) move_stop(s, *raised, candle.ts);
    }
    return;
  }
  if (!s.entry_order.empty()) {
    if (a.cancel) {
      if (Order* entry = orders_.find(s.entry_order)) orders_.cancel(*entry);
    }
    return;
  }
  if (a.enter) enter(s, a.entry, a.stop_loss);
}

Engine::Answers Engine::ask(SymbolState& s, const data::Bar& candle) {
  Answers a;
  if (s.qty > 0) {
    const strategy::PositionView view{s.qty, s.avg_entry_price, s.market_value,
                                      s.market_value - s.avg_entry_price * s.qty, s.stop_price};
    a.stop = s.strategy->should_update_stop(candle, view, s.indicators);
    a.exit = s.strategy->should_exit(candle, view, s.indicators);
    return a;
  }
  if (!s.entry_order.empty()) {
    ++s.candles_since_entry;
    a.cancel = s.strategy->should_cancel_pending(candle, s.candles_since_entry);
    return a;
  }
  if (s.indicators.candle_count() < s.required_history) return a;
  if (!s.strategy->should_long(candle, s.indicators)) return a;
  a.enter = true;
  a.entry = s.strategy->entry_price(candle, s.indicators);
  a.stop_loss = s.strategy->stop_loss_price(candle, s.indicators);
  return a;
}

void Engine::strategy_failed(const SymbolState& s, const data::Bar& candle, const char* what) {
  ++strategy_errors_;
  log::error("strategy_error", {{"strategy", std::string(s.strategy->name())},
                                {"symbol", symbols_.name(s.id)},
                                {"candle", core::format_timestamp(candle.ts)},
                                {"error", what}});
}

void Engine::move_stop(SymbolState& s, Decimal price, Timestamp candle_ts) {
  Order* stop = orders_.find(s.stop_order);
  if (stop == nullptr) return;
  broker::ReplaceRequest change;
  change.qty = s.stop_qty;
  change.stop_price = price;
  const Decimal previous = s.stop_requested;
  s.stop_requested = price;
  s.stop_moved_at = candle_ts;
  // The stop in force changes when the broker says `replaced` (SimBroker: inside this call).
  if (!orders_.replace(*stop, change)) s.stop_requested = previous;
}

void Engine::enter(SymbolState& s, Decimal entry_price, Decimal stop_price) {
  // F3: the buy-stop rounds up, the planned sell stop down; sizing uses the rounded prices.
  const Decimal entry = orders::tick_price(Side::buy, entry_price);
  const Decimal stop = orders::tick_price(Side::sell, stop_price);
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
  request.planned_stop = stop;  // F18: stored with the order, so a restart knows the stop
  Order& order = orders_.create(std::move(request), now_);
  s.entry_order = order.request.client_order_id;
  s.candles_since_entry = 0;
  s.entry_since = now_;
  s.planned_stop = stop;
  s.reserved = entry * decision.qty;
  reserved_cash_ += s.reserved;
  ++pending_entries_;
  if (log::enabled(log::Level::debug)) {  // the fields' strings only when they are written
    log::write(log::Level::debug, "order_submitted",
               {{"symbol", symbol},
                {"order", s.entry_order},
                {"qty", std::to_string(decision.qty)},
                {"entry", entry.to_string()},
                {"stop", stop.to_string()}});
  }
  send(order, now_);
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

void Engine::send(Order& order, Timestamp now) {
  if (orders_.send(order, now)) return;  // the answer arrives as events
  // Refused locally: the order is submit_failed now, and no event will say so.
  orders::ApplyResult refused;
  refused.kind = orders::ApplyResult::Kind::applied;
  refused.order = &order;
  refused.old_state = orders::OrderState::pending_submit;
  handle(order, refused, OrderEventType::submit_failed, now);
}

void Engine::submit_exit(SymbolState& s, ExitReason reason, Timestamp now) {
  orders::OrderRequest request = new_request(
      s, Side::sell, OrderType::market, orders::TimeInForce::day, OrderRole::exit_market, s.qty);
  request.correlation_id = s.correlation;
  request.parent_id = s.correlation;
  Order& order = orders_.create(std::move(request), now);
  s.exit_order = order.request.client_order_id;
  s.exit_reason = reason;
  send(order, now);
}

void Engine::place_stop(SymbolState& s, Timestamp now) {
  orders::OrderRequest request = new_request(s, Side::sell, OrderType::stop,
                                             orders::TimeInForce::gtc, OrderRole::stop_loss, s.qty);
  request.stop_price = s.planned_stop;
  request.correlation_id = s.correlation;
  request.parent_id = s.correlation;
  Order& stop = orders_.create(std::move(request), now);
  s.stop_order = stop.request.client_order_id;
  s.stop_price = s.stop_requested = s.planned_stop;
  s.stop_qty = s.qty;
  send(stop, now);
}

void Engine::sync_stop_qty(SymbolState& s) {
  if (s.stop_order.empty() || s.qty <= 0) return;
  Order* stop = orders_.find(s.stop_order);
  if (stop == nullptr || orders::is_terminal(stop->state)) return;
  // F21: the stop's open part always equals what is held.
  const std::int64_t wanted = s.qty + stop->filled_qty;
  if (wanted == s.stop_qty) return;
  broker::ReplaceRequest change;
  change.qty = wanted;
  change.stop_price = s.stop_requested;
  const std::int64_t previous = s.stop_qty;
  s.stop_qty = wanted;
  if (!orders_.replace(*stop, change)) s.stop_qty = previous;
}

void Engine::on_order_event(const OrderEvent& event) {
  const Busy busy(*this);
  const orders::ApplyResult result = orders_.apply(event);
  if (result.kind != orders::ApplyResult::Kind::applied || result.order == nullptr) return;
  handle(*result.order, result, event.type, event.ts);
}

void Engine::handle(Order& order, const orders::ApplyResult& r, OrderEventType type, Timestamp ts) {
  SymbolState& s = state(order.request.symbol_id);
  const std::string& id = order.request.client_order_id;
  switch (type) {
    case OrderEventType::replaced:
    case OrderEventType::replace_rejected:
      if (order.request.role == OrderRole::stop_loss && s.stop_order == id) {
        on_stop_replaced(s, order);
      }
      return;  // the order's state did not change
    case OrderEventType::cancel_rejected:
      return;  // what happened instead (a fill) arrives as its own event
    default:
      break;
  }
  const bool filled = r.fill_qty > 0;
  const bool done = orders::is_terminal(order.state);
  bool closed = false;
  switch (order.request.role) {
    case OrderRole::entry:
      if (filled) on_entry_filled(s, order, r, ts);
      if (done && s.entry_order == id) {
        reserved_cash_ -= s.reserved;
        s.reserved = Decimal{};
        --pending_entries_;
        s.entry_order.clear();
      }
      break;
    case OrderRole::stop_loss:
      if (filled) closed = on_exit_filled(s, order, r, ts);
      if (done && s.stop_order == id) {
        s.stop_order.clear();
        // The stop is gone (refused, rejected, cancelled, or filled for less than is held):
        // an unprotected position is not acceptable, so it leaves at market.
        if (s.qty > 0) unprotected(s, order, ts);
      }
      break;
    case OrderRole::exit_market:
      if (filled) closed = on_exit_filled(s, order, r, ts);
      if (done && s.exit_order == id) {
        s.exit_order.clear();
        if (s.qty > 0) {
          log::critical("exit_order_ended_position_open",
                        {{"symbol", order.request.symbol},
                         {"order", id},
                         {"state", std::string(orders::to_string(order.state))},
                         {"protected", s.stop_order.empty() ? "no" : "by its stop"}});
        }
      }
      break;
  }
  if (observer_ != nullptr) observer_->on_order(order);
  if (closed) forget_pending_ = true;
}

void Engine::unprotected(SymbolState& s, const Order& stop, Timestamp ts) {
  if (!s.exit_order.empty()) return;  // an exit is already on its way
  log::critical("stop_lost_market_exit", {{"symbol", stop.request.symbol},
                                          {"order", stop.request.client_order_id},
                                          {"state", std::string(orders::to_string(stop.state))}});
  submit_exit(s, ExitReason::stop_loss, ts);
}

void Engine::on_stop_replaced(SymbolState& s, const Order& stop) {
  const Decimal in_force = stop.request.stop_price.value_or(s.stop_price);
  const bool moved = in_force != s.stop_price;
  s.stop_price = in_force;
  if (stop.replaces_in_flight == 0) {  // nothing else on its way: what is asked is what holds
    s.stop_requested = s.stop_price;
    s.stop_qty = stop.request.qty;
  }
  if (moved && observer_ != nullptr) observer_->on_stop_moved(s.id, s.stop_moved_at, in_force);
}

void Engine::on_entry_filled(SymbolState& s, const Order& order, const orders::ApplyResult& r,
                             Timestamp ts) {
  cash_ -= r.fill_price * r.fill_qty + r.costs;
  total_costs_ += r.costs;
  if (s.qty == 0) {
    s.opened_at = ts;
    s.avg_entry_price = r.fill_price;
    s.open_sequence = ++open_sequence_;
    s.entry_costs = Decimal{};
    s.initial_stop = s.planned_stop;
    s.exited_qty = 0;
    s.exit_value = s.exit_costs = Decimal{};
    s.correlation = order.request.client_order_id;
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
  // F21: protected from the first share; the stop grows with each later fill.
  if (s.stop_order.empty()) {
    place_stop(s, ts);
  } else {
    sync_stop_qty(s);
  }
  // A fill that arrives after the day was flattened (it was on its way) leaves at once.
  if (day_closed_ && s.qty > 0 && s.exit_order.empty()) {
    submit_exit(s, ExitReason::session_close, ts);
  }
}

bool Engine::on_exit_filled(SymbolState& s, const Order& order, const orders::ApplyResult& r,
                            Timestamp ts) {
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
  if (s.qty > 0) {
    // F21: a partial exit leaves less to protect.
    if (order.request.client_order_id != s.stop_order) sync_stop_qty(s);
    return false;
  }

  close_trade(s, order.request.role == OrderRole::stop_loss ? ExitReason::stop_loss : s.exit_reason,
              ts);
  return true;
}

void Engine::close_trade(SymbolState& s, ExitReason reason, Timestamp exit_at) {
  Trade trade;
  trade.symbol = s.id;
  trade.qty = s.exited_qty;
  trade.entry_price = s.avg_entry_price;
  trade.exit_price = div_round(s.exit_value, s.exited_qty);
  trade.entry_at = s.opened_at;
  trade.exit_at = exit_at;
  trade.costs = s.entry_costs + s.exit_costs;
  trade.pnl = s.exit_value - s.avg_entry_price * s.exited_qty - trade.costs;
  trade.duration_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(trade.exit_at - trade.entry_at).count();
  trade.exit_reason = reason;
  trade.initial_stop = s.initial_stop;
  --open_positions_;
  // F15: one trade row per round trip; a trade stored before a restart is not counted again.
  bool fresh = true;
  if (options_.trade_repository != nullptr) {
    orders::TradeRecord record;
    record.trade_id = s.correlation;
    record.correlation_id = s.correlation;
    record.symbol = symbols_.name(s.id);
    record.qty = Decimal::from_integer(trade.qty);
    record.entry_price = trade.entry_price;
    record.exit_price = trade.exit_price;
    record.entry_at = trade.entry_at;
    record.exit_at = trade.exit_at;
    record.pnl = trade.pnl;
    const Decimal invested = trade.entry_price * trade.qty;
    record.pnl_pct = invested.is_zero() ? Decimal{} : div_round(trade.pnl, invested);
    record.strategy = std::string(s.strategy->name());
    record.duration_seconds = trade.duration_seconds;
    record.commission = trade.costs;
    fresh = options_.trade_repository->insert(record);
  }
  // F7: every trade, session closes included, reaches the circuit breaker.
  if (fresh) breaker_.record_trade(trade.pnl);
  s.strategy->on_position_closed();
  // A real broker leaves the other exit orders working: cancel them (a no-op where already
  // gone or filled) and stop following them - their end, whenever it comes, no longer concerns
  // the position.
  for (std::string* other : {&s.stop_order, &s.exit_order}) {
    if (other->empty()) continue;
    if (Order* o = orders_.find(*other)) orders_.cancel(*o);
    other->clear();
  }
  s.correlation.clear();
  if (log::enabled(log::Level::debug)) {
    log::write(log::Level::debug, "trade_closed",
               {{"symbol", symbols_.name(s.id)},
                {"pnl", trade.pnl.to_string()},
                {"reason", std::string(to_string(trade.exit_reason))}});
  }
  if (fresh && observer_ != nullptr) observer_->on_trade(trade);
}

void Engine::flatten(Timestamp now) {
  day_closed_ = true;
  for (SymbolState& s : states_) {
    if (s.entry_order.empty()) continue;
    if (Order* entry = orders_.find(s.entry_order)) orders_.cancel(*entry);
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
    if (s->qty <= 0) continue;  // closed meanwhile (an event arrived during a command)
    if (!s->exit_order.empty()) {
      s->exit_reason = ExitReason::session_close;
    } else {
      submit_exit(*s, ExitReason::session_close, now);
    }
  }
}

void Engine::flatten_for_close(Timestamp now) {
  if (!session_open_ || day_closed_) return;
  const Busy busy(*this);
  for (SymbolState& s : states_) static_cast<void>(s.aggregator.flush());  // partial: discarded
  now_ = std::max(now_, now);
  log::info("eod_flatten", {{"date", core::format_date(session_date_)},
                            {"open_positions", std::to_string(open_positions_)},
                            {"pending_entries", std::to_string(pending_entries_)}});
  flatten(now_);
}

void Engine::on_session_close(core::Date date) {
  if (!session_open_ || date != session_date_) return;
  const Busy busy(*this);
  for (SymbolState& s : states_) static_cast<void>(s.aggregator.flush());  // partial: discarded
  now_ = std::max(now_, day_start_);
  if (options_.end_of_day == EndOfDay::driver && !day_closed_ &&
      (open_positions_ > 0 || pending_entries_ > 0)) {
    log::warning(
        "session_end_without_flatten",  // F17: the driver's timer never came
        {{"date", core::format_date(date)}, {"open_positions", std::to_string(open_positions_)}});
  }
  flatten(now_);
  if (options_.venue != nullptr) {
    const auto session = calendar::lookup_session(date);
    options_.venue->on_session_close(
        session ? *session : calendar::Session{date, day_start_, day_end_, false});
  }
  session_open_ = false;
  boundary_ = day_end_;
  if (observer_ != nullptr) observer_->on_daily_equity(date, equity());
  forget_pending_ = true;
}

void Engine::begin_session(core::Date date, Decimal broker_cash) {
  if (session_open_ && date == session_date_) return;
  const Busy busy(*this);
  if (session_open_) on_session_close(session_date_);
  cash_ = broker_cash;  // the broker's cash is the truth (as after a restore)
  now_ = std::max(now_, core::start_of_day(date));
  start_session(date);
  log::info("session_started", {{"date", core::format_date(date)},
                                {"equity", equity().to_string()},
                                {"open_positions", std::to_string(open_positions_)}});
}

void Engine::cancel_pending_entries() {
  const Busy busy(*this);
  for (SymbolState& s : states_) {
    if (s.entry_order.empty()) continue;
    if (Order* entry = orders_.find(s.entry_order)) orders_.cancel(*entry);
  }
}

void Engine::finish() {
  const Busy busy(*this);
  if (session_open_) on_session_close(session_date_);
}

// ---- restart ------------------------------------------------------------------------------

RestoreState stored_state(orders::OrderRepository& orders, orders::TradeRepository& trades,
                          core::Date session_date) {
  RestoreState state;
  state.session_date = session_date;
  state.orders = orders.open_round_trips();
  const Timestamp day = core::start_of_day(session_date);
  state.trades_today = trades.closed_between(day, day + std::chrono::days{1});
  return state;
}

RestoreReport Engine::restore(const RestoreState& saved) {
  if (bars_ != 0 || session_open_ || orders_.size() != 0) {
    throw Error("Engine::restore needs a new engine, before its first bar and order");
  }
  const Busy busy(*this);
  RestoreReport report;
  now_ = saved.now;
  start_session(saved.session_date);
  std::vector<Decimal> pnls;
  pnls.reserve(saved.trades_today.size());
  for (const auto& t : saved.trades_today) pnls.push_back(t.pnl);
  breaker_.reconstruct(pnls, saved.start_of_day_equity);

  // 1. The stored orders, and what they say about each symbol: the entry's fills make the
  //    position, the exits' fills take from it, the open ones are the symbol's orders.
  struct LastExit {
    Timestamp at;
    ExitReason reason = ExitReason::strategy_exit;
  };
  std::vector<LastExit> last_exit(states_.size());
  std::vector<std::string> unanswered;  // pending_submit: sent again below unless news came
  for (const orders::OrderRecord& r : saved.orders) {
    const auto symbol = symbols_.find(r.symbol);
    if (!symbol) {
      throw Error("restore: order " + r.client_order_id + " is for " + r.symbol +
                  ", which is not in this engine's symbol table");
    }
    Order& o = orders_.adopt(r, *symbol);
    ++report.orders;
    SymbolState& s = state(*symbol);
    const std::string& id = o.request.client_order_id;
    const bool open = !orders::is_terminal(o.state);
    if (o.state == orders::OrderState::pending_submit) unanswered.push_back(id);
    switch (o.request.role) {
      case OrderRole::entry:
        s.planned_stop = o.request.planned_stop.value_or(Decimal{});  // F18
        if (o.filled_qty > 0) {
          if (s.qty == 0 && s.exited_qty == 0) {
            s.correlation = id;
            s.opened_at = o.updated_at;  // the fill's time (the last one, if it came in parts)
            s.open_sequence = ++open_sequence_;
            s.initial_stop = s.planned_stop;
            ++open_positions_;
          }
          s.avg_entry_price = o.avg_fill_price;
          s.qty += o.filled_qty;
        }
        if (open) {
          s.entry_order = id;
          s.candles_since_entry = 0;
          s.entry_since = o.created_at;
          s.reserved = o.request.stop_price.value_or(Decimal{}) * o.request.qty;  // F6
          reserved_cash_ += s.reserved;
          ++pending_entries_;
        }
        break;
      case OrderRole::stop_loss:
      case OrderRole::exit_market:
        if (o.filled_qty > 0) {
          s.qty -= o.filled_qty;
          s.exited_qty += o.filled_qty;
          s.exit_value += o.avg_fill_price * o.filled_qty;
          last_exit[data::index_of(*symbol)] = LastExit{
              o.updated_at, o.request.role == OrderRole::stop_loss ? ExitReason::stop_loss
                                                                   : ExitReason::strategy_exit};
        }
        if (open && o.request.role == OrderRole::stop_loss) {
          s.stop_order = id;
          s.stop_price = s.stop_requested = o.request.stop_price.value_or(Decimal{});
          s.stop_qty = o.request.qty;
        } else if (open) {
          s.exit_order = id;
          s.exit_reason = ExitReason::strategy_exit;  // not stored (see restore's comment)
        }
        break;
    }
  }
  for (SymbolState& s : states_) {
    s.market_value = s.avg_entry_price * s.qty;
    positions_value_ += s.market_value;
  }
  // 2. A round trip whose closing fill was stored just before the crash: its trade row now.
  for (SymbolState& s : states_) {
    if (!s.correlation.empty() && s.qty == 0 && s.exited_qty > 0 && s.entry_order.empty()) {
      const LastExit& last = last_exit[data::index_of(s.id)];
      close_trade(s, last.reason, last.at);
      ++report.trades_completed;
    }
  }
  // 3. What the broker did while we were down, through the usual handling.
  for (const OrderEvent& event : saved.missed) {
    const orders::ApplyResult result = orders_.apply(event);
    if (result.kind != orders::ApplyResult::Kind::applied || result.order == nullptr) continue;
    ++report.events_applied;
    handle(*result.order, result, event.type, event.ts);
  }
  // 4. What the broker never received goes out again, with the same client order id (F22).
  for (const std::string& id : unanswered) {
    Order* o = orders_.find(id);
    if (o == nullptr || o->state != orders::OrderState::pending_submit) continue;
    ++report.resubmitted;
    send(*o, saved.now);
  }
  // 5. Every position protected, its stop matching what is held (F18, F21).
  for (SymbolState& s : states_) {
    if (s.qty <= 0) continue;
    ++report.positions;
    if (!s.stop_order.empty()) {
      sync_stop_qty(s);
      continue;
    }
    if (protect(s, saved.now, "restore_stop_placed")) ++report.stops_placed;
  }
  // 6. The broker's cash is the truth (the missed fills above moved ours as well).
  cash_ = saved.cash;
  positions_value_ = Decimal{};
  for (const SymbolState& s : states_) positions_value_ += s.market_value;
  log::info("engine_restored", {{"orders", std::to_string(report.orders)},
                                {"positions", std::to_string(report.positions)},
                                {"events", std::to_string(report.events_applied)},
                                {"resubmitted", std::to_string(report.resubmitted)},
                                {"stops_placed", std::to_string(report.stops_placed)},
                                {"trades_completed", std::to_string(report.trades_completed)}});
  return report;
}

bool Engine::protect(SymbolState& s, Timestamp now, std::string_view event) {
  if (s.qty <= 0 || !s.exit_order.empty()) return false;  // flat, or on its way out
  if (!s.stop_order.empty()) {
    const Order* stop = orders_.find(s.stop_order);
    if (stop != nullptr && !orders::is_terminal(stop->state)) return false;
    s.stop_order.clear();
  }
  if (s.planned_stop <= Decimal{}) {
    // No planned stop known (F18): the emergency stop below the entry.
    s.planned_stop = orders::tick_price(
        Side::sell, s.avg_entry_price - s.avg_entry_price * options_.risk.emergency_stop_pct);
    log::critical("emergency_stop",
                  {{"symbol", symbols_.name(s.id)}, {"stop", s.planned_stop.to_string()}});
  }
  log::warning(event, {{"symbol", symbols_.name(s.id)}, {"stop", s.planned_stop.to_string()}});
  place_stop(s, now);
  return true;
}

int Engine::protect_positions(Timestamp now) {
  const Busy busy(*this);
  now_ = std::max(now_, now);
  int placed = 0;
  for (SymbolState& s : states_) {
    if (protect(s, now_, "stop_placed_unprotected")) ++placed;
  }
  return placed;
}

void Engine::warm_up(const data::Bar& bar) {
  SymbolState& s = state(bar.symbol);
  if (s.qty != 0) {
    const Decimal marked = bar.close * s.qty;
    positions_value_ += marked - s.market_value;
    s.market_value = marked;
  }
  const data::Bar* candle = s.aggregator.next(bar);
  if (candle == nullptr) return;
  s.indicators.update(*candle);
  if (s.qty > 0 && bar.ts >= s.opened_at) {
    // The candles of the open position replayed, their answers ignored: a strategy's state of
    // the position (Velez's trailing stage) is where it would be without the restart.
    const strategy::PositionView view{s.qty, s.avg_entry_price, s.market_value,
                                      s.market_value - s.avg_entry_price * s.qty, s.stop_price};
    try {
      static_cast<void>(s.strategy->should_update_stop(*candle, view, s.indicators));
      static_cast<void>(s.strategy->should_exit(*candle, view, s.indicators));
    } catch (const std::exception& e) {
      strategy_failed(s, *candle, e.what());
    }
  } else if (!s.entry_order.empty() && bar.ts > s.entry_since) {
    ++s.candles_since_entry;  // a candle closed after the pending entry was sent
  }
}

}  // namespace trader::engine
