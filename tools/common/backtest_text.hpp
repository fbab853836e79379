#pragma once
// The text report of one backtest, in the reference's layout: what trader-backtest prints for a
// run, and trader-sweep for a single combination (--show ID --combination K).

#include <fmt/core.h>

#include <cstdint>
#include <string>

#include <trader/backtest/runner.hpp>
#include <trader/core/format.hpp>

namespace trader::tools {

// $1,234.50 with half-even rounding; a negative amount keeps the reference's "$-1,234.50".
inline std::string dollars(core::Decimal amount) {
  return core::dollars(amount, core::DollarSign::after_dollar);
}

inline void print_text(const backtest::BacktestResult& r, std::int64_t run_id) {
  const backtest::Metrics& m = r.metrics;
  const char* banner = "*** SYNTHETIC DATA: generated bars, not market prices ***";
  if (r.synthetic) fmt::print("{}\n", banner);
  fmt::print("\nBacktest Results: {}\n", r.strategy);
  fmt::print("Period: {} to {}\n", core::format_date(r.start_date), core::format_date(r.end_date));
  std::string symbols;
  for (const auto& s : r.symbols.names()) symbols += (symbols.empty() ? "" : ", ") + s;
  fmt::print("Symbols: {}\n", symbols);
  fmt::print("Initial Capital: {}\n", dollars(r.initial_capital));
  const auto line = [](const char* label, const std::string& value) {
    fmt::print("  {:<17}{}\n", label, value);
  };
  fmt::print("\nPerformance:\n");
  line("Total Return:",
       fmt::format("{} ({}%)", dollars(m.total_return), m.total_return_pct.to_string_fixed(2)));
  line("Final Equity:", dollars(m.final_equity));
  line("Sharpe Ratio:", fmt::format("{:.2f}", m.sharpe_ratio));
  line("Max Drawdown:", fmt::format("-{:.2f}%", m.max_drawdown_pct));
  line("Profit Factor:", fmt::format("{:.2f}", m.profit_factor));
  fmt::print("\nTrades:\n");
  line("Total:", std::to_string(m.total_trades));
  if (m.total_trades > 0) {
    const double n = static_cast<double>(m.total_trades);
    line("Winners:", fmt::format("{} ({:.1f}%)", m.winning_trades, m.win_rate * 100.0));
    // F8: break-even trades are neither winners nor losers, in the percentage too.
    line("Losers:", fmt::format("{} ({:.1f}%)", m.losing_trades,
                                static_cast<double>(m.losing_trades) / n * 100.0));
    line("Avg Win:", dollars(m.avg_win));
    line("Avg Loss:", "-" + dollars(abs(m.avg_loss)));
    line("Largest Win:", dollars(m.largest_win));
    line("Largest Loss:", "-" + dollars(abs(m.largest_loss)));
    line("Avg Duration:", fmt::format("{} min", m.avg_trade_duration / 60));
  }
  fmt::print("\nMore:\n");
  line("CAGR:", fmt::format("{:.2f}%", m.cagr * 100.0));
  line("Sortino Ratio:", fmt::format("{:.2f}", m.sortino_ratio));
  line("Exposure:", fmt::format("{:.1f}%", m.exposure_pct));
  line("Avg R Multiple:", fmt::format("{:.2f}", m.avg_r_multiple));
  line("Max Losing Run:", std::to_string(m.max_consecutive_losses));
  line("Total Costs:", dollars(m.total_costs));
  line("Exits:", fmt::format("stop_loss {}, strategy_exit {}, session_close {}", m.exits_stop_loss,
                             m.exits_strategy, m.exits_session_close));
  line("Bars:", fmt::format("{} ({})", core::with_thousands(r.bars), r.data_source));
  if (run_id > 0) fmt::print("\nResults saved to database (run_id: {})\n", run_id);
  if (run_id < 0) fmt::print("\nResults NOT saved to the database (see the error below)\n");
  if (r.synthetic) fmt::print("{}\n", banner);
}

}  // namespace trader::tools
