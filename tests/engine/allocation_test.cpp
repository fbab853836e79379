// The per-bar path performs no heap allocation in steady state: every allocation in this
// executable is counted, and a bar may allocate only when it moves an order.
#include <doctest/doctest.h>

#include <trader/broker/sim_broker.hpp>
#include <trader/data/synthetic.hpp>
#include <trader/engine/engine.hpp>
#include <trader/strategy/velez.hpp>

#include "support/counting_new.hpp"

namespace {
class OrderActivity final : public trader::engine::EngineObserver {
 public:
  void on_order(const trader::orders::Order&) override { ++orders; }
  void on_trade(const trader::engine::Trade&) override { ++orders; }
  void on_daily_equity(trader::core::Date, trader::core::Decimal) override { ++orders; }
  void on_stop_moved(trader::data::SymbolId, trader::core::Timestamp,
                     trader::core::Decimal) override {
    ++orders;
  }
  long orders = 0;
};
}  // namespace

TEST_SUITE("engine/allocation") {
  TEST_CASE("no heap allocation per bar unless an order moves (Velez on synthetic bars)") {
    trader::data::SymbolTable symbols = trader::data::SymbolTable::sorted({"AAPL", "MSFT"});
    trader::config::Settings settings;
    trader::broker::SimBroker broker(trader::broker::SimulationSettings::from(settings.backtest));
    OrderActivity activity;
    trader::engine::Engine engine(
        symbols, [&] { return std::make_unique<trader::strategy::Velez>(); }, broker,
        trader::engine::EngineOptions{.risk = settings.risk, .venue = &broker}, &activity);
    std::vector<trader::data::Bar> bars;
    for (const char* name : {"AAPL", "MSFT"}) {
      trader::data::SyntheticSpec spec;
      spec.seed = 7;
      spec.symbol = name;
      spec.first = std::chrono::year{2025} / 3 / 3;
      spec.last = std::chrono::year{2025} / 4 / 30;
      auto table = symbols;
      trader::data::SyntheticBarGenerator generator(spec, table);
      trader::data::Bar buffer[4096];
      for (std::size_t n; (n = generator.read(buffer)) > 0;)
        bars.insert(bars.end(), buffer, buffer + n);
    }
    std::stable_sort(bars.begin(), bars.end(), trader::data::earlier);
    long quiet_bars = 0, quiet_allocations = 0, busy_bars = 0;
    for (std::size_t i = 0; i < bars.size(); ++i) {
      const long orders_before = activity.orders;
      const long before = trader::testing::allocations();
      engine.on_bar(bars[i]);
      const long allocated = trader::testing::allocations() - before;
      if (i < 2000) continue;  // warm-up: first sessions, first orders, buffers growing
      if (activity.orders == orders_before) {
        ++quiet_bars;
        quiet_allocations += allocated;
      } else {
        ++busy_bars;
      }
    }
    engine.finish();
    MESSAGE("bars: ", bars.size(), ", quiet: ", quiet_bars, ", with order activity: ", busy_bars);
    CHECK(quiet_bars > 10'000);
    CHECK(busy_bars > 0);  // the strategy did trade, so this is not an idle path
    CHECK(quiet_allocations == 0);
  }
}
