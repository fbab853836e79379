#pragma once
// Walk-forward analysis: rolling in-sample/out-of-sample windows (`--walk-forward 6m:1m`). In
// each window every combination is backtested over the in-sample days, the best by the
// objective is chosen, and that one combination alone is backtested over the out-of-sample days
// that follow (a fresh account, exactly what trader-backtest would give for those days and
// parameters). The out-of-sample results are stitched into one equity curve, and the in-sample
// and out-of-sample objective are reported side by side: the gap between them is the overfitting
// a plain sweep hides. Windows step by the out-of-sample length, so the out-of-sample days never
// overlap and together cover the range after the first in-sample window.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <trader/backtest/metrics.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/sweep/sweep.hpp>

namespace trader::sweep {

struct Period {
  enum class Unit : std::uint8_t { days, weeks, months, years };
  int count = 1;
  Unit unit = Unit::months;
};

struct WalkForwardSpec {
  Period in_sample;
  Period out_of_sample;
};

// "6m:1m", "120d:20d", "1y:3m", "8w:2w" (d days, w weeks, m months, y years; 1..1000 of each);
// ParseError naming the text otherwise.
[[nodiscard]] WalkForwardSpec parse_walk_forward(std::string_view text);

// `date` moved forward by `period` (a month from Jan 31 is Feb 28 or 29).
[[nodiscard]] core::Date advance(core::Date date, Period period);

struct Window {
  core::Date in_first{}, in_last{};
  core::Date out_first{}, out_last{};  // out_last is clipped to the range's end
};

// The windows over [first, last]; SweepError when not even one in-sample window and a day of
// out-of-sample fit.
[[nodiscard]] std::vector<Window> walk_forward_windows(const WalkForwardSpec& spec,
                                                       core::Date first, core::Date last);

struct WindowResult {
  Window window;
  std::size_t best = 0;  // the combination chosen in-sample (1-based)
  Combination parameters;
  backtest::Metrics in_sample;
  backtest::Metrics out_of_sample;
  std::vector<backtest::DailyEquity> out_of_sample_equity;  // that window's own account
};

struct WalkForwardResult {
  SweepResult sweep;  // the settings and data (results: empty)
  WalkForwardSpec spec;
  std::vector<WindowResult> windows;
  core::Decimal initial_capital;
  // The out-of-sample days of every window, each window's P&L added to where the previous
  // ended (starting at the initial capital).
  std::vector<backtest::DailyEquity> stitched_equity;
  core::Decimal out_of_sample_return;  // the stitched curve's end less the initial capital
  double in_sample_objective = 0;      // the mean over windows of the chosen combination's value
  double out_of_sample_objective = 0;  // the mean of the same combinations out of sample
};

// Runs the walk-forward analysis of `request` (its shard must be the whole sweep).
[[nodiscard]] WalkForwardResult run_walk_forward(const SweepRunner& runner,
                                                 const SweepRequest& request,
                                                 const WalkForwardSpec& spec,
                                                 const SweepProgress& progress = {},
                                                 const core::CancellationToken* cancel = nullptr);

// The JSON of a walk-forward: {"walk_forward": {...spec, the gap...}, "windows": [...], "equity":
// [...]}, one window per line.
[[nodiscard]] std::string walk_forward_json(const WalkForwardResult& result);
// The text report: a line per window (dates, chosen parameters, in- and out-of-sample figures),
// the means and the stitched return.
[[nodiscard]] std::string walk_forward_table(const WalkForwardResult& result);

}  // namespace trader::sweep
