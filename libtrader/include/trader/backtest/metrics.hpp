#pragma once
// Backtest metrics computed exactly as the reference does, plus CAGR, Sortino,
// exposure, average R multiple, max consecutive losses, total costs and exits by reason.
// Streaming: the accumulator is fed trades, per-candle equity points and daily equity as the
// engine produces them, so memory does not grow with the number of bars (drawdown is tracked
// online, in the reference's way).

#include <cstdint>
#include <string>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/engine/trade.hpp>

namespace trader::backtest {

using core::Decimal;

struct Metrics {
  std::int64_t total_trades = 0;
  std::int64_t winning_trades = 0;  // pnl > 0
  std::int64_t losing_trades = 0;   // pnl < 0 (F8: break-even is neither)
  double win_rate = 0.0;
  Decimal total_return;      // dollars
  Decimal total_return_pct;  // percent
  Decimal final_equity;      // initial capital + the sum of trade P&L
  double profit_factor = 0.0;
  double sharpe_ratio = 0.0;
  double max_drawdown = 0.0;  // fraction 0..1
  double max_drawdown_pct = 0.0;
  Decimal avg_win;
  Decimal avg_loss;
  Decimal largest_win;
  Decimal largest_loss;
  std::int64_t avg_trade_duration = 0;  // seconds, floored
  // Beyond the reference.
  double cagr = 0.0;  // fraction per year
  double sortino_ratio = 0.0;
  double exposure_pct = 0.0;    // % of session time with at least one position open
  double avg_r_multiple = 0.0;  // pnl / initial risk, averaged over trades with a risk
  std::int64_t max_consecutive_losses = 0;
  Decimal total_costs;
  std::int64_t exits_stop_loss = 0;
  std::int64_t exits_strategy = 0;
  std::int64_t exits_session_close = 0;
};

struct DailyEquity {
  core::Date date{};  // year_month_day's default constructor leaves it unset
  Decimal equity;
};

class MetricsAccumulator {
 public:
  explicit MetricsAccumulator(Decimal initial_capital) : initial_(initial_capital) {}

  void add_trade(const engine::Trade& trade);
  // A per-candle equity point, in the order the engine produced them.
  void add_equity_point(Decimal equity);
  void add_daily_equity(core::Date date, Decimal equity);

  [[nodiscard]] Metrics compute() const;
  [[nodiscard]] const std::vector<engine::Trade>& trades() const noexcept { return trades_; }
  [[nodiscard]] const std::vector<DailyEquity>& daily_equity() const noexcept { return daily_; }

 private:
  Decimal initial_;
  std::vector<engine::Trade> trades_;
  std::vector<DailyEquity> daily_;
  // Drawdown, online and exact: the deepest (peak, trough) pair seen, compared by cross
  // multiplication, converted to a double once (a Decimal ratio per candle would cost more
  // than the engine's whole per-bar work).
  Decimal peak_;  // starts at 0, not at the initial capital (the reference's rule)
  Decimal trough_;
  Decimal worst_peak_;
  Decimal worst_trough_;
};

// The pieces, for direct use and tests.
[[nodiscard]] double sharpe_ratio(Decimal initial, const std::vector<DailyEquity>& daily);
[[nodiscard]] double sortino_ratio(Decimal initial, const std::vector<DailyEquity>& daily);

}  // namespace trader::backtest
