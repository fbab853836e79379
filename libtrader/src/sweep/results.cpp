#include <trader/sweep/results.hpp>

#include <fmt/core.h>

#include <algorithm>

#include <boost/json/object.hpp>
#include <trader/backtest/run_archive.hpp>
#include <trader/core/format.hpp>
#include <trader/core/json_text.hpp>

#include "core/json_write.hpp"

namespace trader::sweep {
namespace {

std::string number(double value) {
  return core::detail::to_json(boost::json::value(value));  // shortest text; NaN is null
}

std::string objective_text(const SweepResult& r, const backtest::Metrics& m) {
  if (r.objective == Objective::total_return) return m.total_return.to_string_min(2);
  return number(objective_value(r.objective, m));
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

std::string results_json(const SweepResult& result) {
  std::string out = "{\"results\": [";
  std::size_t rank = 0;
  for (const CombinationResult* r : result.ranked()) {
    out += rank == 0 ? "\n  " : ",\n  ";
    out += fmt::format("{{\"rank\": {}, \"combination\": {}, \"parameters\": {{", ++rank,
                       r->combination);
    bool first = true;
    for (const auto& [name, value] : r->parameters) {
      if (!first) out += ", ";
      first = false;
      core::append_json_string(out, name);
      out += ": ";
      core::append_json_string(out, value);
    }
    out += "}, \"objective\": ";
    core::append_json_string(out, to_string(result.objective));
    out += ", \"value\": " + (result.objective == Objective::total_return
                                  ? core::json_quote(r->metrics.total_return.to_string_min(2))
                                  : number(objective_value(result.objective, r->metrics)));
    out += ", \"metrics\": " + backtest::metrics_json(r->metrics) + "}";
  }
  out += rank == 0 ? "]}" : "\n]}";
  return out;
}

std::string results_csv(const SweepResult& result) {
  std::string out = "rank,combination";
  for (const auto& axis : result.axes) out += "," + csv_field(axis);
  out += "," + std::string(to_string(result.objective)) +
         ",total_trades,total_return,total_return_pct,sharpe_ratio,sortino_ratio,cagr,"
         "profit_factor,max_drawdown_pct,win_rate\n";
  std::size_t rank = 0;
  for (const CombinationResult* r : result.ranked()) {
    const backtest::Metrics& m = r->metrics;
    out += fmt::format("{},{}", ++rank, r->combination);
    for (const auto& [name, value] : r->parameters) out += "," + csv_field(value);
    out +=
        fmt::format(",{},{},{},{},{},{},{},{},{},{}\n", objective_text(result, m), m.total_trades,
                    m.total_return.to_string_min(2), m.total_return_pct.to_string_min(2),
                    number(m.sharpe_ratio), number(m.sortino_ratio), number(m.cagr),
                    number(m.profit_factor), number(m.max_drawdown_pct), number(m.win_rate));
  }
  return out;
}

bool nothing_traded(const SweepResult& result) {
  return !result.results.empty() &&
         std::none_of(result.results.begin(), result.results.end(),
                      [](const CombinationResult& r) { return r.metrics.total_trades > 0; });
}

std::string results_warning(const SweepResult& result) {
  if (!nothing_traded(result)) return "";
  return "no combination traded, so the ranking is only the tie-break (the lowest combination "
         "first); the range may be too short for the strategy's warm-up";
}

std::string results_table(const SweepResult& result, std::size_t limit) {
  std::string out;
  const char* banner = "*** SYNTHETIC DATA: generated bars, not market prices ***\n";
  if (result.synthetic) out += banner;
  std::string symbols;
  for (const auto& s : result.symbols) symbols += (symbols.empty() ? "" : ", ") + s;
  out += fmt::format("\nSweep: {} on {} from {} to {}\n", result.strategy, symbols,
                     core::format_date(result.start_date), core::format_date(result.end_date));
  out += fmt::format("Combinations: {}{}, ranked by {}\n", result.results.size(),
                     result.shard.whole()
                         ? std::string()
                         : fmt::format(" (shard {} of {}; {} in the sweep)", result.shard.index,
                                       result.shard.count, result.combinations),
                     to_string(result.objective));
  out += fmt::format("Bars: {} ({}, fingerprint {})\n\n", core::with_thousands(result.bars),
                     result.data_source, result.bars_fingerprint);
  // Columns: rank, combination, each parameter, then the figures.
  std::vector<std::size_t> widths;
  for (const auto& axis : result.axes) widths.push_back(std::max<std::size_t>(axis.size(), 6));
  const auto ranked = result.ranked();
  for (const CombinationResult* r : ranked) {
    for (std::size_t i = 0; i < r->parameters.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], r->parameters[i].second.size());
    }
  }
  out += fmt::format("{:>5} {:>6}", "rank", "combo");
  for (std::size_t i = 0; i < result.axes.size(); ++i) {
    out += fmt::format("  {:>{}}", result.axes[i], widths[i]);
  }
  out += fmt::format("  {:>8} {:>7} {:>14} {:>8} {:>8} {:>8} {:>8} {:>8}\n", "sharpe", "trades",
                     "return", "return%", "maxdd%", "pf", "sortino", "cagr%");
  std::size_t rank = 0;
  for (const CombinationResult* r : ranked) {
    if (limit != 0 && rank >= limit) {
      out += fmt::format("  ... {} more (--top 0 shows all; --csv or --json for every one)\n",
                         ranked.size() - rank);
      break;
    }
    const backtest::Metrics& m = r->metrics;
    out += fmt::format("{:>5} {:>6}", ++rank, r->combination);
    for (std::size_t i = 0; i < r->parameters.size() && i < widths.size(); ++i) {
      out += fmt::format("  {:>{}}", r->parameters[i].second, widths[i]);
    }
    out += fmt::format("  {:>8.2f} {:>7} {:>14} {:>8} {:>8.2f} {:>8.2f} {:>8.2f} {:>8.2f}\n",
                       m.sharpe_ratio, m.total_trades,
                       core::dollars(m.total_return, core::DollarSign::before_dollar),
                       m.total_return_pct.to_string_fixed(2), m.max_drawdown_pct, m.profit_factor,
                       m.sortino_ratio, m.cagr * 100.0);
  }
  for (const auto& w : result.warnings) out += "warning: " + w + "\n";
  if (const std::string w = results_warning(result); !w.empty()) out += "warning: " + w + "\n";
  if (result.synthetic) out += banner;
  return out;
}

}  // namespace trader::sweep
