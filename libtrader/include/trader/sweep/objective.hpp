#pragma once
// What a sweep ranks its combinations by, and the ranking itself: the objective's value, higher
// is better; a value that is not a number (no trades to divide by) ranks last; ties go to the
// earlier combination, so a ranking never depends on the order results arrived in.

#include <cstdint>
#include <string>
#include <string_view>

#include <trader/backtest/metrics.hpp>

namespace trader::sweep {

enum class Objective : std::uint8_t { sharpe, total_return, profit_factor, cagr, sortino };

// sharpe|total_return|profit_factor|cagr|sortino; ParseError naming the choices otherwise.
[[nodiscard]] Objective parse_objective(std::string_view text);
[[nodiscard]] std::string_view to_string(Objective objective) noexcept;

// The objective's value for these metrics (total_return in dollars).
[[nodiscard]] double objective_value(Objective objective, const backtest::Metrics& metrics);

// True when `a` (combination index ia) ranks before `b` (index ib).
[[nodiscard]] bool ranks_before(Objective objective, const backtest::Metrics& a, std::size_t ia,
                                const backtest::Metrics& b, std::size_t ib);

}  // namespace trader::sweep
