#include <trader/strategy/registry.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>

#include <trader/strategy/sma_crossover.hpp>
#include <trader/strategy/velez.hpp>

using trader::strategy::ParameterError;
using trader::strategy::StrategyRegistry;

namespace {
const trader::strategy::ParameterInfo& param(const trader::strategy::StrategyInfo& info,
                                             const std::string& name) {
  const auto it = std::find_if(info.parameters.begin(), info.parameters.end(),
                               [&](const auto& p) { return p.name == name; });
  REQUIRE(it != info.parameters.end());
  return *it;
}
}  // namespace

TEST_SUITE("strategy/registry") {
  TEST_CASE("both built-in strategies are listed with parameters, defaults and ranges") {
    const auto registry = StrategyRegistry::with_builtins();
    const auto list = registry.list();
    REQUIRE(list.size() == 2);
    CHECK(list[0].name == "velez");
    CHECK(list[1].name == "sma-crossover");
    const auto& fast = param(list[0], "sma_fast");
    CHECK(fast.default_value == "20");
    CHECK(fast.allowed == "5..50");
    CHECK(fast.variable == "ALGO_VELEZ__SMA_FAST");
    CHECK(param(list[0], "stop_buffer_pct").allowed == "0.05..1.0");
    CHECK(list[0].parameters.size() == 10);  // every Velez field except `enabled`
    CHECK(param(list[1], "atr_multiplier").default_value == "2.0");
  }

  TEST_CASE("--param overrides the environment and is validated like configuration") {
    const auto registry = StrategyRegistry::with_builtins();
    trader::config::Sources sources;
    sources.environment = {{"ALGO_VELEZ__SMA_FAST", "15"}};
    const auto env_only = registry.configure("velez", sources, {});
    CHECK(env_only.create()->indicators()[0].period == 15);
    const auto blueprint =
        registry.configure("velez", sources, {{"sma_fast", "10"}, {"MAX_RUN_CANDLES", "4"}});
    const auto params = blueprint.parameters();
    CHECK(params.front() == std::pair<std::string, std::string>{"sma_fast", "10"});
    CHECK(std::find(params.begin(), params.end(),
                    std::pair<std::string, std::string>{"max_run_candles", "4"}) != params.end());
    auto strategy = blueprint.create();
    CHECK(strategy->name() == "velez");
    CHECK(strategy->indicators()[0].period == 10);
  }

  TEST_CASE("bad parameters: every problem named as given, with ranges and suggestions") {
    const auto registry = StrategyRegistry::with_builtins();
    try {
      static_cast<void>(registry.configure("velez", {}, {{"sma_fast", "4"}, {"sma_fats", "10"}}));
      FAIL("accepted bad parameters");
    } catch (const ParameterError& e) {
      REQUIRE(e.problems().size() == 2);
      CHECK(e.problems()[0] ==
            "--param sma_fats=10: unknown parameter of velez; did you mean sma_fast?");
      CHECK(e.problems()[1] == "--param sma_fast=4: must be an integer in 5..50");
    }
    CHECK_THROWS_AS(static_cast<void>(
                        registry.configure("sma-crossover", {}, {{"fast", "40"}, {"slow", "30"}})),
                    ParameterError);
  }

  TEST_CASE("an unknown strategy names the available ones") {
    const auto registry = StrategyRegistry::with_builtins();
    CHECK_THROWS_WITH_AS(static_cast<void>(registry.configure("nonexistent", {}, {})),
                         "Unknown strategy: 'nonexistent'. Available: velez, sma-crossover",
                         trader::Error);
  }
}

