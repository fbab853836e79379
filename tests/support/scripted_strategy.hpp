#pragma once
// A strategy whose decisions are scripted by candle time, for engine tests that need signals at
// chosen moments without crafting indicator patterns.

#include <map>
#include <set>

#include <trader/strategy/strategy.hpp>

namespace trader::testing {

struct Script {
  int interval = 1;
  std::set<core::Timestamp> longs;                      // candles that signal
  std::map<core::Timestamp, core::Decimal> stop_moves;  // proposed stops by candle
  std::set<core::Timestamp> exits;
  core::Decimal stop_distance = core::Decimal::from_integer(1);  // entry - stop
  int expiry = 1;
};

class ScriptedStrategy final : public strategy::Strategy {
 public:
  explicit ScriptedStrategy(const Script& script) : script_(script) {}
  std::string_view name() const noexcept override { return "scripted"; }
  int candle_interval_minutes() const noexcept override { return script_.interval; }
  int required_history() const noexcept override { return 0; }
  bool should_long(const data::Bar& c, const strategy::IndicatorSet&) override {
    return script_.longs.contains(c.ts);
  }
  core::Decimal entry_price(const data::Bar& c, const strategy::IndicatorSet&) override {
    return c.high;
  }
  core::Decimal stop_loss_price(const data::Bar& c, const strategy::IndicatorSet&) override {
    return c.high - script_.stop_distance;
  }
  std::optional<core::Decimal> should_update_stop(const data::Bar& c, const strategy::PositionView&,
                                                  const strategy::IndicatorSet&) override {
    const auto it = script_.stop_moves.find(c.ts);
    if (it == script_.stop_moves.end()) return std::nullopt;
    return it->second;
  }
  bool should_exit(const data::Bar& c, const strategy::PositionView&,
                   const strategy::IndicatorSet&) override {
    return script_.exits.contains(c.ts);
  }
  bool should_cancel_pending(const data::Bar&, int n) override { return n >= script_.expiry; }
  void on_position_closed() override { ++closed; }

  int closed = 0;

 private:
  const Script& script_;
};

}  // namespace trader::testing
