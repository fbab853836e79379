#pragma once
// The engine: the one per-bar pipeline and per-candle strategy evaluation shared by backtests and
// live trading (docs/architecture.md: one engine, many drivers). It is deterministic and knows
// nothing of where bars come from or which broker it talks to. Order of work for each 1-minute
// bar, as the reference's runner (docs/architecture.md, "The bar loop"):
//   session change (F7 close of the previous session, circuit-breaker reset) ->
//   simulated matching (EngineOptions::venue; its fills arrive as order events and are handled
//   at once: stops for entries, trades for exits) -> marks -> candle aggregation -> indicators
//   -> evaluation of the candle (position: trail and exit; pending entry: expiry; flat: signal,
//   risk, sizing, buy-stop) -> the per-candle equity point.
// The per-bar path allocates nothing; strategies run once per candle.
//
// Orders go out as commands and their outcome comes back as order events (broker/broker.hpp),
// now or bars later, in any order a broker may produce; the engine's decisions never assume an
// answer has arrived: an entry waiting for its acknowledgement is still pending (never doubled),
// a fill before the acknowledgement counts, a stop's move takes effect when the broker confirms
// it (F1 holds against moves still on their way), a position is protected from its first share
// and its stop follows every fill (F21), and a stop that fails or disappears while shares are
// held sends them out at market at once.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <trader/broker/broker.hpp>
#include <trader/broker/simulated_venue.hpp>
#include <trader/calendar/nyse.hpp>
#include <trader/config/settings.hpp>
#include <trader/data/candle_aggregator.hpp>
#include <trader/data/symbol_table.hpp>
#include <trader/engine/trade.hpp>
#include <trader/orders/client_order_ids.hpp>
#include <trader/orders/order_manager.hpp>
#include <trader/orders/order_repository.hpp>
#include <trader/risk/circuit_breaker.hpp>
#include <trader/risk/risk_manager.hpp>
#include <trader/strategy/indicator_set.hpp>
#include <trader/strategy/strategy.hpp>

namespace trader::engine {

// What drivers and reports want to know. Called at most once per candle (equity), never per bar.
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  virtual void on_trade(const Trade& /*trade*/) {}
  // After a candle's last bar and its evaluation, one point per symbol-candle (drawdown).
  virtual void on_candle_equity(data::SymbolId /*symbol*/, Timestamp /*candle_start*/,
                                Decimal /*equity*/) {}
  // After the session close (F7): the day's closing equity.
  virtual void on_daily_equity(core::Date /*date*/, Decimal /*equity*/) {}
  virtual void on_candle(const data::Bar& /*candle*/) {}
  // An entry signal, and the orders' life (reports mark entries, exits and stops).
  virtual void on_order(const orders::Order& /*order*/) {}
  virtual void on_stop_moved(data::SymbolId /*symbol*/, Timestamp /*ts*/, Decimal /*stop*/) {}
};

// When the trading day ends for the engine.
enum class EndOfDay : std::uint8_t {
  // F7: the engine closes the session itself at the first bar at or after the calendar's close
  // (or the first bar of a later day) and flattens there, at the reference's price rule through
  // the simulated venue. Backtests.
  at_first_bar_after_close,
  // F17: the driver calls flatten_for_close() from its own wall-clock timer, before the close;
  // bars after it are not evaluated until the next session. Live and paper trading.
  driver,
};

struct EngineOptions {
  config::RiskSettings risk;
  // The simulated exchange to tell about bars and session closes (SimBroker in a backtest or a
  // replay); null for a real broker.
  broker::SimulatedVenue* venue = nullptr;
  // Write-ahead persistence (live and paper): every order transition is stored before the
  // engine's next action, every closed trade once (F15). Null in backtests. Both must outlive
  // the engine.
  orders::OrderRepository* order_repository = nullptr;
  orders::TradeRepository* trade_repository = nullptr;
  EndOfDay end_of_day = EndOfDay::at_first_bar_after_close;
  // F22: backtests keep bt-1, bt-2, ...; a live session uses ClientOrderIds::unique_run().
  orders::ClientOrderIds order_ids = orders::ClientOrderIds::deterministic("bt-");
};