TEST_SUITE("strategy/sma_crossover") {
  TEST_CASE("enters on the cross, stops ATRs below, trails below the close, exits below") {
    trader::strategy::SmaCrossoverParameters s;
    s.fast = 2;
    s.slow = 3;
    s.atr_period = 2;
    trader::strategy::SmaCrossover strategy(s);
    CHECK(strategy.required_history() == 4);
    trader::strategy::IndicatorSet ind(strategy.indicators());
    trader::data::Bar c{};
    c.open = trader::core::Decimal::parse("100");
    c.high = trader::core::Decimal::parse("101");
    c.low = trader::core::Decimal::parse("99");
    c.close = trader::core::Decimal::parse("100.5");
    ind.overwrite(0, 101.0, 99.0);   // fast crossed above
    ind.overwrite(1, 100.0, 100.0);  // slow
    ind.overwrite(2, 0.755, 0.7);    // ATR
    ind.overwrite_candle_count(4);
    CHECK(strategy.should_long(c, ind));
    CHECK(strategy.entry_price(c, ind) == trader::core::Decimal::parse("101"));
    CHECK(strategy.stop_loss_price(c, ind) == trader::core::Decimal::parse("99.49"));  // 1.51
    CHECK(strategy.should_update_stop(c, {}, ind) == trader::core::Decimal::parse("98.99"));
    CHECK_FALSE(strategy.should_exit(c, {}, ind));
    ind.overwrite(0, 99.0, 101.0);
    CHECK(strategy.should_exit(c, {}, ind));
    CHECK_FALSE(strategy.should_long(c, ind));
    ind.overwrite_candle_count(3);
    ind.overwrite(0, 101.0, 99.0);
    CHECK_FALSE(strategy.should_long(c, ind));  // not warm
  }
}

TEST_SUITE("strategy/registry") {
  // Issue 11 item 17: every parameter of every strategy declares what it accepts, and a value
  // outside that is refused naming the parameter, the value and the range.
  TEST_CASE("issue 11 item 17: every parameter has a range, enforced at both ends") {
    const auto registry = StrategyRegistry::with_builtins();
    for (const auto& info : registry.list()) {
      for (const auto& p : info.parameters) {
        CAPTURE(p.variable);
        CHECK_FALSE(p.allowed.empty());
        const auto dots = p.allowed.find("..");
        if (dots == std::string::npos) continue;  // a choice ("one of 1, 2, 5, 10")
        const double lo = std::stod(p.allowed.substr(0, dots));
        const double hi = std::stod(p.allowed.substr(dots + 2));
        for (const double outside : {lo - 1.0, hi + 1.0, -1e6, 1e6}) {
          if (outside >= lo && outside <= hi) continue;
          const std::string value = std::to_string(static_cast<long long>(outside));
          try {
            static_cast<void>(registry.configure(info.name, {}, {{p.name, value}}));
            FAIL("accepted " << p.name << "=" << value);
          } catch (const ParameterError& e) {
            REQUIRE(e.problems().size() == 1);
            CHECK(e.problems()[0].rfind("--param " + p.name + "=" + value + ": ", 0) == 0);
            CHECK(e.problems()[0].find(p.allowed) != std::string::npos);
          }
        }
      }
    }
    const auto velez = registry.list()[0];
    CHECK(param(velez, "doji_threshold_pct").allowed == "0.0..100.0");
    CHECK_NOTHROW(
        static_cast<void>(registry.configure("velez", {}, {{"doji_threshold_pct", "0"}})));
    CHECK_NOTHROW(
        static_cast<void>(registry.configure("velez", {}, {{"doji_threshold_pct", "100"}})));
  }

  TEST_CASE("issue 11 item 21: a parameter given twice is refused, whatever its case") {
    const auto registry = StrategyRegistry::with_builtins();
    try {
      static_cast<void>(registry.configure("velez", {}, {{"sma_fast", "10"}, {"SMA_FAST", "12"}}));
      FAIL("accepted a repeated parameter");
    } catch (const ParameterError& e) {
      REQUIRE(e.problems().size() == 1);
      CHECK(e.problems()[0] == "--param SMA_FAST=12: sma_fast is already given (sma_fast=10)");
    }
  }

  TEST_CASE("issue 11 item 21: an unknown strategy is an error of its own type") {
    const auto registry = StrategyRegistry::with_builtins();
    CHECK_THROWS_AS(static_cast<void>(registry.configure("nonexistent", {}, {})),
                    trader::strategy::UnknownStrategyError);
  }
}

