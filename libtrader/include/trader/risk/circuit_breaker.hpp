#pragma once
// Pauses trading for the rest of the day, as the reference: after N consecutive
// losing trades (break-even counts as a loss, as in the reference), or when the realized daily
// P&L reaches -max_daily_loss_pct of the start-of-day equity (inclusive). Only reset_daily
// unpauses. Losses count across all symbols.

#include <span>
#include <string>

#include <trader/config/settings.hpp>
#include <trader/core/decimal.hpp>

namespace trader::risk {

using core::Decimal;

class CircuitBreaker {
 public:
  CircuitBreaker(Decimal max_daily_loss_pct, int consecutive_loss_pause)
      : max_daily_loss_pct_(max_daily_loss_pct), consecutive_loss_pause_(consecutive_loss_pause) {}
  explicit CircuitBreaker(const config::RiskSettings& risk)
      : CircuitBreaker(risk.max_daily_loss_pct, risk.consecutive_loss_pause) {}

  void reset_daily(Decimal start_of_day_equity);
  void record_trade(Decimal pnl);
  // reset_daily(start), then record_trade for each, in order.
  void reconstruct(std::span<const Decimal> pnls, Decimal start_of_day_equity);

  [[nodiscard]] bool can_trade() const noexcept { return !paused_; }
  [[nodiscard]] bool is_paused() const noexcept { return paused_; }
  [[nodiscard]] const std::string& pause_reason() const noexcept { return reason_; }
  [[nodiscard]] Decimal daily_realized_pnl() const noexcept { return daily_pnl_; }
  [[nodiscard]] int consecutive_losses() const noexcept { return consecutive_losses_; }
  [[nodiscard]] Decimal start_of_day_equity() const noexcept { return start_equity_; }

 private:
  Decimal max_daily_loss_pct_;
  int consecutive_loss_pause_;
  Decimal start_equity_;
  Decimal daily_pnl_;
  int consecutive_losses_ = 0;
  bool paused_ = false;
  std::string reason_;
};

}  // namespace trader::risk
