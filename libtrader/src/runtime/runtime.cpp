#include <trader/runtime/runtime.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include <trader/alpaca/historical_bars.hpp>
#include <trader/log/log.hpp>
#include <trader/runtime/live_bar_feed.hpp>
#include <trader/store/repositories.hpp>

#include "reconciliation.hpp"
#include "runtime_impl.hpp"

namespace trader::runtime {

std::string_view to_string(RuntimeState state) noexcept {
  switch (state) {
    case RuntimeState::starting:
      return "starting";
    case RuntimeState::reconciling:
      return "reconciling";
    case RuntimeState::warming_up:
      return "warming_up";
    case RuntimeState::running:
      return "running";
    case RuntimeState::shutting_down:
      return "shutting_down";
    case RuntimeState::stopped:
      return "stopped";
  }
  return "?";
}

namespace {

// The clock the log's records are stamped with while a simulated clock runs (log times in
// simulated time, like everything else).
std::atomic<const Clock*> g_log_clock{nullptr};

core::Timestamp log_now() {
  const Clock* clock = g_log_clock.load();
  return clock != nullptr
             ? clock->now()
             : std::chrono::time_point_cast<core::Microseconds>(std::chrono::system_clock::now());
}

// The lifecycle points of the engine's orders and trades, one log line each.
class LoggingObserver final : public engine::EngineObserver {
 public:
  LoggingObserver(const data::SymbolTable& symbols, Metrics& metrics)
      : symbols_(symbols), metrics_(metrics) {}
  void on_candle(const data::Bar& /*candle*/) override { metrics_.candle_closed(); }
  void on_trade(const engine::Trade& t) override {
    log::info("trade_closed", {{"symbol", symbols_.name(t.symbol)},
                               {"qty", std::to_string(t.qty)},
                               {"entry_at", core::format_timestamp(t.entry_at)},
                               {"exit_at", core::format_timestamp(t.exit_at)},
                               {"entry", t.entry_price.to_string()},
                               {"exit", t.exit_price.to_string()},
                               {"pnl", t.pnl.to_string()},
                               {"reason", std::string(engine::to_string(t.exit_reason))}});
  }
  void on_order(const orders::Order& o) override {
    log::info("order_update", {{"order", o.request.client_order_id},
                               {"symbol", o.request.symbol},
                               {"role", std::string(orders::to_string(o.request.role))},
                               {"state", std::string(orders::to_string(o.state))},
                               {"filled", std::to_string(o.filled_qty)}});
  }
  void on_stop_moved(data::SymbolId symbol, core::Timestamp ts, core::Decimal stop) override {
    log::info("stop_moved", {{"symbol", symbols_.name(symbol)},
                             {"candle", core::format_timestamp(ts)},
                             {"stop", stop.to_string()}});
  }

