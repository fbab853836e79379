#pragma once
// The machine-readable (JSON) forms of what the store and the calendar list: one object per
// line inside an array, as `trader-data list --json` and `sessions --json` print them.

#include <string>
#include <vector>

#include <trader/calendar/nyse.hpp>
#include <trader/store/bar_store.hpp>

namespace trader::marketdata {

// [{"symbol": ..., "first": ..., "last": ..., "bars": N, "sessions": N, "missing_minutes": N,
//   "sources": [...]}, ...]
[[nodiscard]] std::string summary_json(const std::vector<store::SymbolSummary>& summary);

// [{"date": ..., "open_utc": ..., "close_utc": ..., "open_new_york": "09:30",
//   "close_new_york": "16:00" | "13:00", "early_close": bool}, ...]
[[nodiscard]] std::string sessions_json(const std::vector<calendar::Session>& sessions);

}  // namespace trader::marketdata
