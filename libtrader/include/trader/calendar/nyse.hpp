#pragma once
// The NYSE calendar (N3): regular sessions 09:30-16:00 New York, 13:00 early closes, holidays with
// their observance rules and the special closures, computed from rules for 1990..2099. Everything
// is constexpr so tests can static_assert the calendar as well as CHECK it.

#include <array>
#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

#include <trader/calendar/new_york.hpp>

namespace trader::calendar {

inline constexpr std::chrono::minutes kOpenTime{9 * 60 + 30};
inline constexpr std::chrono::minutes kCloseTime{16 * 60};
inline constexpr std::chrono::minutes kEarlyCloseTime{13 * 60};

struct Session {
  Date date;
  Timestamp open;
  Timestamp close;
  bool early_close = false;
  friend constexpr bool operator==(const Session&, const Session&) = default;
};

namespace detail {

// Gregorian Easter Sunday (the anonymous Gregorian computus).
constexpr Date easter_sunday(int y) {
  const int a = y % 19;
  const int b = y / 100;
  const int c = y % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month_number = (h + l - 7 * m + 114) / 31;
  const int day_number = (h + l - 7 * m + 114) % 31 + 1;
  return Date{year{y}, month{static_cast<unsigned>(month_number)},
              day{static_cast<unsigned>(day_number)}};
}

constexpr Date shifted(Date d, int days_delta) { return Date{sys_days{d} + days{days_delta}}; }

// A fixed-date holiday observed on the nearest weekday (Saturday -> Friday, Sunday -> Monday).
constexpr Date nearest_weekday(Date d) {
  const weekday wd{sys_days{d}};
  if (wd == Saturday) return shifted(d, -1);
  if (wd == Sunday) return shifted(d, 1);
  return d;
}

// Closures that no rule predicts (national days of mourning, weather, 9/11).
inline constexpr std::array kSpecialClosures{
    Date{year{2001}, September, day{11}}, Date{year{2001}, September, day{12}},
    Date{year{2001}, September, day{13}}, Date{year{2001}, September, day{14}},
    Date{year{2004}, June, day{11}},      Date{year{2007}, January, day{2}},
    Date{year{2012}, October, day{29}},   Date{year{2012}, October, day{30}},
    Date{year{2018}, December, day{5}},   Date{year{2025}, January, day{9}},
};

// Early closes that no rule predicts.
inline constexpr std::array kSpecialEarlyCloses{
    Date{year{1997}, December, day{26}},
    Date{year{1999}, December, day{31}},
    Date{year{2003}, December, day{26}},
};

}  // namespace detail

// The name of the NYSE holiday observed on `d`, if any (weekends are not holidays).
[[nodiscard]] constexpr std::optional<std::string_view> holiday_name(Date d) {
  using namespace detail;  // the rule vocabulary: month and weekday names, nth_weekday
  using detail::nth_weekday;
  const int y = static_cast<int>(d.year());
  detail::check_year(y);
  // New Year's Day moves to Monday from a Sunday, but a Saturday one is not observed on Friday.
  const Date new_year{year{y}, January, day{1}};
  if (weekday{sys_days{new_year}} == Sunday ? d == detail::shifted(new_year, 1) : d == new_year) {
    if (weekday{sys_days{d}} != Saturday) return "New Year's Day";
  }
  if (y >= 1998 && d == nth_weekday(y, 1, Monday, 3)) return "Martin Luther King Jr. Day";
  if (d == nth_weekday(y, 2, Monday, 3)) return "Washington's Birthday";
  if (d == detail::shifted(detail::easter_sunday(y), -2)) return "Good Friday";
  if (d == nth_weekday(y, 5, Monday, 0)) return "Memorial Day";
  if (y >= 2022 && d == nearest_weekday(Date{year{y}, June, day{19}})) return "Juneteenth";
  if (d == nearest_weekday(Date{year{y}, July, day{4}})) return "Independence Day";
  if (d == nth_weekday(y, 9, Monday, 1)) return "Labor Day";
  if (d == nth_weekday(y, 11, Thursday, 4)) return "Thanksgiving Day";
  if (d == nearest_weekday(Date{year{y}, December, day{25}})) return "Christmas Day";
  for (const Date closure : detail::kSpecialClosures) {
    if (d == closure) return "special closure";
  }
  return std::nullopt;
}

[[nodiscard]] constexpr bool is_session(Date d) {
  using namespace detail;
  check_year(static_cast<int>(d.year()));
  const weekday wd{sys_days{d}};
  if (wd == Saturday || wd == Sunday) return false;
  return !holiday_name(d).has_value();
}

// A session that closes at 13:00 New York. False on a day that is not a session.
[[nodiscard]] constexpr bool is_early_close(Date d) {
  using namespace detail;
  if (!is_session(d)) return false;
  const int y = static_cast<int>(d.year());
  const weekday wd{sys_days{d}};
  // The day before Independence Day: Mon, Tue, Thu; Wednesday too from 2013. A Friday July 5th
  // was an early close before 2013.
  if (d.month() == July && d.day() == day{3}) {
    return wd == Monday || wd == Tuesday || wd == Thursday || (wd == Wednesday && y >= 2013);
  }
  if (d.month() == July && d.day() == day{5} && wd == Friday && y < 2013) return true;
  if (d == detail::shifted(detail::nth_weekday(y, 11, Thursday, 4), 1)) return true;
  if (d.month() == December && d.day() == day{24}) return wd != Friday;
  for (const Date early : detail::kSpecialEarlyCloses) {
    if (d == early) return true;
  }
  return false;
}

// The session on `d`, or nullopt on a weekend, holiday or special closure.
[[nodiscard]] constexpr std::optional<Session> find_session(Date d) {
  if (!is_session(d)) return std::nullopt;
  const bool early = is_early_close(d);
  return Session{d, from_new_york(d, kOpenTime),
                 from_new_york(d, early ? kEarlyCloseTime : kCloseTime), early};
}

// find_session(d) from a table of the year's days, built from the rules at the year's first
// lookup (once per process, thread-safe): the same answer at the cost of an array read. The
// per-day paths (the engine's day change, the candle aggregator, metrics) use it: a sweep's
// hundreds of engines each cross every day. CalendarError outside kFirstYear..kLastYear.
[[nodiscard]] std::optional<Session> lookup_session(Date d);

// The session on `d`; CalendarError "<date> is not a trading day" otherwise.
[[nodiscard]] Session session(Date d);
[[nodiscard]] inline Timestamp session_open(Date d) { return session(d).open; }
[[nodiscard]] inline Timestamp session_close(Date d) { return session(d).close; }

// The first session strictly after / before `d`.
[[nodiscard]] constexpr Date next_session(Date d) {
  do {
    d = detail::shifted(d, 1);
  } while (!is_session(d));
  return d;
}
[[nodiscard]] constexpr Date previous_session(Date d) {
  do {
    d = detail::shifted(d, -1);
  } while (!is_session(d));
  return d;
}

// Whether the regular session is open at `ts` (open <= ts < close).
[[nodiscard]] constexpr bool is_open(Timestamp ts) {
  const auto s = find_session(core::utc_date(ts));
  return s && s->open <= ts && ts < s->close;
}

// The next session open at or after `ts`.
[[nodiscard]] constexpr Timestamp next_open(Timestamp ts) {
  const Date today = core::utc_date(ts);
  if (const auto s = find_session(today); s && ts <= s->open) return s->open;
  return find_session(next_session(today))->open;
}

// Every session with first <= date <= last, in order.
[[nodiscard]] std::vector<Session> sessions_between(Date first, Date last);

}  // namespace trader::calendar
