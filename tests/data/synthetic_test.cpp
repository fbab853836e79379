#include <trader/data/synthetic.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <vector>

#include <trader/calendar/nyse.hpp>

using trader::core::Date;
using trader::core::Decimal;
using trader::core::parse_date;
using trader::core::parse_timestamp;
using trader::core::utc_date;
using trader::data::Bar;
using trader::data::BarRecord;
using trader::data::SymbolTable;
using trader::data::SyntheticBarGenerator;
using trader::data::SyntheticSpec;
using trader::data::SyntheticSpecError;

namespace {

SyntheticSpec spec_for(std::uint64_t seed, const char* symbol, const char* first,
                       const char* last) {
  SyntheticSpec spec;
  spec.seed = seed;
  spec.symbol = symbol;
  spec.first = parse_date(first);
  spec.last = parse_date(last);
  return spec;
}

// Every bar of the range, read in batches of `batch` bars.
std::vector<Bar> generate(const SyntheticSpec& spec, std::size_t batch = 1000) {
  SymbolTable table;
  SyntheticBarGenerator generator(spec, table);
  std::vector<Bar> bars;
  std::vector<Bar> buffer(batch);
  while (const std::size_t n = generator.read(buffer)) {
    bars.insert(bars.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return bars;
}

// The bars of each session, by date.
std::map<Date, std::vector<Bar>> by_session(const std::vector<Bar>& bars) {
  std::map<Date, std::vector<Bar>> sessions;
  for (const Bar& bar : bars) sessions[utc_date(bar.ts)].push_back(bar);
  return sessions;
}

// A fingerprint of every field of every bar (FNV-1a over the integers).
std::uint64_t fingerprint(const std::vector<Bar>& bars) {
  std::uint64_t hash = 0xCBF29CE484222325U;
  const auto mix = [&](std::int64_t value) {
    hash ^= static_cast<std::uint64_t>(value);
    hash *= 0x100000001B3U;
  };
  for (const Bar& bar : bars) {
    mix(trader::core::to_unix_micros(bar.ts));
    mix(bar.open.units());
    mix(bar.high.units());
    mix(bar.low.units());
    mix(bar.close.units());
    mix(bar.volume);
  }
  return hash;
}

const std::vector<Bar>& year_2024() {
  static const std::vector<Bar> bars = generate(spec_for(42, "AAPL", "2024-01-01", "2024-12-31"));
  return bars;
}

}  // namespace

TEST_SUITE("data/synthetic") {
  TEST_CASE("bars are valid: OHLC consistent, on the cent, at least $1, whole volumes") {
    const auto& bars = year_2024();
    REQUIRE(!bars.empty());
    constexpr std::int64_t kCent = Decimal::kScale / 100;
    std::size_t bad = 0;
    for (const Bar& bar : bars) {
      const bool on_tick = bar.open.units() % kCent == 0 && bar.high.units() % kCent == 0 &&
                           bar.low.units() % kCent == 0 && bar.close.units() % kCent == 0;
      if (!is_consistent(bar) || !on_tick || bar.low < Decimal::from_integer(1) || bar.volume < 0) {
        ++bad;
      }
    }
    CHECK(bad == 0);
  }

  TEST_CASE("bars fill each regular session minute by minute, and nothing else") {
    const auto& bars = year_2024();
    const auto sessions =
        trader::calendar::sessions_between(parse_date("2024-01-01"), parse_date("2024-12-31"));
    CHECK(sessions.size() == 252);
    std::size_t i = 0;
    std::size_t misplaced = 0;
    for (const auto& session : sessions) {
      for (auto t = session.open; t < session.close; t += std::chrono::minutes{1}, ++i) {
        if (i >= bars.size() || bars[i].ts != t) ++misplaced;
      }
    }
    CHECK(misplaced == 0);
    CHECK(i == bars.size());
  }

  TEST_CASE("an early close has 210 bars ending before 13:00 New York; holidays have none") {
    const auto sessions = by_session(year_2024());
    const auto& black_friday = sessions.at(parse_date("2024-11-29"));
    CHECK(black_friday.size() == SyntheticBarGenerator::kEarlySessionMinutes);
    CHECK(black_friday.back().ts == parse_timestamp("2024-11-29T17:59:00Z"));  // 12:59 EST
    CHECK(sessions.at(parse_date("2024-07-03")).size() == 210);
    CHECK(sessions.at(parse_date("2024-07-05")).size() == 390);
    CHECK(sessions.at(parse_date("2024-07-05")).front().ts ==
          parse_timestamp("2024-07-05T13:30:00Z"));  // 09:30 EDT
    for (const char* holiday : {"2024-01-01", "2024-01-15", "2024-03-29", "2024-07-04",
                                "2024-11-28", "2024-12-25", "2024-06-19"}) {
      CAPTURE(holiday);
      CHECK(sessions.count(parse_date(holiday)) == 0);
    }
    CHECK(sessions.count(parse_date("2024-01-06")) == 0);  // a Saturday
  }

  TEST_CASE("the same spec gives the same bars, however they are read") {
    const auto spec = spec_for(42, "AAPL", "2024-01-01", "2024-03-31");
    const auto once = generate(spec, 1000);
    CHECK(generate(spec, 7) == once);
    CHECK(generate(spec, 1) == once);

    SymbolTable table;
    SyntheticBarGenerator as_records(spec, table);
    std::vector<BarRecord> records(once.size() + 1);
    REQUIRE(as_records.read(records) == once.size());
    for (std::size_t i = 0; i < once.size(); ++i) {
      if (!(records[i].bar == once[i]) || records[i].has_vwap() || records[i].has_trade_count()) {
        FAIL("record " << i << " differs");
      }
    }
  }

  TEST_CASE("a longer range from the same first day extends a shorter one") {
    const auto january = generate(spec_for(42, "AAPL", "2024-01-01", "2024-01-31"));
    const auto& year = year_2024();
    REQUIRE(year.size() > january.size());
    CHECK(std::equal(january.begin(), january.end(), year.begin()));
  }

  TEST_CASE("another seed or another symbol gives other bars") {
    const auto base = generate(spec_for(42, "AAPL", "2024-01-02", "2024-01-05"));
    const auto other_seed = generate(spec_for(43, "AAPL", "2024-01-02", "2024-01-05"));
    const auto other_symbol = generate(spec_for(42, "MSFT", "2024-01-02", "2024-01-05"));
    REQUIRE(base.size() == other_seed.size());
    REQUIRE(base.size() == other_symbol.size());
    std::size_t same_seed_closes = 0;
    std::size_t same_symbol_closes = 0;
    for (std::size_t i = 1; i < base.size(); ++i) {
      if (base[i].close == other_seed[i].close) ++same_seed_closes;
      if (base[i].close == other_symbol[i].close) ++same_symbol_closes;
    }
    CHECK(same_seed_closes < base.size() / 10);
    CHECK(same_symbol_closes < base.size() / 10);
  }

  TEST_CASE("golden values: the stream is identical on every machine and compiler") {
    // These pin the model: a change to the generator's arithmetic changes them on purpose only.
    const auto bars = generate(spec_for(42, "AAPL", "2024-01-02", "2024-01-05"));
    REQUIRE(bars.size() == 4 * 390);
    CHECK(bars[0].ts == parse_timestamp("2024-01-02T14:30:00Z"));
    CHECK(bars[0].open == Decimal::parse("100"));  // the start price
    CHECK(bars[0].high == Decimal::parse("100.12"));
    CHECK(bars[0].low == Decimal::parse("99.9"));
    CHECK(bars[0].close == Decimal::parse("100"));
    CHECK(bars[0].volume == 3228);
    CHECK(bars[1].open == bars[0].close);
    CHECK(bars[1].close == Decimal::parse("100.07"));
    CHECK(bars[1].volume == 4525);
    CHECK(bars.back().close == Decimal::parse("98.6"));
    CHECK(fingerprint(bars) == 5379092690792252310U);
  }

  TEST_CASE("sessions open away from the previous close: overnight gaps") {
    const auto sessions = by_session(year_2024());
    std::size_t gaps = 0;
    const Bar* previous_last = nullptr;
    for (const auto& [date, bars] : sessions) {
      if (previous_last != nullptr && bars.front().open != previous_last->close) ++gaps;
      previous_last = &bars.back();
    }
    CHECK(gaps > (sessions.size() - 1) * 9 / 10);
  }

  TEST_CASE("volume and volatility are U-shaped over the session on average") {
    double open_volume = 0, mid_volume = 0, close_volume = 0;
    double open_move = 0, mid_move = 0, close_move = 0;
    std::size_t full_sessions = 0;
    for (const auto& [date, bars] : by_session(year_2024())) {
      if (bars.size() != 390) continue;
      ++full_sessions;
      for (std::size_t i = 0; i < bars.size(); ++i) {
        const double move = std::abs((bars[i].close - bars[i].open).to_double());
        const auto volume = static_cast<double>(bars[i].volume);
        if (i < 30) {
          open_volume += volume;
          open_move += move;
        } else if (i >= 180 && i < 210) {
          mid_volume += volume;
          mid_move += move;
        } else if (i >= 360) {
          close_volume += volume;
          close_move += move;
        }
      }
    }
    REQUIRE(full_sessions > 240);
    CHECK(open_volume > 2 * mid_volume);
    CHECK(close_volume > 2 * mid_volume);
    CHECK(open_move > 1.5 * mid_move);
    CHECK(close_move > 1.5 * mid_move);
  }

  TEST_CASE("daily volume and volatility are near the spec on average") {
    double total_volume = 0;
    double return_squares = 0;
    std::size_t full_sessions = 0;
    for (const auto& [date, bars] : by_session(year_2024())) {
      if (bars.size() != 390) continue;
      ++full_sessions;
      for (const Bar& bar : bars) total_volume += static_cast<double>(bar.volume);
      const double open = bars.front().open.to_double();
      const double r = (bars.back().close.to_double() - open) / open;
      return_squares += r * r;
    }
    const auto n = static_cast<double>(full_sessions);
    CHECK(total_volume / n == doctest::Approx(1'000'000).epsilon(0.1));
    CHECK(std::sqrt(return_squares / n) == doctest::Approx(0.02).epsilon(0.2));
  }

  TEST_CASE("a bad spec is refused with what is wrong") {
    SymbolTable table;
    const auto refused = [&](SyntheticSpec spec, const char* expected) {
      try {
        SyntheticBarGenerator generator(std::move(spec), table);
      } catch (const SyntheticSpecError& e) {
        return std::string(e.what()).find(expected) != std::string::npos;
      }
      return false;
    };
    const auto good = spec_for(1, "AAPL", "2024-01-02", "2024-01-31");
    auto spec = good;
    spec.symbol = "aapl";
    CHECK(refused(spec, "symbol 'aapl'"));
    spec = good;
    spec.last = parse_date("2023-12-31");
    CHECK(refused(spec, "2024-01-02..2023-12-31"));
    spec = good;
    spec.first = parse_date("1985-01-02");
    CHECK(refused(spec, "calendar's years"));
    spec = good;
    spec.start_price = Decimal::parse("0.5");
    CHECK(refused(spec, "start price 0.5"));
    spec.start_price = Decimal::parse("10.001");
    CHECK(refused(spec, "start price 10.001"));
    spec = good;
    spec.daily_volatility = 0;
    CHECK(refused(spec, "daily volatility"));
    spec = good;
    spec.daily_volatility = std::nan("");
    CHECK(refused(spec, "daily volatility"));
    spec = good;
    spec.daily_volume = 0;
    CHECK(refused(spec, "daily volume 0"));
  }

  TEST_CASE("a range without sessions gives no bars") {
    CHECK(generate(spec_for(1, "AAPL", "2024-12-25", "2024-12-25")).empty());
    CHECK(generate(spec_for(1, "AAPL", "2024-01-06", "2024-01-07")).empty());
  }
}
