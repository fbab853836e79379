#pragma once
// F10: commissions and US regulatory fees, all zero by default so default results match the
// reference. Commission per fill: per_share x qty + per_order, at least `minimum` when any
// commission applies. Sells also pay the SEC fee (rate x proceeds) and FINRA's TAF (per share
// sold, capped), each rounded up to the cent as brokers charge them.

#include <cstdint>

#include <trader/config/settings.hpp>
#include <trader/core/decimal.hpp>
#include <trader/orders/order_types.hpp>

namespace trader::broker {

using core::Decimal;

// Fees are charged in whole cents, rounded up.
[[nodiscard]] inline Decimal ceil_to_cent(Decimal amount) {
  constexpr std::int64_t kCent = Decimal::kScale / 100;
  std::int64_t units = amount.units() / kCent * kCent;
  if (units < amount.units()) units += kCent;
  return Decimal::from_units(units);
}

class CostModel {
 public:
  CostModel() = default;
  explicit CostModel(const config::BacktestSettings& s)
      : per_share_(s.commission_per_share),
        per_order_(s.commission_per_order),
        minimum_(s.commission_min),
        sec_fee_rate_(s.sec_fee_rate),
        taf_per_share_(s.finra_taf_per_share),
        taf_max_(s.finra_taf_max) {}

  [[nodiscard]] Decimal commission(std::int64_t qty) const {
    Decimal c = per_share_ * qty + per_order_;
    if (c.is_zero()) return c;
    return max(c, minimum_);
  }

  [[nodiscard]] Decimal regulatory_fees(orders::Side side, std::int64_t qty, Decimal price) const {
    if (side != orders::Side::sell) return Decimal{};
    const Decimal sec = ceil_to_cent(price * qty * sec_fee_rate_);
    Decimal taf = taf_per_share_ * qty;
    if (!taf_max_.is_zero()) taf = min(taf, taf_max_);
    return sec + ceil_to_cent(taf);
  }

  [[nodiscard]] Decimal costs(orders::Side side, std::int64_t qty, Decimal price) const {
    return commission(qty) + regulatory_fees(side, qty, price);
  }

  [[nodiscard]] bool is_free() const noexcept {
    return per_share_.is_zero() && per_order_.is_zero() && minimum_.is_zero() &&
           sec_fee_rate_.is_zero() && taf_per_share_.is_zero();
  }

 private:
  Decimal per_share_, per_order_, minimum_, sec_fee_rate_, taf_per_share_, taf_max_;
};

}  // namespace trader::broker
