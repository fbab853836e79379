#include <trader/core/decimal.hpp>

#include <array>
#include <cmath>    // llround, isfinite, fma, nextafter
#include <cstdlib>  // strtod
#include <limits>
#include <optional>

namespace trader::core {

namespace detail {
void throw_overflow(const char* operation) {
  throw ArithmeticError(std::string("Decimal overflow in ") + operation);
}
}  // namespace detail

namespace {

__extension__ using Int128 = __int128;
__extension__ using UInt128 = unsigned __int128;

constexpr std::int64_t kScale = Decimal::kScale;

[[noreturn]] void overflow(const char* operation) { detail::throw_overflow(operation); }

Decimal checked(Int128 units, const char* operation) {
  if (units > std::numeric_limits<std::int64_t>::max() ||
      units < std::numeric_limits<std::int64_t>::min()) {
    overflow(operation);
  }
  return Decimal::from_units(static_cast<std::int64_t>(units));
}

// numerator / denominator rounded half-even (denominator != 0).
Int128 divide_half_even(Int128 numerator, Int128 denominator) {
  // The same steps in 64 bits when both fit with room (a 128-bit division is a library call).
  constexpr Int128 kNarrow = Int128{1} << 62;
  if (numerator > -kNarrow && numerator < kNarrow && denominator > -kNarrow &&
      denominator < kNarrow) {
    auto n = static_cast<std::int64_t>(numerator);
    auto d = static_cast<std::int64_t>(denominator);
    if (d < 0) {
      n = -n;
      d = -d;
    }
    std::int64_t quotient = n / d;
    const std::int64_t remainder = n % d;
    const std::int64_t twice = (remainder < 0 ? -remainder : remainder) * 2;
    if (twice > d || (twice == d && quotient % 2 != 0)) quotient += n < 0 ? -1 : 1;
    return quotient;
  }
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  Int128 quotient = numerator / denominator;
  const Int128 remainder = numerator % denominator;
  const Int128 twice = (remainder < 0 ? -remainder : remainder) * 2;
  if (twice > denominator || (twice == denominator && quotient % 2 != 0)) {
    quotient += numerator < 0 ? -1 : 1;
  }
  return quotient;
}

constexpr std::array<std::int64_t, 9> kPowersOfTen{
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};

}  // namespace

Decimal Decimal::from_integer(std::int64_t value) {
  return checked(static_cast<Int128>(value) * kScale, "from_integer");
}

Decimal Decimal::parse(std::string_view text) {
  const auto fail = [&](const char* why) -> Decimal {
    throw ParseError(std::string("a decimal number (") + why + ")", std::string(text));
  };
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
    negative = text[i] == '-';
    ++i;
  }
  // Digits are accumulated as an integer mantissa with a decimal exponent.
  Int128 mantissa = 0;
  int exponent = 0;
  int digits = 0;
  bool overflowed = false;
  const auto take_digit = [&](char c) {
    if (mantissa > (Int128{1} << 100)) {
      overflowed = true;
      return;
    }
    mantissa = mantissa * 10 + (c - '0');
    ++digits;
  };
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') take_digit(text[i++]);
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      take_digit(text[i++]);
      --exponent;
    }
  }
  if (digits == 0) return fail("no digits");
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    bool exponent_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      exponent_negative = text[i] == '-';
      ++i;
    }
    int value = 0;
    int exponent_digits = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (value < 10'000) value = value * 10 + (text[i] - '0');
      ++i;
      ++exponent_digits;
    }
    if (exponent_digits == 0) return fail("empty exponent");
    exponent += exponent_negative ? -value : value;
  }
  if (i != text.size()) return fail("unexpected character");
  if (overflowed) return fail("out of range");
  // Scale to units of 1e-8: exponent + 8 is the power of ten to apply.
  int shift = exponent + kFractionDigits;
  while (shift < 0) {
    if (mantissa % 10 != 0) return fail("more than 8 fractional digits");
    mantissa /= 10;
    ++shift;
  }
  while (shift > 0 && mantissa != 0) {
    if (mantissa > (Int128{1} << 100)) return fail("out of range");
    mantissa *= 10;
    --shift;
  }
  if (negative) mantissa = -mantissa;
  if (mantissa > std::numeric_limits<std::int64_t>::max() ||
      mantissa < std::numeric_limits<std::int64_t>::min()) {
    return fail("out of range");
  }
  return from_units(static_cast<std::int64_t>(mantissa));
}

