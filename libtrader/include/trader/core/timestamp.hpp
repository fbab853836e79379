#pragma once
// UTC instants (N3). A 1-minute bar is stamped with the start of its minute. New York wall-clock
// time is the calendar's business (trader/calendar/new_york.hpp); nothing here reads a tz database.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trader::core {

using Microseconds = std::chrono::microseconds;
using Timestamp = std::chrono::sys_time<Microseconds>;
using Date = std::chrono::year_month_day;
// A wall-clock reading without a zone (a naive CSV timestamp, New York local time).
using LocalTime = std::chrono::local_time<Microseconds>;

[[nodiscard]] constexpr Timestamp from_unix_micros(std::int64_t micros) noexcept {
  return Timestamp{Microseconds{micros}};
}
[[nodiscard]] constexpr std::int64_t to_unix_micros(Timestamp ts) noexcept {
  return ts.time_since_epoch().count();
}
[[nodiscard]] constexpr Date utc_date(Timestamp ts) noexcept {
  return Date{std::chrono::floor<std::chrono::days>(ts)};
}
[[nodiscard]] constexpr Timestamp start_of_day(Date date) noexcept {
  return Timestamp{std::chrono::sys_days{date}};
}

// "2026-02-11T14:44:00Z"; fractional seconds only when present ("…:00.250000Z").
[[nodiscard]] std::string format_timestamp(Timestamp ts);
// Always six fractional digits: "2026-02-14T12:30:45.123456Z" (order tables).
[[nodiscard]] std::string format_timestamp_micros(Timestamp ts);
// "2026-02-11"
[[nodiscard]] std::string format_date(Date date);

// A parsed ISO-8601 date-time: its wall-clock reading and, when the text had one, its offset.
struct DateTimeText {
  LocalTime local;
  std::optional<std::chrono::minutes> utc_offset;  // "Z" is +00:00
};
// "YYYY-MM-DD[T| ]HH:MM[:SS[.f{1,9}]][Z|±HH:MM|±HHMM|±HH]"; throws ParseError quoting the text.
[[nodiscard]] DateTimeText parse_date_time(std::string_view text);
// Like parse_date_time, but a zone is required: naive text is a ParseError.
[[nodiscard]] Timestamp parse_timestamp(std::string_view text);
// "YYYY-MM-DD" only, validated (2025-02-30 is an error).
[[nodiscard]] Date parse_date(std::string_view text);

}  // namespace trader::core
