// The combinations of a sweep: --grid syntax, the strategy's declared ranges, random draws.
#include <trader/sweep/grid.hpp>

#include <doctest/doctest.h>

#include <set>

namespace sw = trader::sweep;

namespace {

const trader::strategy::StrategyRegistry& registry() {
  static const auto r = trader::strategy::StrategyRegistry::with_builtins();
  return r;
}

std::vector<sw::Axis> axes(const std::vector<std::string>& grid,
                           const std::vector<std::pair<std::string, std::string>>& fixed = {}) {
  return sw::parse_axes(registry(), "velez", grid, fixed);
}

// The message of the GridError that parsing `grid` throws ("" when none).
std::string refusal(const std::vector<std::string>& grid,
                    const std::vector<std::pair<std::string, std::string>>& fixed = {}) {
  try {
    static_cast<void>(sw::grid_combinations(axes(grid, fixed)));
  } catch (const sw::GridError& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("sweep/grid") {
  TEST_CASE("ranges, lists and single values; the last axis varies fastest") {
    const auto a = axes({"sma_fast=5:20:5", "stop_buffer_pct=0.1,0.25", "max_run_candles=4"});
    REQUIRE(a.size() == 3);
    CHECK(a[0].values == std::vector<std::string>{"5", "10", "15", "20"});
    CHECK(a[1].values == std::vector<std::string>{"0.1", "0.25"});
    const auto c = sw::grid_combinations(a);
    REQUIRE(c.size() == 8);
    CHECK(sw::describe(c[0]) == "sma_fast=5, stop_buffer_pct=0.1, max_run_candles=4");
    CHECK(sw::describe(c[1]) == "sma_fast=5, stop_buffer_pct=0.25, max_run_candles=4");
    CHECK(sw::describe(c[7]) == "sma_fast=20, stop_buffer_pct=0.25, max_run_candles=4");
  }

  TEST_CASE("a decimal range steps exactly and stops at HI") {
    const auto a = axes({"stop_buffer_pct=0.05:0.3:0.05", "tightness_threshold_pct=0.5:1.2:0.3"});
    CHECK(a[0].values == std::vector<std::string>{"0.05", "0.1", "0.15", "0.2", "0.25", "0.3"});
    CHECK(a[1].values == std::vector<std::string>{"0.5", "0.8", "1.1"});  // 1.4 is past HI
  }

  TEST_CASE("a value outside the declared range is refused, naming the range") {
    CHECK(has(refusal({"sma_fast=1:20:5"}),
              "--grid sma_fast=1:20:5: 1 is outside sma_fast's "
              "declared range 5..50"));
    CHECK(has(refusal({"stop_buffer_pct=0.001,0.002"}),
              "0.001 is outside stop_buffer_pct's declared range 0.05..1.0"));
    CHECK(has(refusal({"candle_interval_minutes=3"}), "one of 1, 2, 5, 10"));
    CHECK(has(refusal({"sma_fast=5.5"}), "must be an integer in 5..50"));
  }

  TEST_CASE("bad grid syntax names the option and what is wrong") {
    CHECK(has(refusal({"sma_fastt=5:20:5"}),
              "unknown parameter sma_fastt of velez; did you "
              "mean sma_fast?"));
    CHECK(has(refusal({"=5"}), "expected NAME=SPEC"));
    CHECK(has(refusal({"sma_fast="}), "--grid sma_fast=: no values"));
    CHECK(has(refusal({"sma_fast=5:20:0"}), "the step 0 must be above 0"));
    CHECK(has(refusal({"sma_fast=20:5:5"}), "is empty (HI below LO)"));
    CHECK(has(refusal({"sma_fast=5:10:2:1"}), "expected LO:HI:STEP"));
    CHECK(has(refusal({"sma_fast=5::2"}), "expected LO:HI:STEP"));
    CHECK(has(refusal({"sma_fast=5,5"}), "5 is listed twice"));
    CHECK(has(refusal({"sma_fast=5,,6"}), "an empty value"));
    CHECK(has(refusal({"sma_fast=5:x:1"}), "must be an integer"));
    CHECK(has(refusal({"sma_fast=5,6", "sma_fast=7"}), "sma_fast is already swept"));
    CHECK(has(refusal({"sma_fast=5,6"}, {{"sma_fast", "7"}}), "also fixed by --param sma_fast=7"));
    CHECK(has(refusal({"sma_fast=5:20"}), "is for --random"));
    CHECK(has(refusal({"sma_fast"}), "is for --random"));
  }

  TEST_CASE("random draws stay in the declared ranges and repeat for a seed") {
    const auto a =
        axes({"sma_fast", "stop_buffer_pct", "candle_interval_minutes", "max_run_candles=2:4"});
    const auto first = sw::random_combinations(a, 200, 7);
    CHECK(first == sw::random_combinations(a, 200, 7));
    CHECK(first != sw::random_combinations(a, 200, 8));
    CHECK(first.size() > 150);  // duplicates dropped: a huge space, few of them
    std::set<std::string> intervals;
    for (const auto& c : first) {
      const int fast = std::stoi(c[0].second);
      CHECK((fast >= 5 && fast <= 50));
      const double buffer = std::stod(c[1].second);
      CHECK((buffer >= 0.05 && buffer <= 1.0));
      CHECK(c[1].second.size() <= 6);  // 0.05..1.0 draws on a 0.0001 grid
      intervals.insert(c[2].second);
      const int run = std::stoi(c[3].second);
      CHECK((run >= 2 && run <= 4));
    }
    CHECK(intervals == std::set<std::string>{"1", "2", "5", "10"});
    // A small space: every distinct combination once.
    const auto small =
        sw::random_combinations(axes({"sma_fast=5,6", "max_run_candles=2,3"}), 100, 1);
    CHECK(small.size() == 4);
    // As many draws as a sweep may make over that space: they stop once all 4 have come.
    CHECK(sw::random_combinations(axes({"sma_fast=5,6", "max_run_candles=2,3"}),
                                  sw::kMaxCombinations, 1) == small);
  }

  TEST_CASE("more random draws than a sweep may make are refused") {
    try {
      static_cast<void>(
          sw::random_combinations(axes({"sma_fast=5,6"}), sw::kMaxCombinations + 1, 1));
      FAIL("no refusal");
    } catch (const sw::GridError& e) {
      CHECK(has(e.what(), "--random 10000001: at most 10000000 combinations"));
    }
  }

  TEST_CASE("a grid too large is refused with a hint") {
    CHECK(has(refusal({"sma_fast=5:50:1", "sma_slow=100:500:1", "max_run_candles=2:10:1",
                       "buy_stop_expiry_candles=1:5:1", "doji_threshold_pct=0:100:0.5"}),
              "use --random N"));
  }
}