TEST_SUITE("strategy/registry") {
  TEST_CASE("issue 11 item 21: only a near miss of a parameter name is suggested") {
    const auto registry = StrategyRegistry::with_builtins();
    const auto problem = [&](const std::string& name) {
      try {
        static_cast<void>(registry.configure("velez", {}, {{name, "1"}}));
      } catch (const ParameterError& e) {
        return e.problems().at(0);
      }
      return std::string("accepted");
    };
    CHECK(problem("sma_fats") ==
          "--param sma_fats=1: unknown parameter of velez; did you mean sma_fast?");
    CHECK(problem("zzz") == "--param zzz=1: unknown parameter of velez");
    CHECK(problem("stop_buffer") ==
          "--param stop_buffer=1: unknown parameter of velez; did you mean stop_buffer_pct?");
  }
}

// ---- issue 12 item 7: strategies own their parameters ---------------------------------------

namespace {

// A strategy declared outside libtrader, as a consuming project would: one parameter.
struct AverageParameters {
  int lookback = 10;
};

class Average final : public trader::strategy::Strategy {
 public:
  explicit Average(const AverageParameters& p) : lookback_(p.lookback) {}
  [[nodiscard]] std::string_view name() const noexcept override { return "average"; }
  [[nodiscard]] int required_history() const noexcept override { return lookback_; }
  [[nodiscard]] bool should_long(const trader::data::Bar&,
                                 const trader::strategy::IndicatorSet&) override {
    return false;
  }
  [[nodiscard]] trader::core::Decimal entry_price(const trader::data::Bar& c,
                                                  const trader::strategy::IndicatorSet&) override {
    return c.high;
  }
  [[nodiscard]] trader::core::Decimal stop_loss_price(
      const trader::data::Bar& c, const trader::strategy::IndicatorSet&) override {
    return c.low;
  }
  [[nodiscard]] std::optional<trader::core::Decimal> should_update_stop(
      const trader::data::Bar&, const trader::strategy::PositionView&,
      const trader::strategy::IndicatorSet&) override {
    return std::nullopt;
  }
  [[nodiscard]] bool should_exit(const trader::data::Bar&, const trader::strategy::PositionView&,
                                 const trader::strategy::IndicatorSet&) override {
    return false;
  }

