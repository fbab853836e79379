#pragma once
// The parts of the HTML report page, in the order write_html_report puts them: header (run
// settings and navigation), summary metrics, equity and drawdown charts, one price chart per
// symbol, and the trade table. Each appends a complete, well-formed block to `out`.

#include <string>

#include <trader/backtest/report.hpp>

namespace trader::backtest::html {

void write_header(std::string& out, const ReportData& report);         // sections.cpp
void write_summary(std::string& out, const ReportData& report);        // sections.cpp
void write_equity_charts(std::string& out, const ReportData& report);  // charts.cpp
void write_price_charts(std::string& out, const ReportData& report);   // charts.cpp
void write_trade_table(std::string& out, const ReportData& report);    // sections.cpp

}  // namespace trader::backtest::html
