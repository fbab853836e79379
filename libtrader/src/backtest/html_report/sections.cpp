#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "backtest/html_report/sections.hpp"
#include "backtest/html_report/text.hpp"

// The report's text sections: the header with the run's settings, the summary metrics, and the
// trade table.
namespace trader::backtest::html {
namespace {

using core::DollarSign;

void kpi(std::string& out, std::string_view label, std::string_view value_class,
         std::string_view value, std::string_view detail) {
  out += "<div class=\"kpi\"><div class=\"kpi-label\">";
  out += label;
  out += "</div><div class=\"kpi-value ";
  out += value_class;
  out += "\">";
  out += value;
  out += "</div>";
  if (!detail.empty()) {
    out += "<div class=\"kpi-detail\">";
    out += detail;
    out += "</div>";
  }
  out += "</div>\n";
}

void row(std::string& out, std::string_view label, std::string_view value,
         std::string_view value_class = {}) {
  out += "<tr><th>";
  out += label;
  out += "</th><td";
  if (!value_class.empty()) {
    out += " class=\"";
    out += value_class;
    out += '"';
  }
  out += '>';
  out += value;
  out += "</td></tr>\n";
}

// "12 (34.5%)": a count with its share of all trades.
std::string count_and_share(std::int64_t count, std::int64_t total) {
  std::string text;
  append_grouped_int(text, count);
  if (total > 0) {
    text += " <span class=\"muted\">(";
    append_percent(text, 100.0 * static_cast<double>(count) / static_cast<double>(total), 1);
    text += ")</span>";
  }
  return text;
}

}  // namespace

void write_header(std::string& out, const ReportData& report) {
  if (report.synthetic) {
    out +=
        "<div class=\"synthetic-banner\" role=\"alert\">SYNTHETIC DATA - not market prices</div>\n";
  }
  out += "<div class=\"page\">\n<header>\n<h1>Backtest report<span class=\"strategy\">";
  append_escaped(out, report.strategy);
  out += "</span></h1>\n<dl class=\"meta\">\n<div><dt>Strategy</dt><dd>";
  append_escaped(out, report.strategy);
  out += "</dd></div>\n<div><dt>Symbols</dt><dd>";
  for (std::size_t i = 0; i < report.symbols.size(); ++i) {
    if (i > 0) out += ", ";
    append_escaped(out, report.symbols[i]);
  }
  if (report.symbols.empty()) out += "&#8211;";
  out += "</dd></div>\n<div><dt>Period</dt><dd>";
  append_date(out, report.start_date);
  out += " to ";
  append_date(out, report.end_date);
  out += "</dd></div>\n<div><dt>Initial capital</dt><dd>";
  append_money(out, report.initial_capital);
  out += "</dd></div>\n<div><dt>Data source</dt><dd>";
  if (report.data_source.empty()) {
    out += "&#8211;";
  } else {
    append_escaped(out, report.data_source);
  }
  if (report.synthetic) out += " <span class=\"tag-synthetic\">synthetic</span>";
  out += "</dd></div>\n<div><dt>Program version</dt><dd>";
  if (report.program_version.empty()) {
    out += "&#8211;";
  } else {
    append_escaped(out, report.program_version);
  }
  out += "</dd></div>\n<div><dt>Run id</dt><dd>";
  if (report.run_id == 0) {
    out += "not stored";
  } else {
    append_int(out, report.run_id);
  }
  out += "</dd></div>\n<div class=\"wide\"><dt>Parameters</dt><dd>";
  // One chip per "name=value" keeps a long parameter list scannable.
  std::string_view rest = report.parameters;
  bool any = false;
  while (!rest.empty()) {
    const std::size_t comma = std::min(rest.find(','), rest.size());
    std::string_view item = rest.substr(0, comma);
    rest.remove_prefix(std::min(comma + 1, rest.size()));
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) continue;
    out += "<code class=\"param\">";
    append_escaped(out, item);
    out += "</code>";
    any = true;
  }
  if (!any) out += "none";
  out += "</dd></div>\n</dl>\n</header>\n";
  out += "<nav><a href=\"#summary\">Summary</a><a href=\"#equity\">Equity</a>";
  for (std::size_t i = 0; i < report.charts.size(); ++i) {
    out += "<a href=\"#chart-";
    append_int(out, static_cast<std::int64_t>(i + 1));
    out += "\">";
    append_escaped(out, report.charts[i].symbol);
    out += "</a>";
  }
  out += "<a href=\"#trades\">Trades</a></nav>\n";
}

