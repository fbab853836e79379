// A separate program that knows libtrader only through `pkg-config --cflags --libs libtrader`.
// Issue 12 item 7: it adds a strategy of its own, with a parameter, without any edit of
// libtrader, and backtests it on synthetic bars through the public API.
#include <trader/backtest/session.hpp>
#include <trader/calendar/nyse.hpp>
#include <trader/config/key_table.hpp>
#include <trader/core/decimal.hpp>
#include <trader/marketdata/bar_supply.hpp>
#include <trader/strategy/registry.hpp>

#include <array>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

using trader::core::Decimal;

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what.c_str());
  if (!ok) ++failures;
}

// ---- the consuming project's strategy ------------------------------------------------------

struct CrossParameters {
  int lookback = 20;  // candles in the moving average
};

// Buy-stop at the high of a candle that closes above its `lookback`-candle SMA after closing
// below it; stop a cent under that candle's low; exit at market when a candle closes below the SMA.
class AverageCross final : public trader::strategy::Strategy {
 public:
  explicit AverageCross(const CrossParameters& p)
      : lookback_(p.lookback),
        specs_{{{"sma", trader::strategy::IndicatorKind::sma, p.lookback}}} {}

  [[nodiscard]] std::string_view name() const noexcept override { return "average-cross"; }
  [[nodiscard]] int candle_interval_minutes() const noexcept override { return 5; }
  [[nodiscard]] int required_history() const noexcept override { return lookback_ + 1; }
  [[nodiscard]] std::span<const trader::strategy::IndicatorSpec> indicators()
      const noexcept override {
    return specs_;
  }
  [[nodiscard]] bool should_long(const trader::data::Bar& candle,
                                 const trader::strategy::IndicatorSet& ind) override {
    const auto sma = ind.current(0);
    const auto before = ind.previous(0);
    const bool above = sma && candle.close.to_double() > *sma;
    const bool crossed = above && before && was_below_;
    was_below_ = sma && !above;
    return crossed && ind.candle_count() > lookback_;
  }
  [[nodiscard]] Decimal entry_price(const trader::data::Bar& candle,
                                    const trader::strategy::IndicatorSet&) override {
    return candle.high;
  }
  [[nodiscard]] Decimal stop_loss_price(const trader::data::Bar& candle,
                                        const trader::strategy::IndicatorSet&) override {
    return candle.low - Decimal::parse("0.01");
  }
  [[nodiscard]] std::optional<Decimal> should_update_stop(
      const trader::data::Bar&, const trader::strategy::PositionView&,
      const trader::strategy::IndicatorSet&) override {
    return std::nullopt;
  }
  [[nodiscard]] bool should_exit(const trader::data::Bar& candle,
                                 const trader::strategy::PositionView&,
                                 const trader::strategy::IndicatorSet& ind) override {
    const auto sma = ind.current(0);
    was_below_ = sma && candle.close.to_double() <= *sma;
    return was_below_;
  }

 private:
  int lookback_;
  std::array<trader::strategy::IndicatorSpec, 1> specs_;
  bool was_below_ = false;
};

trader::config::KeyTable<CrossParameters> cross_keys() {
  trader::config::KeyTable<CrossParameters> keys("ALGO_AVERAGE_CROSS", "Average Cross");
  keys.integer({.name = "lookback", .label = "Lookback", .description = "Candles in the average"},
               &CrossParameters::lookback, 2, 50);
  return keys;
}

trader::strategy::StrategyRegistry make_registry() {
  auto registry = trader::strategy::StrategyRegistry::with_builtins();
  registry.add("average-cross", "close crossing above its moving average", cross_keys(),
               [](const CrossParameters& p) { return std::make_unique<AverageCross>(p); });
  return registry;
}

// A backtest on synthetic bars through the public API, no database: the registry validates
// the parameters (--param, the environment) and makes the strategy; a BacktestSession runs it.
struct Run {
  std::vector<std::pair<std::string, std::string>> parameters;  // as the strategy took them
  std::string trades;                                           // one line per trade
  std::size_t count = 0;
};

