#include <trader/strategy/indicators.hpp>

#include <doctest/doctest.h>

#include <deque>
#include <random>

#include <trader/strategy/indicator_set.hpp>

using trader::core::Decimal;
using trader::strategy::Atr;
using trader::strategy::Ema;
using trader::strategy::IndicatorKind;
using trader::strategy::IndicatorSet;
using trader::strategy::IndicatorSpec;
using trader::strategy::Rsi;
using trader::strategy::Sma;

namespace {

trader::data::Bar candle(double close) {
  trader::data::Bar b{};
  b.close = b.open = b.high = b.low = Decimal::parse(std::to_string(close).substr(0, 12));
  return b;
}

trader::data::Bar candle_text(const char* close) {
  trader::data::Bar b{};
  b.close = b.open = b.high = b.low = Decimal::parse(close);
  return b;
}

// The reference's SMA written out plainly: a deque, subtract the oldest when full, then add.
std::vector<double> naive_sma(const std::vector<double>& xs, std::size_t period) {
  std::deque<double> window;
  double sum = 0.0;
  std::vector<double> out;
  for (double x : xs) {
    if (window.size() == period) {
      sum -= window.front();
      window.pop_front();
    }
    window.push_back(x);
    sum += x;
    out.push_back(window.size() == period ? sum / static_cast<double>(period) : -1.0);
  }
  return out;
}

IndicatorSet fast_slow(int fast, int slow) {
  const std::vector<IndicatorSpec> specs{{"sma_fast", IndicatorKind::sma, fast},
                                         {"sma_slow", IndicatorKind::sma, slow}};
  return IndicatorSet(specs);
}

}  // namespace

