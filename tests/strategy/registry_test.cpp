#include <trader/strategy/registry.hpp>

#include <doctest/doctest.h>

#include <algorithm>

#include <trader/strategy/sma_crossover.hpp>

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
    CHECK(env_only.settings().velez.sma_fast == 15);
    const auto blueprint =
        registry.configure("velez", sources, {{"sma_fast", "10"}, {"MAX_RUN_CANDLES", "4"}});
    CHECK(blueprint.settings().velez.sma_fast == 10);
    CHECK(blueprint.settings().velez.max_run_candles == 4);
    const auto params = blueprint.parameters();
    CHECK(params.front() == std::pair<std::string, std::string>{"sma_fast", "10"});
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
    trader::config::SmaCrossoverSettings s;
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
