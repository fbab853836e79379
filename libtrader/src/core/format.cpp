#include <trader/core/format.hpp>

#include <array>
#include <charconv>  // to_chars: no locale, no allocation

namespace trader::core {

void append_with_thousands(std::string& out, std::string_view number) {
  if (number.starts_with('-')) {
    out += '-';
    number.remove_prefix(1);
  }
  std::size_t digits = 0;
  while (digits < number.size() && number[digits] >= '0' && number[digits] <= '9') ++digits;
  for (std::size_t i = 0; i < digits; ++i) {
    if (i > 0 && (digits - i) % 3 == 0) out += ',';
    out += number[i];
  }
  out.append(number.substr(digits));
}

void append_with_thousands(std::string& out, std::int64_t value) {
  std::array<char, 24> buffer{};  // 20 characters hold INT64_MIN
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  append_with_thousands(out, std::string_view(buffer.data(), result.ptr));
}

std::string with_thousands(std::string_view number) {
  std::string out;
  append_with_thousands(out, number);
  return out;
}

std::string with_thousands(std::int64_t value) {
  std::string out;
  append_with_thousands(out, value);
  return out;
}

void append_dollars(std::string& out, Decimal amount, DollarSign sign) {
  const std::string text = amount.to_string_fixed(2);
  std::string_view digits = text;
  const bool negative = digits.starts_with('-');
  if (negative) digits.remove_prefix(1);
  const bool zero = digits.find_first_not_of("0.") == std::string_view::npos;
  switch (sign) {
    case DollarSign::after_dollar:
      out += '$';
      if (negative && !zero) out += '-';
      break;
    case DollarSign::before_dollar:
    case DollarSign::with_plus:
      if (negative && !zero) {
        out += '-';
      } else if (sign == DollarSign::with_plus && !zero) {
        out += '+';
      }
      out += '$';
      break;
  }
  append_with_thousands(out, digits);
}

std::string dollars(Decimal amount, DollarSign sign) {
  std::string out;
  append_dollars(out, amount, sign);
  return out;
}

}  // namespace trader::core
