#include <trader/calendar/nyse.hpp>

#include <array>
#include <cstdint>
#include <mutex>

namespace trader::calendar {
namespace {

// What a day is, one byte per day of each year.
enum DayBits : std::uint8_t { is_session_bit = 1, early_close_bit = 2, daylight_time_bit = 4 };
constexpr int kYears = kLastYear - kFirstYear + 1;

struct YearTable {
  std::once_flag built;
  std::array<std::uint8_t, 366> days{};
};

YearTable& year_table(int y) {
  static std::array<YearTable, kYears> tables;
  YearTable& table = tables[static_cast<std::size_t>(y - kFirstYear)];
  std::call_once(table.built, [&table, y] {
    const std::chrono::sys_days first{std::chrono::year{y} / std::chrono::January / 1};
    const std::chrono::sys_days next{std::chrono::year{y + 1} / std::chrono::January / 1};
    for (auto day = first; day < next; day += std::chrono::days{1}) {
      const auto session = find_session(Date{day});
      if (!session) continue;
      std::uint8_t bits = is_session_bit;
      if (session->early_close) bits |= early_close_bit;
      if (is_daylight_time(Date{day})) bits |= daylight_time_bit;
      table.days[static_cast<std::size_t>((day - first).count())] = bits;
    }
  });
  return table;
}

}  // namespace

std::optional<Session> lookup_session(Date d) {
  if (!d.ok()) return find_session(d);
  const int y = static_cast<int>(d.year());
  detail::check_year(y);
  const std::chrono::sys_days day{d};
  const std::chrono::sys_days first{d.year() / std::chrono::January / 1};
  const std::uint8_t bits = year_table(y).days[static_cast<std::size_t>((day - first).count())];
  if ((bits & is_session_bit) == 0) return std::nullopt;
  // A session never falls on a day the clocks change (a Sunday): one offset for the whole day.
  const auto to_utc = std::chrono::hours{(bits & daylight_time_bit) != 0 ? 4 : 5};
  const bool early = (bits & early_close_bit) != 0;
  const Timestamp midnight = core::start_of_day(d);
  return Session{d, midnight + kOpenTime + to_utc,
                 midnight + (early ? kEarlyCloseTime : kCloseTime) + to_utc, early};
}

Session session(Date d) {
  if (auto s = find_session(d)) return *s;
  throw CalendarError(core::format_date(d) + " is not a trading day");
}

std::vector<Session> sessions_between(Date first, Date last) {
  std::vector<Session> out;
  for (auto day = std::chrono::sys_days{first}; day <= std::chrono::sys_days{last};
       day += std::chrono::days{1}) {
    if (auto s = find_session(Date{day})) out.push_back(*s);
  }
  return out;
}

}  // namespace trader::calendar
