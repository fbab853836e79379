// The HTML backtest report: a self-contained, well-formed document whose text is escaped and
// whose numbers come from the exact values.
#include <trader/backtest/report.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>

#include <trader/backtest/metrics.hpp>

using trader::backtest::EquitySample;
using trader::backtest::MetricsAccumulator;
using trader::backtest::PriceSample;
using trader::backtest::ReportData;
using trader::backtest::StopSample;
using trader::backtest::SymbolChart;
using trader::core::Decimal;
using trader::core::parse_timestamp;
using trader::core::Timestamp;
using trader::engine::ExitReason;
using trader::engine::Trade;

namespace {

Decimal d(const char* text) { return Decimal::parse(text); }

std::size_t count(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

std::string render(const ReportData& report) {
  std::ostringstream out;
  trader::backtest::write_html_report(report, out);
  return out.str();
}

// Issue 12 item 6: the report's trade rows are engine::Trade, the symbol an index into
// ReportData::symbols (0: the first symbol).
Trade trade(std::uint32_t symbol, const char* entry_at, const char* entry, const char* exit_at,
            const char* exit, std::int64_t qty, const char* pnl,
            ExitReason reason = ExitReason::stop_loss) {
  Trade t;
  t.symbol = trader::data::SymbolId{symbol};
  t.qty = qty;
  t.entry_price = d(entry);
  t.exit_price = d(exit);
  t.entry_at = parse_timestamp(entry_at);
  t.exit_at = parse_timestamp(exit_at);
  t.pnl = d(pnl);
  t.costs = d("1.25");
  t.duration_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(t.exit_at - t.entry_at).count();
  t.exit_reason = reason;
  t.initial_stop = t.entry_price - d("1");
  return t;
}

// A small but complete report: one symbol, a few trades, a short equity curve and chart.
ReportData sample_report() {
  ReportData r;
  r.strategy = "velez";
  r.symbols = {"AAPL"};
  r.start_date = trader::core::parse_date("2026-02-10");
  r.end_date = trader::core::parse_date("2026-02-11");
  r.initial_capital = d("25000");
  r.data_source = "store";
  r.parameters = "sma_fast=20, sma_slow=200";
  r.program_version = "0.1.0";
  r.run_id = 7;
  r.trades = {
      trade(0, "2026-02-10T14:35:00Z", "150", "2026-02-10T15:10:00Z", "152.5", 100, "250",
            ExitReason::strategy_exit),
      trade(0, "2026-02-10T16:00:00Z", "151", "2026-02-10T16:20:00Z", "149.7651", 100, "-123.49"),
  };
  MetricsAccumulator metrics(r.initial_capital);
  for (const auto& t : r.trades) metrics.add_trade(t);
  r.metrics = metrics.compute();
  const Timestamp start = parse_timestamp("2026-02-10T14:30:00Z");
  for (int i = 0; i < 60; ++i) {
    const Timestamp ts = start + std::chrono::minutes{5 * i};
    const Decimal equity = r.initial_capital + Decimal::from_integer(i % 7) * 10;
    r.equity.push_back(EquitySample{ts, equity, (i % 7) == 0 ? 0.0 : 0.001 * (7 - i % 7)});
    SymbolChart* chart = r.charts.empty() ? &r.charts.emplace_back() : &r.charts.back();
    chart->symbol = "AAPL";
    const Decimal open = d("150") + Decimal::from_integer(i % 5);
    chart->prices.push_back(PriceSample{ts, open, open + d("1"), open - d("1"), open + d("0.5")});
  }
  r.charts.back().stops = {StopSample{parse_timestamp("2026-02-10T14:35:00Z"), d("149")},
                           StopSample{parse_timestamp("2026-02-10T14:50:00Z"), d("149.5")},
                           StopSample{parse_timestamp("2026-02-10T16:00:00Z"), d("150")}};
  return r;
}

void check_well_formed(std::string_view html) {
  CHECK(html.starts_with("<!DOCTYPE html>"));
  CHECK(count(html, "<html") == 1);
  CHECK(count(html, "</html>") == 1);
  CHECK(count(html, "<body") == 1);
  CHECK(count(html, "</body>") == 1);
  CHECK(count(html, "<svg") == count(html, "</svg>"));
  CHECK(count(html, "<table") == count(html, "</table>"));
  CHECK(count(html, "<section") == count(html, "</section>"));
}

void check_self_contained(std::string_view html) {
  CHECK_FALSE(contains(html, "http://"));
  CHECK_FALSE(contains(html, "https://"));
  CHECK_FALSE(contains(html, "<script"));
  CHECK_FALSE(contains(html, "<link"));
  CHECK_FALSE(contains(html, "<img"));
  CHECK_FALSE(contains(html, "@import"));
  CHECK_FALSE(contains(html, "url("));
}

}  // namespace

TEST_SUITE("backtest") {
  TEST_CASE("a report is one well-formed, self-contained HTML5 document") {
    const std::string html = render(sample_report());
    check_well_formed(html);
    check_self_contained(html);
    CHECK(count(html, "<svg class=\"chart\"") == 3);  // equity, drawdown, AAPL
    CHECK(contains(html, "Equity curve"));
    CHECK(contains(html, "Drawdown"));
    CHECK(contains(html, "class=\"stop-line\" d=\"M"));
    CHECK(contains(html, "sma_fast=20"));
    CHECK(contains(html, "not stored") == false);
    CHECK(contains(html, "<dt>Run id</dt><dd>7</dd>"));
  }

  TEST_CASE("the SYNTHETIC banner appears exactly when the data is synthetic") {
    ReportData report = sample_report();
    CHECK_FALSE(contains(render(report), "SYNTHETIC DATA - not market prices"));
    report.synthetic = true;
    report.data_source = "synthetic:seed=42";
    const std::string html = render(report);
    CHECK(count(html, "SYNTHETIC DATA - not market prices") == 1);
    // At the top: before the header and everything else in the body.
    CHECK(html.find("SYNTHETIC DATA") < html.find("<header>"));
  }

  TEST_CASE("symbols, parameters and names are HTML-escaped everywhere") {
    ReportData report = sample_report();
    report.strategy = "velez\"<x>";
    report.symbols = {"<B&C>"};
    report.parameters = "symbol=<B&C>, note='a'";
    report.data_source = "csv:<B&C>.csv";
    report.charts.back().symbol = "<B&C>";
    const std::string html = render(report);
    CHECK_FALSE(contains(html, "<B&C>"));
    CHECK_FALSE(contains(html, "<x>"));
    CHECK(contains(html, "&lt;B&amp;C&gt;"));
    CHECK(contains(html, "<code class=\"param\">symbol=&lt;B&amp;C&gt;</code>"));
    CHECK(contains(html, "note=&#39;a&#39;"));
    CHECK(contains(html, "velez&quot;&lt;x&gt;"));
    check_well_formed(html);
  }

  TEST_CASE("every trade has a row with its exact prices, P&L and New York times") {
    const std::string html = render(sample_report());
    CHECK(count(html, "<tr><td class=\"num\">") == 2);
    CHECK(contains(html, "<tr><td class=\"num\">1</td><td class=\"sym\">AAPL</td><td>Long</td>"));
    CHECK(contains(html, "<tr><td class=\"num\">2</td><td class=\"sym\">AAPL</td>"));
    // 14:35 UTC in February is 09:35 in New York.
    CHECK(contains(html, "<td>2026-02-10 09:35</td><td class=\"num\">150.00</td>"));
    CHECK(contains(html, "<td class=\"num\">149.7651</td>"));  // sub-penny digits are kept
    CHECK(contains(html, "<td class=\"num pos\">+$250.00</td>"));
    CHECK(contains(html, "<td class=\"num neg\">-$123.49</td>"));
    CHECK(contains(html, "Strategy exit</span>"));
    CHECK(contains(html, "Stop loss</span>"));
    CHECK(contains(html, "<td class=\"num\">35m</td>"));
  }

  TEST_CASE("F8: the losers percentage counts only losing trades, not break-even ones") {
    ReportData report = sample_report();
    report.trades = {
        trade(0, "2026-02-10T14:35:00Z", "150", "2026-02-10T15:00:00Z", "152", 10, "20"),
        trade(0, "2026-02-10T15:05:00Z", "150", "2026-02-10T15:30:00Z", "151", 10, "10"),
        trade(0, "2026-02-10T15:35:00Z", "150", "2026-02-10T16:00:00Z", "149", 10, "-10"),
        trade(0, "2026-02-10T16:05:00Z", "150", "2026-02-10T16:30:00Z", "150", 10, "0"),
    };
    MetricsAccumulator metrics(report.initial_capital);
    for (const auto& t : report.trades) metrics.add_trade(t);
    report.metrics = metrics.compute();
    const std::string html = render(report);
    CHECK(contains(html, "<th>Winners</th><td>2 <span class=\"muted\">(50.0%)</span>"));
    CHECK(contains(html, "<th>Losers</th><td>1 <span class=\"muted\">(25.0%)</span>"));
    CHECK(contains(html, "<th>Break-even</th><td>1 <span class=\"muted\">(25.0%)</span>"));
    CHECK(contains(html, "<td class=\"num flat\">$0.00</td>"));  // break-even is neither colour
  }

  TEST_CASE("money uses the exact decimal with thousands separators and two decimals") {
    ReportData report = sample_report();
    report.initial_capital = d("1234567.891");
    report.metrics.final_equity = d("1234567.895");  // half-even: .895 -> .90 (exact, not a double)
    report.metrics.total_return = d("-1234.5");
    report.metrics.avg_loss = d("-0.001");  // rounds to zero: no "-$0.00"
    const std::string html = render(report);
    CHECK(contains(html, "<dt>Initial capital</dt><dd>$1,234,567.89</dd>"));
    CHECK(contains(html, "<th>Final equity</th><td>$1,234,567.90</td>"));
    CHECK(contains(html, "<th>Total return</th><td class=\"neg\">-$1,234.50</td>"));
    CHECK(contains(html, "<th>Avg loss</th><td class=\"neg\">$0.00</td>"));
    CHECK_FALSE(contains(html, "-$0.00"));
  }

  TEST_CASE("every Metrics field is shown") {
    const std::string html = render(sample_report());
    for (const char* label : {"Total trades",
                              "Winners",
                              "Losers",
                              "Win rate",
                              "Total return",
                              "Total return %",
                              "Final equity",
                              "Profit factor",
                              "Sharpe ratio",
                              "Max drawdown",
                              "Max drawdown (fraction)",
                              "Avg win",
                              "Avg loss",
                              "Largest win",
                              "Largest loss",
                              "Avg duration",
                              "CAGR",
                              "Sortino ratio",
                              "Exposure (time in market)",
                              "Avg R multiple",
                              "Max consecutive losses",
                              "Total costs",
                              "Stop loss",
                              "Strategy exit",
                              "Session close"}) {
      CAPTURE(label);
      const bool shown = contains(html, std::string("<th>") + label + "</th>") ||
                         contains(html, std::string("</span>") + label + "</th>");
      CHECK(shown);
    }
  }

  TEST_CASE("empty series render a clear no-data placeholder, never an empty chart") {
    ReportData report;
    report.strategy = "velez";
    report.initial_capital = d("25000");
    const std::string html = render(report);
    check_well_formed(html);
    check_self_contained(html);
    CHECK(contains(html, "<div class=\"no-data\">No equity data"));
    CHECK(contains(html, "<div class=\"no-data\">No drawdown data"));
    CHECK(contains(html, "<div class=\"no-data\">No price data"));
    CHECK(contains(html, "<div class=\"no-data\">No trades"));
    CHECK_FALSE(contains(html, "<svg class=\"chart\""));
    CHECK_FALSE(contains(html, "<tbody>"));

    report.charts.push_back(SymbolChart{"MSFT", {}, {}});
    const std::string with_chart = render(report);
    CHECK(contains(with_chart, "<div class=\"no-data\">No price data for MSFT."));
    check_well_formed(with_chart);
  }

  TEST_CASE("a single equity sample and a flat price series still draw") {
    ReportData report = sample_report();
    report.equity.resize(1);
    auto& prices = report.charts.back().prices;
    for (auto& p : prices) p = PriceSample{p.ts, d("10"), d("10"), d("10"), d("10")};
    report.charts.back().stops.clear();
    report.trades.clear();
    const std::string html = render(report);
    check_well_formed(html);
    CHECK(count(html, "<svg class=\"chart\"") == 3);
    CHECK_FALSE(contains(html, "nan"));
    CHECK_FALSE(contains(html, "inf\""));
  }

  TEST_CASE("a NaN or out-of-range drawdown never reaches the SVG") {
    ReportData report = sample_report();
    report.equity[3].drawdown = std::numeric_limits<double>::quiet_NaN();
    report.equity[4].drawdown = 7.0;
    const std::string html = render(report);
    check_well_formed(html);
    CHECK_FALSE(contains(html, "nan"));
    CHECK(contains(html, "max drawdown -100.00%"));  // clamped to a fraction of at most 1
  }

  TEST_CASE("few samples draw candles, many draw a range band with a close line") {
    ReportData report = sample_report();
    CHECK(contains(render(report), "class=\"candle-up\""));
    auto& prices = report.charts.back().prices;
    const Timestamp start = prices.front().ts;
    prices.clear();
    for (int i = 0; i < 3000; ++i) {
      const Decimal open = d("100") + Decimal::from_integer(i % 13);
      prices.push_back(PriceSample{start + std::chrono::minutes{i}, open, open + d("2"),
                                   open - d("2"), open + d("1")});
    }
    const std::string html = render(report);
    CHECK_FALSE(contains(html, "class=\"candle-up\""));
    CHECK(contains(html, "class=\"price-range\""));
    CHECK(contains(html, "class=\"price-close\""));
  }

  TEST_CASE("a large run (5000 equity samples, 2 x 5000 prices, 2000 trades) renders completely") {
    ReportData report = sample_report();
    report.symbols = {"AAPL", "MSFT"};
    report.equity.clear();
    report.charts.clear();
    report.trades.clear();
    const Timestamp start = parse_timestamp("2026-01-05T14:30:00Z");
    for (const char* symbol : {"AAPL", "MSFT"}) {
      SymbolChart chart{symbol, {}, {}};
      for (int i = 0; i < 5000; ++i) {
        const Decimal open =
            d("100") + Decimal::from_units(std::int64_t{(i * 7919) % 1000} * 1'000'000);
        chart.prices.push_back(PriceSample{start + std::chrono::minutes{5 * i}, open, open + d("1"),
                                           open - d("1"), open});
        if (i % 3 == 0) chart.stops.push_back(StopSample{chart.prices.back().ts, open - d("2")});
      }
      report.charts.push_back(std::move(chart));
    }
    for (int i = 0; i < 5000; ++i) {
      report.equity.push_back(EquitySample{start + std::chrono::minutes{5 * i},
                                           d("25000") + Decimal::from_integer(i % 100), 0.001});
    }
    for (int i = 0; i < 2000; ++i) {
      auto t = trade(i % 2 == 0 ? 0 : 1, "2026-01-05T14:30:00Z", "100", "2026-01-05T15:00:00Z",
                     "101", 10, i % 3 == 0 ? "-5" : "10");
      t.entry_at += std::chrono::minutes{10 * i};
      t.exit_at += std::chrono::minutes{10 * i};
      report.trades.push_back(t);
    }
    const std::string html = render(report);
    check_well_formed(html);
    check_self_contained(html);
    CHECK(count(html, "<tr><td class=\"num\">") == 2000);
    CHECK(contains(html, "<tr><td class=\"num\">2000</td>"));
    CHECK(count(html, "<svg class=\"chart\"") == 4);
    CHECK(html.size() < 8'000'000);
  }

  TEST_CASE("a failing stream is an Error") {
    std::ofstream closed;  // never opened: every write fails
    CHECK_THROWS_AS(trader::backtest::write_html_report(sample_report(), closed), trader::Error);
  }
}