// What a restarted session continues from (Engine::restore). A start-up reconciliation fills it:
// the stored side from the repositories (stored_state() below), the broker's side from the
// broker. The engine then holds what an uninterrupted engine would hold at that point.
struct RestoreState {
  core::Date session_date{};    // the session in progress (or the one about to start)
  core::Timestamp now{};        // the restart time: stamps what restore itself sends
  Decimal start_of_day_equity;  // the circuit breaker's base for the day
  Decimal cash;                 // the broker's cash now, after all it did while we were down
  // OrderRepository::open_round_trips(): pending entries, open positions with their stops and
  // exits (F18: an entry carries its planned stop), round trips closed without a trade row.
  std::vector<orders::OrderRecord> orders;
  // TradeRepository::closed_between(day start, day end): the day's trades, oldest first, for
  // the circuit breaker (CircuitBreaker::reconstruct).
  std::vector<orders::TradeRecord> trades_today;
  // What the broker knows about `orders` that they do not show yet (a fill, an answer to a
  // submit, a cancel, a replacement), as events, oldest first: the reconciliation's diff.
  std::vector<orders::OrderEvent> missed;
};

// What restore did.
struct RestoreReport {
  int orders = 0;            // orders taken over
  int positions = 0;         // open positions after the missed events
  int events_applied = 0;    // missed events that changed an order
  int resubmitted = 0;       // orders the broker never got, sent again with their id (F22)
  int stops_placed = 0;      // positions found without a stop (F18: at their planned stop)
  int trades_completed = 0;  // round trips closed before the crash, their trade row written now
};

// The stored side of a RestoreState: open round trips and the day's trades.
[[nodiscard]] RestoreState stored_state(orders::OrderRepository& orders,
                                        orders::TradeRepository& trades, core::Date session_date);

class Engine final : public broker::OrderEventListener {
 public:
  // One strategy instance per symbol from `make_strategy`; `symbols` must outlive the engine and
  // hold every symbol the bars will carry. Registers itself as the broker's listener.
  Engine(const data::SymbolTable& symbols,
         const std::function<std::unique_ptr<strategy::Strategy>()>& make_strategy,
         broker::Broker& broker, EngineOptions options, EngineObserver* observer = nullptr);
  ~Engine() override;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // A strategy that throws while a candle is evaluated is isolated to that symbol and candle:
  // logged (strategy_error: strategy, symbol, candle time) and counted, nothing done for the
  // candle, the other symbols and later candles evaluated as usual.
  void on_bar(const data::Bar& bar);
  // F17 (issue 12 item 5): the live driver calls this from its own wall-clock timer at the
  // close minus ALGO_ENGINE__EOD_FLATTEN_SECONDS (early closes included), never waiting for a
  // bar: pending entries are cancelled, every position gets a market exit (oldest first) while
  // the market can still fill it, the partial candles are dropped, and bars after it are not
  // evaluated until the next session (a late entry fill leaves at once). Idempotent; `now` is
  // the driver's clock.
  void flatten_for_close(Timestamp now);
  // The end of `date`'s session: flatten what is still open, let the venue close (F7: it fills
  // the market exits at the reference's end-of-day price), record the day's equity. With
  // EndOfDay::at_first_bar_after_close the engine calls it at the first bar at or after the
  // calendar's close; with EndOfDay::driver at the first bar of a later day, or the driver calls
  // it after the close (then a position still open here means the flatten never came: it is
  // sent out now, with a warning). Idempotent.
  void on_session_close(core::Date date);
  // End of the data: closes the session in progress.
  void finish();
  // The live driver at a session's open (F17: after the flatten, the breaker starts the day from
  // the account): closes a session still in progress, takes the broker's cash and starts
  // `date`'s session, the circuit breaker reset from the equity. A no-op for the session in
  // progress.
  void begin_session(core::Date date, Decimal broker_cash);
  // Graceful shutdown: every pending entry is cancelled at the broker; positions keep
  // their stops and are not flattened.
  void cancel_pending_entries();
  // Every position without a working stop (and no exit on its way) gets one: F18's planned
  // stop, else the emergency stop (risk.emergency_stop_pct below the entry). Returns how many
  // stops were sent (graceful shutdown's check).
  int protect_positions(Timestamp now);

