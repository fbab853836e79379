#pragma once
// Exact fixed-point money (N1): int64 units of 1e-8. Prices, cash, P&L and risk limits are
// Decimal; doubles are only for indicators and statistics. There is no operator/: every
// division names its rounding (trunc_div, div_round), as the reference's results depend on it.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include <trader/core/error.hpp>

namespace trader::core {

// F3: how a price is moved onto a valid tick.
enum class TickRounding : std::uint8_t { down, up };

class Decimal {
 public:
  static constexpr int kFractionDigits = 8;
  static constexpr std::int64_t kScale = 100'000'000;

  constexpr Decimal() noexcept = default;

  [[nodiscard]] static constexpr Decimal from_units(std::int64_t units) noexcept {
    Decimal d;
    d.units_ = units;
    return d;
  }
  // A whole number; throws ArithmeticError when it does not fit.
  [[nodiscard]] static Decimal from_integer(std::int64_t value);
  // Exact parse of "-12.345", "1E-7", "+3."; more than 8 significant fractional digits, a
  // malformed text or an out-of-range value throw ParseError quoting the text.
  [[nodiscard]] static Decimal parse(std::string_view text);
  // The nearest Decimal to a double (indicator math turned into a price); ArithmeticError for
  // NaN, infinities and values out of range. Round the result to a tick before sending it.
  [[nodiscard]] static Decimal from_double(double value);

  [[nodiscard]] constexpr std::int64_t units() const noexcept { return units_; }
  [[nodiscard]] constexpr bool is_zero() const noexcept { return units_ == 0; }
  [[nodiscard]] constexpr bool is_negative() const noexcept { return units_ < 0; }
  // The correctly rounded nearest double (like Python's float(Decimal)). Below 2^53 units both
  // operands are exact doubles, so one IEEE division is correctly rounded; larger values take
  // the exact decimal text through strtod.
  [[nodiscard]] double to_double() const noexcept {
    constexpr std::int64_t kExact = std::int64_t{1} << 53;
    if (units_ < kExact && units_ > -kExact) [[likely]] {
      return static_cast<double>(units_) / static_cast<double>(kScale);
    }
    return to_double_slow();
  }
  // Whole part, truncated toward zero.
  [[nodiscard]] constexpr std::int64_t truncated() const noexcept { return units_ / kScale; }

  // Shortest exact text: "5.4", "-6.12", "12", "0".
  [[nodiscard]] std::string to_string() const;
  // At least `min_digits` fractional digits, never rounding: "5.40" for (5.4, 2), "0.0216" too.
  [[nodiscard]] std::string to_string_min(int min_digits) const;
  // Exactly `digits` fractional digits, rounded half-even (display only): 50.125 -> "50.12".
  [[nodiscard]] std::string to_string_fixed(int digits) const;

  // F3: $0.01 at or above $1.00, $0.0001 below.
  [[nodiscard]] Decimal rounded_to_tick(TickRounding rounding) const;
  // Rounded half-even to `digits` fractional digits (0..8).
  [[nodiscard]] Decimal rounded(int digits) const;

  friend constexpr auto operator<=>(Decimal, Decimal) noexcept = default;
  friend constexpr bool operator==(Decimal, Decimal) noexcept = default;

  [[nodiscard]] constexpr Decimal operator-() const { return from_units(-units_); }

 private:
  [[nodiscard]] double to_double_slow() const noexcept;
  std::int64_t units_ = 0;
};

static_assert(sizeof(Decimal) == 8 && std::is_trivially_copyable_v<Decimal>);

namespace detail {
[[noreturn]] void throw_overflow(const char* operation);
}  // namespace detail

// Sums and differences are exact or throw ArithmeticError. Inline: the per-bar path marks
// positions with them.
[[nodiscard]] inline Decimal operator+(Decimal a, Decimal b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a.units(), b.units(), &out)) detail::throw_overflow("addition");
  return Decimal::from_units(out);
}
[[nodiscard]] inline Decimal operator-(Decimal a, Decimal b) {
  std::int64_t out = 0;
  if (__builtin_sub_overflow(a.units(), b.units(), &out)) detail::throw_overflow("subtraction");
  return Decimal::from_units(out);
}
inline Decimal& operator+=(Decimal& a, Decimal b) { return a = a + b; }
inline Decimal& operator-=(Decimal& a, Decimal b) { return a = a - b; }
// A price times a share count: exact or ArithmeticError.
[[nodiscard]] inline Decimal operator*(Decimal a, std::int64_t n) {
  std::int64_t out = 0;
  if (__builtin_mul_overflow(a.units(), n, &out)) detail::throw_overflow("multiplication");
  return Decimal::from_units(out);
}
[[nodiscard]] inline Decimal operator*(std::int64_t n, Decimal a) { return a * n; }
// Exact when the product has at most 8 fractional digits (every price x ratio we use);
// otherwise rounded half-even to 1e-8. Overflow throws ArithmeticError.
[[nodiscard]] Decimal operator*(Decimal a, Decimal b);

// The exact truncated quotient a / b as a whole number (share counts: trunc(250 / 0.50) = 500).
[[nodiscard]] std::int64_t trunc_div(Decimal a, Decimal b);
// a / n truncated toward zero at 1e-8.
[[nodiscard]] Decimal trunc_div(Decimal a, std::int64_t n);
// a / b rounded half-even at 1e-8 (percentages, averages).
[[nodiscard]] Decimal div_round(Decimal a, Decimal b);
[[nodiscard]] Decimal div_round(Decimal a, std::int64_t n);

// The ratio a / b as a double the way the reference computed it: Python's Decimal division
// (28 significant digits, half-even) converted to the nearest double. Statistics such as
// drawdown and profit factor must match to the last bit. ArithmeticError when b is zero.
[[nodiscard]] double ratio(Decimal a, Decimal b);
namespace detail {
// ratio() the long way, always: the 28 digits, then strtod (ratio() takes it only when a quotient
// lies within 1e-26 of a halfway point between two doubles; tests compare the two).
[[nodiscard]] double ratio_by_digits(Decimal a, Decimal b);
}  // namespace detail

[[nodiscard]] constexpr Decimal abs(Decimal d) noexcept { return d.is_negative() ? -d : d; }
[[nodiscard]] constexpr Decimal min(Decimal a, Decimal b) noexcept { return b < a ? b : a; }
[[nodiscard]] constexpr Decimal max(Decimal a, Decimal b) noexcept { return a < b ? b : a; }

namespace literals {
// 100.25_d; for tests and constants. Throws like Decimal::parse.
[[nodiscard]] inline Decimal operator""_d(const char* text) { return Decimal::parse(text); }
}  // namespace literals

}  // namespace trader::core
