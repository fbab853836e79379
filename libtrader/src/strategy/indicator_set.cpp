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

namespace {
std::variant<Sma, Ema, Atr, Rsi> make(const IndicatorSpec& spec) {
  switch (spec.kind) {
    case IndicatorKind::sma:
      return Sma(spec.period);
    case IndicatorKind::ema:
      return Ema(spec.period);
    case IndicatorKind::atr:
      return Atr(spec.period);
    case IndicatorKind::rsi:
      return Rsi(spec.period);
  }
  throw Error("unknown indicator kind for " + spec.name);
}
}  // namespace

IndicatorSet::IndicatorSet(std::span<const IndicatorSpec> specs) {
  slots_.reserve(specs.size());
  for (const IndicatorSpec& spec : specs) {
    for (const Slot& slot : slots_) {
      if (slot.spec.name == spec.name) throw Error("indicator declared twice: " + spec.name);
    }
    slots_.push_back(Slot{spec, make(spec), std::nullopt, std::nullopt});
  }
}

void IndicatorSet::update(const data::Bar& candle) {
  // N1: the close converted once; price differences subtracted in Decimal, then converted.
  const double close = candle.close.to_double();
  for (Slot& slot : slots_) {
    slot.previous = slot.current;
    // A switch on the kind the slot was made from: cheaper per candle than std::visit.
    switch (slot.spec.kind) {
      case IndicatorKind::sma: {
        auto& sma = *std::get_if<Sma>(&slot.indicator);
        sma.update(close);
        slot.current = sma.value();
        break;
      }
      case IndicatorKind::ema: {
        auto& ema = *std::get_if<Ema>(&slot.indicator);
        ema.update(close);
        slot.current = ema.value();
        break;
      }
      case IndicatorKind::atr: {
        auto& atr = *std::get_if<Atr>(&slot.indicator);
        const double range = (candle.high - candle.low).to_double();
        if (has_last_close_) {
          atr.update(range, abs(candle.high - last_close_).to_double(),
                     abs(candle.low - last_close_).to_double());
        } else {
          atr.update(range, 0.0, 0.0);
        }
        slot.current = atr.value();
        break;
      }
      case IndicatorKind::rsi: {
        auto& rsi = *std::get_if<Rsi>(&slot.indicator);
        if (has_last_close_) rsi.update((candle.close - last_close_).to_double());
        slot.current = rsi.value();
        break;
      }
    }
  }
  last_close_ = candle.close;
  has_last_close_ = true;
  ++candles_;
}

std::size_t IndicatorSet::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].spec.name == name) return i;
  }
  throw Error("indicator '" + std::string(name) + "' was not declared by the strategy");
}

}  // namespace trader::strategy
