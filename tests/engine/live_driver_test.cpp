// What the live runtime needs of the engine: a strategy's exception isolated to its symbol and
// candle, the session begun by the driver from the broker's cash, pending entries cancelled
// without flattening, and positions without a working stop protected (F17, F18).
#include <trader/engine/engine.hpp>

#include <doctest/doctest.h>

#include <set>
#include <stdexcept>

#include <trader/broker/sim_broker.hpp>

#include "support/recording_observer.hpp"
#include "support/scripted_strategy.hpp"

namespace {

using trader::core::Decimal;
using trader::core::parse_timestamp;
using trader::core::Timestamp;
using trader::data::Bar;
using trader::data::SymbolId;
using trader::testing::Script;

Decimal d(const char* t) { return Decimal::parse(t); }

Bar bar(const char* ts, const char* price, SymbolId s) {
  return Bar{parse_timestamp(ts), d(price), d(price), d(price), d(price), 1'000'000, s};
}

// The scripted strategy, except that it throws on the candles of `throws` for its symbol.
class Throwing final : public trader::strategy::Strategy {
 public:
  Throwing(const Script& script, const std::set<Timestamp>& throws)
      : inner_(script), throws_(throws) {}
  std::string_view name() const noexcept override { return "throwing"; }
  int required_history() const noexcept override { return 0; }
  bool should_long(const Bar& c, const trader::strategy::IndicatorSet& i) override {
    if (throws_.contains(c.ts)) throw std::runtime_error("indicator blew up");
    return inner_.should_long(c, i);
  }
  Decimal entry_price(const Bar& c, const trader::strategy::IndicatorSet& i) override {
    return inner_.entry_price(c, i);
  }
  Decimal stop_loss_price(const Bar& c, const trader::strategy::IndicatorSet& i) override {
    return inner_.stop_loss_price(c, i);
  }
  std::optional<Decimal> should_update_stop(const Bar& c, const trader::strategy::PositionView& p,
                                            const trader::strategy::IndicatorSet& i) override {
    return inner_.should_update_stop(c, p, i);
  }
  bool should_exit(const Bar& c, const trader::strategy::PositionView& p,
                   const trader::strategy::IndicatorSet& i) override {
    return inner_.should_exit(c, p, i);
  }

 private:
  trader::testing::ScriptedStrategy inner_;
  const std::set<Timestamp>& throws_;
};

struct Harness {
  trader::data::SymbolTable symbols = trader::data::SymbolTable::sorted({"AAA", "BBB"});
  trader::config::Settings settings;
  Script script;
  std::set<Timestamp> throws;
  trader::broker::SimBroker broker{trader::broker::SimulationSettings::from(settings.backtest)};
  trader::testing::RecordingObserver observer{settings.backtest.initial_capital};
  bool made_first = false;
  trader::engine::Engine engine{
      symbols,
      [this]() -> std::unique_ptr<trader::strategy::Strategy> {
        // AAA's strategy throws, BBB's does not.
        if (!made_first) {
          made_first = true;
          return std::make_unique<Throwing>(script, throws);
        }
        return std::make_unique<trader::testing::ScriptedStrategy>(script);
      },
      broker,
      trader::engine::EngineOptions{
          .risk = settings.risk, .venue = &broker, .end_of_day = trader::engine::EndOfDay::driver},
      &observer};
};

const SymbolId kA{0};
const SymbolId kB{1};

}  // namespace

TEST_SUITE("engine/live") {
  TEST_CASE("a strategy's exception is isolated to its symbol and candle") {
    Harness h;
    h.script.longs = {parse_timestamp("2026-02-10T14:30:00Z"),
                      parse_timestamp("2026-02-10T14:32:00Z")};
    h.throws = {parse_timestamp("2026-02-10T14:30:00Z")};
    h.engine.on_bar(bar("2026-02-10T14:30:00Z", "100", kA));  // throws: nothing for AAA
    h.engine.on_bar(bar("2026-02-10T14:30:00Z", "50", kB));   // BBB signals as usual
    CHECK(h.engine.strategy_errors() == 1);
    CHECK(h.engine.pending_entries() == 1);
    h.engine.on_bar(bar("2026-02-10T14:31:00Z", "101", kA));
    h.engine.on_bar(bar("2026-02-10T14:31:00Z", "51", kB));  // BBB's entry fills
    CHECK(h.engine.position_qty(kB) > 0);
    h.engine.on_bar(bar("2026-02-10T14:32:00Z", "101", kA));  // AAA's later candle: evaluated
    CHECK(h.engine.strategy_errors() == 1);
    CHECK(h.engine.pending_entries() == 1);  // AAA's entry
  }

  TEST_CASE("graceful shutdown: pending entries cancelled, positions kept with their stops") {
    Harness h;
    h.script.longs = {parse_timestamp("2026-02-10T14:30:00Z"),
                      parse_timestamp("2026-02-10T14:31:00Z")};
    h.engine.on_bar(bar("2026-02-10T14:30:00Z", "50", kB));   // BBB signals
    h.engine.on_bar(bar("2026-02-10T14:31:00Z", "51", kB));   // fills; stop placed
    h.engine.on_bar(bar("2026-02-10T14:31:00Z", "100", kA));  // AAA signals
    REQUIRE(h.engine.position_qty(kB) > 0);
    REQUIRE(h.engine.pending_entries() == 1);
    const auto held = h.engine.position_qty(kB);
    h.engine.cancel_pending_entries();
    CHECK(h.engine.pending_entries() == 0);
    CHECK(h.engine.position_qty(kB) == held);   // not flattened
    CHECK(h.engine.stop_price(kB) == d("49"));  // its stop still in force
    CHECK(h.engine.protect_positions(parse_timestamp("2026-02-10T14:32:00Z")) == 0);
  }

  TEST_CASE("F17: the driver begins the session from the broker's cash; idempotent per day") {
    Harness h;
    const trader::core::Date day = trader::core::parse_date("2026-02-10");
    h.engine.begin_session(day, d("12345"));
    REQUIRE(h.engine.session_in_progress() == day);
    CHECK(h.engine.cash() == d("12345"));
    CHECK(h.engine.circuit_breaker().start_of_day_equity() == d("12345"));
    h.engine.begin_session(day, d("1"));  // the session in progress: nothing changes
    CHECK(h.engine.cash() == d("12345"));
    h.engine.on_bar(bar("2026-02-10T14:30:00Z", "50", kB));  // no new session from a bar
    CHECK(h.engine.cash() == d("12345"));
  }
}
