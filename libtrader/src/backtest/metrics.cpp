#include <trader/backtest/metrics.hpp>

#include <algorithm>
#include <cmath>

#include <trader/calendar/nyse.hpp>

namespace trader::backtest {
namespace {

// Daily returns over [initial, eq_1, ..., eq_n] as doubles (0 after a zero value).
std::vector<double> daily_returns(Decimal initial, const std::vector<DailyEquity>& daily) {
  std::vector<double> values{initial.to_double()};
  for (const auto& d : daily) values.push_back(d.equity.to_double());
  std::vector<double> returns;
  for (std::size_t i = 1; i < values.size(); ++i) {
    returns.push_back(values[i - 1] == 0.0 ? 0.0 : (values[i] - values[i - 1]) / values[i - 1]);
  }
  return returns;
}

double mean(const std::vector<double>& xs) {
  double sum = 0.0;
  for (double x : xs) sum += x;
  return sum / static_cast<double>(xs.size());
}

}  // namespace

double sharpe_ratio(Decimal initial, const std::vector<DailyEquity>& daily) {
  if (daily.size() < 2) return 0.0;
  const auto r = daily_returns(initial, daily);
  const double m = mean(r);
  double squares = 0.0;
  for (double x : r) squares += (x - m) * (x - m);
  const double stdev = std::sqrt(squares / static_cast<double>(r.size() - 1));
  if (stdev == 0.0) return 0.0;
  return m / stdev * std::sqrt(252.0);
}

double sortino_ratio(Decimal initial, const std::vector<DailyEquity>& daily) {
  if (daily.size() < 2) return 0.0;
  const auto r = daily_returns(initial, daily);
  double downside = 0.0;
  for (double x : r) {
    if (x < 0) downside += x * x;
  }
  const double deviation = std::sqrt(downside / static_cast<double>(r.size()));
  if (deviation == 0.0) return 0.0;
  return mean(r) / deviation * std::sqrt(252.0);
}

void MetricsAccumulator::add_trade(const engine::Trade& trade) { trades_.push_back(trade); }

void MetricsAccumulator::add_equity_point(Decimal equity) {
  if (equity > peak_) {
    peak_ = trough_ = equity;
    return;
  }
  if (peak_ <= Decimal{} || equity >= trough_) return;
  trough_ = equity;
  // (peak - trough) / peak > (worst_peak - worst_trough) / worst_peak, exactly.
  __extension__ using Int128 = __int128;
  const Int128 lhs = Int128{(peak_ - trough_).units()} * worst_peak_.units();
  const Int128 rhs = Int128{(worst_peak_ - worst_trough_).units()} * peak_.units();
  if (worst_peak_.is_zero() || lhs > rhs) {
    worst_peak_ = peak_;
    worst_trough_ = trough_;
  }
}

void MetricsAccumulator::add_daily_equity(core::Date date, Decimal equity) {
  daily_.push_back(DailyEquity{date, equity});
}

Metrics MetricsAccumulator::compute() const {
  Metrics m;
  m.total_trades = static_cast<std::int64_t>(trades_.size());
  Decimal gross_profit, gross_loss, total_pnl;
  std::int64_t duration = 0;
  std::int64_t run = 0;
  double r_sum = 0.0;
  std::int64_t r_count = 0;
  for (const auto& t : trades_) {
    total_pnl += t.pnl;
    duration += t.duration_seconds;
    m.total_costs += t.costs;
    if (t.pnl > Decimal{}) {
      ++m.winning_trades;
      gross_profit += t.pnl;
      if (m.winning_trades == 1 || t.pnl > m.largest_win) m.largest_win = t.pnl;
      run = 0;
    } else if (t.pnl < Decimal{}) {
      ++m.losing_trades;
      gross_loss += t.pnl;
      if (m.losing_trades == 1 || t.pnl < m.largest_loss) m.largest_loss = t.pnl;
      m.max_consecutive_losses = std::max(m.max_consecutive_losses, ++run);
    } else {
      run = 0;
    }
    switch (t.exit_reason) {
      case engine::ExitReason::stop_loss:
        ++m.exits_stop_loss;
        break;
      case engine::ExitReason::strategy_exit:
        ++m.exits_strategy;
        break;
      case engine::ExitReason::session_close:
        ++m.exits_session_close;
        break;
    }
    const Decimal risk = (t.entry_price - t.initial_stop) * t.qty;
    if (risk > Decimal{}) {
      r_sum += ratio(t.pnl, risk);
      ++r_count;
    }
  }
  m.final_equity = initial_ + total_pnl;
  if (initial_ > Decimal{}) {
    m.total_return = m.final_equity - initial_;
    m.total_return_pct = div_round(m.total_return, initial_) * 100;
  }
  if (m.total_trades > 0) {
    m.win_rate = static_cast<double>(m.winning_trades) / static_cast<double>(m.total_trades);
    m.avg_trade_duration = duration / m.total_trades;
  }
  const Decimal abs_loss = abs(gross_loss);
  if (gross_profit.is_zero() && abs_loss.is_zero()) {
    m.profit_factor = 0.0;
  } else if (abs_loss.is_zero()) {
    m.profit_factor = 9999.99;  // capped: infinity breaks JSON
  } else {
    m.profit_factor = ratio(gross_profit, abs_loss);
  }
  if (m.winning_trades > 0) m.avg_win = div_round(gross_profit, m.winning_trades);
  if (m.losing_trades > 0) m.avg_loss = div_round(gross_loss, m.losing_trades);
  m.sharpe_ratio = sharpe_ratio(initial_, daily_);
  m.sortino_ratio = sortino_ratio(initial_, daily_);
  m.max_drawdown = worst_peak_.is_zero() ? 0.0 : ratio(worst_peak_ - worst_trough_, worst_peak_);
  m.max_drawdown_pct = m.max_drawdown * 100.0;
  if (r_count > 0) m.avg_r_multiple = r_sum / static_cast<double>(r_count);
  if (!daily_.empty() && initial_ > Decimal{} && m.final_equity > Decimal{}) {
    const auto days =
        (std::chrono::sys_days{daily_.back().date} - std::chrono::sys_days{daily_.front().date})
            .count() +
        1;
    const double years = static_cast<double>(days) / 365.25;
    m.cagr = std::pow(ratio(m.final_equity, initial_), 1.0 / years) - 1.0;
  }
  // Exposure: the union of the trades' holding times over the sessions' total time.
  std::int64_t session_seconds = 0;
  for (const auto& d : daily_) {
    if (const auto s = calendar::lookup_session(d.date)) {
      session_seconds +=
          std::chrono::duration_cast<std::chrono::seconds>(s->close - s->open).count();
    }
  }
  if (session_seconds > 0 && !trades_.empty()) {
    std::vector<std::pair<core::Timestamp, core::Timestamp>> spans;
    for (const auto& t : trades_) spans.emplace_back(t.entry_at, t.exit_at);
    std::sort(spans.begin(), spans.end());
    std::int64_t held = 0;
    core::Timestamp start = spans.front().first, end = spans.front().second;
    for (const auto& [a, b] : spans) {
      if (a > end) {
        held += std::chrono::duration_cast<std::chrono::seconds>(end - start).count();
        start = a;
        end = b;
      } else {
        end = std::max(end, b);
      }
    }
    held += std::chrono::duration_cast<std::chrono::seconds>(end - start).count();
    m.exposure_pct = static_cast<double>(held) / static_cast<double>(session_seconds) * 100.0;
  }
  return m;
}

}  // namespace trader::backtest
