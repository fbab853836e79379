// The runtime as /status, /healthz and /metrics show it: the snapshot is built on
// the io_context's thread when asked, from the engine, the gate and the streams.
#include <trader/log/log.hpp>

#include "runtime_impl.hpp"

namespace trader::runtime {

std::vector<StreamStatus> Runtime::Impl::streams() const {
  const core::Timestamp now = clock->now();
  std::vector<StreamStatus> out;
  if (feed) {
    const bool in_session =
        !options.replay && calendar::is_open(now) && engine && !engine->day_closed();
    out.push_back(
        stream_status(options.replay ? "replay" : "market_data", feed->health(), now, in_session));
  }
  if (alpaca) {
    FeedHealth trade;
    trade.connected = alpaca->stream_listening();
    trade.reconnects = std::max(0, alpaca->stream_sessions() - 1);
    trade.fatal_error = alpaca->fatal_error();
    out.push_back(stream_status("trade_updates", trade, now, false));
  }
  return out;
}

StatusSnapshot Runtime::Impl::snapshot() const {
  StatusSnapshot s;
  s.state = std::string(to_string(state));
  s.mode = mode_name();
  s.simulated_clock = clock->simulated();
  s.clock = clock->now();
  s.started_at = started_at;
  s.uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - process_start).count();
  s.strategy = options.strategy_name;
  s.streams = streams();
  if (engine) {
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      const data::SymbolId id{static_cast<std::uint32_t>(i)};
      const engine::Engine::PositionSummary held = engine->position(id);
      if (held.qty <= 0) continue;
      PositionStatus p;
      p.symbol = symbols.name(id);
      p.quantity = held.qty;
      p.entry_price = held.avg_entry_price;
      p.opened_at = held.opened_at;
      if (held.stop_price > core::Decimal{}) p.stop_price = held.stop_price;
      p.stop_order_id = held.stop_order;
      p.strategy = options.strategy_name;
      s.positions.push_back(std::move(p));
    }
    const auto& breaker = engine->circuit_breaker();
    s.realized_pnl_today = breaker.daily_realized_pnl();
    s.equity = engine->equity();
    s.circuit_breaker.tripped = breaker.is_paused();
    s.circuit_breaker.reason = breaker.pause_reason();
    s.circuit_breaker.consecutive_losses = breaker.consecutive_losses();
    s.circuit_breaker.start_of_day_equity = breaker.start_of_day_equity();
    s.bars_processed = engine->bars_processed();
  }
  if (gate) {
    for (const TrackedOrder& t : gate->open_orders()) {
      OrderStatus o;
      o.client_order_id = t.client_order_id;
      o.broker_order_id = t.broker_order_id;
      o.symbol = t.symbol;
      o.side = t.side;
      o.type = t.type;
      o.role = t.role;
      o.state = t.broker_order_id.empty() ? orders::OrderState::pending_submit
                                          : orders::OrderState::submitted;
      o.quantity = t.qty;
      o.limit_price = t.limit_price;
      o.stop_price = t.stop_price;
      o.filled_quantity = t.filled_qty;
      o.submitted_at = t.sent_at;
      s.pending_orders.push_back(std::move(o));
    }
  }
  s.supervision_failures = supervisor.total_failures();
  s.stream_gaps = stream_gaps;
  return s;
}

void Runtime::Impl::start_status_server() {
  StatusServerOptions server_options;
  server_options.host = settings.web.host;
  server_options.port = settings.web.port;
  StatusHandlers handlers;
  handlers.health = [this] { return assess_health(snapshot(), options.stale_after); };
  handlers.status_json = [this] { return to_json(snapshot()); };
  handlers.metrics_text = [this] {
    if (feed) {
      metrics.stream_reconnects_total(StreamName::market_data, feed->health().reconnects);
    }
    if (alpaca) {
      metrics.stream_reconnects_total(StreamName::trade_updates,
                                      std::max(0, alpaca->stream_sessions() - 1));
    }
    return metrics.render(clock->now());
  };
  handlers.shutdown = [this] {
    log::info("shutdown_requested", {{"via", "POST /shutdown"}});
    shutdown(0, "POST /shutdown");
  };
  server = std::make_unique<StatusServer>(io, server_options, std::move(handlers));
  log::info("status_server_listening", {{"address", server->address()}});
  if (options.print) options.print("Status:    http://" + server->address() + "/status");
}

}  // namespace trader::runtime