 private:
  const data::SymbolTable& symbols_;
  Metrics& metrics_;
};

}  // namespace

Runtime::Impl::Impl(RuntimeOptions opts)
    : options(std::move(opts)),
      settings(options.settings),
      supervisor([this] { return clock ? clock->now() : core::Timestamp{}; }) {}

Runtime::Impl::~Impl() {
  if (backfill_thread.joinable()) backfill_thread.join();
  const Clock* mine = clock.get();
  if (mine != nullptr && g_log_clock.compare_exchange_strong(mine, nullptr)) {
    log::set_time_source(nullptr);
  }
  // The engine first (it unregisters from the gate), then the streams.
  engine.reset();
  if (feed) feed->stop();
  if (alpaca) alpaca->stop_stream();
}

void Runtime::Impl::set_state(RuntimeState next) {
  if (state == next) return;
  log::info("runtime_state",
            {{"from", std::string(to_string(state))}, {"to", std::string(to_string(next))}});
  state = next;
  if (options.on_state) options.on_state(next);
}

std::string Runtime::Impl::mode_name() const {
  if (options.replay) return "replay";
  if (options.broker == BrokerKind::sim) return "dry-run";
  return settings.broker.paper ? "paper" : "live";
}

void Runtime::Impl::banner() {
  std::string line;
  if (options.replay) {
    line = "REPLAY (" + options.replay->description + "): bars from the local store, fills " +
           "simulated; nothing is sent to a broker";
  } else if (options.broker == BrokerKind::sim) {
    line = "DRY RUN: live bars, fills simulated; nothing is sent to the broker";
  } else if (settings.broker.paper) {
    line = "PAPER trading";
  } else {
    line = "LIVE trading: real money";
  }
  std::string watchlist;
  for (const auto& s : settings.watchlist) watchlist += (watchlist.empty() ? "" : ",") + s;
  const bool simulated = clock->simulated();
  if (options.print) {
    options.print("Mode:      " + line + (simulated ? " [SIMULATED CLOCK]" : ""));
    options.print("Strategy:  " + options.strategy_name);
    options.print("Watchlist: " + watchlist);
    if (simulated) {
      options.print("SIMULATED CLOCK: now " + core::format_timestamp(clock->now()) +
                    (settings.engine.clock_start.empty()
                         ? std::string()
                         : ", " + std::to_string(settings.engine.clock_speed) + "x"));
    }
  }
  log::info("runtime_mode", {{"mode", mode_name()},
                             {"strategy", options.strategy_name},
                             {"watchlist", watchlist},
                             {"clock", simulated ? "SIMULATED CLOCK" : "real"},
                             {"now", core::format_timestamp(clock->now())}});
}

void Runtime::Impl::paper_gate() const {
  if (options.broker != BrokerKind::alpaca) {
    if (options.live) {
      throw PaperGateError("--live refused: a dry run or a replay never trades (--broker sim)");
    }
    return;
  }
  const bool paper = settings.broker.paper;
  if (!paper && !options.live) {
    throw PaperGateError(
        "live trading refused: ALGO_BROKER__PAPER=false needs --live as well (both opt-ins); "
        "for paper trading set ALGO_BROKER__PAPER=true");
  }
  if (paper && options.live) {
    throw PaperGateError(
        "--live refused: ALGO_BROKER__PAPER=true (paper trading); live trading needs "
        "ALGO_BROKER__PAPER=false as well");
  }
  if (options.live && clock->simulated()) {
    throw PaperGateError(
        "--live refused: a simulated clock is on (--clock-start or ALGO_ENGINE__CLOCK_START); "
        "live trading runs on the real clock only");
  }
  const alpaca::AccountInfo account = alpaca->account_info();
  if (account.is_paper != paper) {
    throw PaperGateError(
        fmt::format("{} refused: ALGO_BROKER__PAPER={} but account {} is a {} account; check "
                    "ALGO_BROKER__API_KEY and ALGO_BROKER__TRADING_URL",
                    paper ? "paper trading" : "live trading", paper ? "true" : "false",
                    account.account_number, account.is_paper ? "paper" : "live"));
  }
  log::info("paper_gate_passed",
            {{"account", account.account_number}, {"paper", paper ? "true" : "false"}});
}

void Runtime::Impl::open_database() {
  store::DatabaseOptions db_options = store::database_options(settings);
  // Each order is written before it is sent: no checkpoint may stand in front of one.
  db_options.background_checkpoints = true;
  db.emplace(store::Database::open(db_options, store::OpenMode::use));
  order_repo = store::make_order_repository(*db);
  trade_repo = store::make_trade_repository(*db);
  log::info("database_open",
            {{"path", db->path().string()}, {"schema", std::to_string(db->schema_version())}});
}

void Runtime::Impl::make_brokers() {
  broker::Broker* inner = nullptr;
  std::function<bool()> listening = [] { return true; };
  if (options.broker == BrokerKind::alpaca) {
    alpaca::BrokerOptions broker_options = alpaca::broker_options(settings);
    broker_options.timers = &clock->timers();
    broker_options.symbol_id = [this](std::string_view symbol) {
      return symbols.find(symbol).value_or(data::SymbolId{});
    };
    alpaca = std::make_unique<alpaca::AlpacaBroker>(io, std::move(broker_options));
    inner = alpaca.get();
    listening = [this] { return alpaca->stream_listening(); };
  } else {
    sim = std::make_unique<broker::SimBroker>(broker::SimulationSettings::from(settings.backtest));
    inner = sim.get();
  }
  // Alpaca holds a stop's shares: an exit cancels the stop first (a simulated broker keeps the
  // backtests' order of events).
  gate = std::make_unique<GatedBroker>(
      *inner, *clock, std::move(listening), options.order_wait,
      alpaca ? ExitOrder::cancel_stop_first : ExitOrder::with_stop_working);
  gate->on_event = [this](const orders::OrderEvent& e) { metrics.order_event(e.type); };
  gate->on_send = [this](const orders::OrderRequest& /*request*/) {
    if (bar_arrived) {
      const auto span = std::chrono::steady_clock::now() - *bar_arrived;
      metrics.bar_to_order(span);
      if (options.on_bar_to_order) options.on_bar_to_order(span);
      bar_arrived.reset();  // the first order a bar caused
    }
  };
}

void Runtime::Impl::make_engine(const std::vector<std::string>& extra_symbols) {
  std::vector<std::string> names = settings.watchlist;
  names.insert(names.end(), extra_symbols.begin(), extra_symbols.end());
  symbols = data::SymbolTable::sorted(std::move(names));
  if (symbols.size() == 0) throw Error("trader-run: the watchlist is empty (ALGO_WATCHLIST)");
  engine::EngineOptions engine_options;
  engine_options.risk = settings.risk;
  engine_options.venue = sim.get();
  engine_options.order_repository = order_repo.get();
  engine_options.trade_repository = trade_repo.get();
  engine_options.end_of_day = engine::EndOfDay::driver;  // F17
  engine_options.order_ids = orders::ClientOrderIds::unique_run();
  observer = std::make_unique<LoggingObserver>(symbols, metrics);
  engine = std::make_unique<engine::Engine>(symbols, options.make_strategy, *gate,
                                            std::move(engine_options), observer.get());
}

// Warm-up: history from Alpaca's REST API, at most five symbols at a time; a symbol that fails is
// logged and stays silent until its live bars have warmed it; a shutdown stops it.
void Runtime::Impl::warm_up() {
  set_state(RuntimeState::warming_up);
  const auto probe = options.make_strategy();
  const int needed = probe->required_history() * probe->candle_interval_minutes();
  const core::Timestamp now = clock->now();
  core::Date first = core::utc_date(now);
  for (int sessions = needed / 390 + 2; sessions > 0; --sessions) {
    first = calendar::previous_session(first);
  }
  const core::Timestamp from = calendar::session_open(first);
  // Up to the minute before this one: the live stream delivers the rest.
  const core::Timestamp to =
      std::chrono::floor<std::chrono::minutes>(now) - std::chrono::microseconds{1};
  const std::size_t count = symbols.size();
  std::vector<std::vector<data::Bar>> bars(count);
  std::vector<std::string> errors(count);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> abort{false};
  std::atomic<std::size_t> finished{0};
  const alpaca::ClientOptions client_options = alpaca::market_data_options(settings);
  const auto work = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      if (abort) break;
      const auto id = data::SymbolId{static_cast<std::uint32_t>(i)};
      try {
        alpaca::HistoricalBarsClient client(client_options);
        alpaca::BarsQuery query;
        query.symbols = {symbols.name(id)};
        query.start = from;
        query.end = to;
        query.feed = settings.broker.feed;
        static_cast<void>(client.fetch(
            query, [&](std::string_view /*symbol*/, std::span<const data::BarRecord> page) {
              for (const auto& r : page) {
                data::Bar b = r.bar;
                b.symbol = id;
                bars[i].push_back(b);
              }
            }));
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    }
    ++finished;
  };
  const std::size_t workers = std::min<std::size_t>(5, count);
  std::vector<std::thread> threads;
  threads.reserve(workers);
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t w = 0; w < workers; ++w) threads.emplace_back(work);
  // Signals and the trade-update stream are served meanwhile.
  while (finished < workers) {
    io.run_for(std::chrono::milliseconds(20));
    if (shutting_down) abort = true;
  }
  for (auto& t : threads) t.join();
  if (shutting_down) {
    log::info("warmup_aborted", {{"reason", "shutdown"}});
    return;
  }
  int warm = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& name = symbols.name(data::SymbolId{static_cast<std::uint32_t>(i)});
    if (!errors[i].empty()) {
      log::warning("warmup_failed", {{"symbol", name}, {"error", errors[i]}});
      continue;
    }
    std::sort(bars[i].begin(), bars[i].end(),
              [](const data::Bar& a, const data::Bar& b) { return a.ts < b.ts; });
    for (const data::Bar& b : bars[i]) engine->warm_up(b);
    ++warm;
    log::info("warmup_complete", {{"symbol", name},
                                  {"bars", std::to_string(bars[i].size())},
                                  {"needed", std::to_string(needed)}});
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (warm == 0) {
    log::critical("warmup_failed_all", {{"symbols", std::to_string(count)}});
  }
  log::info("warmup_finished", {{"symbols", std::to_string(warm)},
                                {"failed", std::to_string(static_cast<int>(count) - warm)},
                                {"ms", std::to_string(elapsed.count())}});
}

