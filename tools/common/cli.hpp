#pragma once
// Small helpers every tool shares: terminal detection, symbol lists, dates, and a progress line.
// No trading logic here.

#include <unistd.h>

#include <fmt/core.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <trader/calendar/new_york.hpp>
#include <trader/core/error.hpp>
#include <trader/core/format.hpp>
#include <trader/core/symbol.hpp>
#include <trader/core/timestamp.hpp>

#include "common/signals.hpp"

namespace trader::tools {

// "aapl, msft" -> {"AAPL", "MSFT"}; ParseError names a bad symbol.
inline std::vector<std::string> parse_symbols(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty() && part.find_first_not_of(" \t") != std::string::npos) {
      out.push_back(core::normalize_symbol(part));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// A YYYY-MM-DD command-line value within the calendar's years (1990..2099); ParseError names
// the option (issue 11 item 21: a date the calendar cannot answer for is a bad argument).
inline core::Date parse_date_option(const std::string& text, const std::string& option) {
  core::Date date{};
  try {
    date = core::parse_date(text);
  } catch (const ParseError& e) {
    throw ParseError("a date YYYY-MM-DD for " + option, text);
  }
  const int year = static_cast<int>(date.year());
  if (year < calendar::kFirstYear || year > calendar::kLastYear) {
    throw ParseError(fmt::format("a date from {}-01-01 to {}-12-31 (the calendar's range) for {}",
                                 calendar::kFirstYear, calendar::kLastYear, option),
                     text);
  }
  return date;
}

// A whole number >= `minimum` without sign or spaces ("-1" is refused, never wrapped around to
// 18446744073709551615); ParseError names the option.
inline std::uint64_t parse_unsigned_option(const std::string& text, const std::string& option,
                                           std::uint64_t minimum = 0) {
  const auto refuse = [&] {
    return ParseError(fmt::format("a whole number >= {} for {}", minimum, option), text);
  };
  if (text.empty() || text.size() > 20 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    throw refuse();
  }
  std::uint64_t value = 0;
  for (const char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) throw refuse();
    value = value * 10 + digit;
  }
  if (value < minimum) throw refuse();
  return value;
}

// An option's whole number from `minimum` to `maximum`: ids and counts end in signed columns
// and sizes, so a number past `maximum` is refused naming the bound ("--show must be at most
// 9223372036854775807"), never wrapped into another id. Below `minimum` or not a number: the
// ParseError of parse_unsigned_option.
inline std::uint64_t parse_bounded_option(const std::string& text, const std::string& option,
                                          std::uint64_t minimum, std::uint64_t maximum) {
  const std::uint64_t value = parse_unsigned_option(text, option, minimum);
  if (value > maximum) throw Error(fmt::format("{} must be at most {}", option, maximum));
  return value;
}

// The largest id a stored run or sweep can have (SQLite's signed 64-bit INTEGER).
inline constexpr std::uint64_t kMaxStoredId = INT64_MAX;

inline bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

// A one-line progress display on stderr, only on a terminal, redrawn in place.
class ProgressLine {
 public:
  explicit ProgressLine(std::string label)
      : label_(std::move(label)), active_(stderr_is_terminal()) {}
  ~ProgressLine() { done(); }
  // Also where long work notices SIGINT/SIGTERM: throws Interrupted once one arrived.
  void update(std::int64_t count, const char* unit) {
    interruption().throw_if_cancelled();
    if (!active_) return;
    fmt::print(stderr, "\r{}: {} {}   ", label_, count, unit);
    std::fflush(stderr);
    shown_ = true;
  }
  void done() {
    if (shown_) fmt::print(stderr, "\n");
    shown_ = false;
  }

 private:
  std::string label_;
  bool active_;
  bool shown_ = false;
};

// 1234567 -> "1,234,567": the library's one digit grouping (trader/core/format.hpp).
using core::with_thousands;

}  // namespace trader::tools
