#include <trader/strategy/sma_crossover.hpp>

#include <algorithm>

namespace trader::strategy {
namespace {
constexpr std::size_t kFast = 0;
constexpr std::size_t kSlow = 1;
constexpr std::size_t kAtr = 2;
}  // namespace

SmaCrossover::SmaCrossover(const config::SmaCrossoverSettings& settings)
    : settings_(settings),
      specs_{IndicatorSpec{"sma_fast", IndicatorKind::sma, settings.fast},
             IndicatorSpec{"sma_slow", IndicatorKind::sma, settings.slow},
             IndicatorSpec{"atr", IndicatorKind::atr, settings.atr_period}} {}

int SmaCrossover::required_history() const noexcept {
  return std::max(settings_.slow, settings_.atr_period) + 1;
}

bool SmaCrossover::should_long(const Bar& /*candle*/, const IndicatorSet& indicators) {
  if (indicators.candle_count() < required_history()) return false;
  const auto fast = indicators.current(kFast);
  const auto slow = indicators.current(kSlow);
  const auto prev_fast = indicators.previous(kFast);
  const auto prev_slow = indicators.previous(kSlow);
  const auto atr = indicators.current(kAtr);
  if (!fast || !slow || !prev_fast || !prev_slow || !atr || *atr <= 0.0) return false;
  return *prev_fast <= *prev_slow && *fast > *slow;  // crossed above on this candle
}

Decimal SmaCrossover::entry_price(const Bar& candle, const IndicatorSet& /*indicators*/) {
  return candle.high;
}

Decimal SmaCrossover::stop_distance(const IndicatorSet& indicators) const {
  const double atr = indicators.current(kAtr).value_or(0.0);
  return Decimal::from_double(settings_.atr_multiplier * atr)
      .rounded_to_tick(core::TickRounding::up);
}

Decimal SmaCrossover::stop_loss_price(const Bar& candle, const IndicatorSet& indicators) {
  return candle.high - stop_distance(indicators);
}

std::optional<Decimal> SmaCrossover::should_update_stop(const Bar& candle,
                                                        const PositionView& /*position*/,
                                                        const IndicatorSet& indicators) {
  if (!indicators.current(kAtr)) return std::nullopt;
  return candle.close - stop_distance(indicators);
}

bool SmaCrossover::should_exit(const Bar& /*candle*/, const PositionView& /*position*/,
                               const IndicatorSet& indicators) {
  const auto fast = indicators.current(kFast);
  const auto slow = indicators.current(kSlow);
  return fast && slow && *fast < *slow;
}

bool SmaCrossover::should_cancel_pending(const Bar& /*candle*/, int candles_since_order) {
  return candles_since_order >= settings_.entry_expiry_candles;
}

}  // namespace trader::strategy
