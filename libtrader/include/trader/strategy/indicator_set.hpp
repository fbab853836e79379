#pragma once
// Indicators by declaration (a new strategy needs no engine change): a strategy declares what
// it needs (name, kind, period), the engine provisions one IndicatorSet per symbol from those
// declarations and updates it once per candle, and the strategy reads current and previous
// values by name or, cheaper, by the index it resolved once.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <trader/data/bar.hpp>
#include <trader/strategy/indicators.hpp>

namespace trader::strategy {

enum class IndicatorKind : std::uint8_t { sma, ema, atr, rsi };
[[nodiscard]] std::string_view to_string(IndicatorKind kind) noexcept;

struct IndicatorSpec {
  std::string name;  // e.g. "sma_fast"
  IndicatorKind kind = IndicatorKind::sma;
  int period = 1;
};

class IndicatorSet {
 public:
  IndicatorSet() = default;
  // Throws Error for a period < 1 or a repeated name.
  explicit IndicatorSet(std::span<const IndicatorSpec> specs);

  // One candle: previous values are captured first, then every indicator is updated with the
  // candle's close (and high/low for ATR), converted from Decimal as the reference did.
  void update(const data::Bar& candle);

  [[nodiscard]] std::size_t size() const noexcept { return slots_.size(); }
  // The index of a declared name; throws Error naming it when it was not declared.
  [[nodiscard]] std::size_t index_of(std::string_view name) const;
  [[nodiscard]] const IndicatorSpec& spec(std::size_t index) const { return slots_[index].spec; }

  [[nodiscard]] std::optional<double> current(std::size_t index) const noexcept {
    return slots_[index].current;
  }
  [[nodiscard]] std::optional<double> previous(std::size_t index) const noexcept {
    return slots_[index].previous;
  }
  [[nodiscard]] std::optional<double> current(std::string_view name) const {
    return current(index_of(name));
  }
  [[nodiscard]] std::optional<double> previous(std::string_view name) const {
    return previous(index_of(name));
  }

  // Sets values directly, for tests and for replaying a strategy on recorded indicator values.
  void overwrite(std::size_t index, std::optional<double> current, std::optional<double> previous) {
    slots_[index].current = current;
    slots_[index].previous = previous;
  }
  void overwrite_candle_count(std::int64_t candles) noexcept { candles_ = candles; }

  // Candles seen so far (the reference's bar_count, which it capped at the slow period; every
  // comparison with a period gives the same answer uncapped).
  [[nodiscard]] std::int64_t candle_count() const noexcept { return candles_; }

 private:
  struct Slot {
    IndicatorSpec spec;
    std::optional<double> current;
    std::optional<double> previous;
  };
  // An indicator and the slot its values go to.
  template <class Indicator>
  struct Kept {
    std::size_t slot;
    Indicator indicator;
  };
  void update_wilder(const data::Bar& candle);

  std::vector<Slot> slots_;
  // The indicators grouped by kind: a candle updates each group in a plain loop.
  std::vector<Kept<Sma>> smas_;
  std::vector<Kept<Ema>> emas_;
  std::vector<Kept<Atr>> atrs_;
  std::vector<Kept<Rsi>> rsis_;
  std::int64_t candles_ = 0;
  core::Decimal last_close_;  // the previous candle's close (ATR, RSI)
  bool has_last_close_ = false;
};

}  // namespace trader::strategy
