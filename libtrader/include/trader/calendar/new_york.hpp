#pragma once
// New York wall-clock time from US DST rules (N3), with no tz database: 2007 onward DST runs from
// the second Sunday of March to the first Sunday of November; 1987-2006 from the first Sunday of
// April to the last Sunday of October; clocks change at 02:00 local time.

#include <chrono>
#include <stdexcept>
#include <string>

#include <trader/core/error.hpp>
#include <trader/core/timestamp.hpp>

namespace trader::calendar {

using core::Date;
using core::LocalTime;
using core::Timestamp;

// A date or time outside the calendar's range, or a day that is not a session where one is needed.
class CalendarError : public Error {
 public:
  using Error::Error;
};

inline constexpr int kFirstYear = 1990;
inline constexpr int kLastYear = 2099;

namespace detail {

// Using-declarations (not a using-directive) keep the rules readable without leaking names.
using std::chrono::day;
using std::chrono::days;
using std::chrono::December;
using std::chrono::Friday;
using std::chrono::January;
using std::chrono::July;
using std::chrono::June;
using std::chrono::last;
using std::chrono::Monday;
using std::chrono::month;
using std::chrono::October;
using std::chrono::Saturday;
using std::chrono::September;
using std::chrono::Sunday;
using std::chrono::sys_days;
using std::chrono::Thursday;
using std::chrono::Tuesday;
using std::chrono::Wednesday;
using std::chrono::weekday;
using std::chrono::year;

constexpr void check_year(int y) {
  if (y < kFirstYear || y > kLastYear) {
    throw CalendarError("date outside the calendar's range " + std::to_string(kFirstYear) + ".." +
                        std::to_string(kLastYear) + ": year " + std::to_string(y));
  }
}

// The n-th (1-based) given weekday of a month, or the last one for n = 0.
constexpr Date nth_weekday(int y, unsigned m, weekday wd, unsigned n) {
  if (n == 0) return Date{sys_days{year{y} / month{m} / wd[last]}};
  return Date{sys_days{year{y} / month{m} / wd[n]}};
}

// Local (New York) dates on which DST starts and ends in year y.
constexpr Date dst_start(int y) {
  return y >= 2007 ? nth_weekday(y, 3, Sunday, 2) : nth_weekday(y, 4, Sunday, 1);
}
constexpr Date dst_end(int y) {
  return y >= 2007 ? nth_weekday(y, 11, Sunday, 1) : nth_weekday(y, 10, Sunday, 0);
}

}  // namespace detail

// UTC offset of New York at a UTC instant: -4 h in daylight time, -5 h in standard time.
[[nodiscard]] constexpr std::chrono::minutes new_york_offset(Timestamp utc) {
  using std::chrono::hours;
  using std::chrono::minutes;
  const int y = static_cast<int>(core::utc_date(utc).year());
  detail::check_year(y);
  // 02:00 EST = 07:00 UTC at the start; 02:00 EDT = 06:00 UTC at the end.
  const Timestamp starts = core::start_of_day(detail::dst_start(y)) + hours{7};
  const Timestamp ends = core::start_of_day(detail::dst_end(y)) + hours{6};
  return (utc >= starts && utc < ends) ? minutes{-240} : minutes{-300};
}

[[nodiscard]] constexpr LocalTime to_new_york(Timestamp utc) {
  return LocalTime{utc.time_since_epoch() + new_york_offset(utc)};
}

// Whether New York keeps daylight time on (most of) a local date; used for session times, which
// never fall on a switch day (a Sunday).
[[nodiscard]] constexpr bool is_daylight_time(Date local_date) {
  const int y = static_cast<int>(local_date.year());
  detail::check_year(y);
  return std::chrono::sys_days{local_date} >= std::chrono::sys_days{detail::dst_start(y)} &&
         std::chrono::sys_days{local_date} < std::chrono::sys_days{detail::dst_end(y)};
}

// How a wall-clock reading that does not name one instant is resolved.
enum class LocalTimeChoice : std::uint8_t {
  reject,    // a skipped (02:30 on the spring-forward day) or repeated reading is a CalendarError
  earliest,  // the repeated hour resolves to its first (daylight) instant; a skipped one is an
             // error
};

// The UTC instant of a New York wall-clock reading.
[[nodiscard]] constexpr Timestamp from_new_york(
    LocalTime local, LocalTimeChoice choice = LocalTimeChoice::earliest) {
  using std::chrono::minutes;
  const Timestamp as_daylight{local.time_since_epoch() + minutes{240}};
  const Timestamp as_standard{local.time_since_epoch() + minutes{300}};
  const bool daylight_fits = new_york_offset(as_daylight) == minutes{-240};
  const bool standard_fits = new_york_offset(as_standard) == minutes{-300};
  if (daylight_fits && standard_fits) {
    if (choice == LocalTimeChoice::reject) {
      throw CalendarError("ambiguous New York time (repeated hour when DST ends)");
    }
    return as_daylight;
  }
  if (daylight_fits) return as_daylight;
  if (standard_fits) return as_standard;
  throw CalendarError("nonexistent New York time (skipped hour when DST starts)");
}

[[nodiscard]] constexpr Timestamp from_new_york(Date date, std::chrono::minutes time_of_day) {
  return from_new_york(LocalTime{std::chrono::local_days{date}.time_since_epoch() + time_of_day});
}

}  // namespace trader::calendar
