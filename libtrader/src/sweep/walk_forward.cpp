#include <trader/sweep/walk_forward.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>

#include <trader/calendar/nyse.hpp>
#include <trader/core/format.hpp>
#include <trader/core/json_text.hpp>
#include <trader/sweep/results.hpp>

#include "core/json_write.hpp"

namespace trader::sweep {
namespace {

using core::Decimal;

std::string show(Period p) {
  const char* unit = "m";
  switch (p.unit) {
    case Period::Unit::days:
      unit = "d";
      break;
    case Period::Unit::weeks:
      unit = "w";
      break;
    case Period::Unit::months:
      unit = "m";
      break;
    case Period::Unit::years:
      unit = "y";
      break;
  }
  return std::to_string(p.count) + unit;
}

Period parse_period(std::string_view text, std::string_view whole) {
  const auto refuse = [&] {
    return ParseError("IN:OUT periods such as 6m:1m (d days, w weeks, m months, y years; 1..1000)",
                      std::string(whole));
  };
  if (text.size() < 2 || text.size() > 5) throw refuse();
  Period p;
  switch (text.back()) {
    case 'd':
      p.unit = Period::Unit::days;
      break;
    case 'w':
      p.unit = Period::Unit::weeks;
      break;
    case 'm':
      p.unit = Period::Unit::months;
      break;
    case 'y':
      p.unit = Period::Unit::years;
      break;
    default:
      throw refuse();
  }
  int count = 0;
  for (const char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') throw refuse();
    count = count * 10 + (c - '0');
  }
  if (count < 1 || count > 1000) throw refuse();
  p.count = count;
  return p;
}

std::string real(double value) {
  return core::detail::to_json(boost::json::value(value));  // shortest text; NaN is null
}

}  // namespace

WalkForwardSpec parse_walk_forward(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    throw ParseError("IN:OUT periods such as 6m:1m (d days, w weeks, m months, y years; 1..1000)",
                     std::string(text));
  }
  return WalkForwardSpec{parse_period(text.substr(0, colon), text),
                         parse_period(text.substr(colon + 1), text)};
}

core::Date advance(core::Date date, Period period) {
  using namespace std::chrono;
  switch (period.unit) {
    case Period::Unit::days:
      return core::Date{sys_days{date} + days{period.count}};
    case Period::Unit::weeks:
      return core::Date{sys_days{date} + days{7 * period.count}};
    case Period::Unit::months:
    case Period::Unit::years: {
      const months step{period.unit == Period::Unit::years ? 12 * period.count : period.count};
      const year_month ym = year_month{date.year(), date.month()} + step;
      const year_month_day_last last_day{ym.year(), month_day_last{ym.month()}};
      return core::Date{ym.year(), ym.month(), std::min(date.day(), last_day.day())};
    }
  }
  return date;
}

std::vector<Window> walk_forward_windows(const WalkForwardSpec& spec, core::Date first,
                                         core::Date last) {
  using std::chrono::days;
  using std::chrono::sys_days;
  std::vector<Window> out;
  for (core::Date start = first;; start = advance(start, spec.out_of_sample)) {
    Window w;
    w.in_first = start;
    w.out_first = advance(start, spec.in_sample);
    w.in_last = core::Date{sys_days{w.out_first} - days{1}};
    if (last < w.out_first) break;
    const core::Date out_end{sys_days{advance(w.out_first, spec.out_of_sample)} - days{1}};
    w.out_last = std::min(out_end, last);
    // A window whose in-sample days hold no session has nothing to choose by (a weekend with
    // `d` periods); one whose out-of-sample days hold none has nothing to test.
    if (!calendar::sessions_between(w.in_first, w.in_last).empty() &&
        !calendar::sessions_between(w.out_first, w.out_last).empty()) {
      out.push_back(w);
    }
  }
  if (out.empty()) {
    throw SweepError(fmt::format(
        "--walk-forward {}:{} does not fit in {} .. {}: the range must hold an in-sample window "
        "with a session and at least one session after it",
        show(spec.in_sample), show(spec.out_of_sample), core::format_date(first),
        core::format_date(last)));
  }
  return out;
}