void write_summary(std::string& out, const ReportData& report) {
  const Metrics& m = report.metrics;
  out += "<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"kpis\">\n";
  std::string value, detail;
  append_money(value, m.total_return, DollarSign::with_plus);
  if (m.total_return_pct > Decimal{}) detail += '+';
  detail += m.total_return_pct.to_string_fixed(2);
  detail += '%';
  kpi(out, "Total return", sign_class(m.total_return), value, detail);
  value.clear();
  detail.clear();
  append_money(value, m.final_equity);
  detail = "from ";
  append_money(detail, report.initial_capital);
  kpi(out, "Final equity", "", value, detail);
  value.clear();
  append_percent(value, -m.max_drawdown_pct, 2);
  kpi(out, "Max drawdown", m.max_drawdown_pct > 0 ? "neg" : "", value, "");
  value.clear();
  append_fixed(value, m.sharpe_ratio, 2);
  detail = "Sortino ";
  append_fixed(detail, m.sortino_ratio, 2);
  kpi(out, "Sharpe ratio", "", value, detail);
  value.clear();
  append_percent(value, m.win_rate * 100.0, 1);
  detail.clear();
  append_grouped_int(detail, m.winning_trades);
  detail += " of ";
  append_grouped_int(detail, m.total_trades);
  detail += " trades";
  kpi(out, "Win rate", "", value, detail);
  value.clear();
  const bool no_losses = m.losing_trades == 0 && m.winning_trades > 0;
  if (no_losses) {
    value = "&#8734;";  // the metric caps it at 9999.99; infinity is what it means
  } else {
    append_fixed(value, m.profit_factor, 2);
  }
  kpi(out, "Profit factor", "", value, no_losses ? "no losing trades" : "");
  out += "</div>\n<div class=\"groups\">\n";

  // Returns
  out += "<table class=\"group\"><caption>Returns</caption>\n";
  value.clear();
  append_money(value, report.initial_capital);
  row(out, "Initial capital", value);
  value.clear();
  append_money(value, m.final_equity);
  row(out, "Final equity", value);
  value.clear();
  append_money(value, m.total_return, DollarSign::with_plus);
  row(out, "Total return", value, sign_class(m.total_return));
  value.clear();
  if (m.total_return_pct > Decimal{}) value += '+';
  value += m.total_return_pct.to_string_fixed(2);
  value += '%';
  row(out, "Total return %", value, sign_class(m.total_return_pct));
  value.clear();
  append_percent(value, m.cagr * 100.0, 2);
  row(out, "CAGR", value, sign_class(m.cagr));
  out += "</table>\n";

  // Risk
  out += "<table class=\"group\"><caption>Risk</caption>\n";
  value.clear();
  append_percent(value, -m.max_drawdown_pct, 2);
  row(out, "Max drawdown", value, m.max_drawdown_pct > 0 ? "neg" : "");
  value.clear();
  append_fixed(value, m.max_drawdown, 4);
  row(out, "Max drawdown (fraction)", value);
  value.clear();
  append_fixed(value, m.sharpe_ratio, 2);
  row(out, "Sharpe ratio", value);
  value.clear();
  append_fixed(value, m.sortino_ratio, 2);
  row(out, "Sortino ratio", value);
  value.clear();
  append_percent(value, m.exposure_pct, 1);
  row(out, "Exposure (time in market)", value);
  value.clear();
  append_grouped_int(value, m.max_consecutive_losses);
  row(out, "Max consecutive losses", value);
  out += "</table>\n";

  // Trades
  const std::int64_t break_even = m.total_trades - m.winning_trades - m.losing_trades;
  out += "<table class=\"group\"><caption>Trades</caption>\n";
  value.clear();
  append_grouped_int(value, m.total_trades);
  row(out, "Total trades", value);
  row(out, "Winners", count_and_share(m.winning_trades, m.total_trades));
  // F8: a break-even trade is neither a winner nor a loser, so losers are counted, not
  // derived as 1 - win rate.
  row(out, "Losers", count_and_share(m.losing_trades, m.total_trades));
  row(out, "Break-even", count_and_share(break_even, m.total_trades));
  value.clear();
  append_percent(value, m.win_rate * 100.0, 1);
  row(out, "Win rate", value);
  value.clear();
  if (no_losses) {
    value = "&#8734; <span class=\"muted\">(no losing trades)</span>";
  } else {
    append_fixed(value, m.profit_factor, 2);
  }
  row(out, "Profit factor", value);
  value.clear();
  append_fixed(value, m.avg_r_multiple, 2);
  value += " R";
  row(out, "Avg R multiple", value, sign_class(m.avg_r_multiple));
  value.clear();
  append_duration(value, m.avg_trade_duration);
  row(out, "Avg duration", value);
  out += "</table>\n";

  // Wins and losses
  out += "<table class=\"group\"><caption>Wins and losses</caption>\n";
  value.clear();
  append_money(value, m.avg_win);
  row(out, "Avg win", value, sign_class(m.avg_win));
  value.clear();
  append_money(value, m.avg_loss);
  row(out, "Avg loss", value, sign_class(m.avg_loss));
  value.clear();
  append_money(value, m.largest_win);
  row(out, "Largest win", value, sign_class(m.largest_win));
  value.clear();
  append_money(value, m.largest_loss);
  row(out, "Largest loss", value, sign_class(m.largest_loss));
  out += "</table>\n";

  // Costs
  out += "<table class=\"group\"><caption>Costs</caption>\n";
  value.clear();
  append_money(value, m.total_costs);
  row(out, "Total costs", value);
  value.clear();
  if (m.total_trades > 0) {
    append_money(value, div_round(m.total_costs, m.total_trades));
  } else {
    value = "&#8211;";
  }
  row(out, "Avg costs per trade", value);
  out += "</table>\n";

  // Exits by reason, with a bar of their shares.
  out += "<table class=\"group\"><caption>Exits by reason</caption>\n";
  row(out, "<span class=\"dot exit-stop\"></span>Stop loss",
      count_and_share(m.exits_stop_loss, m.total_trades));
  row(out, "<span class=\"dot exit-strategy\"></span>Strategy exit",
      count_and_share(m.exits_strategy, m.total_trades));
  row(out, "<span class=\"dot exit-close\"></span>Session close",
      count_and_share(m.exits_session_close, m.total_trades));
  const std::int64_t exits = m.exits_stop_loss + m.exits_strategy + m.exits_session_close;
  if (exits > 0) {
    out += "<tr><td colspan=\"2\"><div class=\"exit-bar\">";
    const std::array<std::pair<std::int64_t, std::string_view>, 3> parts{{
        {m.exits_stop_loss, "exit-stop"},
        {m.exits_strategy, "exit-strategy"},
        {m.exits_session_close, "exit-close"},
    }};
    for (const auto& [count, css_class] : parts) {
      if (count == 0) continue;
      out += "<span class=\"";
      out += css_class;
      out += "\" style=\"width:";
      append_fixed(out, 100.0 * static_cast<double>(count) / static_cast<double>(exits), 3);
      out += "%\"></span>";
    }
    out += "</div></td></tr>\n";
  }
  out += "</table>\n</div>\n";
  out += "</section>\n";
}