void Runtime::Impl::on_bar(const data::Bar& bar, bool updated) {
  if (state != RuntimeState::running) return;
  const std::string& name = symbols.name(bar.symbol);
  if (updated) {
    // A candle already evaluated is not evaluated again.
    log::info("bar_updated", {{"symbol", name}, {"ts", core::format_timestamp(bar.ts)}});
    return;
  }
  if (bar.high < bar.low || bar.close <= core::Decimal{} || bar.volume < 0) {
    log::warning("invalid_bar", {{"symbol", name},
                                 {"ts", core::format_timestamp(bar.ts)},
                                 {"high", bar.high.to_string()},
                                 {"low", bar.low.to_string()},
                                 {"close", bar.close.to_string()},
                                 {"volume", std::to_string(bar.volume)}});
    return;
  }
  if (!options.replay && !calendar::is_open(bar.ts)) {
    log::debug("bar_outside_session", {{"symbol", name}, {"ts", core::format_timestamp(bar.ts)}});
    return;
  }
  // The first bar of a new connection: the outage's lost minutes are fetched before it.
  if (!options.replay && !feed_restarting && feed->health().reconnects > feed_reconnects_seen) {
    check_health();
  }
  if (backfill_wanted && !options.replay) {
    backfill_wanted = false;
    start_backfill(bar.ts);
  }
  // While the minutes lost in an outage are fetched, live bars wait behind them (in order).
  if (backfilling) {
    held_live.push_back(bar);
    return;
  }
  process_bar(bar);
}

