// A separate program that knows libtrader only through `pkg-config --cflags --libs libtrader`.
// Issue 12 item 7: it adds a strategy of its own, with a parameter, without any edit of
// libtrader, and backtests it on synthetic bars through the public API. Issue 14: the same
// strategy runs through the live runtime (trader::runtime::Runtime) in replay mode, on a virtual
// clock, with its orders and trades written to a database as in a live session.
#include <trader/backtest/session.hpp>
#include <trader/calendar/nyse.hpp>
#include <trader/config/key_table.hpp>
#include <trader/core/decimal.hpp>
#include <trader/marketdata/bar_supply.hpp>
#include <trader/runtime/clock.hpp>
#include <trader/runtime/replay_feed.hpp>
#include <trader/runtime/runtime.hpp>
#include <trader/store/database.hpp>
#include <trader/store/repositories.hpp>
#include <trader/strategy/registry.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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

// The strategy through the live runtime in replay mode: synthetic bars fed at their minute's
// end on a virtual clock, fills simulated, orders and trades written to a scratch database.
// Returns the number of trades the runtime recorded (-1 when it did not exit 0).
long replay(const trader::strategy::StrategyRegistry& registry, const std::filesystem::path& dir) {
  const auto blueprint = registry.configure("average-cross", {}, {{"lookback", "5"}});
  const auto first = trader::core::parse_date("2025-03-03");
  const auto last = trader::core::parse_date("2025-03-14");
  namespace rt = trader::runtime;
  rt::RuntimeOptions options;
  options.settings = blueprint.settings();
  options.settings.watchlist = {"AAPL", "MSFT"};
  options.settings.db_path = (dir / "trading.db").string();
  options.settings.web.port = 0;  // the status endpoint on an ephemeral port
  options.strategy_name = blueprint.name();
  options.make_strategy = [&blueprint] { return blueprint.create(); };
  options.broker = rt::BrokerKind::sim;
  rt::ReplaySource source;
  source.description = "2025-03-03..2025-03-14, synthetic bars, at full speed";
  source.make_clock = [first](boost::asio::io_context& io) -> std::unique_ptr<rt::Clock> {
    return std::make_unique<rt::VirtualClock>(io, trader::core::start_of_day(first));
  };
  source.make_feed = [first, last](boost::asio::io_context& io,
                                   const trader::data::SymbolTable& symbols, rt::Clock& clock) {
    auto bars = trader::marketdata::synthetic_source(symbols, first, last, 7);
    return std::unique_ptr<rt::BarFeed>(
        std::make_unique<rt::ReplayFeed>(io, clock, std::move(bars)));
  };
  options.replay = std::move(source);
  int code = 0;
  {
    rt::Runtime runtime(std::move(options));
    code = runtime.run();
  }
  if (code != 0) return -1;
  trader::store::DatabaseOptions db_options;
  db_options.path = dir / "trading.db";
  auto db = trader::store::Database::open(db_options, trader::store::OpenMode::read);
  const auto trades = trader::store::make_trade_repository(db)->closed_between(
      trader::core::start_of_day(first), trader::core::start_of_day(last) + std::chrono::days(1));
  for (const auto& t : trades) {
    std::printf("replayed trade: %s %s %s -> %s\n", t.symbol.c_str(),
                trader::core::format_timestamp(t.entry_at).c_str(),
                t.entry_price.to_string().c_str(), t.exit_price.to_string().c_str());
  }
  return static_cast<long>(trades.size());
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

  // Issue 14: the project's strategy through the live runtime, replaying stored-like bars.
  std::string scratch =
      (std::filesystem::temp_directory_path() / "libtrader-consumer-XXXXXX").string();
  if (mkdtemp(scratch.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  long replayed = -1;
  try {
    replayed = replay(registry, scratch);
  } catch (...) {
    std::filesystem::remove_all(scratch);
    throw;
  }
  std::filesystem::remove_all(scratch);
  std::printf("replay through the runtime: %ld trades\n", replayed);
  check(replayed > 0, "the runtime replays the strategy, exits 0 and records its trades");
  return failures == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::printf("FAILED: %s\n", e.what());
  return 1;
}
