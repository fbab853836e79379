#include <trader/calendar/nyse.hpp>

namespace trader::calendar {

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
