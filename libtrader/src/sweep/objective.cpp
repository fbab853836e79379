#include <trader/sweep/objective.hpp>

#include <cmath>

#include <trader/core/error.hpp>

namespace trader::sweep {

Objective parse_objective(std::string_view text) {
  for (const auto o : {Objective::sharpe, Objective::total_return, Objective::profit_factor,
                       Objective::cagr, Objective::sortino}) {
    if (to_string(o) == text) return o;
  }
  throw ParseError("one of sharpe, total_return, profit_factor, cagr, sortino", std::string(text));
}

std::string_view to_string(Objective objective) noexcept {
  switch (objective) {
    case Objective::sharpe:
      return "sharpe";
    case Objective::total_return:
      return "total_return";
    case Objective::profit_factor:
      return "profit_factor";
    case Objective::cagr:
      return "cagr";
    case Objective::sortino:
      return "sortino";
  }
  return "sharpe";
}

double objective_value(Objective objective, const backtest::Metrics& m) {
  switch (objective) {
    case Objective::sharpe:
      return m.sharpe_ratio;
    case Objective::total_return:
      return m.total_return.to_double();
    case Objective::profit_factor:
      return m.profit_factor;
    case Objective::cagr:
      return m.cagr;
    case Objective::sortino:
      return m.sortino_ratio;
  }
  return 0.0;
}

bool ranks_before(Objective objective, const backtest::Metrics& a, std::size_t ia,
                  const backtest::Metrics& b, std::size_t ib) {
  if (objective == Objective::total_return) {  // exact money: compared as Decimal
    if (a.total_return != b.total_return) return b.total_return < a.total_return;
    return ia < ib;
  }
  const double x = objective_value(objective, a);
  const double y = objective_value(objective, b);
  const bool x_nan = std::isnan(x);
  const bool y_nan = std::isnan(y);
  if (x_nan != y_nan) return y_nan;
  if (!x_nan && x != y) return x > y;
  return ia < ib;
}

}  // namespace trader::sweep
