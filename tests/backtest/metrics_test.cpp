#include <trader/backtest/metrics.hpp>

#include <doctest/doctest.h>

#include <vector>

using trader::backtest::DailyEquity;
using trader::backtest::MetricsAccumulator;
using trader::core::Decimal;
using trader::engine::Trade;

namespace {

Decimal d(const char* t) { return Decimal::parse(t); }

MetricsAccumulator with(const char* initial, std::vector<const char*> pnls,
                        std::vector<const char*> daily = {}, std::vector<const char*> curve = {},
                        std::vector<std::int64_t> durations = {}) {
  MetricsAccumulator m(d(initial));
  for (std::size_t i = 0; i < pnls.size(); ++i) {
    Trade t;
    t.pnl = d(pnls[i]);
    t.duration_seconds = i < durations.size() ? durations[i] : 60;
    m.add_trade(t);
  }
  auto date = std::chrono::sys_days{std::chrono::year{2026} / 2 / 2};
  for (const char* e : daily) {
    m.add_daily_equity(trader::core::Date{date}, d(e));
    date += std::chrono::days{1};
  }
  for (const char* e : curve) m.add_equity_point(d(e));
  return m;
}

}  // namespace

TEST_SUITE("backtest/metrics") {
  TEST_CASE("no trades: zeros everywhere, final equity is the capital") {
    const auto m = with("25000", {}).compute();
    CHECK(m.total_trades == 0);
    CHECK(m.win_rate == 0.0);
    CHECK(m.profit_factor == 0.0);
    CHECK(m.sharpe_ratio == 0.0);
    CHECK(m.max_drawdown == 0.0);
    CHECK(m.final_equity == d("25000"));
    CHECK(m.total_return.is_zero());
    CHECK(m.avg_win.is_zero());
    CHECK(m.avg_trade_duration == 0);
  }

  TEST_CASE("all winners: profit factor capped at 9999.99") {
    const auto m = with("25000", {"100", "200", "50"}, {"25100", "25300", "25350"},
                        {"25000", "25100", "25300", "25350"})
                       .compute();
    CHECK(m.winning_trades == 3);
    CHECK(m.win_rate == 1.0);
    CHECK(m.profit_factor == 9999.99);
    CHECK(m.final_equity == d("25350"));
    CHECK(m.avg_win == d("116.66666667"));  // 350/3 at 8 places (the reference kept 28)
    CHECK(m.largest_win == d("200"));
    CHECK(m.largest_loss.is_zero());
  }

  TEST_CASE("all losers; mixed; averages") {
    auto m = with("25000", {"-100", "-50"}, {"24900", "24850"}).compute();
    CHECK(m.win_rate == 0.0);
    CHECK(m.profit_factor == 0.0);
    CHECK(m.final_equity == d("24850"));
    CHECK(m.largest_loss == d("-100"));
    CHECK(m.max_consecutive_losses == 2);
    m = with("25000", {"300", "-100", "200", "-50"}, {"25300", "25200", "25400", "25350"})
            .compute();
    CHECK(m.win_rate == 0.5);
    CHECK(m.profit_factor == doctest::Approx(500.0 / 150.0));
    CHECK(m.final_equity == d("25350"));
    CHECK(m.total_return == d("350"));
    CHECK(with("25000", {"150"}).compute().avg_win == d("150"));
    CHECK(with("25000", {"-80"}).compute().avg_loss == d("-80"));
  }

  TEST_CASE("F8: break-even trades are neither winners nor losers") {
    const auto m = with("25000", {"0", "0"}).compute();
    CHECK(m.winning_trades == 0);
    CHECK(m.losing_trades == 0);
    CHECK(m.win_rate == 0.0);
    CHECK(m.profit_factor == 0.0);
    CHECK(m.final_equity == d("25000"));
  }

  TEST_CASE("Sharpe from daily equity, sample deviation, sqrt(252)") {
    auto m = with("10000", {}, {"10100", "10049.50", "10129.90", "10160.29", "10139.97"}).compute();
    CHECK(m.sharpe_ratio == 6.967409355592563);
    m = with("10000", {}, {"10100", "10050"}).compute();
    CHECK(m.sharpe_ratio == doctest::Approx(3.791216).epsilon(1e-6));
    CHECK(with("25000", {}, {"25100"}).compute().sharpe_ratio == 0.0);
    CHECK(with("10000", {}, {"10000", "10000", "10000"}).compute().sharpe_ratio == 0.0);
  }

  TEST_CASE("max drawdown over the curve, the peak starting at 0") {
    CHECK(with("100", {}, {}, {"100", "105", "110", "100", "99", "108"}).compute().max_drawdown ==
          0.1);
    const auto m = with("100", {}, {}, {"100", "105", "110", "100", "99", "108"}).compute();
    CHECK(m.max_drawdown_pct == 10.0);
    CHECK(with("100", {}, {}, {"100", "101", "102"}).compute().max_drawdown == 0.0);
    CHECK(with("100", {}, {}, {"100", "105", "100", "110", "101", "115"}).compute().max_drawdown ==
          9.0 / 110.0);
  }

  TEST_CASE("return, percent and average duration") {
    auto m = with("25000", {"500"}).compute();
    CHECK(m.total_return == d("500"));
    CHECK(m.total_return_pct == d("2"));
    m = with("25000", {"-1000"}).compute();
    CHECK(m.total_return == d("-1000"));
    CHECK(m.total_return_pct == d("-4"));
    m = with("25000", {"100", "50", "-30"}, {}, {}, {3600, 7200, 1800}).compute();
    CHECK(m.avg_trade_duration == 4200);
  }

  TEST_CASE("extras: consecutive losses, exits by reason, costs, R multiple") {
    MetricsAccumulator acc(d("25000"));
    const auto trade = [&](const char* pnl, trader::engine::ExitReason reason) {
      Trade t;
      t.pnl = d(pnl);
      t.qty = 10;
      t.entry_price = d("100");
      t.initial_stop = d("99");  // risk $10
      t.costs = d("1");
      t.exit_reason = reason;
      acc.add_trade(t);
    };
    trade("-10", trader::engine::ExitReason::stop_loss);
    trade("-5", trader::engine::ExitReason::stop_loss);
    trade("20", trader::engine::ExitReason::strategy_exit);
    trade("-10", trader::engine::ExitReason::session_close);
    const auto m = acc.compute();
    CHECK(m.max_consecutive_losses == 2);
    CHECK(m.exits_stop_loss == 2);
    CHECK(m.exits_strategy == 1);
    CHECK(m.exits_session_close == 1);
    CHECK(m.total_costs == d("4"));
    CHECK(m.avg_r_multiple == doctest::Approx((-1.0 - 0.5 + 2.0 - 1.0) / 4.0));
  }
}
