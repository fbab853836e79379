#pragma once
// Candle shape, as the reference measures it: doubles for the ratio, the Decimal
// difference taken first and converted after (N1).

#include <cmath>

#include <trader/data/bar.hpp>

namespace trader::strategy {

// |close - open| / (high - low) x 100; 0 for a candle without range.
[[nodiscard]] inline double body_pct(const data::Bar& candle) noexcept {
  const double range = (candle.high - candle.low).to_double();
  if (range == 0.0) return 0.0;
  const double body = std::fabs((candle.close - candle.open).to_double());
  return body / range * 100.0;
}

[[nodiscard]] constexpr bool is_green(const data::Bar& candle) noexcept {
  return candle.close > candle.open;
}
[[nodiscard]] constexpr bool is_red(const data::Bar& candle) noexcept {
  return candle.close < candle.open;
}

}  // namespace trader::strategy
