// The trading day on the runtime's clock (F17): the open (the circuit breaker restarts from the
// account's equity), the flatten at close - ALGO_ENGINE__EOD_FLATTEN_SECONDS (early closes from
// the calendar), the close; then the next session's. Timers, not bars: bars can lag or stop
// (a day without bars still flattens), and the clock is read again after every wake.
#include <trader/log/log.hpp>

#include "runtime_impl.hpp"

namespace trader::runtime {

void Runtime::Impl::schedule_day() {
  const core::Timestamp now = clock->now();
  const core::Date today = core::utc_date(now);
  const auto today_session = calendar::find_session(today);
  const calendar::Session session = today_session && now < today_session->close
                                        ? *today_session
                                        : calendar::session(calendar::next_session(today));
  const core::Timestamp flatten_at =
      session.close - std::chrono::seconds(settings.engine.eod_flatten_seconds);
  log::info("session_scheduled", {{"date", core::format_date(session.date)},
                                  {"open", core::format_timestamp(session.open)},
                                  {"flatten", core::format_timestamp(flatten_at)},
                                  {"close", core::format_timestamp(session.close)},
                                  {"early_close", session.early_close ? "yes" : "no"}});
  if (now < session.open) {
    open_timer = clock->at(session.open, [this, session] { on_open(session); });
  } else if (!options.replay) {
    on_open(session);  // started during the session
  }
  flatten_timer = clock->at(flatten_at, [this, session] { on_flatten(session); });
  close_timer = clock->at(session.close, [this, session] { on_close(session); });
}

void Runtime::Impl::on_open(const calendar::Session& session) const {
  if (shutting_down) return;
  if (engine->session_in_progress() == session.date) return;  // restored, or started by a bar
  // The circuit breaker starts the day from the broker's account.
  core::Decimal cash = engine->cash();
  try {
    const broker::AccountSnapshot account = gate->account();
    cash = account.cash;
    log::info("market_open", {{"date", core::format_date(session.date)},
                              {"equity", account.equity.to_string()},
                              {"cash", account.cash.to_string()}});
  } catch (const std::exception& e) {
    log::warning("market_open_account_failed", {{"error", e.what()}});
  }
  engine->begin_session(session.date, cash);
}

void Runtime::Impl::on_flatten(const calendar::Session& session) {
  if (shutting_down) return;
  const core::Timestamp now = clock->now();
  const core::Timestamp planned =
      session.close - std::chrono::seconds(settings.engine.eod_flatten_seconds);
  log::info("eod_timer_triggered",
            {{"date", core::format_date(session.date)},
             {"drift_ms",
              std::to_string(
                  std::chrono::duration_cast<std::chrono::milliseconds>(now - planned).count())},
             {"open_positions", std::to_string(engine->open_positions())},
             {"pending_entries", std::to_string(engine->pending_entries())}});
  if (engine->session_in_progress() != session.date) {
    engine->begin_session(session.date, engine->cash());
  }
  engine->flatten_for_close(now);
}

void Runtime::Impl::on_close(const calendar::Session& session) {
  if (shutting_down) return;
  engine->on_session_close(session.date);
  log::info("market_close",
            {{"date", core::format_date(session.date)},
             {"equity", engine->equity().to_string()},
             {"daily_pnl", engine->circuit_breaker().daily_realized_pnl().to_string()}});
  schedule_day();  // the next session's timers
}

}  // namespace trader::runtime
