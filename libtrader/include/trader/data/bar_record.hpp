#pragma once
// A bar as a data file or a feed delivers it: the Bar plus the optional fields that the engine
// does not use but that an import must keep so an export gives the same data back.

#include <cstdint>

#include <trader/data/bar.hpp>

namespace trader::data {

struct BarRecord {
  Bar bar;
  Decimal vwap;                   // zero when the source had none
  std::int64_t trade_count = -1;  // -1 when the source had none

  [[nodiscard]] constexpr bool has_vwap() const noexcept { return !vwap.is_zero(); }
  [[nodiscard]] constexpr bool has_trade_count() const noexcept { return trade_count >= 0; }
  friend constexpr bool operator==(const BarRecord&, const BarRecord&) = default;
};

}  // namespace trader::data
