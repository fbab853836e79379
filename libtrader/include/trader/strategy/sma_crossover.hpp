#pragma once
// sma-crossover: a second built-in strategy, proof that the interface is general. Enter on a
// buy-stop at the high of the candle where the fast SMA crosses above the slow one; the stop
// sits atr_multiplier ATRs below the entry and trails at that distance below each close (the
// engine only ever raises it, F1); exit at market when the fast SMA falls back below the slow.
// Its parameters are SmaCrossoverParameters, declared in SmaCrossover::keys()
// (ALGO_SMA_CROSSOVER__*, --param).

#include <array>

#include <trader/config/key_table.hpp>
#include <trader/strategy/strategy.hpp>

namespace trader::strategy {

struct SmaCrossoverParameters {
  int fast = 10;
  int slow = 30;  // above fast
  int atr_period = 14;
  double atr_multiplier = 2.0;
  int candle_interval_minutes = 5;
  int entry_expiry_candles = 1;
};

class SmaCrossover final : public Strategy {
 public:
  explicit SmaCrossover(const SmaCrossoverParameters& settings = {});

  // Its parameters: ALGO_SMA_CROSSOVER__<NAME>, each with its range; fast must be below slow.
  [[nodiscard]] static const config::KeyTable<SmaCrossoverParameters>& keys();

  [[nodiscard]] std::string_view name() const noexcept override { return "sma-crossover"; }
  [[nodiscard]] int candle_interval_minutes() const noexcept override {
    return settings_.candle_interval_minutes;
  }
  // Previous values of the slow SMA and the ATR must exist: one candle more than the periods.
  [[nodiscard]] int required_history() const noexcept override;
  [[nodiscard]] std::span<const IndicatorSpec> indicators() const noexcept override {
    return specs_;
  }

  [[nodiscard]] bool should_long(const Bar& candle, const IndicatorSet& indicators) override;
  [[nodiscard]] Decimal entry_price(const Bar& candle, const IndicatorSet& indicators) override;
  [[nodiscard]] Decimal stop_loss_price(const Bar& candle, const IndicatorSet& indicators) override;
  [[nodiscard]] std::optional<Decimal> should_update_stop(const Bar& candle,
                                                          const PositionView& position,
                                                          const IndicatorSet& indicators) override;
  [[nodiscard]] bool should_exit(const Bar& candle, const PositionView& position,
                                 const IndicatorSet& indicators) override;
  [[nodiscard]] bool should_cancel_pending(const Bar& candle, int candles_since_order) override;

 private:
  // atr_multiplier x ATR in dollars, rounded up to the cent (a wider stop, never a tighter one).
  [[nodiscard]] Decimal stop_distance(const IndicatorSet& indicators) const;

  SmaCrossoverParameters settings_;
  std::array<IndicatorSpec, 3> specs_;
};

}  // namespace trader::strategy
