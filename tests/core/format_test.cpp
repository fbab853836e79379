// Digit grouping and dollar amounts: the one formatting module that the text report, the HTML
// report and the tools share (issue 12 item 8: it replaced three copies that disagreed at the
// edges, e.g. INT64_MIN).
#include <trader/core/format.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

using trader::core::append_dollars;
using trader::core::append_with_thousands;
using trader::core::Decimal;
using trader::core::dollars;
using trader::core::DollarSign;
using trader::core::with_thousands;

namespace {
Decimal d(const char* text) { return Decimal::parse(text); }
}  // namespace

TEST_SUITE("core") {
  TEST_CASE("whole numbers are grouped by three from the right, sign first") {
    CHECK(with_thousands(std::int64_t{0}) == "0");
    CHECK(with_thousands(std::int64_t{7}) == "7");
    CHECK(with_thousands(std::int64_t{999}) == "999");
    CHECK(with_thousands(std::int64_t{1000}) == "1,000");
    CHECK(with_thousands(std::int64_t{-1000}) == "-1,000");
    CHECK(with_thousands(std::int64_t{123456}) == "123,456");
    CHECK(with_thousands(std::int64_t{1234567}) == "1,234,567");
    CHECK(with_thousands(std::int64_t{-999999}) == "-999,999");
    CHECK(with_thousands(std::numeric_limits<std::int64_t>::max()) == "9,223,372,036,854,775,807");
    // The old tools' copy negated the value first: undefined behaviour for the smallest one.
    CHECK(with_thousands(std::numeric_limits<std::int64_t>::min()) == "-9,223,372,036,854,775,808");
  }

  TEST_CASE("number text: only the leading digits are grouped, the rest is copied") {
    CHECK(with_thousands("1234567.891") == "1,234,567.891");
    CHECK(with_thousands("-1234.5") == "-1,234.5");
    CHECK(with_thousands("-0.5") == "-0.5");
    CHECK(with_thousands("1000000 bars") == "1,000,000 bars");
    CHECK(with_thousands("12.3456789") == "12.3456789");  // no grouping inside the fraction
    CHECK(with_thousands("").empty());
    CHECK(with_thousands("-") == "-");
    CHECK(with_thousands("n/a") == "n/a");
  }

  TEST_CASE("append_* add to what is there and never clear it") {
    std::string out = "bars: ";
    append_with_thousands(out, std::int64_t{2500000});
    out += ", equity ";
    append_dollars(out, d("25000"), DollarSign::before_dollar);
    CHECK(out == "bars: 2,500,000, equity $25,000.00");
  }

  TEST_CASE("dollars: exact cents, rounded half-even from the Decimal, never through a double") {
    const auto usd = [](const char* amount) {
      return dollars(d(amount), DollarSign::before_dollar);
    };
    CHECK(usd("0") == "$0.00");
    CHECK(usd("5.4") == "$5.40");
    CHECK(usd("1234567.891") == "$1,234,567.89");
    CHECK(usd("1234567.895") == "$1,234,567.90");  // half-even: 9 is odd, goes up
    CHECK(usd("0.125") == "$0.12");                // half-even: 2 is even, stays
    CHECK(usd("0.135") == "$0.14");
    // 0.285 is 0.28499999999999998 as a double; the Decimal is exact.
    CHECK(usd("0.285") == "$0.28");
    CHECK(usd("9999999999.995") == "$10,000,000,000.00");  // the carry reaches a new group
  }

  TEST_CASE("dollars: the three sign layouts, and no negative zero in any of them") {
    CHECK(dollars(d("-1234.5"), DollarSign::after_dollar) == "$-1,234.50");
    CHECK(dollars(d("-1234.5"), DollarSign::before_dollar) == "-$1,234.50");
    CHECK(dollars(d("-1234.5"), DollarSign::with_plus) == "-$1,234.50");
    CHECK(dollars(d("1234.5"), DollarSign::after_dollar) == "$1,234.50");
    CHECK(dollars(d("1234.5"), DollarSign::before_dollar) == "$1,234.50");
    CHECK(dollars(d("1234.5"), DollarSign::with_plus) == "+$1,234.50");
    for (const auto sign :
         {DollarSign::after_dollar, DollarSign::before_dollar, DollarSign::with_plus}) {
      CAPTURE(static_cast<int>(sign));
      CHECK(dollars(d("-0.001"), sign) == "$0.00");
      CHECK(dollars(d("-0.005"), sign) == "$0.00");  // half-even to zero
      CHECK(dollars(d("0.004"), sign) == "$0.00");
    }
    CHECK(dollars(d("-0.006"), DollarSign::before_dollar) == "-$0.01");
    CHECK(dollars(d("0.006"), DollarSign::with_plus) == "+$0.01");
  }
}