Decimal Decimal::from_double(double value) {
  const double scaled = value * static_cast<double>(kScale);
  if (!std::isfinite(scaled) || scaled >= 9.2e18 || scaled <= -9.2e18) {
    throw ArithmeticError("cannot represent " + std::to_string(value) + " as a Decimal");
  }
  return from_units(std::llround(scaled));
}

double Decimal::to_double_slow() const noexcept {
  const std::string text = to_string();
  return std::strtod(text.c_str(), nullptr);
}

std::string Decimal::to_string_min(int min_digits) const {
  const bool negative = units_ < 0;
  // Work with the magnitude as unsigned so that INT64_MIN formats too.
  const std::uint64_t magnitude = negative ? std::uint64_t{0} - static_cast<std::uint64_t>(units_)
                                           : static_cast<std::uint64_t>(units_);
  const std::uint64_t whole = magnitude / kScale;
  std::uint64_t fraction = magnitude % kScale;
  std::string out = negative ? "-" : "";
  out += std::to_string(whole);
  int fraction_digits = kFractionDigits;
  while (fraction_digits > min_digits && fraction % 10 == 0) {
    fraction /= 10;
    --fraction_digits;
  }
  if (fraction_digits > 0) {
    std::string digits = std::to_string(fraction);
    out += '.';
    out.append(static_cast<std::size_t>(fraction_digits) - digits.size(), '0');
    out += digits;
  }
  return out;
}

std::string Decimal::to_string() const { return to_string_min(0); }

Decimal Decimal::rounded(int digits) const {
  if (digits >= kFractionDigits) return *this;
  if (digits < 0) digits = 0;
  const std::int64_t step = kPowersOfTen[static_cast<std::size_t>(kFractionDigits - digits)];
  return checked(divide_half_even(units_, step) * step, "rounded");
}

std::string Decimal::to_string_fixed(int digits) const {
  if (digits > kFractionDigits) digits = kFractionDigits;
  return rounded(digits).to_string_min(digits < 0 ? 0 : digits);
}

Decimal Decimal::rounded_to_tick(TickRounding rounding) const {
  // F3: sub-penny prices are only valid below $1.00.
  const std::int64_t tick = units_ >= kScale ? kScale / 100 : kScale / 10'000;
  Int128 steps = units_ / tick;
  const std::int64_t remainder = units_ % tick;
  if (remainder != 0) {
    if (rounding == TickRounding::up && remainder > 0) ++steps;
    if (rounding == TickRounding::down && remainder < 0) --steps;
  }
  return checked(steps * tick, "rounded_to_tick");
}

namespace {

// The quotient of two integers below 2^53 (exact as doubles) as the nearest double, unless it lies
// so close to a halfway point between two doubles that first rounding it to 28 digits (as the
// reference's Decimal division does) could move it onto or across that point: then nullopt and
// the digits decide. Nearly every ratio of a backtest is answered here, without 128-bit
// divisions, a string or strtod (the sweep measures metrics for hundreds of runs).
std::optional<double> nearest_double_ratio(std::int64_t a, std::int64_t b) {
  constexpr std::int64_t kExact = std::int64_t{1} << 53;
  if (a <= -kExact || a >= kExact || b <= -kExact || b >= kExact) return std::nullopt;
  const auto x = static_cast<double>(a);
  const auto y = static_cast<double>(b);
  const double q = x / y;  // the correctly rounded quotient
  // The remainder of a correctly rounded division is a double: fma gives it exactly.
  const double remainder = std::fma(-q, y, x);
  if (remainder == 0.0) return q;    // exact: 28 digits round back to it
  const double off = remainder / y;  // exact quotient - q, to a relative 2^-53
  // Half the gap to the neighbouring double on the exact quotient's side: the halfway point.
  const double half_gap = std::fabs(std::nextafter(q, off > 0 ? HUGE_VAL : -HUGE_VAL) - q) / 2;
  // 28 significant digits move a value by at most 5e-28 of it; 1e-26 leaves room for the
  // rounding of `off` (2^-106 of q).
  if (half_gap - std::fabs(off) > 1e-26 * std::fabs(q)) return q;
  return std::nullopt;
}

}  // namespace

