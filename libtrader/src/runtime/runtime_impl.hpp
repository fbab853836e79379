#pragma once
// Runtime's state, shared by its translation units: start-up (runtime.cpp), the trading day's
// timers (session_timers.cpp), supervision and the order audit (supervision.cpp), shutdown
// (shutdown.cpp). Private to the runtime; everything runs on io's thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <trader/alpaca/broker.hpp>
#include <trader/broker/sim_broker.hpp>
#include <trader/calendar/nyse.hpp>
#include <trader/engine/engine.hpp>
#include <trader/runtime/metrics.hpp>
#include <trader/runtime/runtime.hpp>
#include <trader/runtime/status.hpp>
#include <trader/runtime/status_server.hpp>
#include <trader/runtime/supervisor.hpp>
#include <trader/store/database.hpp>

#include "gated_broker.hpp"

namespace trader::runtime {

struct Runtime::Impl {
  explicit Impl(RuntimeOptions opts);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // --- start-up (runtime.cpp) ---
  int run();
  void set_state(RuntimeState next);
  void banner();
  void paper_gate() const;
  void open_database();
  void make_brokers();
  void make_engine(const std::vector<std::string>& extra_symbols);
  void warm_up();
  void start_running();
  void install_signals();
  void on_bar(const data::Bar& bar, bool updated);
  void process_bar(const data::Bar& bar);
  [[nodiscard]] std::string mode_name() const;
  [[nodiscard]] bool alpaca_mode() const noexcept { return alpaca != nullptr; }

  // --- the trading day (session_timers.cpp) ---
  void schedule_day();
  void on_open(const calendar::Session& session) const;
  void on_flatten(const calendar::Session& session);
  void on_close(const calendar::Session& session);

  // --- supervision and the audit (supervision.cpp) ---
  void start_health_checks();
  void check_health();
  void restart_feed_later(std::chrono::milliseconds delay);
  void check_audit();
  void audit_orders(std::string_view why);

  // --- status, health, metrics (status_glue.cpp) ---
  void start_status_server();
  [[nodiscard]] StatusSnapshot snapshot() const;
  [[nodiscard]] std::vector<StreamStatus> streams() const;

  // --- the minutes an outage of the market-data stream lost, from REST (backfill.cpp) ---
  // The minutes between the last bar processed and `until` (the new connection's first bar).
  void start_backfill(core::Timestamp until);
  void finish_backfill(std::vector<data::Bar> bars, int failed);

  // --- shutdown (shutdown.cpp) ---
  void shutdown(int exit_code, std::string_view why);
  void drain_then(std::chrono::milliseconds limit, std::function<bool()> done,
                  std::function<void()> next);
  void verify_protection() const;
  void disconnect();
  void stop_safely(std::string_view why);  // exit 1

  RuntimeOptions options;
  const config::Settings& settings;
  boost::asio::io_context io;
  std::unique_ptr<Clock> clock;
  core::Timestamp started_at{};
  std::optional<store::Database> db;
  std::unique_ptr<orders::OrderRepository> order_repo;
  std::unique_ptr<orders::TradeRepository> trade_repo;
  std::unique_ptr<alpaca::AlpacaBroker> alpaca;
  std::unique_ptr<broker::SimBroker> sim;
  std::unique_ptr<GatedBroker> gate;
  data::SymbolTable symbols;
  std::unique_ptr<engine::EngineObserver> observer;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<BarFeed> feed;
  Supervisor supervisor;
  std::optional<boost::asio::signal_set> signals;
  Metrics metrics;
  std::unique_ptr<StatusServer> server;
  std::chrono::steady_clock::time_point process_start = std::chrono::steady_clock::now();
  // When the bar being processed was handed over (bar-to-order latency); unset between bars.
  std::optional<std::chrono::steady_clock::time_point> bar_arrived;

  // The trading day's timers.
  net::TimerHandle open_timer;
  net::TimerHandle flatten_timer;
  net::TimerHandle close_timer;
  // Supervision and the audit.
  net::TimerHandle health_timer;
  net::TimerHandle feed_restart_timer;
  core::Timestamp last_audit{};
  // The newest bar processed per symbol (duplicates dropped); the backfill in flight and the
  // live bars waiting behind it.
  std::vector<core::Timestamp> last_bar_ts;
  std::vector<data::Bar> held_live;
  std::thread backfill_thread;
  // Shutdown.
  std::optional<boost::asio::steady_timer> drain_timer;
  std::optional<boost::asio::steady_timer> deadline_timer;
  std::chrono::steady_clock::time_point drain_until;

  int signal_count = 0;
  // Connections seen so far (and, below, whether the loss before the next one was counted).
  int feed_reconnects_seen = 0;
  int trade_sessions_seen = 0;
  int stream_gaps = 0;
  int exit_code = 0;
  RuntimeState state = RuntimeState::starting;
  bool feed_was_connected = false;
  bool trade_was_listening = false;
  bool feed_loss_counted = false;
  bool trade_loss_counted = false;
  bool feed_restarting = false;
  bool backfilling = false;
  bool backfill_wanted = false;  // reconnected: the next bar bounds the backfill
  bool shutting_down = false;
  bool replay_ended = false;
};

}  // namespace trader::runtime
