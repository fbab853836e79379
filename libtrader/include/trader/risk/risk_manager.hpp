#pragma once
// The pre-trade checks of a new entry (F6): circuit breaker, then the
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
  SizingResult sizing;
  int open = 0;  // positions plus pending entries, for the max_open_positions text

  // The reference's reason text. Built only when asked: a rejection is a normal, frequent
  // outcome of the per-candle path and must not allocate.
  [[nodiscard]] std::string detail(const CircuitBreaker& breaker, int max_open) const {
    switch (reason) {
      case RejectReason::none:
        return {};
      case RejectReason::circuit_breaker:
        return breaker.pause_reason();
      case RejectReason::max_open_positions:
        return "Max open positions reached: " + std::to_string(open) + "/" +
               std::to_string(max_open);
      case RejectReason::sizing:
        return std::string(to_string(sizing.reason));
    }
    return {};
  }
};

class RiskManager {
 public:
  explicit RiskManager(const config::RiskSettings& risk) : risk_(risk), sizer_(risk) {}

  [[nodiscard]] int max_open_positions() const noexcept { return risk_.max_open_positions; }

  [[nodiscard]] RiskDecision approve(const CircuitBreaker& breaker, const RiskContext& context,
                                     Decimal entry_price, Decimal stop_loss_price) const {
    RiskDecision d;
    if (breaker.is_paused()) {
      d.reason = RejectReason::circuit_breaker;
      return d;
    }
    d.open = context.open_positions + context.pending_entries;  // F6
    if (d.open >= risk_.max_open_positions) {
      d.reason = RejectReason::max_open_positions;
      return d;
    }
    const Decimal buying_power = max(context.cash - context.reserved_cash, Decimal{});
    d.sizing = sizer_.size(context.equity, buying_power, entry_price, stop_loss_price);
    if (d.sizing.qty <= 0) {
      d.reason = RejectReason::sizing;
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
