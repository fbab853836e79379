#include <trader/strategy/velez.hpp>

#include <doctest/doctest.h>

#include <trader/strategy/candle.hpp>

using trader::core::Decimal;
using trader::data::Bar;
using trader::strategy::IndicatorSet;
using trader::strategy::PositionView;
using trader::strategy::Velez;

namespace {

Bar bar(const char* o, const char* h, const char* l, const char* c) {
  return Bar{trader::core::parse_timestamp("2026-02-10T15:00:00Z"),
             Decimal::parse(o),
             Decimal::parse(h),
             Decimal::parse(l),
             Decimal::parse(c),
             1000,
             {}};
}
// The reference test factories.
Bar setup() { return bar("150", "153", "149", "152"); }  // body exactly 50 %
Bar green() { return bar("150", "152.50", "149.50", "152"); }
Bar red(const char* low = "149.50") { return bar("152", "152.50", low, "150"); }
Bar dj() { return bar("150", "151", "149", "150.05"); }  // body 2.5 %: a doji

struct Fixture {
  trader::strategy::VelezParameters settings;
  Velez velez{settings};
  IndicatorSet ind{velez.indicators()};
  PositionView position;

  Fixture() { set(150.0, 149.5, 149.9, 149.5, 200); }
  explicit Fixture(trader::strategy::VelezParameters s)
      : settings(s), velez(s), ind(velez.indicators()) {
    set(150.0, 149.5, 149.9, 149.5, 200);
  }
  void set(std::optional<double> fast, std::optional<double> slow, std::optional<double> prev_fast,
           std::optional<double> prev_slow, std::int64_t count) {
    ind.overwrite(0, fast, prev_fast);
    ind.overwrite(1, slow, prev_slow);
    ind.overwrite_candle_count(count);
  }
  bool longs(const Bar& b) { return velez.should_long(b, ind); }
  std::optional<Decimal> trail(const Bar& b) { return velez.should_update_stop(b, position, ind); }
  bool exits(const Bar& b) { return velez.should_exit(b, position, ind); }
};

}  // namespace