  void on_order_event(const orders::OrderEvent& event) override;

  // Continues a session after a restart (issue 12 item 3), on a new engine before its first bar.
  // It takes over the stored orders, rebuilds positions, pending entries (with their F6
  // reservations) and stops from them, reconstructs the circuit breaker from the day's trades
  // and start-of-day equity, applies the missed events through the usual handling (a missed
  // fill closes a trade, a missed entry fill gets its stop), writes the trade row of a round
  // trip that closed just before the crash, sends again (same client order id, F22) what the
  // broker never received, protects every position left without a stop (F18: at the entry's
  // planned stop; the emergency stop, risk.emergency_stop_pct below the entry, only where no
  // planned stop is known), makes every stop match what is held (F21) and takes the broker's
  // cash. Expects of the caller: the symbol table holds every symbol of `state.orders`; orders
  // of other round trips still open at the broker (orphans) are the reconciliation's to cancel;
  // then warm_up() with the bars up to the restart (the strategies' indicators and candles,
  // marks, the pending entries' candle counts), then on_bar() with the live bars; with
  // EndOfDay::driver, flatten_for_close() again if the restart is past the flatten time. Costs
  // (F10) are not stored: a restored position's entry costs count as zero, and a restored market
  // exit reports strategy_exit unless the session close takes it over.
  RestoreReport restore(const RestoreState& saved);
  // A bar from before the restart: candles and indicators, marks and the candle count of a
  // pending entry, without evaluation, matching or session logic. The candles since the open
  // position's entry fill go through the strategy's should_update_stop and should_exit, their
  // answers ignored, so a strategy whose state of the position follows from those candles (Velez's
  // trailing stage) continues where it was.
  void warm_up(const data::Bar& bar);
  // The session the engine is in, if any (a driver's restart bookkeeping; tests).
  [[nodiscard]] std::optional<core::Date> session_in_progress() const {
    return session_open_ ? std::optional<core::Date>(session_date_) : std::nullopt;
  }

  [[nodiscard]] Decimal equity() const;
  [[nodiscard]] Decimal cash() const noexcept { return cash_; }
  [[nodiscard]] Decimal total_costs() const noexcept { return total_costs_; }
  [[nodiscard]] const risk::CircuitBreaker& circuit_breaker() const noexcept { return breaker_; }
  [[nodiscard]] std::int64_t bars_processed() const noexcept { return bars_; }
  [[nodiscard]] int open_positions() const noexcept { return open_positions_; }
  [[nodiscard]] int pending_entries() const noexcept { return pending_entries_; }
  // Candles whose evaluation a strategy's exception cut short.
  [[nodiscard]] std::int64_t strategy_errors() const noexcept { return strategy_errors_; }
  // Flattened for the day (F17): bars are not evaluated until the next session.
  [[nodiscard]] bool day_closed() const noexcept { return day_closed_; }
  [[nodiscard]] std::int64_t position_qty(data::SymbolId symbol) const;
  // The symbol's position as the engine mirrors it from fills (qty 0: flat), for status pages.
  struct PositionSummary {
    std::int64_t qty = 0;
    Decimal avg_entry_price;
    Timestamp opened_at{};
    Decimal stop_price;      // the protective stop in force; 0: none
    std::string stop_order;  // its client order id; empty: none
  };
  [[nodiscard]] PositionSummary position(data::SymbolId symbol) const;
  // The protective stop in force for the symbol's position (as the broker acknowledged it).
  [[nodiscard]] Decimal stop_price(data::SymbolId symbol) const;

