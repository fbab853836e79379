#include <trader/core/timestamp.hpp>

#include <fmt/core.h>

#include <trader/core/error.hpp>

namespace trader::core {
namespace {

using namespace std::chrono;

struct Cursor {
  std::string_view text;
  std::size_t pos = 0;

  [[nodiscard]] bool done() const { return pos >= text.size(); }
  [[nodiscard]] char peek() const { return done() ? '\0' : text[pos]; }
  bool take(char c) {
    if (peek() != c) return false;
    ++pos;
    return true;
  }
  // Exactly `count` digits, or nullopt.
  std::optional<int> digits(int count) {
    int value = 0;
    for (int i = 0; i < count; ++i) {
      const char c = peek();
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
      ++pos;
    }
    return value;
  }
};

[[noreturn]] void fail(std::string_view text, const char* expected) {
  throw ParseError(expected, std::string(text));
}

Date parse_date_part(Cursor& in, std::string_view text) {
  const auto y = in.digits(4);
  if (!y || !in.take('-')) fail(text, "a date YYYY-MM-DD");
  const auto m = in.digits(2);
  if (!m || !in.take('-')) fail(text, "a date YYYY-MM-DD");
  const auto d = in.digits(2);
  if (!d) fail(text, "a date YYYY-MM-DD");
  const Date date{year{*y}, month{static_cast<unsigned>(*m)}, day{static_cast<unsigned>(*d)}};
  if (!date.ok()) fail(text, "a valid calendar date");
  return date;
}

std::string two(unsigned v) { return fmt::format("{:02}", v); }

}  // namespace

std::string format_date(Date date) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

namespace {
std::string format_with_fraction(Timestamp ts, bool always_fraction) {
  const auto day_start = floor<days>(ts);
  const hh_mm_ss<Microseconds> time{ts - day_start};
  std::string out = format_date(Date{day_start});
  out += 'T';
  out += two(static_cast<unsigned>(time.hours().count()));
  out += ':';
  out += two(static_cast<unsigned>(time.minutes().count()));
  out += ':';
  out += two(static_cast<unsigned>(time.seconds().count()));
  const auto micros = time.subseconds().count();
  if (always_fraction || micros != 0) out += fmt::format(".{:06}", micros);
  out += 'Z';
  return out;
}
}  // namespace

std::string format_timestamp(Timestamp ts) { return format_with_fraction(ts, false); }
std::string format_timestamp_micros(Timestamp ts) { return format_with_fraction(ts, true); }

Date parse_date(std::string_view text) {
  Cursor in{text};
  const Date date = parse_date_part(in, text);
  if (!in.done()) fail(text, "a date YYYY-MM-DD");
  return date;
}

DateTimeText parse_date_time(std::string_view text) {
  Cursor in{text};
  const Date date = parse_date_part(in, text);
  if (!in.take('T') && !in.take(' ')) fail(text, "an ISO-8601 date-time");
  const auto h = in.digits(2);
  if (!h || !in.take(':')) fail(text, "an ISO-8601 date-time");
  const auto mi = in.digits(2);
  if (!mi) fail(text, "an ISO-8601 date-time");
  int s = 0;
  std::int64_t micros = 0;
  if (in.take(':')) {
    const auto sec = in.digits(2);
    if (!sec) fail(text, "an ISO-8601 date-time");
    s = *sec;
    if (in.take('.')) {
      int count = 0;
      while (!in.done() && in.peek() >= '0' && in.peek() <= '9') {
        if (count < 6) micros = micros * 10 + (in.peek() - '0');
        ++count;
        ++in.pos;
      }
      if (count == 0 || count > 9) fail(text, "1 to 9 fractional second digits");
      for (int i = count; i < 6; ++i) micros *= 10;
    }
  }
  if (*h > 23 || *mi > 59 || s > 59) fail(text, "a valid time of day");
  DateTimeText out;
  out.local = LocalTime{local_days{date}.time_since_epoch() + hours{*h} + minutes{*mi} +
                        seconds{s} + Microseconds{micros}};
  if (in.take('Z') || in.take('z')) {
    out.utc_offset = minutes{0};
  } else if (in.peek() == '+' || in.peek() == '-') {
    const bool negative = in.peek() == '-';
    ++in.pos;
    const auto oh = in.digits(2);
    if (!oh) fail(text, "a UTC offset ±HH:MM");
    int om = 0;
    if (!in.done()) {
      in.take(':');
      const auto m = in.digits(2);
      if (!m) fail(text, "a UTC offset ±HH:MM");
      om = *m;
    }
    if (*oh > 23 || om > 59) fail(text, "a valid UTC offset");
    const minutes offset{*oh * 60 + om};
    out.utc_offset = negative ? -offset : offset;
  }
  if (!in.done()) fail(text, "an ISO-8601 date-time");
  return out;
}

Timestamp parse_timestamp(std::string_view text) {
  const DateTimeText parsed = parse_date_time(text);
  if (!parsed.utc_offset) fail(text, "a timestamp with a zone (Z or ±HH:MM)");
  return Timestamp{parsed.local.time_since_epoch() - *parsed.utc_offset};
}

}  // namespace trader::core
