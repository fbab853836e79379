#include <trader/risk/risk_manager.hpp>

#include <doctest/doctest.h>

#include <vector>

using trader::core::Decimal;
using trader::risk::CircuitBreaker;
using trader::risk::PositionSizer;
using trader::risk::RejectReason;
using trader::risk::RiskContext;
using trader::risk::RiskManager;
using trader::risk::SizingReject;

namespace {
Decimal d(const char* text) { return Decimal::parse(text); }
trader::config::RiskSettings risk() { return {}; }
}  // namespace

TEST_SUITE("risk/position_sizer") {
  TEST_CASE("the reference table") {
    const PositionSizer sizer(risk());
    auto r = sizer.size(d("25000"), d("50000"), d("155.20"), d("154.70"));
    CHECK(r.qty == 8);  // risk 250 / 0.50 = 500 shares, clamped by the 5 % position cap
    CHECK(r.risk_amount == d("250"));
    CHECK(r.stop_distance == d("0.50"));
    CHECK(r.position_value == d("1241.60"));
    CHECK(r.reason == SizingReject::none);

    auto abs100 = risk();
    abs100.max_risk_per_trade_abs = d("100");
    r = PositionSizer(abs100).size(d("25000"), d("50000"), d("50.00"), d("49.00"));
    CHECK(r.qty == 25);
    CHECK(r.risk_amount == d("100"));

    auto pos2 = risk();
    pos2.max_position_pct = d("0.02");
    CHECK(PositionSizer(pos2).size(d("25000"), d("50000"), d("100"), d("99.50")).qty == 5);
    CHECK(sizer.size(d("25000"), d("500"), d("100"), d("99.50")).qty == 5);  // buying power
    CHECK(sizer.size(d("25000"), d("50000"), d("155.20"), d("154.47")).qty == 8);

    r = sizer.size(d("25000"), d("50000"), d("155.20"), d("155.20"));
    CHECK(r.qty == 0);
    CHECK(to_string(r.reason) == "Stop distance is zero");
    for (const char* entry : {"0", "-10"}) {
      r = sizer.size(d("25000"), d("50000"), d(entry), d("1.00"));
      CHECK(r.qty == 0);
      CHECK(to_string(r.reason) == "Invalid entry price");
    }
    r = sizer.size(d("1000"), d("2000"), d("100"), d("85"));
    CHECK(to_string(r.reason) == "Risk budget too small for stop distance");
    r = sizer.size(d("25000"), d("10"), d("100"), d("99.50"));
    CHECK(to_string(r.reason) == "Insufficient buying power for even 1 share");
  }

  TEST_CASE("N1: exact quotients: trunc(250 / 0.50) is 500, not 499") {
    auto loose = risk();
    loose.max_position_pct = d("0.25");
    const auto r = PositionSizer(loose).size(d("25000"), d("1000000"), d("10.50"), d("10.00"));
    CHECK(r.qty == 500);
  }
}