void Runtime::Impl::process_bar(const data::Bar& bar) {
  // No candle twice: a bar a reconnect or a backfill delivers again is dropped.
  core::Timestamp& last = last_bar_ts[data::index_of(bar.symbol)];
  if (bar.ts <= last) {
    log::debug("bar_duplicate",
               {{"symbol", symbols.name(bar.symbol)}, {"ts", core::format_timestamp(bar.ts)}});
    return;
  }
  last = bar.ts;
  const std::string& name = symbols.name(bar.symbol);
  metrics.bar_received(clock->now());
  metrics.bar_processed();
  bar_arrived = std::chrono::steady_clock::now();
  try {
    engine->on_bar(bar);
    bar_arrived.reset();
  } catch (const std::exception& e) {
    log::critical("bar_failed",
                  {{"symbol", name}, {"ts", core::format_timestamp(bar.ts)}, {"error", e.what()}});
    stop_safely(std::string("a bar could not be processed: ") + e.what());
  }
}

void Runtime::Impl::install_signals() {
  signals.emplace(io, SIGINT, SIGTERM);
  const auto wait = [this](auto&& self) -> void {
    signals->async_wait([this, self](const boost::system::error_code& error, int number) {
      if (error) return;
      ++signal_count;
      const std::string name = number == SIGINT ? "SIGINT" : "SIGTERM";
      if (signal_count > 1) {
        // The second signal ends the process at once.
        log::critical("second_signal_exit", {{"signal", name}});
        std::_Exit(1);
      }
      log::info("signal_received", {{"signal", name}});
      shutdown(0, name);
      self(self);
    });
  };
  wait(wait);
}

void Runtime::Impl::start_running() {
  if (options.replay) {
    feed = options.replay->make_feed(io, symbols, *clock);
  } else {
    feed = live_bar_feed(io, alpaca::market_data_stream_options(settings), symbols, *clock);
  }
  last_bar_ts.assign(symbols.size(), core::Timestamp{});
  set_state(RuntimeState::running);
  feed->start([this](const data::Bar& bar, bool updated) { on_bar(bar, updated); },
              [this] {
                replay_ended = true;
                // The last day's close (its timer may lie past the last bar).
                if (const auto day = engine->session_in_progress()) engine->on_session_close(*day);
                log::info("replay_finished", {{"bars", std::to_string(engine->bars_processed())},
                                              {"equity", engine->equity().to_string()}});
                if (options.print) {
                  options.print("Replay finished: " + std::to_string(engine->bars_processed()) +
                                " bars, equity " + engine->equity().to_string());
                }
                shutdown(0, "replay finished");
              });
  schedule_day();
  start_health_checks();
}