 private:
  int lookback_;
};

trader::config::KeyTable<AverageParameters> average_keys() {
  trader::config::KeyTable<AverageParameters> keys("ALGO_AVERAGE", "Average");
  keys.integer({.name = "lookback", .label = "Lookback", .description = "Candles averaged"},
               &AverageParameters::lookback, 2, 50);
  return keys;
}

StrategyRegistry with_average() {
  auto registry = StrategyRegistry::with_builtins();
  registry.add("average", "a moving average", average_keys(),
               [](const AverageParameters& p) { return std::make_unique<Average>(p); });
  return registry;
}

std::vector<std::string> problems_of(
    const StrategyRegistry& registry, const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& params) {
  try {
    static_cast<void>(registry.configure(name, {}, params));
  } catch (const ParameterError& e) {
    return e.problems();
  }
  return {};
}

// The settings a run stored before issue 12 (F5: every key but the secrets, as shown).
const trader::config::Variables kStoredBeforeIssue12{
    {"ALGO_LOG_LEVEL", "INFO"},
    {"ALGO_LOG_FORMAT", "console"},
    {"ALGO_DB_PATH", "data/trading.db"},
    {"ALGO_DB_BUSY_TIMEOUT_MS", "5000"},
    {"ALGO_WATCHLIST", "AAPL, TSLA, AMD, NVDA, META"},
    {"ALGO_BROKER__PROVIDER", "alpaca"},
    {"ALGO_BROKER__PAPER", "True"},
    {"ALGO_BROKER__FEED", "iex"},
    {"ALGO_BROKER__DATA_URL", "https://data.alpaca.markets"},
    {"ALGO_RISK__MAX_RISK_PER_TRADE_PCT", "0.01"},
    {"ALGO_RISK__MAX_RISK_PER_TRADE_ABS", "500"},
    {"ALGO_RISK__MAX_POSITION_PCT", "0.05"},
    {"ALGO_RISK__MAX_DAILY_LOSS_PCT", "0.03"},
    {"ALGO_RISK__MAX_OPEN_POSITIONS", "5"},
    {"ALGO_RISK__CONSECUTIVE_LOSS_PAUSE", "3"},
    {"ALGO_RISK__EMERGENCY_STOP_PCT", "0.02"},
    {"ALGO_VELEZ__ENABLED", "True"},
    {"ALGO_VELEZ__SMA_FAST", "20"},
    {"ALGO_VELEZ__SMA_SLOW", "200"},
    {"ALGO_VELEZ__CANDLE_INTERVAL_MINUTES", "2"},
    {"ALGO_VELEZ__TIGHTNESS_THRESHOLD_PCT", "2.0"},
    {"ALGO_VELEZ__STRONG_CANDLE_BODY_PCT", "50.0"},
    {"ALGO_VELEZ__STOP_BUFFER_PCT", "0.1"},
    {"ALGO_VELEZ__STOP_BUFFER_MIN", "0.02"},
    {"ALGO_VELEZ__BUY_STOP_EXPIRY_CANDLES", "1"},
    {"ALGO_VELEZ__MAX_RUN_CANDLES", "3"},
    {"ALGO_VELEZ__DOJI_THRESHOLD_PCT", "10.0"},
    {"ALGO_SMA_CROSSOVER__FAST", "10"},
    {"ALGO_SMA_CROSSOVER__SLOW", "30"},
    {"ALGO_SMA_CROSSOVER__ATR_PERIOD", "14"},
    {"ALGO_SMA_CROSSOVER__ATR_MULTIPLIER", "2.0"},
    {"ALGO_SMA_CROSSOVER__CANDLE_INTERVAL_MINUTES", "5"},
    {"ALGO_SMA_CROSSOVER__ENTRY_EXPIRY_CANDLES", "1"},
    {"ALGO_WEB__HOST", "127.0.0.1"},
    {"ALGO_WEB__PORT", "8000"},
    {"ALGO_BACKTEST__INITIAL_CAPITAL", "25000"},
    {"ALGO_BACKTEST__SLIPPAGE_PER_SHARE", "0.01"},
    {"ALGO_BACKTEST__COMMISSION_PER_SHARE", "0"},
    {"ALGO_BACKTEST__COMMISSION_PER_ORDER", "0"},
    {"ALGO_BACKTEST__COMMISSION_MIN", "0"},
    {"ALGO_BACKTEST__SEC_FEE_RATE", "0"},
    {"ALGO_BACKTEST__FINRA_TAF_PER_SHARE", "0"},
    {"ALGO_BACKTEST__FINRA_TAF_MAX", "0"},
    {"ALGO_BACKTEST__PESSIMISTIC_FILLS", "False"}};

}  // namespace