WalkForwardResult run_walk_forward(const SweepRunner& runner, const SweepRequest& request,
                                   const WalkForwardSpec& spec, const SweepProgress& progress,
                                   const core::CancellationToken* cancel) {
  if (!request.shard.whole()) {
    throw SweepError("--walk-forward runs in one process: it cannot be sharded");
  }
  const SweepPlan plan = runner.plan(request);
  const std::vector<Window> windows =
      walk_forward_windows(spec, request.start_date, request.end_date);
  std::vector<std::size_t> all(plan.combinations.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  const std::size_t per_window = all.size() + 1;
  const std::size_t total = windows.size() * per_window;

  WalkForwardResult out;
  out.spec = spec;
  out.initial_capital = plan.base.backtest.initial_capital;
  Decimal base = out.initial_capital;
  double in_sum = 0;
  double out_sum = 0;
  std::vector<std::string> untraded;  // in-sample periods in which no combination traded
  for (std::size_t k = 0; k < windows.size(); ++k) {
    const Window& w = windows[k];
    const auto done_before = static_cast<double>(k * per_window);
    const auto step = [&](double done, std::size_t) {
      if (progress) progress(done_before + done, total);
    };
    SweepResult in_sample =
        runner.run_combinations(request, plan, all, w.in_first, w.in_last, step, cancel);
    const CombinationResult& best = *in_sample.ranked().front();
    // Nothing traded: the choice is only the tie-break, which the table alone would present as
    // a finding.
    if (nothing_traded(in_sample)) {
      untraded.push_back(core::format_date(w.in_first) + " .. " + core::format_date(w.in_last));
    }
    SweepRequest alone = request;
    alone.keep_trades = true;
    const auto out_step = [&](double done, std::size_t) {
      if (progress) progress(done_before + static_cast<double>(all.size()) + done, total);
    };
    SweepResult out_of_sample = runner.run_combinations(alone, plan, {best.combination - 1},
                                                        w.out_first, w.out_last, out_step, cancel);
    CombinationResult& chosen = out_of_sample.results.front();
    WindowResult r;
    r.window = w;
    r.best = best.combination;
    r.parameters = best.parameters;
    r.in_sample = best.metrics;
    r.out_of_sample = chosen.metrics;
    r.out_of_sample_equity = std::move(chosen.daily_equity);
    for (const auto& day : r.out_of_sample_equity) {
      out.stitched_equity.push_back(
          backtest::DailyEquity{day.date, base + (day.equity - out.initial_capital)});
    }
    base = base + r.out_of_sample.total_return;
    in_sum += objective_value(request.objective, r.in_sample);
    out_sum += objective_value(request.objective, r.out_of_sample);
    if (k == 0) {
      out.sweep = std::move(out_of_sample);
      out.sweep.results.clear();
    }
    out.windows.push_back(std::move(r));
  }
  out.sweep.start_date = request.start_date;
  out.sweep.end_date = request.end_date;
  // Each window read its own bars: no one count or fingerprint stands for them all.
  out.sweep.bars = 0;
  out.sweep.bars_fingerprint.clear();
  out.sweep.fingerprint.clear();
  if (!untraded.empty()) {
    std::string periods;
    for (std::size_t i = 0; i < untraded.size() && i < 3; ++i) {
      periods += (i == 0 ? "" : ", ") + untraded[i];
    }
    if (untraded.size() > 3) periods += fmt::format(" and {} more", untraded.size() - 3);
    out.sweep.warnings.push_back(fmt::format(
        "no combination traded in {} of {} in-sample windows ({}): there the choice is only "
        "the tie-break (the lowest combination); a longer in-sample period may be needed for "
        "the strategy's warm-up",
        untraded.size(), windows.size(), periods));
  }
  out.out_of_sample_return = base - out.initial_capital;
  out.in_sample_objective = in_sum / static_cast<double>(windows.size());
  out.out_of_sample_objective = out_sum / static_cast<double>(windows.size());
  return out;
}

std::string walk_forward_json(const WalkForwardResult& r) {
  const auto objective = r.sweep.objective;
  std::string out = "{\"walk_forward\": {\"in_sample\": ";
  core::append_json_string(out, show(r.spec.in_sample));
  out += ", \"out_of_sample\": ";
  core::append_json_string(out, show(r.spec.out_of_sample));
  out += ", \"objective\": ";
  core::append_json_string(out, to_string(objective));
  out += fmt::format(
      ", \"windows\": {}, \"in_sample_value\": {}, \"out_of_sample_value\": {}, "
      "\"gap\": {}, \"initial_capital\": \"{}\", \"out_of_sample_return\": \"{}\", "
      "\"synthetic\": {}}},\n\"windows\": [",
      r.windows.size(), real(r.in_sample_objective), real(r.out_of_sample_objective),
      real(r.in_sample_objective - r.out_of_sample_objective), r.initial_capital.to_string_min(2),
      r.out_of_sample_return.to_string_min(2), r.sweep.synthetic ? "true" : "false");
  for (std::size_t i = 0; i < r.windows.size(); ++i) {
    const WindowResult& w = r.windows[i];
    out += i == 0 ? "\n  " : ",\n  ";
    out += fmt::format(
        "{{\"in_sample\": [\"{}\", \"{}\"], \"out_of_sample\": [\"{}\", \"{}\"], \"combination\": "
        "{}, \"parameters\": {{",
        core::format_date(w.window.in_first), core::format_date(w.window.in_last),
        core::format_date(w.window.out_first), core::format_date(w.window.out_last), w.best);
    for (std::size_t p = 0; p < w.parameters.size(); ++p) {
      if (p) out += ", ";
      core::append_json_string(out, w.parameters[p].first);
      out += ": ";
      core::append_json_string(out, w.parameters[p].second);
    }
    out += fmt::format(
        "}}, \"in_sample_value\": {}, \"out_of_sample_value\": {}, \"in_sample_return\": \"{}\", "
        "\"out_of_sample_return\": \"{}\", \"in_sample_trades\": {}, \"out_of_sample_trades\": "
        "{}}}",
        real(objective_value(objective, w.in_sample)),
        real(objective_value(objective, w.out_of_sample)),
        w.in_sample.total_return.to_string_min(2), w.out_of_sample.total_return.to_string_min(2),
        w.in_sample.total_trades, w.out_of_sample.total_trades);
  }
  out += r.windows.empty() ? "],\n\"equity\": [" : "\n],\n\"equity\": [";
  for (std::size_t i = 0; i < r.stitched_equity.size(); ++i) {
    out += fmt::format("{}{{\"date\": \"{}\", \"equity\": \"{}\"}}", i == 0 ? "" : ", ",
                       core::format_date(r.stitched_equity[i].date),
                       r.stitched_equity[i].equity.to_string_min(2));
  }
  out += "]}";
  return out;
}

std::string walk_forward_table(const WalkForwardResult& r) {
  std::string out;
  const char* banner = "*** SYNTHETIC DATA: generated bars, not market prices ***\n";
  if (r.sweep.synthetic) out += banner;
  std::string symbols;
  for (const auto& s : r.sweep.symbols) symbols += (symbols.empty() ? "" : ", ") + s;
  const auto objective = r.sweep.objective;
  out += fmt::format(
      "\nWalk-forward: {} on {} from {} to {}\n"
      "Windows: {} (in-sample {}, out-of-sample {}), {} combinations each, chosen by {}\n\n",
      r.sweep.strategy, symbols, core::format_date(r.sweep.start_date),
      core::format_date(r.sweep.end_date), r.windows.size(), show(r.spec.in_sample),
      show(r.spec.out_of_sample), r.sweep.combinations, to_string(objective));
  out +=
      fmt::format("{:<21}  {:<21}  {:>5}  {:>9} {:>9}  {:>12} {:>12}  {}\n", "in-sample",
                  "out-of-sample", "combo", "in " + std::string(to_string(objective)).substr(0, 6),
                  "out", "in return", "out return", "parameters");
  for (const WindowResult& w : r.windows) {
    out += fmt::format("{} {}  {} {}  {:>5}  {:>9.2f} {:>9.2f}  {:>12} {:>12}  {}\n",
                       core::format_date(w.window.in_first), core::format_date(w.window.in_last),
                       core::format_date(w.window.out_first), core::format_date(w.window.out_last),
                       w.best, objective_value(objective, w.in_sample),
                       objective_value(objective, w.out_of_sample),
                       core::dollars(w.in_sample.total_return, core::DollarSign::before_dollar),
                       core::dollars(w.out_of_sample.total_return, core::DollarSign::before_dollar),
                       describe(w.parameters));
  }
  out += fmt::format(
      "\nIn-sample {} (mean of the chosen): {:.2f}\nOut-of-sample {} (same combinations): "
      "{:.2f}\nGap (in - out): {:.2f}\nStitched out-of-sample return: {} on {}\n",
      to_string(objective), r.in_sample_objective, to_string(objective), r.out_of_sample_objective,
      r.in_sample_objective - r.out_of_sample_objective,
      core::dollars(r.out_of_sample_return, core::DollarSign::before_dollar),
      core::dollars(r.initial_capital, core::DollarSign::before_dollar));
  for (const auto& w : r.sweep.warnings) out += "warning: " + w + "\n";
  if (r.sweep.synthetic) out += banner;
  return out;
}

}  // namespace trader::sweep