TEST_SUITE("strategy/velez") {
  TEST_CASE("declarations: interval, warm-up and the two SMAs") {
    Fixture f;
    CHECK(f.velez.candle_interval_minutes() == 2);
    CHECK(f.velez.required_history() == 200);
    REQUIRE(f.velez.indicators().size() == 2);
    CHECK(f.velez.indicators()[0].name == "sma_fast");
    CHECK(f.velez.indicators()[0].period == 20);
    CHECK(f.velez.indicators()[1].name == "sma_slow");
    CHECK(f.velez.indicators()[1].period == 200);
    CHECK_FALSE(f.velez.should_short(setup(), f.ind));
  }

  TEST_CASE("should_long: the setup candle with the base indicators signals") {
    Fixture f;
    CHECK(f.longs(setup()));
  }

  TEST_CASE("should_long: every failing condition of the reference table") {
    Fixture f;
    f.set(150.0, 149.5, 149.9, 149.5, 199);
    CHECK_FALSE(f.longs(setup()));  // not warm
    f.set(std::nullopt, std::nullopt, std::nullopt, std::nullopt, 200);
    CHECK_FALSE(f.longs(setup()));  // SMAs null
    f.set(160.0, 150.0, 149.9, 149.5, 200);
    CHECK_FALSE(f.longs(setup()));  // not tight: 10 / 152 = 6.6 %
    f.set(150.0, 149.5, 150.0, 149.4, 200);
    CHECK_FALSE(f.longs(setup()));  // gap 0.5 < 0.6: not widening
    f.set(149.0, 149.5, 148.5, 149.5, 200);
    CHECK_FALSE(f.longs(setup()));  // fast below slow
    f.set(150.0, 149.5, 149.9, 149.5, 200);
    CHECK_FALSE(f.longs(red()));
    CHECK_FALSE(f.longs(bar("150", "151", "149", "150.10")));  // body 5 %: weak
    f.set(151.52, 148.48, 151.0, 148.48, 200);
    CHECK_FALSE(f.longs(setup()));  // spread % = 2.0000000000000138 in double: not < 2.0
    f.set(150.0, 149.5, 149.9, 149.5, 200);
    CHECK_FALSE(f.longs(bar("150", "150", "150", "150")));
    CHECK_FALSE(f.longs(bar("0", "0", "0", "0")));
  }

  TEST_CASE("entry at the high exactly; stop below the low with the percent or minimum buffer") {
    Fixture f;
    CHECK(f.velez.entry_price(bar("150", "155.50", "149", "152"), f.ind) ==
          Decimal::parse("155.50"));
    CHECK(f.velez.entry_price(bar("100", "123.456789", "99", "101"), f.ind) ==
          Decimal::parse("123.456789"));
    CHECK(f.velez.stop_loss_price(bar("150", "153", "148.00", "152"), f.ind) ==
          Decimal::parse("147.852"));
    CHECK(f.velez.stop_loss_price(bar("101.5", "102", "101.22", "101.6"), f.ind) ==
          Decimal::parse("101.11878"));
    trader::strategy::VelezParameters s;
    s.stop_buffer_pct = Decimal::parse("0.05");
    s.stop_buffer_min = Decimal::parse("0.10");
    Fixture g(s);
    CHECK(g.velez.stop_loss_price(bar("5.2", "5.5", "5.00", "5.3"), g.ind) ==
          Decimal::parse("4.90"));
  }

  TEST_CASE("pending buy-stop expiry") {
    Fixture f;
    CHECK_FALSE(f.velez.should_cancel_pending(setup(), 0));
    CHECK(f.velez.should_cancel_pending(setup(), 1));
    trader::strategy::VelezParameters s;
    s.buy_stop_expiry_candles = 3;
    Fixture g(s);
    for (int n : {0, 1, 2}) CHECK_FALSE(g.velez.should_cancel_pending(setup(), n));
    CHECK(g.velez.should_cancel_pending(setup(), 3));
  }

  TEST_CASE("trailing stop state machine: the reference sequences") {
    {
      Fixture f;
      CHECK_FALSE(f.trail(green()));
    }
    {
      Fixture f;
      CHECK_FALSE(f.trail(red("148")));
      CHECK(f.velez.trail_state() == Velez::TrailState::pulling_back);
    }
    {
      Fixture f;
      CHECK_FALSE(f.trail(red("148")));
      CHECK_FALSE(f.trail(green()));
    }
    {
      Fixture f;
      CHECK_FALSE(f.trail(red("148")));
      CHECK_FALSE(f.trail(green()));
      CHECK(f.trail(green()) == Decimal::parse("148.00"));
      CHECK(f.velez.trail_state() == Velez::TrailState::trailing);
    }
    {
      Fixture f;
      CHECK_FALSE(f.trail(red("148")));
      CHECK_FALSE(f.trail(red("147")));
      CHECK_FALSE(f.trail(green()));
      CHECK(f.trail(green()) == Decimal::parse("147.00"));
    }
    {
      Fixture f;  // a red between greens resets the count
      CHECK_FALSE(f.trail(red("148")));
      CHECK_FALSE(f.trail(green()));
      CHECK_FALSE(f.trail(red("147.50")));
      CHECK_FALSE(f.trail(green()));
      CHECK(f.trail(green()) == Decimal::parse("147.50"));
    }
    {
      Fixture f;  // trailing, then a red: back to watching, then a new pullback
      CHECK_FALSE(f.trail(red("148")));
      CHECK_FALSE(f.trail(green()));
      CHECK(f.trail(green()) == Decimal::parse("148"));
      CHECK_FALSE(f.trail(red("149")));
      CHECK(f.velez.trail_state() == Velez::TrailState::watching);
      CHECK_FALSE(f.trail(red("147")));
      CHECK_FALSE(f.trail(green()));
      CHECK(f.trail(green()) == Decimal::parse("147.00"));
    }
    {
      Fixture f;  // a doji neither counts nor resets
      CHECK_FALSE(f.trail(red("148")));
      CHECK_FALSE(f.trail(green()));
      CHECK_FALSE(f.trail(dj()));
      CHECK(f.trail(green()) == Decimal::parse("148.00"));
    }
    {
      Fixture f;  // on_position_closed resets everything
      CHECK_FALSE(f.trail(red("148")));
      CHECK_FALSE(f.trail(green()));
      f.velez.on_position_closed();
      CHECK_FALSE(f.trail(red("145")));
      CHECK_FALSE(f.trail(green()));
      CHECK(f.trail(green()) == Decimal::parse("145.00"));
    }
  }

  TEST_CASE("max-run exit: strong candles while trailing") {
    const auto trailing = [](Fixture& f) {
      static_cast<void>(f.trail(red("148")));
      static_cast<void>(f.trail(green()));
      static_cast<void>(f.trail(green()));
      REQUIRE(f.velez.trail_state() == Velez::TrailState::trailing);
    };
    {
      Fixture f;
      trailing(f);
      CHECK_FALSE(f.exits(setup()));
    }
    {
      Fixture f;
      trailing(f);
      CHECK_FALSE(f.exits(setup()));
      CHECK_FALSE(f.exits(setup()));
      CHECK(f.exits(setup()));
    }
    {
      Fixture f;
      trailing(f);
      CHECK_FALSE(f.exits(setup()));
      CHECK_FALSE(f.exits(setup()));
      CHECK_FALSE(f.exits(dj()));
      CHECK_FALSE(f.exits(setup()));
      CHECK_FALSE(f.exits(setup()));
    }
    {
      Fixture f;  // not trailing: never exits
      for (int i = 0; i < 5; ++i) CHECK_FALSE(f.exits(setup()));
    }
  }

  TEST_CASE("candle helpers") {
    Fixture f;
    CHECK(f.velez.is_strong(setup()));
    CHECK(trader::strategy::body_pct(setup()) == 50.0);
    CHECK_FALSE(f.velez.is_strong(bar("150", "150", "150", "150")));
    CHECK(f.velez.is_doji(bar("150", "150", "150", "150")));
    CHECK(f.velez.is_doji(dj()));
  }

  TEST_CASE("F1: a trailing update below the current stop is ignored") {
    using trader::strategy::raised_stop;
    // The reference bug: stop 99.85005 replaced by the pullback low 99.50.
    CHECK_FALSE(raised_stop(Decimal::parse("99.85005"), Decimal::parse("99.50")));
    CHECK_FALSE(raised_stop(Decimal::parse("99.85"), Decimal::parse("99.85")));
    CHECK_FALSE(raised_stop(Decimal::parse("99.85"), std::nullopt));
    CHECK(raised_stop(Decimal::parse("99.85"), Decimal::parse("100.35")) ==
          Decimal::parse("100.35"));
  }
}
