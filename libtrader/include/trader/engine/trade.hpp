#pragma once
// A closed round trip, as the engine records it for metrics, storage and reports.

#include <cstdint>
#include <string>
#include <string_view>

#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/bar.hpp>

namespace trader::engine {

using core::Decimal;
using core::Timestamp;

enum class ExitReason : std::uint8_t { stop_loss, strategy_exit, session_close };
[[nodiscard]] std::string_view to_string(ExitReason reason) noexcept;  // "stop_loss", ...

struct Trade {
  data::SymbolId symbol{};
  std::int64_t qty = 0;
  Decimal entry_price;  // average fill price of the entry
  Decimal exit_price;   // average fill price of the exit
  Timestamp entry_at;   // the bar the entry filled on
  Timestamp exit_at;    // the bar the exit filled on (the last bar for a session close)
  Decimal costs;        // F10: commission and fees of the entry and the exit
  Decimal pnl;          // (exit - entry) x qty - costs
  std::int64_t duration_seconds = 0;
  ExitReason exit_reason = ExitReason::stop_loss;
  Decimal initial_stop;  // the planned stop at entry: the trade's risk, for R multiples

  friend bool operator==(const Trade&, const Trade&) = default;
};

}  // namespace trader::engine
