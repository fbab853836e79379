#include <trader/strategy/indicator_set.hpp>

namespace trader::strategy {

std::string_view to_string(IndicatorKind kind) noexcept {
  switch (kind) {
    case IndicatorKind::sma:
      return "sma";
    case IndicatorKind::ema:
      return "ema";
    case IndicatorKind::atr:
      return "atr";
    case IndicatorKind::rsi:
      return "rsi";
  }
  return "?";
}

IndicatorSet::IndicatorSet(std::span<const IndicatorSpec> specs) {
  slots_.reserve(specs.size());
  for (const IndicatorSpec& spec : specs) {
    for (const Slot& slot : slots_) {
      if (slot.spec.name == spec.name) throw Error("indicator declared twice: " + spec.name);
    }
    const std::size_t slot = slots_.size();
    switch (spec.kind) {
      case IndicatorKind::sma:
        smas_.push_back({slot, Sma(spec.period)});
        break;
      case IndicatorKind::ema:
        emas_.push_back({slot, Ema(spec.period)});
        break;
      case IndicatorKind::atr:
        atrs_.push_back({slot, Atr(spec.period)});
        break;
      case IndicatorKind::rsi:
        rsis_.push_back({slot, Rsi(spec.period)});
        break;
      default:
        throw Error("unknown indicator kind for " + spec.name);
    }
    slots_.push_back(Slot{spec, std::nullopt, std::nullopt});
  }
}

void IndicatorSet::update(const data::Bar& candle) {
  // N1: the close converted once; price differences subtracted in Decimal, then converted.
  // Every slot's previous value is captured first, then each group updates its slots.
  for (Slot& slot : slots_) slot.previous = slot.current;
  const double close = candle.close.to_double();
  for (auto& [slot, sma] : smas_) {
    sma.update(close);
    slots_[slot].current = sma.value();
  }
  for (auto& [slot, ema] : emas_) {
    ema.update(close);
    slots_[slot].current = ema.value();
  }
  if (!atrs_.empty() || !rsis_.empty()) update_wilder(candle);
  last_close_ = candle.close;
  has_last_close_ = true;
  ++candles_;
}

void IndicatorSet::update_wilder(const data::Bar& candle) {
  if (!atrs_.empty()) {
    const double range = (candle.high - candle.low).to_double();
    double high_gap = 0.0;
    double low_gap = 0.0;
    if (has_last_close_) {
      high_gap = abs(candle.high - last_close_).to_double();
      low_gap = abs(candle.low - last_close_).to_double();
    }
    for (auto& [slot, atr] : atrs_) {
      atr.update(range, high_gap, low_gap);
      slots_[slot].current = atr.value();
    }
  }
  for (auto& [slot, rsi] : rsis_) {
    if (has_last_close_) rsi.update((candle.close - last_close_).to_double());
    slots_[slot].current = rsi.value();
  }
}

std::size_t IndicatorSet::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].spec.name == name) return i;
  }
  throw Error("indicator '" + std::string(name) + "' was not declared by the strategy");
}

}  // namespace trader::strategy
