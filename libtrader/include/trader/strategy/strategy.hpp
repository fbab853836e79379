#pragma once
// The strategy interface, one instance per symbol. The engine calls it once
// per candle, never per 1-minute bar, so a virtual call here costs nothing measurable. A
// strategy decides; it never places orders: the engine does that, the same way in a backtest
// and live.

#include <optional>
#include <span>
#include <string_view>

#include <trader/core/decimal.hpp>
#include <trader/data/bar.hpp>
#include <trader/strategy/indicator_set.hpp>

namespace trader::strategy {

using core::Decimal;
using data::Bar;

// What a strategy sees of its open position (always long for now).
struct PositionView {
  std::int64_t qty = 0;
  Decimal avg_entry_price;
  Decimal market_value;
  Decimal unrealized_pl;
  Decimal stop_price;  // the protective stop in force
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  [[nodiscard]] virtual std::string_view name() const noexcept = 0;
  [[nodiscard]] virtual int candle_interval_minutes() const noexcept { return 1; }
  // Candles the indicators need before should_long is worth asking.
  [[nodiscard]] virtual int required_history() const noexcept { return 200; }
  // The indicators the engine must provision for this strategy.
  [[nodiscard]] virtual std::span<const IndicatorSpec> indicators() const noexcept { return {}; }

  // Entry decision on a just-closed candle when the symbol has neither a position nor a pending
  // entry.
  [[nodiscard]] virtual bool should_long(const Bar& candle, const IndicatorSet& indicators) = 0;
  [[nodiscard]] virtual bool should_short(const Bar& /*candle*/, const IndicatorSet& /*ind*/) {
    return false;  // long only (phase 1)
  }
  // The buy-stop trigger and the protective stop of a new entry.
  [[nodiscard]] virtual Decimal entry_price(const Bar& candle, const IndicatorSet& indicators) = 0;
  [[nodiscard]] virtual Decimal stop_loss_price(const Bar& candle,
                                                const IndicatorSet& indicators) = 0;
  // With a position: a new stop, or nullopt to leave it. The engine never lowers a long stop
  // (F1), whatever is returned.
  [[nodiscard]] virtual std::optional<Decimal> should_update_stop(
      const Bar& candle, const PositionView& position, const IndicatorSet& indicators) = 0;
  // With a position, after should_update_stop on the same candle: exit at market?
  [[nodiscard]] virtual bool should_exit(const Bar& candle, const PositionView& position,
                                         const IndicatorSet& indicators) = 0;
  // With a pending entry: cancel it, `candles_since_order` candles after it was placed?
  [[nodiscard]] virtual bool should_cancel_pending(const Bar& /*candle*/, int candles_since_order) {
    return candles_since_order >= 1;
  }
  // The position is closed (stop, exit or session close): reset per-trade state.
  virtual void on_position_closed() {}
};

// F1: a long position's stop never moves down. The stop to send, or nullopt when the proposal
// would not raise it.
[[nodiscard]] constexpr std::optional<Decimal> raised_stop(
    Decimal current, std::optional<Decimal> proposed) noexcept {
  if (!proposed || *proposed <= current) return std::nullopt;
  return proposed;
}

}  // namespace trader::strategy
