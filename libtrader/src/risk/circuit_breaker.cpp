#include <trader/risk/circuit_breaker.hpp>

#include <trader/log/log.hpp>
#include <trader/risk/position_sizer.hpp>

namespace trader::risk {

void CircuitBreaker::reset_daily(Decimal start_of_day_equity) {
  start_equity_ = start_of_day_equity;
  daily_pnl_ = Decimal{};
  consecutive_losses_ = 0;
  paused_ = false;
  reason_.clear();
  log::debug("circuit_breaker_reset", {{"equity", start_of_day_equity.to_string()}});
}

void CircuitBreaker::record_trade(Decimal pnl) {
  daily_pnl_ += pnl;
  if (pnl <= Decimal{}) {
    ++consecutive_losses_;  // break-even counts as a loss here (unlike the metrics, F8)
  } else {
    consecutive_losses_ = 0;
  }
  if (paused_) return;
  if (consecutive_losses_ >= consecutive_loss_pause_) {
    paused_ = true;
    reason_ =
        "Consecutive loss limit: " + std::to_string(consecutive_losses_) + " consecutive losses";
  } else if (start_equity_ > Decimal{}) {
    const Decimal max_loss = start_equity_ * max_daily_loss_pct_;
    if (daily_pnl_ <= -max_loss) {
      paused_ = true;
      reason_ = "Daily loss limit: realized P&L " + daily_pnl_.to_string() + " exceeds -" +
                max_loss.to_string();
    }
  }
  if (paused_) {
    log::info("circuit_breaker_tripped",
              {{"reason", reason_},
               {"daily_pnl", daily_pnl_.to_string()},
               {"consecutive_losses", std::to_string(consecutive_losses_)}});
  }
}

void CircuitBreaker::reconstruct(std::span<const Decimal> pnls, Decimal start_of_day_equity) {
  reset_daily(start_of_day_equity);
  for (const Decimal pnl : pnls) record_trade(pnl);
}

std::string_view to_string(SizingReject reason) noexcept {
  switch (reason) {
    case SizingReject::none:
      return "";
    case SizingReject::invalid_entry_price:
      return "Invalid entry price";
    case SizingReject::zero_stop_distance:
      return "Stop distance is zero";
    case SizingReject::risk_budget_too_small:
      return "Risk budget too small for stop distance";
    case SizingReject::insufficient_buying_power:
      return "Insufficient buying power for even 1 share";
    case SizingReject::clamped_to_zero:
      return "Position size clamped to zero by limits";
  }
  return "";
}

}  // namespace trader::risk
