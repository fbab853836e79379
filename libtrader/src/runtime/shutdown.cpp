// The graceful shutdown, the same path for SIGTERM, SIGINT, POST /shutdown and the end of
// a replay: stop evaluating, cancel pending entries, drain fills for up to 2 s, make sure every
// position has a broker-side stop (placing one where missing), do not flatten, disconnect. In
// real time (it guards the process's exit, which Docker gives 30 s), all within 10 s.
#include <trader/log/log.hpp>

#include "runtime_impl.hpp"

namespace trader::runtime {

namespace {
constexpr std::chrono::milliseconds kDrain{2'000};
constexpr std::chrono::milliseconds kStopsAcknowledged{3'000};
constexpr std::chrono::milliseconds kDeadline{9'000};
constexpr std::chrono::milliseconds kPoll{50};
}  // namespace

void Runtime::Impl::shutdown(int code, std::string_view why) {
  if (shutting_down) return;  // idempotent: several signals never conflict
  shutting_down = true;
  exit_code = std::max(exit_code, code);
  log::info("shutdown_started",
            {{"reason", std::string(why)}, {"exit_code", std::to_string(exit_code)}});
  set_state(RuntimeState::shutting_down);
  // Whatever happens below, the process ends in time.
  deadline_timer.emplace(io, kDeadline);
  deadline_timer->async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    log::critical("shutdown_deadline", {{"ms", std::to_string(kDeadline.count())}});
    disconnect();
  });
  // Stop evaluating: no bar reaches the engine any more.
  open_timer.cancel();
  flatten_timer.cancel();
  close_timer.cancel();
  health_timer.cancel();
  feed_restart_timer.cancel();
  if (feed) feed->stop();
  if (!engine) {
    disconnect();
    return;
  }
  engine->cancel_pending_entries();
  // Fills on their way (a cancel may lose to a fill, a stop may be filling right now): a real
  // broker announces none of them, so the drain lasts its 2 s; a simulated one answers at once.
  drain_then(
      kDrain, [this] { return !alpaca && engine->pending_entries() == 0 && gate->held() == 0; },
      [this] {
        verify_protection();
        // The stops just placed acknowledged, or held ones sent.
        gate->release_all();
        drain_then(
            kStopsAcknowledged,
            [this] {
              for (const TrackedOrder& t : gate->open_orders()) {
                if (t.broker_order_id.empty()) return false;
              }
              return true;
            },
            [this] { disconnect(); });
      });
}

void Runtime::Impl::drain_then(std::chrono::milliseconds limit, std::function<bool()> done,
                               std::function<void()> next) {
  drain_until = std::chrono::steady_clock::now() + limit;
  auto step = std::make_shared<std::function<void()>>();
  *step = [this, done = std::move(done), next = std::move(next), step]() {
    if (state == RuntimeState::stopped) return;
    if (done() || std::chrono::steady_clock::now() >= drain_until) {
      auto then = next;
      *step = nullptr;  // breaks the cycle
      then();
      return;
    }
    drain_timer.emplace(io, kPoll);
    drain_timer->async_wait([step](const boost::system::error_code& error) {
      if (!error && *step) (*step)();
    });
  };
  (*step)();
}

void Runtime::Impl::verify_protection() const {
  const int placed = engine->protect_positions(clock->now());
  int at_broker = 0;
  if (alpaca) {
    // Positions the engine does not hold (a restart's orphans are adopted; anything else here
    // is a surprise a person must see).
    try {
      for (const alpaca::PositionInfo& p : alpaca->position_infos()) {
        ++at_broker;
        const auto id = symbols.find(p.symbol);
        if (!id || engine->position_qty(*id) <= 0) {
          log::critical("stop_verification_unknown_position",
                        {{"symbol", p.symbol}, {"qty", p.qty.text}});
        }
      }
    } catch (const std::exception& e) {
      log::error("stop_verification_failed_on_shutdown", {{"error", e.what()}});
    }
  }
  log::info("stop_verification", {{"open_positions", std::to_string(engine->open_positions())},
                                  {"broker_positions", std::to_string(at_broker)},
                                  {"stops_placed", std::to_string(placed)}});
}

void Runtime::Impl::disconnect() {
  if (state == RuntimeState::stopped) return;
  if (feed) feed->stop();
  if (alpaca) alpaca->stop_stream();
  if (server) server->stop();
  if (drain_timer) drain_timer->cancel();
  if (deadline_timer) deadline_timer->cancel();
  if (signals) {
    // The second signal keeps its meaning until the process is gone: handled by the default
    // action from here on (the process is about to exit anyway).
    boost::system::error_code ignored;
    signals->cancel(ignored);
  }
  log::info("shutdown_complete", {{"exit_code", std::to_string(exit_code)}});
  set_state(RuntimeState::stopped);
  io.stop();
}

void Runtime::Impl::stop_safely(std::string_view why) {
  log::critical("safe_stop", {{"reason", std::string(why)}});
  if (shutting_down) {
    exit_code = 1;
    return;
  }
  shutdown(1, why);
}

}  // namespace trader::runtime