TEST_SUITE("risk/circuit_breaker") {
  TEST_CASE("the reference table") {
    const auto run = [](std::vector<const char*> pnls) {
      CircuitBreaker cb(d("0.03"), 3);
      cb.reset_daily(d("25000"));
      for (const char* p : pnls) cb.record_trade(d(p));
      return cb;
    };
    CHECK(run({"-50", "-30"}).can_trade());
    auto three = run({"-50", "-30", "-20"});
    CHECK(three.is_paused());
    CHECK(three.pause_reason().rfind("Consecutive loss limit", 0) == 0);
    auto win = run({"-50", "-30", "100"});
    CHECK(win.consecutive_losses() == 0);
    CHECK(win.can_trade());
    CHECK(run({"0", "0", "0"}).is_paused());  // break-even counts as a loss here
    CHECK(run({"-400"}).can_trade());
    auto daily = run({"-400", "-351"});
    CHECK(daily.is_paused());
    CHECK(daily.pause_reason().rfind("Daily loss limit", 0) == 0);
    CHECK(run({"-750"}).is_paused());  // inclusive
    auto mixed = run({"-500", "300"});
    CHECK(mixed.can_trade());
    CHECK(mixed.daily_realized_pnl() == d("-200"));
    auto reset = run({"-1", "-1", "-1"});
    reset.reset_daily(d("24700"));
    CHECK_FALSE(reset.is_paused());
    CHECK(reset.daily_realized_pnl().is_zero());
    CHECK(reset.consecutive_losses() == 0);
    auto sticky = run({"-1", "-1", "-1", "1000"});
    CHECK(sticky.is_paused());  // a later win does not lift the pause
    CircuitBreaker two(d("0.03"), 2);
    two.reset_daily(d("25000"));
    two.record_trade(d("-50"));
    two.record_trade(d("-50"));
    CHECK(two.is_paused());
    CHECK(two.daily_realized_pnl() == d("-100"));
  }

  TEST_CASE("reconstruct replays trades from a fresh state") {
    CircuitBreaker cb(d("0.03"), 3);
    const std::vector<Decimal> some{d("-50"), d("100"), d("-30")};
    cb.reconstruct(some, d("25000"));
    CHECK(cb.daily_realized_pnl() == d("20"));
    CHECK(cb.consecutive_losses() == 1);
    CHECK(cb.can_trade());
    const std::vector<Decimal> losses{d("-50"), d("-30"), d("-20")};
    cb.reconstruct(losses, d("25000"));
    CHECK(cb.is_paused());
    CHECK(cb.consecutive_losses() == 3);
    cb.reconstruct({}, d("25000"));
    CHECK_FALSE(cb.is_paused());
    CHECK(cb.daily_realized_pnl().is_zero());
  }

  TEST_CASE("without reset_daily the daily-loss check is off (start equity 0)") {
    CircuitBreaker cb(d("0.03"), 3);
    cb.record_trade(d("-100000"));
    CHECK(cb.can_trade());
  }
}

TEST_SUITE("risk/risk_manager") {
  const RiskContext kClean{d("25000"), d("50000"), Decimal{}, 0, 0};

  TEST_CASE("clean approval") {
    const RiskManager rm(risk());
    CircuitBreaker cb(risk());
    cb.reset_daily(d("25000"));
    const auto decision = rm.approve(cb, kClean, d("155.20"), d("154.70"));
    CHECK(decision.approved);
    CHECK(decision.qty > 0);
    CHECK(decision.detail(cb, 5).empty());
  }

  TEST_CASE("a tripped breaker rejects with its reason") {
    const RiskManager rm(risk());
    CircuitBreaker cb(risk());
    cb.reset_daily(d("25000"));
    for (int i = 0; i < 3; ++i) cb.record_trade(d("-10"));
    const auto decision = rm.approve(cb, kClean, d("155.20"), d("154.70"));
    CHECK(decision.reason == RejectReason::circuit_breaker);
    CHECK(decision.detail(cb, 5).find("Consecutive loss limit") != std::string::npos);
  }

  TEST_CASE("F6: the cap counts pending entries and open positions") {
    auto two = risk();
    two.max_open_positions = 2;
    const RiskManager rm(two);
    CircuitBreaker cb(risk());
    auto context = kClean;
    context.pending_entries = 2;
    auto decision = rm.approve(cb, context, d("155.20"), d("154.70"));
    CHECK(decision.reason == RejectReason::max_open_positions);
    CHECK(decision.detail(cb, 2) == "Max open positions reached: 2/2");
    // The reference approved here (filled entries were not counted); F6 counts them.
    auto one = risk();
    one.max_open_positions = 1;
    context = kClean;
    context.open_positions = 1;
    CHECK(RiskManager(one).approve(cb, context, d("155.20"), d("154.70")).reason ==
          RejectReason::max_open_positions);
  }

  TEST_CASE("F6: cash reserved for pending buys is not spent twice") {
    const RiskManager rm(risk());
    CircuitBreaker cb(risk());
    auto context = kClean;
    context.cash = d("10");
    auto decision = rm.approve(cb, context, d("155.20"), d("154.70"));
    CHECK_FALSE(decision.approved);
    CHECK(decision.detail(cb, 5).find("buying power") != std::string::npos);
    context = kClean;
    context.cash = d("1300");
    context.reserved_cash = d("1200");
    decision = rm.approve(cb, context, d("50"), d("49"));
    CHECK(decision.qty == 2);  // 100 left: two shares of $50
  }

  TEST_CASE("a small account: risk budget too small") {
    const RiskManager rm(risk());
    CircuitBreaker cb(risk());
    const RiskContext small{d("1000"), d("2000"), Decimal{}, 0, 0};
    const auto decision = rm.approve(cb, small, d("100"), d("85"));
    CHECK(decision.detail(cb, 5).find("Risk budget too small") != std::string::npos);
  }
}
