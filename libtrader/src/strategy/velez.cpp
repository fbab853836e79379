#include <trader/strategy/velez.hpp>

#include <cmath>

#include <trader/strategy/candle.hpp>

namespace trader::strategy {
namespace {
constexpr std::size_t kFast = 0;
constexpr std::size_t kSlow = 1;
}  // namespace

const config::KeyTable<VelezParameters>& Velez::keys() {
  static const config::KeyTable<VelezParameters> table = [] {
    config::KeyTable<VelezParameters> t("ALGO_VELEZ", "Velez");
    t.boolean({.name = "enabled",
               .label = "Enabled",
               .description = "Whether live trading runs Velez",
               .parameter = false},
              &VelezParameters::enabled);
    t.integer({.name = "sma_fast", .label = "SMA Fast", .description = "Fast SMA period (candles)"},
              &VelezParameters::sma_fast, 5, 50);
    t.integer({.name = "sma_slow",
               .label = "SMA Slow",
               .description = "Slow SMA period (candles); also the warm-up"},
              &VelezParameters::sma_slow, 100, 500);
    t.integer_choice({.name = "candle_interval_minutes",
                      .label = "Candle Interval (min)",
                      .description = "Candle size the strategy runs on"},
                     &VelezParameters::candle_interval_minutes, {1, 2, 5, 10});
    t.real({.name = "tightness_threshold_pct",
            .label = "Tightness Threshold %",
            .description = "Max SMA spread as % of close (exclusive)"},
           &VelezParameters::tightness_threshold_pct, 0.5, 5.0);
    t.real({.name = "strong_candle_body_pct",
            .label = "Strong Candle Body %",
            .description = "Body/range % for a strong candle (inclusive)"},
           &VelezParameters::strong_candle_body_pct, 30.0, 80.0);
    t.decimal({.name = "stop_buffer_pct",
               .label = "Stop Buffer %",
               .description = "Percent (not fraction) of the signal low used as stop buffer"},
              &VelezParameters::stop_buffer_pct, "0.05", "1.0");
    t.decimal({.name = "stop_buffer_min",
               .label = "Stop Buffer Min ($)",
               .description = "Minimum stop buffer in dollars"},
              &VelezParameters::stop_buffer_min, "0.01", "0.10");
    t.integer({.name = "buy_stop_expiry_candles",
               .label = "Buy-Stop Expiry (candles)",
               .description = "Candles a pending buy-stop may live"},
              &VelezParameters::buy_stop_expiry_candles, 1, 5);
    t.integer({.name = "max_run_candles",
               .label = "Max Run Candles",
               .description = "Consecutive strong candles while trailing that force an exit"},
              &VelezParameters::max_run_candles, 2, 10);
    // Issue 11 item 17: the reference declares no range; a body is 0..100 % of the range.
    t.real({.name = "doji_threshold_pct",
            .label = "Doji Threshold %",
            .description = "Body/range % below which a candle is a doji (exclusive)"},
           &VelezParameters::doji_threshold_pct, 0.0, 100.0);
    return t;
  }();
  return table;
}

Velez::Velez(const VelezParameters& settings)
    : settings_(settings),
      specs_{IndicatorSpec{"sma_fast", IndicatorKind::sma, settings.sma_fast},
             IndicatorSpec{"sma_slow", IndicatorKind::sma, settings.sma_slow}} {}

bool Velez::is_strong(const Bar& candle) const noexcept {
  return body_pct(candle) >= settings_.strong_candle_body_pct;
}

bool Velez::is_doji(const Bar& candle) const noexcept {
  return body_pct(candle) < settings_.doji_threshold_pct;
}

bool Velez::should_long(const Bar& candle, const IndicatorSet& indicators) {
  // The cheapest condition first (every condition is a pure test: the order only saves work).
  if (!is_green(candle)) return false;
  if (indicators.candle_count() < settings_.sma_slow) return false;
  const auto fast = indicators.current(kFast);
  const auto slow = indicators.current(kSlow);
  const auto prev_fast = indicators.previous(kFast);
  const auto prev_slow = indicators.previous(kSlow);
  if (!fast || !slow || !prev_fast || !prev_slow) return false;
  const double price = candle.close.to_double();
  if (price == 0.0) return false;
  // Tight: the spread as a % of the close, strictly below the threshold.
  if (!(std::fabs(*fast - *slow) / price * 100.0 < settings_.tightness_threshold_pct)) return false;
  // Diverging upward on this single candle, fast above slow.
  if (!((*fast - *slow) > (*prev_fast - *prev_slow) && *fast > *slow)) return false;
  return is_strong(candle);
}

Decimal Velez::entry_price(const Bar& candle, const IndicatorSet& /*indicators*/) {
  return candle.high;  // the buy-stop trigger; F3 rounding happens where orders are made
}

Decimal Velez::stop_loss_price(const Bar& candle, const IndicatorSet& /*indicators*/) {
  // stop_buffer_pct is a percent, not a fraction: 0.1 means 0.1 % of the low.
  const Decimal buffer =
      max(div_round(candle.low * settings_.stop_buffer_pct, 100), settings_.stop_buffer_min);
  return candle.low - buffer;
}

std::optional<Decimal> Velez::should_update_stop(const Bar& candle, const PositionView& /*pos*/,
                                                 const IndicatorSet& /*indicators*/) {
  if (is_doji(candle)) return std::nullopt;  // dojis neither count nor reset
  const bool red = is_red(candle);
  switch (state_) {
    case TrailState::watching:
      if (red) {
        state_ = TrailState::pulling_back;
        pullback_low_ = candle.low;
        green_count_ = 0;
      }
      return std::nullopt;
    case TrailState::pulling_back:
      if (red) {
        pullback_low_ = min(pullback_low_, candle.low);
        green_count_ = 0;
        return std::nullopt;
      }
      if (++green_count_ >= 2) {
        state_ = TrailState::trailing;
        strong_run_count_ = 0;
        return pullback_low_;  // the raw pullback low, no buffer
      }
      return std::nullopt;
    case TrailState::trailing:
      if (red) state_ = TrailState::watching;  // pullback low and green count stay as they are
      return std::nullopt;
  }
  return std::nullopt;
}

bool Velez::should_exit(const Bar& candle, const PositionView& /*position*/,
                        const IndicatorSet& /*indicators*/) {
  if (state_ != TrailState::trailing) {
    strong_run_count_ = 0;
    return false;
  }
  if (is_strong(candle) && !is_doji(candle)) {
    ++strong_run_count_;
  } else {
    strong_run_count_ = 0;
  }
  return strong_run_count_ >= settings_.max_run_candles;
}

bool Velez::should_cancel_pending(const Bar& /*candle*/, int candles_since_order) {
  return candles_since_order >= settings_.buy_stop_expiry_candles;
}

void Velez::on_position_closed() {
  state_ = TrailState::watching;
  pullback_low_ = Decimal{};
  green_count_ = 0;
  strong_run_count_ = 0;
}

}  // namespace trader::strategy