double ratio(Decimal a, Decimal b) {
  if (b.is_zero()) throw ArithmeticError("Decimal division by zero");
  if (a.is_zero()) return 0.0;
  if (const auto quick = nearest_double_ratio(a.units(), b.units())) return *quick;
  return detail::ratio_by_digits(a, b);
}

double detail::ratio_by_digits(Decimal a, Decimal b) {
  if (b.is_zero()) throw ArithmeticError("Decimal division by zero");
  if (a.is_zero()) return 0.0;
  // Both are integers in the same unit, so a / b = ua / ub exactly. Long division gives the
  // decimal digits; 28 significant ones are kept, rounded half-even, then parsed by strtod
  // (correctly rounded), as float(Decimal(a) / Decimal(b)) does.
  const bool negative = (a.units() < 0) != (b.units() < 0);
  UInt128 num =
      static_cast<UInt128>(a.units() < 0 ? -static_cast<Int128>(a.units()) : Int128{a.units()});
  const UInt128 den =
      static_cast<UInt128>(b.units() < 0 ? -static_cast<Int128>(b.units()) : Int128{b.units()});
  std::string digits;
  int exponent = 0;  // value = 0.digits x 10^exponent
  UInt128 whole = num / den;
  num %= den;
  if (whole != 0) {
    std::string w;
    while (whole != 0) {
      w.insert(w.begin(), static_cast<char>('0' + static_cast<int>(whole % 10)));
      whole /= 10;
    }
    digits = w;
    exponent = static_cast<int>(w.size());
  }
  while (digits.size() < 29) {
    num *= 10;
    const auto digit = static_cast<int>(num / den);
    num %= den;
    if (digits.empty() && digit == 0) {
      --exponent;  // leading zeros after the point are not significant
      continue;
    }
    digits.push_back(static_cast<char>('0' + digit));
  }
  // Round the 29 digits (plus the remainder) to 28, half-even.
  const int last = digits.back() - '0';
  digits.pop_back();
  const bool more = num != 0;
  if (last > 5 || (last == 5 && (more || (digits.back() - '0') % 2 == 1))) {
    int i = static_cast<int>(digits.size()) - 1;
    while (i >= 0 && digits[static_cast<std::size_t>(i)] == '9')
      digits[static_cast<std::size_t>(i--)] = '0';
    if (i < 0) {
      digits.insert(digits.begin(), '1');
      digits.pop_back();
      ++exponent;
    } else {
      ++digits[static_cast<std::size_t>(i)];
    }
  }
  const std::string text = (negative ? "-0." : "0.") + digits + "e" + std::to_string(exponent);
  return std::strtod(text.c_str(), nullptr);
}

Decimal operator*(Decimal a, Decimal b) {
  const Int128 product = static_cast<Int128>(a.units()) * b.units();
  return checked(divide_half_even(product, kScale), "multiplication");
}

std::int64_t trunc_div(Decimal a, Decimal b) {
  if (b.is_zero()) throw ArithmeticError("Decimal division by zero");
  return static_cast<std::int64_t>(static_cast<Int128>(a.units()) / b.units());
}

Decimal trunc_div(Decimal a, std::int64_t n) {
  if (n == 0) throw ArithmeticError("Decimal division by zero");
  return checked(static_cast<Int128>(a.units()) / n, "division");
}

Decimal div_round(Decimal a, Decimal b) {
  if (b.is_zero()) throw ArithmeticError("Decimal division by zero");
  return checked(divide_half_even(static_cast<Int128>(a.units()) * kScale, b.units()), "division");
}

Decimal div_round(Decimal a, std::int64_t n) {
  if (n == 0) throw ArithmeticError("Decimal division by zero");
  return checked(divide_half_even(a.units(), n), "division");
}

}  // namespace trader::core