int Runtime::Impl::run() {
  clock = options.replay ? options.replay->make_clock(io)
          : settings.engine.clock_start.empty()
              ? real_clock(io)
              : simulated_clock(io, core::parse_timestamp(settings.engine.clock_start),
                                static_cast<double>(settings.engine.clock_speed));
  started_at = clock->now();
  if (clock->simulated()) {
    g_log_clock.store(clock.get());
    log::set_time_source(&log_now);
  }
  banner();
  make_brokers();
  paper_gate();
  start_status_server();
  open_database();
  std::vector<std::string> extra;
  std::optional<Reconciliation> rec;
  if (alpaca_mode()) {
    set_state(RuntimeState::reconciling);
    rec.emplace(
        reconcile(*alpaca, *order_repo, *trade_repo, clock->now(), core::utc_date(clock->now())));
    extra = rec->symbols;
  }
  make_engine(extra);
  if (rec) {
    // The circuit breaker from today's trades, the positions protected (F18).
    const engine::RestoreReport report = engine->restore(rec->state);
    for (TrackedOrder t : rec->open) {
      t.symbol_id = symbols.find(t.symbol).value_or(data::SymbolId{});
      gate->follow(std::move(t));
    }
    log::info("breaker_rebuilt",
              {{"start_of_day_equity", rec->state.start_of_day_equity.to_string()},
               {"trades_today", std::to_string(rec->state.trades_today.size())},
               {"paused", engine->circuit_breaker().is_paused() ? "yes" : "no"},
               {"stops_placed", std::to_string(report.stops_placed)}});
    // Listening before anything else is sent: the stops restore placed wait for it (the
    // reference's gap P2-11 between reconciliation and the stream).
    alpaca->start_stream();
  }
  install_signals();
  if (!options.replay) warm_up();
  if (!shutting_down) start_running();
  // Until disconnect() stops the io_context; a handler's exception stops the runtime safely.
  for (;;) {
    try {
      io.run();
      break;
    } catch (const std::exception& e) {
      log::critical("runtime_failed", {{"error", e.what()}});
      stop_safely(std::string("unexpected failure: ") + e.what());
    }
  }
  set_state(RuntimeState::stopped);
  log::info("runtime_exit", {{"code", std::to_string(exit_code)}});
  return exit_code;
}

Runtime::Runtime(RuntimeOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Runtime::~Runtime() = default;

int Runtime::run() { return impl_->run(); }

void Runtime::request_shutdown(std::string_view why) { impl_->shutdown(0, why); }

boost::asio::io_context& Runtime::io() noexcept { return impl_->io; }

RuntimeView Runtime::view() const {
  const Impl& i = *impl_;
  RuntimeView v;
  v.state = i.state;
  v.mode = i.mode_name();
  if (i.clock) {
    v.simulated_clock = i.clock->simulated();
    v.now = i.clock->now();
  }
  v.started_at = i.started_at;
  if (i.feed) v.market_data = i.feed->health();
  if (i.alpaca) {
    v.trade_updates.connected = i.alpaca->stream_listening();
    v.trade_updates.reconnects = std::max(0, i.alpaca->stream_sessions() - 1);
    v.trade_updates.fatal_error = i.alpaca->fatal_error();
  } else {
    v.trade_updates.connected = true;
  }
  if (i.engine) {
    v.bars = i.engine->bars_processed();
    v.open_positions = i.engine->open_positions();
    v.pending_entries = i.engine->pending_entries();
    v.breaker_paused = i.engine->circuit_breaker().is_paused();
    v.breaker_reason = i.engine->circuit_breaker().pause_reason();
    v.daily_realized_pnl = i.engine->circuit_breaker().daily_realized_pnl().to_string();
    v.equity = i.engine->equity().to_string();
    v.strategy_errors = i.engine->strategy_errors();
  }
  if (i.gate) {
    v.open_orders = static_cast<int>(i.gate->open_orders().size());
    v.held_orders = static_cast<int>(i.gate->held());
  }
  v.supervision_failures = i.supervisor.total_failures();
  v.stream_gaps = i.stream_gaps;
  return v;
}

}  // namespace trader::runtime
