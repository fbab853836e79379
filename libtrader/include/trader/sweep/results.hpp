#pragma once
// A sweep's results as people and programs read them: the ranked table, CSV, and --json
// (`{"results": [...]}`, one object per combination, best first, with its parameters and
// metrics). Each depends only on the results, never on how they were computed, so a sweep run
// in one process and one merged from shards print the same bytes.

#include <cstddef>
#include <string>

#include <trader/sweep/sweep.hpp>

namespace trader::sweep {

// {"results": [{"rank": 1, "combination": 7, "parameters": {...}, "objective": "sharpe",
// "value": 1.25, "metrics": {...as trader-backtest --json...}}, ...]}, one result per line.
[[nodiscard]] std::string results_json(const SweepResult& result);

// rank,combination,<each swept parameter>,<objective>,total_trades,total_return,... (a header
// line, then one line per combination, best first).
[[nodiscard]] std::string results_csv(const SweepResult& result);

// The ranked table for a terminal: the first `limit` combinations (0: all), with a heading that
// says what was swept over what, and a SYNTHETIC DATA banner when the bars were generated.
[[nodiscard]] std::string results_table(const SweepResult& result, std::size_t limit);

// True when the sweep has results and none of them traded: every combination scores alike and
// the ranking is only the tie-break (the lowest combination first).
[[nodiscard]] bool nothing_traded(const SweepResult& result);

// What the results themselves call for saying (no combination traded, so the ranking is only
// the tie-break), or "". Derived from the results alone, so a sweep merged from shards says it
// exactly as one process does.
[[nodiscard]] std::string results_warning(const SweepResult& result);

}  // namespace trader::sweep
