#pragma once
// The combinations of a parameter sweep: `--grid` axes over a strategy's declared parameters
// (ranges lo:hi:step, explicit lists, single values), their cartesian product in a fixed order,
// or `--random N` combinations drawn from them with a seeded generator of our own (the same
// draws on every machine). Every value is checked against the strategy's own declaration
// (trader/config/key_table.hpp): a value outside the declared range is refused with the range.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trader/core/error.hpp>
#include <trader/strategy/registry.hpp>

namespace trader::sweep {

// A --grid, --random or --param value that cannot make combinations: what() names the option as
// given and what is wrong with it ("--grid sma_fast=1:20:5: 1 is outside sma_fast's range
// 5..50").
class GridError : public Error {
 public:
  using Error::Error;
};

// One combination: parameter name -> value text, in the order of the axes.
using Combination = std::vector<std::pair<std::string, std::string>>;

// What a parameter accepts, read from its declaration (ParameterInfo::allowed).
struct ParameterDomain {
  enum class Kind : std::uint8_t { integer, number, choice, boolean };
  std::string name;
  std::string allowed;  // as declared: "5..50", "0.05..1.0", "one of 1, 2, 5, 10", "true/false"
  Kind kind = Kind::integer;
  std::string low, high;             // integer and number: the bounds as declared
  std::vector<std::string> choices;  // choice: the values; boolean: true, false
};

// The domain of a declared parameter; GridError when its declaration has no form a sweep can
// draw from.
[[nodiscard]] ParameterDomain domain_of(const strategy::ParameterInfo& parameter);

// One --grid NAME=SPEC, parsed:
//   NAME=LO:HI:STEP  every value from LO up to HI (included when reached) by STEP
//   NAME=A,B,C       these values;  NAME=V  one value
//   NAME=LO:HI       the interval, for --random only;  NAME  its whole declared range (--random)
struct Axis {
  std::string option;  // "--grid sma_fast=5:20:5", for messages
  std::string name;    // the parameter, lower case
  ParameterDomain domain;
  std::vector<std::string> values;  // a discrete axis; empty for an interval
  std::string low, high;            // an interval (random draws only)
  [[nodiscard]] bool discrete() const noexcept { return !values.empty(); }
};

// Parses and checks every --grid of `strategy`: unknown parameters (with the near miss), a
// parameter given twice or also given as a fixed --param, bad syntax, a zero or negative step,
// an empty range, more than `max_values` values, and every value against the declared range.
// `fixed` are the --param NAME=VALUE pairs that stay the same in every combination.
[[nodiscard]] std::vector<Axis> parse_axes(
    const strategy::StrategyRegistry& registry, std::string_view strategy,
    const std::vector<std::string>& grid_options,
    const std::vector<std::pair<std::string, std::string>>& fixed,
    std::size_t max_values = 100'000);

// The most combinations one sweep makes, whether a grid or random draws.
inline constexpr std::size_t kMaxCombinations = 10'000'000;

// Every combination of the discrete axes (the first axis varies slowest); GridError when an
// axis is an interval or there would be more than `limit` combinations.
[[nodiscard]] std::vector<Combination> grid_combinations(const std::vector<Axis>& axes,
                                                         std::size_t limit = kMaxCombinations);

// `count` draws: each axis uniformly from its values, its interval or its declared range
// (numbers on a grid one hundredth of the finest declared digit); duplicates are dropped, so
// fewer may come back when the space is small, and the draws stop once every combination of
// an all-discrete space has come. Deterministic for a seed. GridError when `count` is above
// kMaxCombinations.
[[nodiscard]] std::vector<Combination> random_combinations(const std::vector<Axis>& axes,
                                                           std::size_t count, std::uint64_t seed);

// "sma_fast=5, stop_buffer_pct=0.1"
[[nodiscard]] std::string describe(const Combination& combination);

}  // namespace trader::sweep
