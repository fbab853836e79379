#pragma once
// Numbers and money as a person reads them: digit grouping ("1,234,567") and dollar amounts
// ("$1,234.50"). The one implementation behind every report and tool that prints them (issue
// 12 item 8). Machine output keeps the exact Decimal text instead (Decimal::to_string,
// to_string_min), and nothing here is used to parse.

#include <cstdint>
#include <string>
#include <string_view>

#include <trader/core/decimal.hpp>

namespace trader::core {

// "1234567.5" -> "1,234,567.5", "-1234" -> "-1,234", "999" -> "999". `number` is an optional
// '-', digits, then anything (a fraction, a unit), which is copied unchanged. Appends to `out`.
void append_with_thousands(std::string& out, std::string_view number);
void append_with_thousands(std::string& out, std::int64_t value);
[[nodiscard]] std::string with_thousands(std::string_view number);
[[nodiscard]] std::string with_thousands(std::int64_t value);  // INT64_MIN included

// Where a dollar amount's sign goes.
enum class DollarSign : std::uint8_t {
  after_dollar,   // "$-1,234.50": the reference's text report (Python's f"${x:,.2f}")
  before_dollar,  // "-$1,234.50", as an accountant writes it
  with_plus,      // "-$1,234.50", "+$5.00"; zero is "$0.00"
};

// `amount` rounded half-even to whole cents, digits grouped: "$25,000.00". An amount that
// rounds to zero is "$0.00" whatever its sign. The layout is always named (no default), so a
// tool's own one-argument dollars() next to it is never ambiguous.
void append_dollars(std::string& out, Decimal amount, DollarSign sign);
[[nodiscard]] std::string dollars(Decimal amount, DollarSign sign);

}  // namespace trader::core
