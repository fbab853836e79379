#include <trader/core/decimal.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <random>

using trader::ArithmeticError;
using trader::ParseError;
using trader::core::Decimal;
using trader::core::TickRounding;
using namespace trader::core::literals;

TEST_SUITE("core/decimal") {
  TEST_CASE("N1: trunc(250 / 0.50) is exactly 500") {
    CHECK(trunc_div(250_d, 0.50_d) == 500);
    CHECK(trunc_div(1250_d, 100.50_d) == 12);
    CHECK(trunc_div(25000_d, 100.50_d) == 248);
    CHECK(trunc_div(250_d, 0.65_d) == 384);
  }

  TEST_CASE("the Velez stop 101.22 - 101.22*0.1/100 is exactly 101.11878") {
    const Decimal low = 101.22_d;
    const Decimal buffer = div_round(low * 0.1_d, 100);
    CHECK(buffer == 0.10122_d);
    CHECK(low - buffer == 101.11878_d);
    CHECK((low - buffer).to_string() == "101.11878");
  }

  TEST_CASE("sums, differences and products are exact") {
    CHECK(0.1_d + 0.2_d == 0.3_d);
    CHECK(100.51_d * 12 == 1206.12_d);
    CHECK((101.39_d - 100.51_d) * 12 == 10.56_d);
    CHECK(25000_d * 0.01_d == 250_d);
    CHECK(-123.82_d * 2 == -247.64_d);
    CHECK(div_round(-123.82_d, 25000_d) * 100 == -0.49528_d);
    CHECK(div_round(5.40_d, 25000_d) * 100 == 0.0216_d);
  }

  TEST_CASE("overflow is an ArithmeticError, never a wrap") {
    const Decimal big = Decimal::from_units(std::numeric_limits<std::int64_t>::max());
    CHECK_THROWS_AS(static_cast<void>(big + Decimal::from_units(1)), ArithmeticError);
    CHECK_THROWS_AS(static_cast<void>(big * 2), ArithmeticError);
    CHECK_THROWS_AS(static_cast<void>(big * 2_d), ArithmeticError);
    CHECK_THROWS_AS(static_cast<void>(-big - 2_d), ArithmeticError);
    CHECK_THROWS_AS(static_cast<void>(Decimal::from_integer(100'000'000'000LL)), ArithmeticError);
    CHECK_THROWS_AS(static_cast<void>(trunc_div(1_d, Decimal{})), ArithmeticError);
    CHECK_THROWS_AS(static_cast<void>(div_round(1_d, 0)), ArithmeticError);
  }

  TEST_CASE("malformed or inexact text is a ParseError quoting the text") {
    for (const char* bad : {"", "-", "abc", "1.2.3", "1e", "1,5", " 1", "1 ", "0.000000001", "1e-9",
                            "99999999999999999999", "--1", "1e5x"}) {
      CAPTURE(bad);
      CHECK_THROWS_AS(static_cast<void>(Decimal::parse(bad)), ParseError);
    }
    try {
      static_cast<void>(Decimal::parse("12x"));
      FAIL("no error");
    } catch (const ParseError& e) {
      CHECK(e.input() == "12x");
      CHECK(std::string(e.what()).find("'12x'") != std::string::npos);
    }
  }

  TEST_CASE("parse accepts signs, exponents and trailing zeros") {
    CHECK(Decimal::parse("1E-7").units() == 10);
    CHECK(Decimal::parse("+3.").units() == 300'000'000);
    CHECK(Decimal::parse(".5") == 0.5_d);
    CHECK(Decimal::parse("-0.050") == -0.05_d);
    CHECK(Decimal::parse("1.5e2") == 150_d);
    CHECK(Decimal::parse("0.100000000000") == 0.1_d);
    CHECK(Decimal::parse("-0").is_zero());
  }

  TEST_CASE("format and parse round-trip for random values") {
    std::mt19937_64 rng(42);
    for (int i = 0; i < 10'000; ++i) {
      const Decimal d = Decimal::from_units(static_cast<std::int64_t>(rng()));
      CHECK(Decimal::parse(d.to_string()) == d);
      CHECK(Decimal::parse(d.to_string_min(2)) == d);
    }
    CHECK(Decimal::from_units(std::numeric_limits<std::int64_t>::min()).to_string() ==
          "-92233720368.54775808");
  }

  TEST_CASE("formatting: shortest, minimum digits, fixed half-even") {
    CHECK((5.40_d).to_string() == "5.4");
    CHECK((5.40_d).to_string_min(2) == "5.40");
    CHECK((0.0216_d).to_string_min(2) == "0.0216");
    CHECK((12_d).to_string() == "12");
    CHECK(Decimal{}.to_string() == "0");
    CHECK((-6.12_d).to_string() == "-6.12");
    CHECK((50.125_d).to_string_fixed(2) == "50.12");
    CHECK((2.675_d).to_string_fixed(2) == "2.68");
    CHECK((-0.005_d).to_string_fixed(2) == "0.00");
    CHECK((25000_d).to_string_fixed(2) == "25000.00");
  }

  TEST_CASE("to_double is the correctly rounded double") {
    CHECK((100.25_d).to_double() == 100.25);
    CHECK((0.1_d).to_double() == 0.1);
    CHECK((101.11878_d).to_double() == 101.11878);
    CHECK((-6.01464_d).to_double() == -6.01464);
    CHECK(Decimal::parse("92233720368.54775807").to_double() == 92233720368.54775807);
  }

  TEST_CASE("F3: prices move onto a valid tick") {
    CHECK((99.85005_d).rounded_to_tick(TickRounding::down) == 99.85_d);
    CHECK((101.11878_d).rounded_to_tick(TickRounding::down) == 101.11_d);
    CHECK((101.11878_d).rounded_to_tick(TickRounding::up) == 101.12_d);
    CHECK((100.50_d).rounded_to_tick(TickRounding::up) == 100.50_d);
    CHECK((0.123456_d).rounded_to_tick(TickRounding::down) == 0.1234_d);
    CHECK((0.123456_d).rounded_to_tick(TickRounding::up) == 0.1235_d);
    CHECK((0.99999_d).rounded_to_tick(TickRounding::up) == 1_d);
    CHECK((1.001_d).rounded_to_tick(TickRounding::down) == 1_d);
  }

  TEST_CASE("division helpers") {
    CHECK(div_round(350_d, 3) == 116.66666667_d);
    CHECK(trunc_div(350_d, 3) == 116.66666666_d);
    CHECK(div_round(11.52_d, 6.12_d) == 1.88235294_d);
    CHECK(trunc_div(-7_d, 2_d) == -3);
    CHECK(div_round(1_d, 8_d) == 0.125_d);
  }

  // Issue 12 (backtest speed): products and rounded quotients whose operands fit take a 64-bit
  // path; the results must be the 128-bit half-even ones, on both sides of the switch.
  TEST_CASE("products and div_round are half-even exact around the 64-bit shortcut") {
    __extension__ using Int128 = __int128;
    const auto half_even = [](Int128 n, Int128 d) {
      if (d < 0) {
        n = -n;
        d = -d;
      }
      Int128 q = n / d;
      const Int128 r = n % d;
      const Int128 twice = (r < 0 ? -r : r) * 2;
      if (twice > d || (twice == d && q % 2 != 0)) q += n < 0 ? -1 : 1;
      return q;
    };
    constexpr std::int64_t kEdge = std::int64_t{1} << 62;
    std::mt19937_64 rng(62);
    const auto near = [&](std::int64_t around) {
      return around + static_cast<std::int64_t>(rng() % 2001) - 1000;
    };
    for (int i = 0; i < 20000; ++i) {
      // Factors around the edge (a product just below and above 2^62) and ordinary ones.
      const std::int64_t a = i % 2 == 0 ? near(kEdge / 100'000'000) * (i % 4 == 0 ? 1 : -1)
                                        : static_cast<std::int64_t>(rng() % 4'000'000'000'000);
      const std::int64_t b = near(100'000'000) * (i % 3 == 0 ? -1 : 1);
      const Int128 product = half_even(Int128{a} * b, 100'000'000);
      CAPTURE(a);
      CAPTURE(b);
      CHECK((Decimal::from_units(a) * Decimal::from_units(b)).units() ==
            static_cast<std::int64_t>(product));
      // Halves exactly, both signs, odd and even quotients: the ties go to the even one.
      const std::int64_t n = i % 2 == 0 ? near(kEdge) * (i % 4 == 0 ? 1 : -1) : near(0) * 7 + 5;
      const std::int64_t d = static_cast<std::int64_t>(rng() % 20) + 1;
      CHECK(div_round(Decimal::from_units(n), d).units() ==
            static_cast<std::int64_t>(half_even(n, d)));
      CHECK(div_round(Decimal::from_units(n), -d).units() ==
            static_cast<std::int64_t>(half_even(n, -d)));
    }
    CHECK(div_round(Decimal::from_units(5), 2).units() == 2);
    CHECK(div_round(Decimal::from_units(7), 2).units() == 4);
    CHECK(div_round(Decimal::from_units(-5), 2).units() == -2);
    CHECK(div_round(Decimal::from_units(-7), -2).units() == 4);
  }

  TEST_CASE("ratio is Python's float(Decimal(a) / Decimal(b)), to the last bit") {
    using trader::core::ratio;
    // Expected values printed by Python 3 (28-digit Decimal context).
    CHECK(ratio(Decimal::parse("10.56"), Decimal::parse("1206.12")) == 0.008755347726594368);
    CHECK(ratio(Decimal::parse("-263.77"), 25000_d) == -0.0105508);
    CHECK(ratio(1_d, 3_d) == 0.3333333333333333);
    CHECK(ratio(2_d, 3_d) == 0.6666666666666666);
    CHECK(ratio(Decimal::parse("123456.78901234"), Decimal::from_units(7)) == 1763668414462.0);
    CHECK(ratio(Decimal::from_units(-1), 3_d) == -3.3333333333333334e-09);
    CHECK(ratio(25000_d, Decimal::parse("24736.23")) == 1.0106633064133055);
    // Beyond 2^53 units: only the digits can answer.
    CHECK(ratio(Decimal::from_units(std::numeric_limits<std::int64_t>::max()),
                Decimal::from_units(3)) == 3.0744573456182584e+18);
    CHECK(ratio(0_d, 3_d) == 0.0);
    CHECK_THROWS_AS(static_cast<void>(ratio(1_d, 0_d)), ArithmeticError);
  }

  TEST_CASE("ratio's quick path gives what the 28 digits give") {
    using trader::core::ratio;
    using trader::core::detail::ratio_by_digits;
    std::mt19937_64 random(20261202);
    // Money-sized values (P&L, risk, equity), tiny ones, and both sides of the 2^53 limit.
    const std::int64_t limits[] = {1'000, 100'000'000, 10'000'000'000'000,
                                   (std::int64_t{1} << 53) - 1, std::int64_t{1} << 54};
    int compared = 0;
    for (const std::int64_t a_limit : limits) {
      for (const std::int64_t b_limit : limits) {
        std::uniform_int_distribution<std::int64_t> a_units(-a_limit, a_limit);
        std::uniform_int_distribution<std::int64_t> b_units(-b_limit, b_limit);
        for (int i = 0; i < 4000; ++i) {
          const Decimal a = Decimal::from_units(a_units(random));
          const Decimal b = Decimal::from_units(b_units(random));
          if (b.is_zero()) continue;
          const double quick = ratio(a, b);
          const double digits = ratio_by_digits(a, b);
          if (quick != digits) {
            FAIL_CHECK(a.to_string()
                       << " / " << b.to_string() << ": " << quick << " vs " << digits);
          }
          ++compared;
        }
      }
    }
    CHECK(compared > 99'000);
  }
}
