#pragma once
// The one-minute bar, and candles (bars of the strategy interval). A Bar is a small trivially
// copyable record: the symbol is an interned SymbolId, its text lives once in a SymbolTable.

#include <cstdint>
#include <type_traits>

#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>

namespace trader::data {

using core::Decimal;
using core::Timestamp;

// A strong integer: the index of a symbol in the SymbolTable of a run.
enum class SymbolId : std::uint32_t {};

[[nodiscard]] constexpr std::uint32_t index_of(SymbolId id) noexcept {
  return static_cast<std::uint32_t>(id);
}

struct Bar {
  Timestamp ts;  // start of the minute (of the window, for a candle), UTC
  Decimal open;
  Decimal high;
  Decimal low;
  Decimal close;
  std::int64_t volume = 0;
  SymbolId symbol{};

  friend constexpr bool operator==(const Bar&, const Bar&) = default;
};

static_assert(std::is_trivially_copyable_v<Bar> && sizeof(Bar) == 56,
              "Bar is a hot-path record: keep it 56 bytes and trivially copyable");

// (timestamp, symbol) order, as the reference merged several symbols. Symbol ids are assigned
// in alphabetical order by SymbolTable::sorted, so comparing ids compares names.
[[nodiscard]] constexpr bool earlier(const Bar& a, const Bar& b) noexcept {
  return a.ts != b.ts ? a.ts < b.ts : index_of(a.symbol) < index_of(b.symbol);
}

// OHLC consistency: prices positive, low <= open, close <= high, volume >= 0.
[[nodiscard]] constexpr bool is_consistent(const Bar& bar) noexcept {
  return bar.low.units() > 0 && bar.low <= bar.open && bar.low <= bar.close &&
         bar.low <= bar.high && bar.open <= bar.high && bar.close <= bar.high && bar.volume >= 0;
}

}  // namespace trader::data