Run backtest(const trader::strategy::StrategyRegistry& registry, const std::string& lookback) {
  const auto blueprint = registry.configure("average-cross", {}, {{"lookback", lookback}});
  trader::marketdata::BarRequest request;
  request.symbols = {"AAPL", "MSFT"};
  request.first = trader::core::parse_date("2025-03-03");
  request.last = trader::core::parse_date("2025-03-14");
  request.synthetic_seed = 7;
  auto bars = trader::marketdata::synthetic_bars(request);
  trader::backtest::SessionOptions options;
  options.backtest = blueprint.settings().backtest;
  options.risk = blueprint.settings().risk;
  options.first = request.first;
  options.last = request.last;
  const trader::backtest::BacktestSession session(
      bars.symbols, [&] { return blueprint.create(); }, options);
  const auto result = session.run(*bars.source);
  Run run{blueprint.parameters(), "", result.trades.size()};
  for (const auto& t : result.trades) {
    run.trades += result.symbol_of(t) + " " + trader::core::format_timestamp(t.entry_at) + " " +
                  t.entry_price.to_string() + " " + t.exit_price.to_string() + "\n";
  }
  return run;
}

}  // namespace

int main() try {
  // The library itself: exact money, the calendar.
  const auto shares = trader::core::trunc_div(Decimal::parse("250"), Decimal::parse("0.50"));
  const auto open = trader::calendar::session_open(std::chrono::year{2025} / 3 / 10);
  check(shares == 500, "trunc_div(250, 0.50) == 500");
  check(trader::core::format_timestamp(open) == "2025-03-10T13:30:00Z", "session_open");

  // Issue 12 item 7: the project's own strategy and parameter, next to the built-in ones.
  const auto registry = make_registry();
  const auto list = registry.list();
  check(list.size() == 3 && list.back().name == "average-cross" &&
            list.back().parameters.size() == 1 &&
            list.back().parameters[0].variable == "ALGO_AVERAGE_CROSS__LOOKBACK" &&
            list.back().parameters[0].allowed == "2..50",
        "average-cross is listed with lookback in 2..50");

  const Run short_average = backtest(registry, "5");
  const Run long_average = backtest(registry, "40");
  std::printf("lookback 5: %zu trades, lookback 40: %zu trades\n", short_average.count,
              long_average.count);
  check(short_average.count > 0 && long_average.count > 0, "both backtests trade");
  check(short_average.parameters ==
            std::vector<std::pair<std::string, std::string>>{{"lookback", "5"}},
        "the strategy took lookback=5");
  check(short_average.trades != long_average.trades,
        "the parameter is honoured: lookback 5 and 40 trade differently");
  check(backtest(registry, "5").trades == short_average.trades,
        "the same lookback, the same trades");
  for (const char* outside : {"1", "51"}) {
    std::string error;
    try {
      static_cast<void>(backtest(registry, outside));
    } catch (const trader::strategy::ParameterError& e) {
      error = e.what();
    }
    check(error.find(std::string("--param lookback=") + outside +
                     ": must be an integer in 2..50") != std::string::npos,
          std::string("lookback=") + outside + " is refused naming its range");
  }
  // Its section is configuration like any other: the environment, with the same checks.
  trader::config::Sources sources;
  sources.environment = {{"ALGO_AVERAGE_CROSS__LOOKBACK", "99"}};
  const auto inspected = registry.schema().inspect(sources);
  check(inspected.errors.size() == 1 &&
            std::string(inspected.errors[0].what()) ==
                "ALGO_AVERAGE_CROSS__LOOKBACK=99: must be an integer in 2..50",
        "ALGO_AVERAGE_CROSS__LOOKBACK=99 is refused naming its range");
  return failures == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::printf("FAILED: %s\n", e.what());
  return 1;
}
