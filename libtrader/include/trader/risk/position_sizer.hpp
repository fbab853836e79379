#pragma once
// How many whole shares to buy (N1, N2), in exact Decimal with truncated
// quotients, steps in the reference's order, stopping at the first rejection.

#include <cstdint>
#include <string_view>

#include <trader/config/settings.hpp>
#include <trader/core/decimal.hpp>

namespace trader::risk {

using core::Decimal;

enum class SizingReject : std::uint8_t {
  none,
  invalid_entry_price,
  zero_stop_distance,
  risk_budget_too_small,
  insufficient_buying_power,
  clamped_to_zero,
};

// The reference's reason texts ("Invalid entry price", ...); empty for none.
[[nodiscard]] std::string_view to_string(SizingReject reason) noexcept;

struct SizingResult {
  std::int64_t qty = 0;
  Decimal risk_amount;
  Decimal stop_distance;
  Decimal position_value;
  SizingReject reason = SizingReject::none;
};

class PositionSizer {
 public:
  explicit PositionSizer(const config::RiskSettings& risk) : risk_(risk) {}

  [[nodiscard]] SizingResult size(Decimal equity, Decimal buying_power, Decimal entry_price,
                                  Decimal stop_loss_price) const {
    SizingResult r;
    if (entry_price <= Decimal{}) {
      r.reason = SizingReject::invalid_entry_price;
      return r;
    }
    r.stop_distance = abs(entry_price - stop_loss_price);
    if (r.stop_distance.is_zero()) {
      r.reason = SizingReject::zero_stop_distance;
      return r;
    }
    r.risk_amount = min(equity * risk_.max_risk_per_trade_pct, risk_.max_risk_per_trade_abs);
    std::int64_t qty = trunc_div(r.risk_amount, r.stop_distance);
    if (qty < 1) {
      r.reason = SizingReject::risk_budget_too_small;
      return r;
    }
    qty = std::min(qty, trunc_div(equity * risk_.max_position_pct, entry_price));
    if (buying_power < entry_price) {
      r.reason = SizingReject::insufficient_buying_power;
      return r;
    }
    qty = std::min(qty, trunc_div(buying_power, entry_price));
    if (qty < 1) {
      r.reason = SizingReject::clamped_to_zero;
      return r;
    }
    r.qty = qty;
    r.position_value = entry_price * qty;
    return r;
  }

 private:
  config::RiskSettings risk_;
};

}  // namespace trader::risk
