#include <trader/core/timestamp.hpp>

#include <doctest/doctest.h>

#include <trader/core/error.hpp>

using namespace std::chrono;
using trader::ParseError;
using trader::core::format_timestamp;
using trader::core::parse_date;
using trader::core::parse_date_time;
using trader::core::parse_timestamp;
using trader::core::Timestamp;

TEST_SUITE("core/timestamp") {
  TEST_CASE("ISO-8601 with Z or an offset parses to UTC") {
    const Timestamp t = parse_timestamp("2026-02-11T14:44:00Z");
    CHECK(format_timestamp(t) == "2026-02-11T14:44:00Z");
    CHECK(parse_timestamp("2026-02-11T09:44:00-05:00") == t);
    CHECK(parse_timestamp("2026-02-11 15:44:00+0100") == t);
    CHECK(parse_timestamp("2026-02-11T14:44Z") == t);
    CHECK(parse_timestamp("2026-02-11T14:44:00.000000Z") == t);
    CHECK(parse_timestamp("2026-02-11T14:44:00+00") == t);
  }

  TEST_CASE("fractional seconds keep microseconds") {
    const Timestamp t = parse_timestamp("2026-02-14T12:30:45.123456Z");
    CHECK(trader::core::format_timestamp_micros(t) == "2026-02-14T12:30:45.123456Z");
    CHECK(format_timestamp(t) == "2026-02-14T12:30:45.123456Z");
    CHECK(format_timestamp(parse_timestamp("2026-02-14T12:30:45.5Z")) ==
          "2026-02-14T12:30:45.500000Z");
    CHECK(trader::core::format_timestamp_micros(parse_timestamp("2026-02-14T12:30:45Z")) ==
          "2026-02-14T12:30:45.000000Z");
  }

  TEST_CASE("naive text parses only as a local reading") {
    const auto parsed = parse_date_time("2026-02-11T09:30:00");
    CHECK_FALSE(parsed.utc_offset.has_value());
    CHECK_THROWS_AS(static_cast<void>(parse_timestamp("2026-02-11T09:30:00")), ParseError);
  }

  TEST_CASE("malformed timestamps and dates are ParseErrors") {
    for (const char* bad :
         {"", "2026-02-30T00:00:00Z", "2026-13-01T00:00Z", "2026-02-11T24:00Z", "2026-02-11T10:61Z",
          "2026/02/11T10:00Z", "2026-02-11T10:00:00ZZ", "2026-02-11T10:00:00+25:00", "yesterday"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(static_cast<void>(parse_timestamp(bad)), ParseError);
    }
    CHECK_THROWS_AS(static_cast<void>(parse_date("2025-02-29")), ParseError);
    CHECK_THROWS_AS(static_cast<void>(parse_date("2025-2-1")), ParseError);
    CHECK(parse_date("2024-02-29") == year{2024} / February / 29);
  }

  TEST_CASE("dates and epoch conversions") {
    const Timestamp t = parse_timestamp("2026-02-11T23:59:59Z");
    CHECK(trader::core::utc_date(t) == year{2026} / February / 11);
    CHECK(trader::core::format_date(year{2026} / February / 1) == "2026-02-01");
    CHECK(trader::core::to_unix_micros(parse_timestamp("1970-01-01T00:00:01Z")) == 1'000'000);
  }
}
