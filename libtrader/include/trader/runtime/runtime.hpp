#pragma once
// The live and paper trading runtime (trader-run): the one Engine of the backtests driven by
// live streams, on one io_context and one thread (bars and trade updates arrive on it in turn,
// so no lock is needed). Start-up in this order: mode banner -> paper gate (F16) -> database (F13)
// -> reconciliation (stored orders forced to the broker's state, orphans cancelled or adopted,
// every position protected) -> circuit breaker from today's trades -> warm-up from REST history ->
// running. Then the end-of-day timer (F17), supervision of the streams (F19), the order audit, and
// a graceful shutdown on SIGTERM, SIGINT or request_shutdown() (pending entries cancelled,
// fills drained, every position left with a broker-side stop, nothing flattened).
//
// Three ways to run it: against Alpaca (paper, or live with both opt-ins), a dry run (live bars
// from Alpaca, fills from SimBroker: nothing reaches the broker), and a replay (bars from a feed
// the caller makes, e.g. the local store, SimBroker, a virtual clock).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <trader/config/settings.hpp>
#include <trader/core/error.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/symbol_table.hpp>
#include <trader/runtime/bar_feed.hpp>
#include <trader/runtime/clock.hpp>
#include <trader/strategy/strategy.hpp>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace trader::runtime {

// F16: the runtime refused to start in the mode asked for; what() says why and what to change.
class PaperGateError : public Error {
 public:
  using Error::Error;
};

enum class BrokerKind : std::uint8_t {
  alpaca,  // orders to Alpaca (paper unless ALGO_BROKER__PAPER=false and --live)
  sim,     // SimBroker: a dry run (live bars) or a replay (the caller's feed)
};

enum class RuntimeState : std::uint8_t {
  starting,
  reconciling,
  warming_up,
  running,
  shutting_down,
  stopped,
};
[[nodiscard]] std::string_view to_string(RuntimeState state) noexcept;

// A replay's bars and clock: the caller makes the feed (it may drive a VirtualClock it also
// hands over); the runtime exits 0 when the feed ends.
struct ReplaySource {
  std::function<std::unique_ptr<Clock>(boost::asio::io_context& io)> make_clock;
  std::function<std::unique_ptr<BarFeed>(boost::asio::io_context& io,
                                         const data::SymbolTable& symbols, Clock& clock)>
      make_feed;
  std::string description;  // "2024-03-04..2024-03-08 at max speed" for the banner
};

struct RuntimeOptions {
  config::Settings settings;
  std::string strategy_name;
  std::function<std::unique_ptr<strategy::Strategy>()> make_strategy;
  bool live = false;  // --live: the second opt-in of live trading (F16)
  BrokerKind broker = BrokerKind::alpaca;
  std::optional<ReplaySource> replay;
  // The banner and other lines for a person (the tool prints them on stdout); may be empty.
  std::function<void(std::string_view line)> print;
  // Called on the io_context's thread at every state change (status, tests).
  std::function<void(RuntimeState state)> on_state;
  // Called on the io_context's thread with every bar-to-order span the metrics' histogram
  // records (a benchmark takes exact quantiles from it); may be empty.
  std::function<void(std::chrono::nanoseconds span)> on_bar_to_order;
  // How long a new order may wait for the trade-update stream to listen (see GatedBroker).
  std::chrono::milliseconds order_wait{10'000};
  // A market-data feed silent this long during the session is stale (F19); on the clock.
  std::chrono::seconds stale_after{180};
};

// What /status shows of the runtime (read on the io_context's thread).
struct RuntimeView {
  RuntimeState state = RuntimeState::starting;
  std::string mode;  // "paper", "live", "dry-run", "replay"
  bool simulated_clock = false;
  core::Timestamp now{};
  core::Timestamp started_at{};
  FeedHealth market_data;
  FeedHealth trade_updates;
  std::int64_t bars = 0;
  int open_positions = 0;
  int pending_entries = 0;
  int open_orders = 0;
  int held_orders = 0;
  bool breaker_paused = false;
  std::string breaker_reason;
  std::string daily_realized_pnl;
  std::string equity;
  int supervision_failures = 0;
  int stream_gaps = 0;
  std::int64_t strategy_errors = 0;
};

class Runtime {
 public:
  explicit Runtime(RuntimeOptions options);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Starts up and runs until shut down. Returns the exit status: 0 after a graceful shutdown
  // (signal, request_shutdown(), the end of a replay), 1 after a safe stop (supervision gave up,
  // a credential error, a failure while running). Start-up failures throw: PaperGateError,
  // ReconciliationError, the store's and Alpaca's errors, each with its message.
  int run();
  // The graceful shutdown from the io_context's thread (POST /shutdown). Idempotent.
  void request_shutdown(std::string_view why);
  // The state and its figures (on the io_context's thread).
  [[nodiscard]] RuntimeView view() const;
  // The io_context everything runs on (the status server joins it).
  [[nodiscard]] boost::asio::io_context& io() noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trader::runtime
