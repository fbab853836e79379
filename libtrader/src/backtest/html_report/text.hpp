#pragma once
// The HTML report's text: escaping, numbers, money, New York times and durations, each appended
// to a growing document (a report of 100,000 trades builds no temporary string per cell).

#include <cstdint>
#include <string>
#include <string_view>

#include <trader/core/decimal.hpp>
#include <trader/core/format.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/engine/trade.hpp>

namespace trader::backtest::html {

// What a missing or undefined value prints: an en dash.
inline constexpr std::string_view kDash = "&#8211;";

// & < > " ' as entities: safe in element text and in attribute values.
void append_escaped(std::string& out, std::string_view text);
void append_int(std::string& out, std::int64_t value);
void append_grouped_int(std::string& out, std::int64_t value);

// A statistic or a chart coordinate (doubles are never money here). Values that round to zero
// print as 0, not "-0.00"; a NaN or an infinity prints as a dash instead of "nan".
void append_fixed(std::string& out, double value, int decimals);
void append_fixed_grouped(std::string& out, double value, int decimals);
void append_percent(std::string& out, double percent, int decimals);

// Money from the Decimal's exact value: "$25,000.00", "-$123.82" (the sign before the dollar,
// as an accountant reads it), "+$5.00" with DollarSign::with_plus.
inline void append_money(std::string& out, core::Decimal amount,
                         core::DollarSign sign = core::DollarSign::before_dollar) {
  core::append_dollars(out, amount, sign);
}
// A price keeps its sub-penny digits (F3: $0.0001 ticks below $1) and shows at least cents.
void append_price(std::string& out, core::Decimal price);

// Time: every label is New York wall-clock time, which is how a US-equities trader reads a
// chart. The calendar covers 1990..2099; anything outside falls back to UTC and says so.
struct WallClock {
  core::LocalTime local;
  bool utc = false;
};
[[nodiscard]] WallClock wall_clock(core::Timestamp ts);
[[nodiscard]] core::Date local_date(core::LocalTime local);
void append_two_digits(std::string& out, unsigned value);
void append_date(std::string& out, core::Date date);  // "2026-02-10", a dash when unset
// "2026-02-10 09:45" (seconds only when present; minute bars have none).
void append_date_time(std::string& out, core::Timestamp ts);
// "45s", "12m", "2h 05m", "3d 4h".
void append_duration(std::string& out, std::int64_t seconds);

[[nodiscard]] std::string_view exit_reason_label(engine::ExitReason reason);
// Marker and badge colours by exit reason; the legend, charts and trade table share them.
[[nodiscard]] std::string_view exit_class(engine::ExitReason reason);
// "pos", "neg" or "flat": the colour of a gain, a loss, or neither.
[[nodiscard]] std::string_view sign_class(double value);
[[nodiscard]] std::string_view sign_class(core::Decimal value);

// A placeholder where a chart or table has nothing to show.
void no_data(std::string& out, std::string_view escaped_text);

}  // namespace trader::backtest::html
