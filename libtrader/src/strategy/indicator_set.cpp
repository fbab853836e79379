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

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;
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
    std::visit(Overloaded{
                   [&](Sma& sma) { sma.update(close); },
                   [&](Ema& ema) { ema.update(close); },
                   [&](Atr& atr) {
                     const double range = (candle.high - candle.low).to_double();
                     if (last_candle_) {
                       const core::Decimal prev = last_candle_->close;
                       atr.update(range, abs(candle.high - prev).to_double(),
                                  abs(candle.low - prev).to_double());
                     } else {
                       atr.update(range, 0.0, 0.0);
                     }
                   },
                   [&](Rsi& rsi) {
                     if (last_candle_) rsi.update((candle.close - last_candle_->close).to_double());
                   },
               },
               slot.indicator);
    slot.current =
        std::visit([](const auto& indicator) { return indicator.value(); }, slot.indicator);
  }
  last_candle_ = candle;
  ++candles_;
}

std::size_t IndicatorSet::index_of(std::string_view name) const {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].spec.name == name) return i;
  }
  throw Error("indicator '" + std::string(name) + "' was not declared by the strategy");
}

}  // namespace trader::strategy
