#include <trader/calendar/nyse.hpp>

#include <doctest/doctest.h>

#include <set>

using namespace std::chrono;
using trader::calendar::CalendarError;
using trader::calendar::is_early_close;
using trader::calendar::is_session;
using trader::core::Date;
using trader::core::format_timestamp;
using trader::core::parse_timestamp;

namespace {
std::string open_utc(Date d) { return format_timestamp(trader::calendar::session_open(d)); }
std::string close_utc(Date d) { return format_timestamp(trader::calendar::session_close(d)); }
}  // namespace

// The calendar is constexpr: the rules are checked when this file compiles, too.
static_assert(!is_session(year{2025} / January / 9));  // national day of mourning (Carter)
static_assert(is_early_close(year{2025} / July / 3));
static_assert(!is_session(year{2026} / April / 3));  // Good Friday

TEST_SUITE("calendar/nyse") {
  TEST_CASE("every NYSE holiday of 2024, 2025 and 2026 is closed, and nothing else on weekdays") {
    const std::set<Date> holidays{
        // 2024
        year{2024} / January / 1, year{2024} / January / 15, year{2024} / February / 19,
        year{2024} / March / 29, year{2024} / May / 27, year{2024} / June / 19,
        year{2024} / July / 4, year{2024} / September / 2, year{2024} / November / 28,
        year{2024} / December / 25,
        // 2025 (and the 2025-01-09 closure)
        year{2025} / January / 1, year{2025} / January / 9, year{2025} / January / 20,
        year{2025} / February / 17, year{2025} / April / 18, year{2025} / May / 26,
        year{2025} / June / 19, year{2025} / July / 4, year{2025} / September / 1,
        year{2025} / November / 27, year{2025} / December / 25,
        // 2026: Independence Day falls on a Saturday and is observed Friday July 3
        year{2026} / January / 1, year{2026} / January / 19, year{2026} / February / 16,
        year{2026} / April / 3, year{2026} / May / 25, year{2026} / June / 19,
        year{2026} / July / 3, year{2026} / September / 7, year{2026} / November / 26,
        year{2026} / December / 25};
    for (auto d = sys_days{year{2024} / January / 1}; d <= sys_days{year{2026} / December / 31};
         d += days{1}) {
      const Date date{d};
      const weekday wd{d};
      const bool weekend = wd == Saturday || wd == Sunday;
      CAPTURE(trader::core::format_date(date));
      CHECK(is_session(date) == (!weekend && !holidays.contains(date)));
    }
  }

  TEST_CASE("every early close of 2024, 2025 and 2026 closes at 13:00 New York") {
    const std::set<Date> early{year{2024} / July / 3,      year{2024} / November / 29,
                               year{2024} / December / 24, year{2025} / July / 3,
                               year{2025} / November / 28, year{2025} / December / 24,
                               year{2026} / November / 27, year{2026} / December / 24};
    for (auto d = sys_days{year{2024} / January / 1}; d <= sys_days{year{2026} / December / 31};
         d += days{1}) {
      CAPTURE(trader::core::format_date(Date{d}));
      CHECK(is_early_close(Date{d}) == early.contains(Date{d}));
    }
    CHECK(close_utc(year{2025} / July / 3) == "2025-07-03T17:00:00Z");
    CHECK(close_utc(year{2025} / November / 28) == "2025-11-28T18:00:00Z");
    CHECK(close_utc(year{2026} / November / 27) == "2026-11-27T18:00:00Z");
    CHECK(close_utc(year{2025} / December / 24) == "2025-12-24T18:00:00Z");
    CHECK(trader::calendar::session(year{2025} / July / 3).early_close);
  }

  TEST_CASE("DST: opens move by an hour across the switch days") {
    CHECK(open_utc(year{2025} / March / 7) == "2025-03-07T14:30:00Z");
    CHECK(open_utc(year{2025} / March / 10) == "2025-03-10T13:30:00Z");
    CHECK(close_utc(year{2025} / March / 10) == "2025-03-10T20:00:00Z");
    CHECK(open_utc(year{2025} / October / 31) == "2025-10-31T13:30:00Z");
    CHECK(open_utc(year{2025} / November / 3) == "2025-11-03T14:30:00Z");
    CHECK(open_utc(year{2026} / February / 13) == "2026-02-13T14:30:00Z");
    CHECK(close_utc(year{2026} / February / 13) == "2026-02-13T21:00:00Z");
    CHECK(open_utc(year{2026} / March / 9) == "2026-03-09T13:30:00Z");
    CHECK(close_utc(year{2026} / March / 9) == "2026-03-09T20:00:00Z");
    // Pre-2007 rules: DST began on the first Sunday of April (2006-04-02).
    CHECK(open_utc(year{2006} / March / 31) == "2006-03-31T14:30:00Z");
    CHECK(open_utc(year{2006} / April / 3) == "2006-04-03T13:30:00Z");
    CHECK(open_utc(year{2006} / October / 27) == "2006-10-27T13:30:00Z");
    CHECK(open_utc(year{2006} / October / 30) == "2006-10-30T14:30:00Z");
  }

  TEST_CASE("New York wall clock around the switch instants") {
    using trader::calendar::from_new_york;
    using trader::calendar::new_york_offset;
    CHECK(new_york_offset(parse_timestamp("2025-03-09T06:59:59Z")) == minutes{-300});
    CHECK(new_york_offset(parse_timestamp("2025-03-09T07:00:00Z")) == minutes{-240});
    CHECK(new_york_offset(parse_timestamp("2025-11-02T05:59:59Z")) == minutes{-240});
    CHECK(new_york_offset(parse_timestamp("2025-11-02T06:00:00Z")) == minutes{-300});
    const auto local = [](const char* text) { return trader::core::parse_date_time(text).local; };
    CHECK(format_timestamp(from_new_york(local("2025-07-01T09:30:00"))) == "2025-07-01T13:30:00Z");
    CHECK(format_timestamp(from_new_york(local("2025-01-02T09:30:00"))) == "2025-01-02T14:30:00Z");
    // 02:30 on the spring-forward day does not exist; 01:30 on the fall-back day happens twice.
    CHECK_THROWS_AS(static_cast<void>(from_new_york(local("2025-03-09T02:30:00"))), CalendarError);
    CHECK(format_timestamp(from_new_york(local("2025-11-02T01:30:00"))) == "2025-11-02T05:30:00Z");
    CHECK_THROWS_AS(static_cast<void>(from_new_york(local("2025-11-02T01:30:00"),
                                                    trader::calendar::LocalTimeChoice::reject)),
                    CalendarError);
    const auto ny = trader::calendar::to_new_york(parse_timestamp("2025-11-02T06:30:00Z"));
    CHECK(ny.time_since_epoch() == (local("2025-11-02T01:30:00")).time_since_epoch());
  }

  TEST_CASE("special closures and observance rules") {
    for (const Date d :
         {year{2001} / September / 11, year{2001} / September / 14, year{2004} / June / 11,
          year{2007} / January / 2, year{2012} / October / 29, year{2012} / October / 30,
          year{2018} / December / 5, year{2025} / January / 9}) {
      CAPTURE(trader::core::format_date(d));
      CHECK_FALSE(is_session(d));
      CHECK(trader::calendar::holiday_name(d) == "special closure");
    }
    // New Year's Day on a Saturday is not observed on Friday; on a Sunday it moves to Monday.
    CHECK(is_session(year{2021} / December / 31));
    CHECK_FALSE(is_session(year{2023} / January / 2));
    // Juneteenth only from 2022; 2022-06-19 was a Sunday.
    CHECK(is_session(year{2021} / June / 18));
    CHECK_FALSE(is_session(year{2022} / June / 20));
    // Christmas on a Saturday closes Friday the 24th; no early close then.
    CHECK_FALSE(is_session(year{2021} / December / 24));
    CHECK(is_early_close(year{2003} / December / 26));
    CHECK(is_early_close(year{2002} / July / 5));
    CHECK_FALSE(is_early_close(year{2019} / July / 5));
    CHECK(is_early_close(year{2019} / July / 3));
    CHECK_FALSE(is_early_close(year{2026} / July / 2));
    CHECK(trader::calendar::holiday_name(year{2026} / April / 3) == "Good Friday");
  }

  TEST_CASE("the reference's calendar examples") {
    CHECK(is_session(year{2026} / February / 13));
    CHECK_FALSE(is_session(year{2026} / February / 14));
    CHECK_FALSE(is_session(year{2026} / February / 15));
    CHECK_FALSE(is_session(year{2026} / January / 1));
    CHECK_FALSE(is_session(year{2026} / February / 16));
    CHECK(is_session(year{2026} / February / 17));
    CHECK(trader::calendar::is_open(parse_timestamp("2026-02-13T15:00:00Z")));
    CHECK_FALSE(trader::calendar::is_open(parse_timestamp("2026-02-13T22:00:00Z")));
    CHECK_FALSE(trader::calendar::is_open(parse_timestamp("2026-02-13T13:00:00Z")));
    CHECK_FALSE(trader::calendar::is_open(parse_timestamp("2026-02-14T15:00:00Z")));
    CHECK(format_timestamp(trader::calendar::next_open(parse_timestamp("2026-02-14T12:00:00Z"))) ==
          "2026-02-17T14:30:00Z");
    CHECK(format_timestamp(trader::calendar::next_open(parse_timestamp("2026-02-13T22:00:00Z"))) ==
          "2026-02-17T14:30:00Z");
    CHECK(format_timestamp(trader::calendar::next_open(parse_timestamp("2026-02-13T10:00:00Z"))) ==
          "2026-02-13T14:30:00Z");
    CHECK_THROWS_WITH_AS(
        static_cast<void>(trader::calendar::session_open(year{2026} / February / 14)),
        "2026-02-14 is not a trading day", CalendarError);
  }

  TEST_CASE("next and previous session, ranges and the calendar's limits") {
    CHECK(trader::calendar::next_session(year{2026} / February / 13) == year{2026} / February / 17);
    CHECK(trader::calendar::previous_session(year{2026} / February / 17) ==
          year{2026} / February / 13);
    CHECK(trader::calendar::previous_session(year{2025} / January / 10) ==
          year{2025} / January / 8);
    const auto june =
        trader::calendar::sessions_between(year{2025} / June / 1, year{2025} / June / 30);
    CHECK(june.size() == 20);  // 21 weekdays minus Juneteenth
    CHECK(trader::calendar::sessions_between(year{2025} / January / 1, year{2025} / December / 31)
              .size() == 250);
    CHECK(trader::calendar::sessions_between(year{2024} / January / 1, year{2024} / December / 31)
              .size() == 252);
    CHECK_THROWS_AS(static_cast<void>(is_session(year{1989} / June / 1)), CalendarError);
    CHECK_THROWS_AS(static_cast<void>(is_session(year{2100} / June / 1)), CalendarError);
    CHECK(is_session(year{2035} / June / 1));
    CHECK_FALSE(is_session(year{2035} / March / 23));  // Good Friday 2035
  }

  TEST_CASE("lookup_session answers as find_session on every day of the calendar's range") {
    int sessions = 0;
    for (auto day = sys_days{year{trader::calendar::kFirstYear} / January / 1};
         day <= sys_days{year{trader::calendar::kLastYear} / December / 31}; day += days{1}) {
      const auto looked_up = trader::calendar::lookup_session(Date{day});
      const auto computed = trader::calendar::find_session(Date{day});
      if (looked_up != computed) {
        FAIL_CHECK(trader::core::format_date(Date{day}) << " differs");
      }
      if (computed) ++sessions;
    }
    CHECK(sessions > 27'000);
    CHECK_THROWS_AS(static_cast<void>(trader::calendar::lookup_session(year{1989} / December / 31)),
                    CalendarError);
    CHECK_THROWS_AS(static_cast<void>(trader::calendar::lookup_session(year{2100} / January / 1)),
                    CalendarError);
  }
}
