#include <trader/strategy/sma_crossover.hpp>

#include <algorithm>

namespace trader::strategy {
namespace {
constexpr std::size_t kFast = 0;
constexpr std::size_t kSlow = 1;
constexpr std::size_t kAtr = 2;
}  // namespace

const config::KeyTable<SmaCrossoverParameters>& SmaCrossover::keys() {
  static const config::KeyTable<SmaCrossoverParameters> table = [] {
    config::KeyTable<SmaCrossoverParameters> t("ALGO_SMA_CROSSOVER", "SMA Crossover");
    t.integer({.name = "fast", .label = "SMA Fast", .description = "Fast SMA period (candles)"},
              &SmaCrossoverParameters::fast, 2, 100);
    t.integer({.name = "slow",
               .label = "SMA Slow",
               .description = "Slow SMA period (candles); must exceed the fast one"},
              &SmaCrossoverParameters::slow, 5, 400);
    t.integer({.name = "atr_period",
               .label = "ATR Period",
               .description = "ATR period (candles) for the stop distance"},
              &SmaCrossoverParameters::atr_period, 2, 100);
    t.real({.name = "atr_multiplier",
            .label = "ATR Multiplier",
            .description = "Stop distance below the entry, in ATRs"},
           &SmaCrossoverParameters::atr_multiplier, 0.5, 10.0);
    t.integer_choice({.name = "candle_interval_minutes",
                      .label = "Candle Interval (min)",
                      .description = "Candle size the strategy runs on"},
                     &SmaCrossoverParameters::candle_interval_minutes, {1, 2, 5, 10});
    t.integer({.name = "entry_expiry_candles",
               .label = "Entry Expiry (candles)",
               .description = "Candles a pending buy-stop may live"},
              &SmaCrossoverParameters::entry_expiry_candles, 1, 10);
    t.rule("fast", [](const SmaCrossoverParameters& p) {
      return p.fast < p.slow
                 ? std::string()
                 : "must be below ALGO_SMA_CROSSOVER__SLOW (" + std::to_string(p.slow) + ")";
    });
    return t;
  }();
  return table;
}

SmaCrossover::SmaCrossover(const SmaCrossoverParameters& settings)
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
