#pragma once
// The Velez strategy, exactly as the reference: a strong green candle while
// the 20/200 SMAs are tight and diverging upward triggers a buy-stop at its high with a stop
// below its low; then a three-state trailing stop (watching, pulling back, trailing) and an exit
// after a run of strong candles. Its parameters are VelezParameters, declared in Velez::keys()
// (ALGO_VELEZ__*, --param).

#include <array>
#include <cstdint>

#include <trader/config/key_table.hpp>
#include <trader/strategy/strategy.hpp>

namespace trader::strategy {

// The reference's defaults.
struct VelezParameters {
  bool enabled = true;  // whether live trading runs Velez (a setting, not a --param)
  int sma_fast = 20;
  int sma_slow = 200;
  int candle_interval_minutes = 2;
  double tightness_threshold_pct = 2.0;
  double strong_candle_body_pct = 50.0;
  Decimal stop_buffer_pct = Decimal::from_units(10'000'000);  // 0.1 percent, not a fraction
  Decimal stop_buffer_min = Decimal::from_units(2'000'000);   // $0.02
  int buy_stop_expiry_candles = 1;
  int max_run_candles = 3;
  double doji_threshold_pct = 10.0;
};

class Velez final : public Strategy {
 public:
  enum class TrailState : std::uint8_t { watching, pulling_back, trailing };

  explicit Velez(const VelezParameters& settings = {});

  // Its parameters: ALGO_VELEZ__<NAME>, each with its range (issue 11 item 17).
  [[nodiscard]] static const config::KeyTable<VelezParameters>& keys();

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
  VelezParameters settings_;
  std::array<IndicatorSpec, 2> specs_;
  TrailState state_ = TrailState::watching;
  Decimal pullback_low_;
  int green_count_ = 0;
  int strong_run_count_ = 0;
};

}  // namespace trader::strategy
