// The HTML report, byte for byte (issue 12 item 8): the report was split into text, SVG
// plotting, page sections and a stylesheet embedded at build time, and must stay the same bytes
// for the same input. One report that exercises every part (candles and a range band, stops,
// every exit reason, sub-penny prices, escaping, the SYNTHETIC banner, hour labels over two
// days) is compared with tests/fixtures/html_report_golden.html.
//
// A deliberate change of the report: run the test, look at the page it wrote next to the test
// binary (html_report_golden.actual.html; e.g. in a browser), then copy it over the fixture and
// say in the commit what changed and why.
#include <trader/backtest/report.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include <trader/backtest/metrics.hpp>

#include "support/process.hpp"

using trader::backtest::EquitySample;
using trader::backtest::MetricsAccumulator;
using trader::backtest::PriceSample;
using trader::backtest::ReportData;
using trader::backtest::StopSample;
using trader::backtest::SymbolChart;
using trader::core::Decimal;
using trader::core::parse_timestamp;
using trader::core::Timestamp;
using trader::data::SymbolId;
using trader::engine::ExitReason;
using trader::engine::Trade;

namespace {

Decimal d(const char* text) { return Decimal::parse(text); }

Trade trade(std::uint32_t symbol, const char* entry_at, const char* entry, const char* exit_at,
            const char* exit, std::int64_t qty, const char* pnl, ExitReason reason) {
  Trade t;
  t.symbol = SymbolId{symbol};
  t.qty = qty;
  t.entry_price = d(entry);
  t.exit_price = d(exit);
  t.entry_at = parse_timestamp(entry_at);
  t.exit_at = parse_timestamp(exit_at);
  t.pnl = d(pnl);
  t.costs = d("0.35");
  t.duration_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(t.exit_at - t.entry_at).count();
  t.exit_reason = reason;
  t.initial_stop = t.entry_price - d("0.5");
  return t;
}

ReportData golden_report() {
  ReportData r;
  r.strategy = "velez";
  r.symbols = {"AAPL", "BRK.B"};  // in SymbolId order
  r.start_date = trader::core::parse_date("2026-02-10");
  r.end_date = trader::core::parse_date("2026-02-11");
  r.initial_capital = d("25000");
  r.synthetic = true;
  r.data_source = "store: AAPL csv:<a&b>.csv; BRK.B synthetic:seed=7";
  r.parameters = "sma_fast=20, sma_slow=200, note='<x>'";
  r.program_version = "0.1.0";
  r.run_id = 12;
  r.trades = {
      trade(0, "2026-02-10T14:40:00Z", "150.12", "2026-02-10T15:25:00Z", "152.5", 100, "237.65",
            ExitReason::strategy_exit),
      trade(0, "2026-02-10T16:00:00Z", "151", "2026-02-10T16:20:00Z", "149.7651", 100, "-123.84",
            ExitReason::stop_loss),
      trade(1, "2026-02-10T19:00:00Z", "0.8123", "2026-02-11T20:59:00Z", "0.8123", 5000, "0",
            ExitReason::session_close),
      trade(0, "2026-02-11T15:00:00Z", "152", "2026-02-11T20:59:00Z", "153.01", 1234, "1246.34",
            ExitReason::session_close),
  };
  MetricsAccumulator metrics(r.initial_capital);
  for (const auto& t : r.trades) metrics.add_trade(t);
  r.metrics = metrics.compute();

  const Timestamp day1 = parse_timestamp("2026-02-10T14:30:00Z");
  const Timestamp day2 = parse_timestamp("2026-02-11T14:30:00Z");
  // 2 x 39 ten-minute equity points: hour labels that name each day.
  for (int day = 0; day < 2; ++day) {
    for (int i = 0; i < 39; ++i) {
      const Timestamp ts = (day == 0 ? day1 : day2) + std::chrono::minutes{10 * i};
      const Decimal equity = r.initial_capital + Decimal::from_integer((i * 37 + day * 11) % 90) -
                             Decimal::from_integer(30);
      r.equity.push_back(EquitySample{ts, equity, 0.0001 * ((i * 13) % 17)});
    }
  }
  // AAPL: 40 candles (drawn as candles); BRK.B: 300 minutes below $1 (a range band).
  SymbolChart aapl{"AAPL", {}, {}};
  for (int i = 0; i < 40; ++i) {
    const Decimal open = d("150") + Decimal::from_units(std::int64_t{(i * 7) % 11} * 25'000'000);
    aapl.prices.push_back(PriceSample{day1 + std::chrono::minutes{15 * i}, open, open + d("0.75"),
                                      open - d("0.6"), open + d("0.3")});
  }
  aapl.stops = {StopSample{parse_timestamp("2026-02-10T14:40:00Z"), d("149.5")},
                StopSample{parse_timestamp("2026-02-10T15:00:00Z"), d("150.25")},
                StopSample{parse_timestamp("2026-02-10T16:00:00Z"), d("150.5")},
                StopSample{parse_timestamp("2026-02-11T15:00:00Z"), d("151.5")}};
  SymbolChart brk{"BRK.B", {}, {}};
  for (int i = 0; i < 300; ++i) {
    const Decimal open = d("0.8") + Decimal::from_units(std::int64_t{(i * 31) % 97} * 10'000);
    brk.prices.push_back(PriceSample{day1 + std::chrono::minutes{i}, open, open + d("0.0042"),
                                     open - d("0.0017"), open + d("0.0011")});
  }
  brk.stops = {StopSample{parse_timestamp("2026-02-10T19:00:00Z"), d("0.7999")}};
  r.charts = {aapl, brk};
  return r;
}

}  // namespace

TEST_SUITE("backtest") {
  TEST_CASE("issue 12 item 8: the HTML report is byte for byte the golden page") {
    std::ostringstream out;
    trader::backtest::write_html_report(golden_report(), out);
    const std::string actual = out.str();
    const std::string expected = trader::testing::read_file(
        std::string(SOURCE_ROOT) + "/tests/fixtures/html_report_golden.html");
    const bool same = actual == expected;
    std::ostringstream why;
    if (!same) {
      std::ofstream("html_report_golden.actual.html", std::ios::binary) << actual;
      std::size_t at = 0;
      while (at < actual.size() && at < expected.size() && actual[at] == expected[at]) ++at;
      const auto around = [&](const std::string& text) {
        return text.substr(at < 80 ? 0 : at - 80, 160);
      };
      why << "first difference at byte " << at << " of " << expected.size() << " (actual "
          << actual.size() << ")\nexpected: " << around(expected)
          << "\nactual:   " << around(actual) << "\nthe page is in html_report_golden.actual.html";
    }
    INFO(why.str());
    CHECK(same);
  }
}