TEST_SUITE("strategy/indicators") {
  TEST_CASE("SMA: null until warm, then the mean") {
    Sma sma(5);
    for (int i = 1; i <= 4; ++i) {
      sma.update(i);
      CHECK_FALSE(sma.value());
      CHECK_FALSE(sma.is_warm());
      if (i <= 2) CHECK(sma.count() == i);
    }
    sma.update(5);
    CHECK(sma.value() == 3.0);
    CHECK(sma.is_warm());
  }

  TEST_CASE("SMA: the reference table") {
    Sma p20(20);
    std::vector<double> xs;
    for (int i = 0; i < 60; ++i) {
      xs.push_back(100 + 3 * i - (i % 7));
      p20.update(xs.back());
    }
    double mean = 0;
    for (int i = 40; i < 60; ++i) mean += xs[static_cast<std::size_t>(i)];
    CHECK(*p20.value() == doctest::Approx(mean / 20).epsilon(1e-9));
    Sma flat(10);
    for (int i = 0; i < 15; ++i) flat.update(42.5);
    CHECK(flat.value() == 42.5);
    Sma p3(3);
    for (int i = 1; i <= 6; ++i) p3.update(i);
    CHECK(p3.value() == 5.0);
    for (int i = 7; i <= 10; ++i) p3.update(i);
    CHECK(p3.count() == 3);
    Sma p1(1);
    CHECK_FALSE(p1.is_warm());
    for (double x : {10.0, 20.0, 99.5}) {
      p1.update(x);
      CHECK(p1.value() == x);
    }
    CHECK_THROWS_WITH_AS(Sma(0), "SMA period must be >= 1, got 0", trader::Error);
    CHECK_THROWS_WITH_AS(Sma(-5), "SMA period must be >= 1, got -5", trader::Error);
  }

  TEST_CASE("SMA: 10,000 random closes equal the naive recomputation to the last bit") {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> price(0.01, 99999.99);
    std::vector<double> xs(10'000);
    for (double& x : xs) x = price(rng);
    for (const int period : {1, 3, 20, 50, 200}) {
      Sma sma(period);
      const auto expected = naive_sma(xs, static_cast<std::size_t>(period));
      for (std::size_t i = 0; i < xs.size(); ++i) {
        sma.update(xs[i]);
        if (expected[i] >= 0) {
          REQUIRE(sma.value());
          CHECK(std::bit_cast<std::uint64_t>(*sma.value()) ==
                std::bit_cast<std::uint64_t>(expected[i]));
        }
      }
    }
    // Extreme alternating values, where drift would show.
    Sma p20(20);
    std::vector<double> hard;
    for (int r = 0; r < 200; ++r) {
      for (double x : {0.01, 99999.99, 50000.0, 0.01, 99999.99}) {
        hard.push_back(x);
      }
    }
    const auto expected = naive_sma(hard, 20);
    for (std::size_t i = 0; i < hard.size(); ++i) {
      p20.update(hard[i]);
      if (expected[i] >= 0) CHECK(*p20.value() == expected[i]);
    }
  }

  TEST_CASE("EMA, seeded with the SMA of the first period values") {
    Ema ema(3);  // alpha 0.5
    ema.update(1);
    ema.update(2);
    CHECK_FALSE(ema.value());
    ema.update(3);
    CHECK(ema.value() == 2.0);
    ema.update(6);  // 2 + 0.5 * (6 - 2)
    CHECK(ema.value() == 4.0);
    ema.update(0);  // 4 + 0.5 * (0 - 4)
    CHECK(ema.value() == 2.0);
  }

  TEST_CASE("ATR (Wilder), by hand") {
    Atr atr(3);
    atr.update(2.0, 0, 0);      // TR 2
    atr.update(1.0, 3.0, 2.0);  // TR 3 (gap up)
    CHECK_FALSE(atr.value());
    atr.update(1.0, 0.5, 0.5);  // TR 1 -> seed (2 + 3 + 1) / 3 = 2
    CHECK(atr.value() == 2.0);
    atr.update(5.0, 1.0, 4.0);  // TR 5 -> (2 * 2 + 5) / 3 = 3
    CHECK(atr.value() == 3.0);
  }

  TEST_CASE("RSI (Wilder), by hand") {
    Rsi rsi(2);
    rsi.update(1.0);  // gain 1
    CHECK_FALSE(rsi.value());
    rsi.update(-1.0);  // loss 1 -> averages 0.5 / 0.5 -> RSI 50
    CHECK(rsi.value() == 50.0);
    rsi.update(2.0);  // gain (0.5 + 2) / 2 = 1.25, loss 0.25 -> 100 - 100 / 6
    CHECK(*rsi.value() == doctest::Approx(100.0 - 100.0 / 6.0));
    Rsi up(2);
    up.update(1.0);
    up.update(1.0);
    CHECK(up.value() == 100.0);
    Rsi flat(2);
    flat.update(0.0);
    flat.update(0.0);
    CHECK(flat.value() == 50.0);
  }

  TEST_CASE("IndicatorSet: the reference calculator table (previous values captured first)") {
    auto set = fast_slow(20, 200);
    set.update(candle(1));
    CHECK_FALSE(set.current("sma_fast"));
    CHECK_FALSE(set.current("sma_slow"));
    CHECK(set.candle_count() == 1);
    for (int i = 2; i <= 20; ++i) set.update(candle(i));
    CHECK(set.current("sma_fast") == 10.5);
    CHECK_FALSE(set.current("sma_slow"));
    for (int i = 21; i <= 199; ++i) set.update(candle(i));
    CHECK_FALSE(set.current("sma_slow"));
    set.update(candle(200));
    CHECK(set.current("sma_slow") == 100.5);
    CHECK(set.candle_count() == 200);

    auto small = fast_slow(3, 5);
    for (const char* c : {"10", "20", "30", "40"}) {
      small.update(candle_text(c));
      if (std::string(c) == "10") CHECK_FALSE(small.previous("sma_fast"));
    }
    CHECK(small.current("sma_fast") == 30.0);
    CHECK(small.previous("sma_fast") == 20.0);
    small.update(candle_text("50"));
    CHECK(small.current("sma_fast") == 40.0);
    CHECK(small.current("sma_slow") == 30.0);
    CHECK(small.previous("sma_fast") == 30.0);
    small.update(candle_text("60"));
    CHECK(small.current("sma_fast") == 50.0);
    CHECK(small.current("sma_slow") == 40.0);

    auto same = fast_slow(3, 5);
    for (int i = 0; i < 5; ++i) same.update(candle_text("42.50"));
    CHECK(same.current("sma_fast") == 42.5);
    CHECK(same.current("sma_slow") == 42.5);
    auto rising = fast_slow(3, 5);
    for (const char* c : {"100", "101", "102", "103", "104"}) rising.update(candle_text(c));
    CHECK(rising.current("sma_fast") == 103.0);
    CHECK(rising.current("sma_slow") == 102.0);
    auto wild = fast_slow(3, 5);
    for (const char* c : {"0.01", "99999.99", "50000.00", "0.01", "99999.99"}) {
      wild.update(candle_text(c));
    }
    CHECK(*wild.current("sma_fast") == doctest::Approx(50000.0));
  }

  TEST_CASE("IndicatorSet: unknown names and repeated declarations are errors") {
    auto set = fast_slow(3, 5);
    CHECK_THROWS_WITH_AS(static_cast<void>(set.index_of("rsi")), doctest::Contains("'rsi'"),
                         trader::Error);
    const std::vector<IndicatorSpec> twice{{"a", IndicatorKind::sma, 2},
                                           {"a", IndicatorKind::ema, 3}};
    CHECK_THROWS_AS(IndicatorSet{twice}, trader::Error);
  }

  TEST_CASE("IndicatorSet: ATR and RSI from candles use Decimal differences") {
    const std::vector<IndicatorSpec> specs{{"atr", IndicatorKind::atr, 2},
                                           {"rsi", IndicatorKind::rsi, 2}};
    IndicatorSet set(specs);
    trader::data::Bar a{}, b{}, c{};
    a.open = a.close = Decimal::parse("100");
    a.high = Decimal::parse("101");
    a.low = Decimal::parse("99");  // TR 2
    b.open = Decimal::parse("100");
    b.close = Decimal::parse("102");
    b.high = Decimal::parse("103");
    b.low = Decimal::parse("100.5");  // TR max(2.5, 3, 0.5) = 3
    set.update(a);
    set.update(b);
    CHECK(set.current("atr") == 2.5);
    c.open = Decimal::parse("102");
    c.close = Decimal::parse("101");
    c.high = Decimal::parse("102");
    c.low = Decimal::parse("101");
    set.update(c);  // RSI: +2, -1 -> 1 / 0.5 -> 100 - 100/3
    CHECK(*set.current("rsi") == doctest::Approx(100.0 - 100.0 / 3.0));
  }
}
