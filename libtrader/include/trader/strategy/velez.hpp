#pragma once
// The Velez strategy (spec backtest §7), exactly as the reference: a strong green candle while
// the 20/200 SMAs are tight and diverging upward triggers a buy-stop at its high with a stop
// below its low; then a three-state trailing stop (watching, pulling back, trailing) and an exit
// after a run of strong candles. Parameters are config::VelezSettings (ALGO_VELEZ__*).

#include <array>
#include <cstdint>

#include <trader/config/settings.hpp>
#include <trader/strategy/strategy.hpp>

namespace trader::strategy {

class Velez final : public Strategy {
 public:
  enum class TrailState : std::uint8_t { watching, pulling_back, trailing };

  explicit Velez(const config::VelezSettings& settings);

  [[nodiscard]] std::string_view name() const noexcept override { return "velez"; }
  [[nodiscard]] int candle_interval_minutes() const noexcept override {
    return settings_.candle_interval_minutes;
  }
  [[nodiscard]] int required_history() const noexcept override { return settings_.sma_slow; }
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
  void on_position_closed() override;

  [[nodiscard]] bool is_strong(const Bar& candle) const noexcept;
  [[nodiscard]] bool is_doji(const Bar& candle) const noexcept;
  [[nodiscard]] TrailState trail_state() const noexcept { return state_; }

 private:
  config::VelezSettings settings_;
  std::array<IndicatorSpec, 2> specs_;
  TrailState state_ = TrailState::watching;
  Decimal pullback_low_;
  int green_count_ = 0;
  int strong_run_count_ = 0;
};

}  // namespace trader::strategy