void write_trade_table(std::string& out, const ReportData& report) {
  out += "<section id=\"trades\">\n<h2>Trades</h2>\n";
  if (report.trades.empty()) {
    no_data(out, "No trades: the strategy did not open a position in this period.");
    out += "</section>\n";
    return;
  }
  out +=
      "<div class=\"table-wrap\"><table class=\"trades\">\n<thead><tr><th>#</th><th>Symbol</th>"
      "<th>Side</th><th class=\"num\">Qty</th><th>Entry time</th><th class=\"num\">Entry</th>"
      "<th>Exit time</th><th class=\"num\">Exit</th><th>Exit reason</th>"
      "<th class=\"num\">P&amp;L</th><th class=\"num\">Costs</th><th class=\"num\">Duration</th>"
      "</tr></thead>\n<tbody>\n";
  for (std::size_t i = 0; i < report.trades.size(); ++i) {
    const auto& t = report.trades[i];
    out += "<tr><td class=\"num\">";
    append_int(out, static_cast<std::int64_t>(i + 1));
    out += "</td><td class=\"sym\">";
    append_escaped(out, report.symbol_of(t));
    // The engine trades long only today; a negative quantity would be a short round trip.
    out += t.qty < 0 ? "</td><td>Short" : "</td><td>Long";
    out += "</td><td class=\"num\">";
    append_grouped_int(out, t.qty < 0 ? -t.qty : t.qty);
    out += "</td><td>";
    append_date_time(out, t.entry_at);
    out += "</td><td class=\"num\">";
    append_price(out, t.entry_price);
    out += "</td><td>";
    append_date_time(out, t.exit_at);
    out += "</td><td class=\"num\">";
    append_price(out, t.exit_price);
    out += "</td><td><span class=\"badge ";
    out += exit_class(t.exit_reason);
    out += "\">";
    out += exit_reason_label(t.exit_reason);
    out += "</span></td><td class=\"num ";
    out += sign_class(t.pnl);
    out += "\">";
    append_money(out, t.pnl, DollarSign::with_plus);
    out += "</td><td class=\"num\">";
    append_money(out, t.costs);
    out += "</td><td class=\"num\">";
    append_duration(out, t.duration_seconds);
    out += "</td></tr>\n";
  }
  out += "</tbody>\n</table></div>\n</section>\n";
}

}  // namespace trader::backtest::html
