// F19: the streams watched once a second on the runtime's clock. A lost or stale market-data
// feed, or a trade-update stream that stopped listening, counts as a failure of its task; the
// task is restarted after the supervisor's backoff, and a third failure within five minutes
// stops the runtime safely (exit 1). A credential error stops it at once. The order audit runs
// on the same tick: every ALGO_ENGINE__ORDER_AUDIT_SECONDS, and sooner when an order has
// waited longer than expected.
#include <trader/log/log.hpp>

#include "runtime_impl.hpp"

namespace trader::runtime {

namespace {
constexpr std::chrono::milliseconds kTick{1'000};
// A market order not filled, or a submission not answered, after this long: audit now.
constexpr std::chrono::milliseconds kPatience{5'000};
constexpr std::chrono::seconds kAuditSpacing{2};
}  // namespace

void Runtime::Impl::start_health_checks() {
  health_timer = clock->timers().start(kTick, [this] {
    if (shutting_down) return;
    check_health();
    if (!shutting_down) check_audit();
    if (!shutting_down) start_health_checks();
  });
}

void Runtime::Impl::check_health() {
  const core::Timestamp now = clock->now();
  if (feed && !feed_restarting) {
    const FeedHealth h = feed->health();
    if (!h.fatal_error.empty()) {
      stop_safely("the market-data stream stopped: " + h.fatal_error);
      return;
    }
    // A loss is seen as the disconnection or, when the stream came back between two checks, as
    // one more connection; each counts once (the stream reconnects by itself, with backoff).
    bool failed_now = false;
    if (!h.connected && feed_was_connected) {
      feed_loss_counted = true;
      failed_now = true;
    }
    const bool reconnected = h.reconnects > feed_reconnects_seen;
    for (int n = feed_reconnects_seen; n < h.reconnects; ++n) {
      if (feed_loss_counted) {
        feed_loss_counted = false;
      } else {
        failed_now = true;
      }
    }
    feed_reconnects_seen = std::max(feed_reconnects_seen, h.reconnects);
    // Back after a loss: what the outage lost comes over REST.
    if (reconnected) backfill_wanted = true;
    if (failed_now && !supervisor.failed("market_data", "disconnected")) {
      stop_safely("the market-data stream failed 3 times within 5 minutes");
      return;
    }
    if (h.connected && !feed_was_connected) {
      log::info("market_data_connected", {{"reconnects", std::to_string(h.reconnects)}});
      supervisor.recovered("market_data");
    }
    feed_was_connected = h.connected;
    // Silent past the limit during the session: dead, though the socket looks open.
    const bool in_session = calendar::is_open(now) && !engine->day_closed();
    const core::Timestamp last = std::max(h.last_message, started_at);
    if (h.connected && in_session && !options.replay && now - last > options.stale_after) {
      const auto delay = supervisor.failed(
          "market_data", "no bar for " + std::to_string(options.stale_after.count()) + " s");
      if (!delay) {
        stop_safely("the market-data stream failed 3 times within 5 minutes");
        return;
      }
      restart_feed_later(*delay);
    }
  }
  if (alpaca) {
    if (!alpaca->fatal_error().empty()) {
      stop_safely("the trade-update stream stopped: " + alpaca->fatal_error());
      return;
    }
    const bool listening = alpaca->stream_listening();
    const int sessions = alpaca->stream_sessions();
    bool failed_now = false;
    if (!listening && trade_was_listening) {
      trade_loss_counted = true;
      failed_now = true;
    }
    // Sessions after the first that began between two checks: losses not seen as such.
    for (int n = std::max(trade_sessions_seen, 1); n < sessions; ++n) {
      if (trade_loss_counted) {
        trade_loss_counted = false;
      } else {
        failed_now = true;
      }
    }
    trade_sessions_seen = std::max(trade_sessions_seen, sessions);
    if (failed_now && !supervisor.failed("trade_updates", "stopped listening")) {
      trade_was_listening = false;
      stop_safely("the trade-update stream failed 3 times within 5 minutes");
      return;
    }
    if (listening && !trade_was_listening) {
      log::info("trade_updates_listening", {{"sessions", std::to_string(sessions)}});
      supervisor.recovered("trade_updates");
    }
    trade_was_listening = listening;
  }
}

void Runtime::Impl::restart_feed_later(std::chrono::milliseconds delay) {
  feed_restarting = true;
  feed_loss_counted = true;  // the staleness was the failure; the new connection is not another
  feed->stop();
  feed_was_connected = false;
  feed_restart_timer = clock->timers().start(delay, [this] {
    feed_restarting = false;
    if (shutting_down) return;
    log::info("market_data_restarted", {});
    started_at = std::max(started_at, clock->now());  // a fresh staleness window
    feed->start([this](const data::Bar& bar, bool updated) { on_bar(bar, updated); }, [] {});
  });
}

void Runtime::Impl::check_audit() {
  if (!alpaca) return;
  const core::Timestamp now = clock->now();
  const auto since = now - last_audit;
  const bool periodic = since >= std::chrono::seconds(settings.engine.order_audit_seconds);
  const bool overdue = since >= kAuditSpacing && gate->overdue(kPatience);
  if (!periodic && !overdue) return;
  last_audit = now;
  if (gate->open_orders().empty()) return;
  audit_orders(overdue && !periodic ? "order overdue" : "periodic");
}

void Runtime::Impl::audit_orders(std::string_view why) {
  std::vector<alpaca::OrderInfo> rest;
  try {
    rest = alpaca->orders(alpaca::OrderStatusFilter::all, 500);
  } catch (const std::exception& e) {
    log::warning("order_audit_failed", {{"error", e.what()}});
    return;
  }
  if (shutting_down && state == RuntimeState::stopped) return;
  const auto events = audit_events(gate->open_orders(), rest);
  log::debug("order_audit", {{"why", std::string(why)},
                             {"orders", std::to_string(gate->open_orders().size())},
                             {"gaps", std::to_string(events.size())}});
  for (const orders::OrderEvent& e : events) {
    ++stream_gaps;
    log::warning("stream_gap", {{"order", e.client_order_id},
                                {"broker_order", e.broker_order_id},
                                {"event", std::string(orders::to_string(e.type))},
                                {"filled_qty", std::to_string(e.filled_qty)},
                                {"fill_qty", std::to_string(e.fill_qty)},
                                {"fill_price", e.fill_price.to_string()}});
    gate->deliver(e);
  }
}

}  // namespace trader::runtime