 private:
  struct SymbolState;
  class Busy;

  void start_session(core::Date date);
  // A bar at `ts` at or after boundary_ (or before the day): a new day, or the F7 close.
  void cross_boundary(Timestamp ts);
  struct Answers;
  void evaluate(SymbolState& s, const data::Bar& candle);
  // The strategy's answers for the candle; may throw (the strategy's exception).
  Answers ask(SymbolState& s, const data::Bar& candle);
  void strategy_failed(const SymbolState& s, const data::Bar& candle, const char* what);
  void enter(SymbolState& s, Decimal entry_price, Decimal stop_price);
  // Sends a created order; a local refusal is handled as its submit_failed event would be.
  void send(orders::Order& order, Timestamp now);
  // What an applied order event (or a local refusal) means for the position.
  void handle(orders::Order& order, const orders::ApplyResult& r, orders::OrderEventType type,
              Timestamp ts);
  void on_entry_filled(SymbolState& s, const orders::Order& order, const orders::ApplyResult& r,
                       Timestamp ts);
  // True when the fill closed the position (a trade was recorded).
  bool on_exit_filled(SymbolState& s, const orders::Order& order, const orders::ApplyResult& r,
                      Timestamp ts);
  void on_stop_replaced(SymbolState& s, const orders::Order& stop);
  void place_stop(SymbolState& s, Timestamp now);
  // Places the stop of a position that has none (logged as `event`); false when not needed.
  bool protect(SymbolState& s, Timestamp now, std::string_view event);
  // The position is flat: the trade (stored once, F15), the breaker, the other exit orders.
  void close_trade(SymbolState& s, ExitReason reason, Timestamp exit_at);
  void move_stop(SymbolState& s, Decimal price, Timestamp candle_ts);
  void sync_stop_qty(SymbolState& s);
  void unprotected(SymbolState& s, const orders::Order& stop, Timestamp ts);
  void submit_exit(SymbolState& s, ExitReason reason, Timestamp now);
  // Cancels pending entries and sends market exits for every position (oldest first).
  void flatten(Timestamp now);
  [[nodiscard]] orders::OrderRequest new_request(const SymbolState& s, orders::Side side,
                                                 orders::OrderType type, orders::TimeInForce tif,
                                                 orders::OrderRole role, std::int64_t qty) const;
  SymbolState& state(data::SymbolId symbol);

  const data::SymbolTable& symbols_;
  broker::Broker& broker_;
  EngineOptions options_;
  EngineObserver* observer_;
  std::vector<SymbolState> states_;
  orders::OrderManager orders_;
  risk::RiskManager risk_;
  risk::CircuitBreaker breaker_;
  Decimal cash_;
  Decimal positions_value_;  // sum of the marked positions
  Decimal reserved_cash_;    // F6: pending buy orders
  Decimal total_costs_;
  int open_positions_ = 0;
  int pending_entries_ = 0;
  std::uint64_t open_sequence_ = 0;
  std::int64_t bars_ = 0;
  std::int64_t strategy_errors_ = 0;
  // The session in progress.
  bool session_open_ = false;
  core::Date session_date_{};
  Timestamp day_start_{};
  Timestamp day_end_{};
  Timestamp session_close_{};
  Timestamp boundary_{};  // the first time on_bar must look at: day_end_, or the F7 close
  Timestamp now_{};
  bool day_closed_ = false;  // flattened for the day: a late entry fill leaves at once
  int depth_ = 0;            // engine calls on the stack (events may arrive re-entrantly)
  bool forget_pending_ = false;
};

}  // namespace trader::engine