TEST_SUITE("strategy/registry") {
  TEST_CASE("issue 12 item 7: a strategy added outside libtrader brings its own parameter") {
    const auto registry = with_average();
    const auto list = registry.list();
    REQUIRE(list.size() == 3);
    CHECK(list[2].name == "average");
    REQUIRE(list[2].parameters.size() == 1);
    CHECK(list[2].parameters[0].name == "lookback");
    CHECK(list[2].parameters[0].variable == "ALGO_AVERAGE__LOOKBACK");
    CHECK(list[2].parameters[0].default_value == "10");
    CHECK(list[2].parameters[0].allowed == "2..50");
    CHECK(registry.configure("average", {}, {}).create()->required_history() == 10);
    const auto blueprint = registry.configure("average", {}, {{"lookback", "30"}});
    CHECK(blueprint.create()->required_history() == 30);
    CHECK(blueprint.parameters() ==
          std::vector<std::pair<std::string, std::string>>{{"lookback", "30"}});
    // From the environment and .env like any setting; --param wins.
    trader::config::Sources sources;
    sources.dotenv = {{"ALGO_AVERAGE__LOOKBACK", "20"}};
    CHECK(registry.configure("average", sources, {}).create()->required_history() == 20);
    CHECK(
        registry.configure("average", sources, {{"lookback", "40"}}).create()->required_history() ==
        40);
    // Its range holds everywhere.
    CHECK(problems_of(registry, "average", {{"lookback", "1"}}) ==
          std::vector<std::string>{"--param lookback=1: must be an integer in 2..50"});
    CHECK(problems_of(registry, "average", {{"lookback", "51"}}) ==
          std::vector<std::string>{"--param lookback=51: must be an integer in 2..50"});
    CHECK(problems_of(registry, "average", {{"lookbak", "5"}}) ==
          std::vector<std::string>{
              "--param lookbak=5: unknown parameter of average; did you mean lookback?"});
    const auto env_error = registry.schema().inspect([] {
      trader::config::Sources s;
      s.environment = {{"ALGO_AVERAGE__LOOKBACK", "99"}, {"ALGO_AVERAGE__LOOKBAK", "5"}};
      return s;
    }());
    REQUIRE(env_error.errors.size() == 2);
    CHECK(std::string(env_error.errors[0].what()) ==
          "ALGO_AVERAGE__LOOKBAK: unknown setting; did you mean ALGO_AVERAGE__LOOKBACK?");
    CHECK(std::string(env_error.errors[1].what()) ==
          "ALGO_AVERAGE__LOOKBACK=99: must be an integer in 2..50");
    // Another strategy's parameter is no --param of this one.
    CHECK(problems_of(registry, "velez", {{"lookback", "5"}}) ==
          std::vector<std::string>{"--param lookback=5: unknown parameter of velez"});
  }

  TEST_CASE("issue 12 item 7: the built-in parameters keep their variables, defaults, ranges") {
    const trader::strategy::VelezParameters velez;
    CHECK(velez.sma_fast == 20);
    CHECK(velez.sma_slow == 200);
    CHECK(velez.candle_interval_minutes == 2);
    CHECK(velez.tightness_threshold_pct == 2.0);
    CHECK(velez.strong_candle_body_pct == 50.0);
    CHECK(velez.stop_buffer_pct == trader::core::Decimal::parse("0.1"));
    CHECK(velez.stop_buffer_min == trader::core::Decimal::parse("0.02"));
    CHECK(velez.buy_stop_expiry_candles == 1);
    CHECK(velez.max_run_candles == 3);
    CHECK(velez.doji_threshold_pct == 10.0);
    // Every key of a run stored before issue 12 is still known, with the same default.
    const auto registry = StrategyRegistry::with_builtins();
    const auto defaults = registry.schema().inspect({});
    REQUIRE(defaults.errors.empty());
    for (const auto& stored : kStoredBeforeIssue12) {
      CAPTURE(stored.first);
      const auto it = std::find_if(defaults.keys.begin(), defaults.keys.end(),
                                   [&](const auto& k) { return k.variable == stored.first; });
      REQUIRE(it != defaults.keys.end());
      CHECK(it->shown_value == stored.second);
    }
    // + the two API keys, the trading and stream URLs of issue 13, the runtime's four
    // ALGO_ENGINE__* settings of issue 14 and ALGO_DB_SYNCHRONOUS
    CHECK(defaults.keys.size() == kStoredBeforeIssue12.size() + 5 + 4 + 1);
    // The validation that was config's is the strategy's now, with the same messages.
    const auto error = [&](const char* name, const char* value) {
      trader::config::Sources s;
      s.environment = {{name, value}};
      const auto r = registry.schema().inspect(s);
      return r.errors.empty() ? std::string() : std::string(r.errors.front().what());
    };
    CHECK(error("ALGO_VELEZ__CANDLE_INTERVAL_MINUTES", "3") ==
          "ALGO_VELEZ__CANDLE_INTERVAL_MINUTES=3: candle_interval_minutes must be one of [1, 2, "
          "5, 10]");
    for (const char* v : {"1", "2", "5", "10"}) {
      CHECK(error("ALGO_VELEZ__CANDLE_INTERVAL_MINUTES", v).empty());
    }
    CHECK(error("ALGO_VELEZ__SMA_FAST", "4") ==
          "ALGO_VELEZ__SMA_FAST=4: must be an integer in 5..50");
    CHECK_FALSE(error("ALGO_VELEZ__SMA_FAST", "51").empty());
    CHECK_FALSE(error("ALGO_VELEZ__SMA_SLOW", "99").empty());
    CHECK_FALSE(error("ALGO_VELEZ__SMA_SLOW", "501").empty());
    CHECK(error("ALGO_VELEZ__TIGHTNESS_THRESHOLD_PCT", "nan") ==
          "ALGO_VELEZ__TIGHTNESS_THRESHOLD_PCT=nan: must be a number");
    CHECK(error("ALGO_VELEZ__TIGHTNESS_THRESHOLD_PCT", "5.01") ==
          "ALGO_VELEZ__TIGHTNESS_THRESHOLD_PCT=5.01: must be between 0.5..5.0");
    CHECK(error("ALGO_SMA_CROSSOVER__FAST", "40") ==
          "ALGO_SMA_CROSSOVER__FAST=40: must be below ALGO_SMA_CROSSOVER__SLOW (30)");
    CHECK(error("ALGO_VELEZ__SMA_FATS", "10") ==
          "ALGO_VELEZ__SMA_FATS: unknown setting; did you mean ALGO_VELEZ__SMA_FAST?");
    CHECK(error("ALGO_VELEZ", R"({"sma_fats": 10})") ==
          "ALGO_VELEZ: field 1 'sma_fats' is not a setting; did you mean 'sma_fast'?");
    // `enabled` is a setting of the section, not a --param.
    CHECK(error("ALGO_VELEZ__ENABLED", "false").empty());
    CHECK(problems_of(registry, "velez", {{"enabled", "false"}}) ==
          std::vector<std::string>{"--param enabled=false: unknown parameter of velez"});
  }

  TEST_CASE("issue 12 item 7: the settings a run stored before issue 12 configure it unchanged") {
    // --rerun passes a stored run's settings as the only source (F5).
    const auto registry = StrategyRegistry::with_builtins();
    trader::config::Sources stored;
    stored.command_line = kStoredBeforeIssue12;
    for (const char* name : {"velez", "sma-crossover"}) {
      CAPTURE(name);
      const auto blueprint = registry.configure(name, stored, {});
      const auto fresh = registry.configure(name, {}, {});
      CHECK(blueprint.parameters() == fresh.parameters());
      CHECK(blueprint.create()->required_history() == fresh.create()->required_history());
      CHECK(blueprint.create()->candle_interval_minutes() ==
            fresh.create()->candle_interval_minutes());
    }
  }

  TEST_CASE("issue 12 item 7: a malformed strategy declaration is refused when it is added") {
    auto registry = with_average();
    const auto make = [](const AverageParameters& p) { return std::make_unique<Average>(p); };
    CHECK_THROWS_AS(registry.add("average", "again", average_keys(), make), std::logic_error);
    // Its section (and so its variables) belong to another strategy already.
    CHECK_THROWS_AS(registry.add("average-2", "same section", average_keys(), make),
                    std::logic_error);
    trader::config::KeyTable<AverageParameters> no_range("ALGO_NO_RANGE", "No range");
    no_range.custom(
        {.name = "lookback"}, "",
        [](AverageParameters& p, std::string_view v) { p.lookback = static_cast<int>(v.size()); },
        [](const AverageParameters& p) { return std::to_string(p.lookback); });
    CHECK_THROWS_AS(registry.add("no-range", "", no_range, make), std::logic_error);
    trader::config::KeyTable<AverageParameters> two("ALGO_ONE", "One");
    two.integer({.name = "lookback"}, &AverageParameters::lookback, 2, 50);
    two.begin_section("ALGO_TWO", "Two")
        .integer({.name = "other"}, &AverageParameters::lookback, 2, 50);
    CHECK_THROWS_AS(registry.add("two", "", two, make), std::logic_error);
    CHECK(registry.names() ==
          std::vector<std::string>{"velez", "sma-crossover", "average"});  // none was added
    // A strategy without parameters.
    registry.add("plain", "no parameters",
                 [] { return std::make_unique<Average>(AverageParameters{}); });
    CHECK(registry.list().back().parameters.empty());
    CHECK(registry.configure("plain", {}, {}).create()->required_history() == 10);
    CHECK(problems_of(registry, "plain", {{"lookback", "5"}}) ==
          std::vector<std::string>{"--param lookback=5: unknown parameter of plain"});
  }
}
