#pragma once
// The pre-trade checks of a new entry (spec orders §8.3, with F6): circuit breaker, then the
// open-position cap counting open positions PLUS pending entries, then sizing against the cash
// left after reserving what pending buy orders may need. Fail-fast, in that order. Pure: the
// caller supplies the portfolio numbers, so backtest and live share it.

#include <cstdint>
#include <string>

#include <trader/risk/circuit_breaker.hpp>
#include <trader/risk/position_sizer.hpp>

namespace trader::risk {

enum class RejectReason : std::uint8_t {
  none,
  circuit_breaker,
  max_open_positions,
  sizing,
};

struct RiskContext {
  Decimal equity;
  Decimal cash;
  Decimal reserved_cash;  // F6: held for pending buy orders
  int open_positions = 0;
  int pending_entries = 0;
};

struct RiskDecision {
  bool approved = false;
  std::int64_t qty = 0;
  RejectReason reason = RejectReason::none;
  std::string detail;  // the reference's reason text
  SizingResult sizing;
};

class RiskManager {
 public:
  explicit RiskManager(const config::RiskSettings& risk) : risk_(risk), sizer_(risk) {}

  [[nodiscard]] RiskDecision approve(const CircuitBreaker& breaker, const RiskContext& context,
                                     Decimal entry_price, Decimal stop_loss_price) const {
    RiskDecision d;
    if (breaker.is_paused()) {
      d.reason = RejectReason::circuit_breaker;
      d.detail = breaker.pause_reason();
      return d;
    }
    const int open = context.open_positions + context.pending_entries;  // F6
    if (open >= risk_.max_open_positions) {
      d.reason = RejectReason::max_open_positions;
      d.detail = "Max open positions reached: " + std::to_string(open) + "/" +
                 std::to_string(risk_.max_open_positions);
      return d;
    }
    const Decimal buying_power = max(context.cash - context.reserved_cash, Decimal{});
    d.sizing = sizer_.size(context.equity, buying_power, entry_price, stop_loss_price);
    if (d.sizing.qty <= 0) {
      d.reason = RejectReason::sizing;
      d.detail = std::string(to_string(d.sizing.reason));
      return d;
    }
    d.approved = true;
    d.qty = d.sizing.qty;
    return d;
  }

 private:
  config::RiskSettings risk_;
  PositionSizer sizer_;
};

}  // namespace trader::risk
