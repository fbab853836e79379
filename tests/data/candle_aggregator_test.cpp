#include <trader/data/candle_aggregator.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <random>
#include <vector>

using trader::core::Decimal;
using trader::core::parse_timestamp;
using trader::core::Timestamp;
using trader::data::Bar;
using trader::data::CandleAggregator;
using trader::data::SymbolId;
using namespace std::chrono;

namespace {

const auto kM0 = parse_timestamp("2026-02-10T14:30:00Z");  // 09:30 New York

Bar bar_at(trader::core::Timestamp ts, const char* o, const char* h, const char* l, const char* c,
           std::int64_t v = 1000, SymbolId symbol = SymbolId{0}) {
  return Bar{ts,    Decimal::parse(o), Decimal::parse(h), Decimal::parse(l), Decimal::parse(c), v,
             symbol};
}
Bar m(int minute, const char* o = "100", const char* h = "101", const char* l = "99",
      const char* c = "100.5", std::int64_t v = 1000) {
  return bar_at(kM0 + minutes{minute}, o, h, l, c, v);
}

}  // namespace

TEST_SUITE("data/candle_aggregator") {
  TEST_CASE("intervals 1, 2, 5, 10 only; others are errors mentioning the interval") {
    for (int bad : {3, 7, 0, -1, 15}) {
      CHECK_THROWS_WITH_AS(CandleAggregator(SymbolId{0}, bad), doctest::Contains("interval"),
                           trader::Error);
    }
    for (int good : {1, 2, 5, 10}) CHECK_NOTHROW(CandleAggregator(SymbolId{0}, good));
  }

  TEST_CASE("interval 1 returns the bar itself, unchanged") {
    CandleAggregator agg(SymbolId{3}, 1);
    const Bar b = bar_at(kM0, "100", "105", "99", "101", 7, SymbolId{9});
    const auto out = agg.process(b);
    REQUIRE(out);
    CHECK(*out == b);
  }

  TEST_CASE("interval 2: two bars make a candle stamped at the window start") {
    CandleAggregator agg(SymbolId{5}, 2);
    CHECK_FALSE(agg.process(m(0, "100", "102", "99", "101", 500)));
    const auto c = agg.process(m(1, "101", "103", "100", "102.50", 600));
    REQUIRE(c);
    CHECK(c->ts == kM0);
    CHECK(c->open == Decimal::parse("100"));
    CHECK(c->high == Decimal::parse("103"));
    CHECK(c->low == Decimal::parse("99"));
    CHECK(c->close == Decimal::parse("102.50"));
    CHECK(c->volume == 1100);
    CHECK(c->symbol == SymbolId{5});  // the aggregator's symbol (TSLA in the reference test)
  }

  TEST_CASE("interval 2: the fourth bar closes the 14:32 candle") {
    CandleAggregator agg(SymbolId{0}, 2);
    std::optional<Bar> last;
    for (int i = 0; i < 4; ++i) last = agg.process(m(i));
    REQUIRE(last);
    CHECK(last->ts == kM0 + minutes{2});
  }

  TEST_CASE("interval 5: nothing for four bars, the fifth closes 14:30; the tenth closes 14:35") {
    CandleAggregator agg(SymbolId{0}, 5);
    for (int i = 0; i < 4; ++i) CHECK_FALSE(agg.process(m(i)));
    const auto first = agg.process(m(4));
    REQUIRE(first);
    CHECK(first->ts == kM0);
    std::optional<Bar> second;
    for (int i = 5; i < 10; ++i) second = agg.process(m(i));
    REQUIRE(second);
    CHECK(second->ts == kM0 + minutes{5});
  }

  TEST_CASE("interval 5 OHLCV") {
    CandleAggregator agg(SymbolId{0}, 5);
    agg.process(m(0, "100", "102", "99", "101", 100)).reset();
    agg.process(m(1, "101", "104", "100", "103", 200)).reset();
    agg.process(m(2, "103", "105", "102", "104", 150)).reset();
    agg.process(m(3, "104", "104", "101", "102", 175)).reset();
    const auto c = agg.process(m(4, "102", "103", "98", "100", 125));
    REQUIRE(c);
    CHECK(c->open == Decimal::parse("100"));
    CHECK(c->high == Decimal::parse("105"));
    CHECK(c->low == Decimal::parse("98"));
    CHECK(c->close == Decimal::parse("100"));
    CHECK(c->volume == 750);
  }

  TEST_CASE("interval 10 over ten rising bars") {
    CandleAggregator agg(SymbolId{0}, 10);
    std::optional<Bar> c;
    for (int i = 0; i < 10; ++i) {
      const auto p = [&](int base) { return Decimal::from_integer(base + i); };
      c = agg.process(Bar{kM0 + minutes{i}, p(100), p(105), p(95), p(101), 100, SymbolId{0}});
      if (i < 9) CHECK_FALSE(c);
    }
    REQUIRE(c);
    CHECK(c->open == Decimal::parse("100"));
    CHECK(c->high == Decimal::parse("114"));
    CHECK(c->low == Decimal::parse("95"));
    CHECK(c->close == Decimal::parse("110"));
    CHECK(c->volume == 1000);
  }

  TEST_CASE("windows align to the 09:30 New York open (10:46/10:47 ET -> 15:46 UTC)") {
    CandleAggregator agg(SymbolId{0}, 2);
    CHECK_FALSE(agg.process(m(76)));
    const auto c = agg.process(m(77));
    REQUIRE(c);
    CHECK(c->ts == parse_timestamp("2026-02-10T15:46:00Z"));
  }

  TEST_CASE("duplicates and bars outside the session are dropped") {
    CandleAggregator agg(SymbolId{0}, 2);
    CHECK_FALSE(agg.process(m(0)));
    CHECK_FALSE(agg.process(m(0)));  // same bar twice: dropped, not counted
    CHECK_FALSE(agg.process(bar_at(parse_timestamp("2026-02-10T13:00:00Z"), "1", "1", "1", "1")));
    CHECK_FALSE(agg.process(bar_at(parse_timestamp("2026-02-10T21:01:00Z"), "1", "1", "1", "1")));
    CandleAggregator fresh(SymbolId{0}, 1);
    CHECK_FALSE(fresh.process(bar_at(parse_timestamp("2026-02-10T13:00:00Z"), "1", "1", "1", "1")));
    CHECK_FALSE(fresh.process(bar_at(parse_timestamp("2026-02-10T21:01:00Z"), "1", "1", "1", "1")));
    // An out-of-session bar does not move the last-accepted time: an earlier in-session bar of
    // the next day still counts.
    CHECK(fresh.process(bar_at(parse_timestamp("2026-02-11T14:30:00Z"), "1", "1", "1", "1")));
  }

  TEST_CASE("flush returns the partial candle once") {
    CandleAggregator agg(SymbolId{0}, 5);
    CHECK_FALSE(agg.flush());
    agg.process(m(0, "100", "102", "99", "101", 500)).reset();
    agg.process(m(1, "101", "103", "100", "102", 600)).reset();
    const auto c = agg.flush();
    REQUIRE(c);
    CHECK(c->open == Decimal::parse("100"));
    CHECK(c->high == Decimal::parse("103"));
    CHECK(c->low == Decimal::parse("99"));
    CHECK(c->close == Decimal::parse("102"));
    CHECK(c->volume == 1100);
    CHECK_FALSE(agg.flush());
  }

  TEST_CASE("day 3 of the golden scenario: a missing minute delays the candle by one bar") {
    CandleAggregator agg(SymbolId{0}, 2);
    const auto t = [](const char* text) { return parse_timestamp(text); };
    const auto flat = [&](const char* ts) {
      return bar_at(t(ts), "101.80", "101.80", "101.80", "101.80");
    };
    CHECK_FALSE(agg.process(flat("2026-02-12T14:30:00Z")));
    const auto first = agg.process(flat("2026-02-12T14:31:00Z"));
    REQUIRE(first);
    CHECK(first->ts == t("2026-02-12T14:30:00Z"));
    CHECK_FALSE(agg.process(flat("2026-02-12T14:33:00Z")));  // 14:32 is missing
    const auto late = agg.process(flat("2026-02-12T14:34:00Z"));
    REQUIRE(late);
    CHECK(late->ts == t("2026-02-12T14:32:00Z"));  // holds only the 14:33 bar
    CHECK(late->volume == 1000);
    const auto partial = agg.flush();
    REQUIRE(partial);
    CHECK(partial->ts == t("2026-02-12T14:34:00Z"));
  }

  TEST_CASE("property: candles equal a naive grouping of the accepted bars") {
    std::mt19937_64 rng(20260211);
    for (const int interval : {1, 2, 5, 10}) {
      CAPTURE(interval);
      CandleAggregator agg(SymbolId{0}, interval);
      std::vector<Bar> accepted;  // in-session, increasing
      std::vector<Bar> emitted;
      std::int64_t price = 10'000'000'000;  // $100
      for (const char* day : {"2025-11-28", "2026-02-10", "2026-02-11", "2026-02-13"}) {
        const auto session = trader::calendar::session(trader::core::parse_date(day));
        for (auto ts = session.open - minutes{5}; ts < session.close + minutes{5};
             ts += minutes{1}) {
          if (rng() % 7 == 0) continue;  // a missing minute
          std::int64_t o = price, c = price + static_cast<std::int64_t>(rng() % 200'001) - 100'000;
          std::int64_t h = std::max(o, c) + static_cast<std::int64_t>(rng() % 50'000);
          std::int64_t l = std::min(o, c) - static_cast<std::int64_t>(rng() % 50'000);
          price = c;
          const Bar b{ts,
                      Decimal::from_units(o),
                      Decimal::from_units(h),
                      Decimal::from_units(l),
                      Decimal::from_units(c),
                      static_cast<std::int64_t>(rng() % 5000),
                      SymbolId{0}};
          if (ts >= session.open && ts < session.close) accepted.push_back(b);
          if (auto candle = agg.process(b)) emitted.push_back(*candle);
          if (rng() % 11 == 0) {
            if (auto dup = agg.process(b)) emitted.push_back(*dup);  // a duplicate: ignored
          }
        }
      }
      if (auto last = agg.flush()) emitted.push_back(*last);
      // Naive: consecutive accepted bars sharing a window form one candle.
      std::vector<Bar> expected;
      Timestamp current{};
      for (const Bar& b : accepted) {
        const auto open = trader::calendar::session(trader::core::utc_date(b.ts)).open;
        const auto window = open + floor<minutes>(b.ts - open) / interval * interval;
        if (expected.empty() || window != current) {
          current = window;
          Bar c = b;
          c.ts = window;
          expected.push_back(c);
        } else {
          Bar& c = expected.back();
          c.high = std::max(c.high, b.high);
          c.low = std::min(c.low, b.low);
          c.close = b.close;
          c.volume += b.volume;
        }
      }
      REQUIRE(emitted.size() == expected.size());
      for (std::size_t i = 0; i < expected.size(); ++i) {
        CAPTURE(i);
        CHECK(emitted[i] == expected[i]);
      }
    }
  }

  // Issue 12 (backtest speed): next() takes shortcuts for the common bars (inside the window in
  // progress, or opening the window right after it) and caches sessions per day; whatever the
  // input, it must give what the rules applied step by step give.
  TEST_CASE("property: next() on disordered input equals the rules applied step by step") {
    std::mt19937_64 rng(20261202);
    for (const int interval : {1, 2, 5, 10}) {
      CAPTURE(interval);
      CandleAggregator agg(SymbolId{4}, interval);
      // The model: the reference's checks in order, with nothing cached.
      Timestamp last{};
      bool any = false;
      int count = 0;
      Timestamp window_start{};
      Bar candle{};
      const auto model = [&](const Bar& b) -> std::optional<Bar> {
        if (any && b.ts <= last) return std::nullopt;
        const auto session = trader::calendar::find_session(trader::core::utc_date(b.ts));
        if (!session || b.ts < session->open || b.ts >= session->close) return std::nullopt;
        last = b.ts;
        any = true;
        if (interval == 1) return b;
        const auto window =
            session->open + floor<minutes>(b.ts - session->open) / interval * interval;
        std::optional<Bar> out;
        if (count > 0 && window != window_start) {
          out = candle;
          count = 0;
        }
        if (count == 0) {
          window_start = window;
          candle = b;
          candle.ts = window;
          candle.symbol = SymbolId{4};
        } else {
          candle.high = std::max(candle.high, b.high);
          candle.low = std::min(candle.low, b.low);
          candle.close = b.close;
          candle.volume += b.volume;
        }
        ++count;
        if (!out && count >= interval) {
          out = candle;
          count = 0;
        }
        return out;
      };
      std::int64_t price = 5'000'000'000;
      std::size_t candles = 0;
      // A Friday, a Saturday (no session), an early close, a Monday and a day after a gap.
      for (const char* day :
           {"2026-02-13", "2026-02-14", "2025-11-28", "2026-02-16", "2026-03-02"}) {
        const auto start = trader::core::start_of_day(trader::core::parse_date(day)) + hours{13};
        for (auto ts = start; ts < start + hours{9}; ts += minutes{1}) {
          const auto roll = rng() % 40;
          if (roll < 4) continue;  // a missing minute
          auto at = ts;
          if (roll == 4) at -= minutes{1 + static_cast<int>(rng() % 30)};  // back in time
          if (roll == 5) at += seconds{1 + static_cast<int>(rng() % 59)};  // off the minute
          const std::int64_t o = price;
          const std::int64_t c = price + static_cast<std::int64_t>(rng() % 20'001) - 10'000;
          price = c;
          const Bar b{at,
                      Decimal::from_units(o),
                      Decimal::from_units(std::max(o, c) + 1'000),
                      Decimal::from_units(std::min(o, c) - 1'000),
                      Decimal::from_units(c),
                      static_cast<std::int64_t>(rng() % 5000),
                      SymbolId{1}};
          const Bar* got = agg.next(b);
          const auto want = model(b);
          REQUIRE(static_cast<bool>(got) == static_cast<bool>(want));
          if (got != nullptr) {
            CHECK(*got == *want);
            ++candles;
          }
          if (roll == 6) CHECK(agg.next(b) == nullptr);  // the same bar again
        }
      }
      CHECK(candles > 50);
      const auto rest = agg.flush();
      REQUIRE(static_cast<bool>(rest) == (count > 0));
      if (rest) CHECK(*rest == candle);
    }
  }
}
