#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "backtest/html_report/sections.hpp"
#include "backtest/html_report/svg.hpp"
#include "backtest/html_report/text.hpp"

// The report's charts: equity and drawdown, then one price chart per symbol with its trades
// and stops.
namespace trader::backtest::html {
namespace {

using core::DollarSign;
using core::Timestamp;

// A drawdown as a fraction 0..1; a NaN from a degenerate run must not become "nan" in the SVG.
double drawdown_of(const EquitySample& sample) {
  return std::isfinite(sample.drawdown) ? std::clamp(sample.drawdown, 0.0, 1.0) : 0.0;
}

void append_trade_title(std::string& out, std::size_t number, const ReportData& report,
                        const engine::Trade& t) {
  out += "<title>Trade #";
  append_int(out, static_cast<std::int64_t>(number));
  out += ' ';
  append_escaped(out, report.symbol_of(t));
  out += "\nentry ";
  append_date_time(out, t.entry_at);
  out += " @ ";
  append_price(out, t.entry_price);
  out += "\nexit ";
  append_date_time(out, t.exit_at);
  out += " @ ";
  append_price(out, t.exit_price);
  out += " (";
  out += exit_reason_label(t.exit_reason);
  out += ")\nqty ";
  append_grouped_int(out, t.qty);
  out += ", P&amp;L ";
  append_money(out, t.pnl, DollarSign::with_plus);
  out += "</title>";
}

// A triangle with its tip on the price: pointing up below the price for an entry, pointing down
// above it for an exit. `half` is half its width; it is 1.7 times as tall.
void triangle(std::string& out, double x, double y, double half, bool up) {
  const double tall = half * 1.7;
  out += "<path d=\"M";
  append_point(out, x, y);
  out += 'L';
  append_point(out, x - half, up ? y + tall : y - tall);
  out += 'L';
  append_point(out, x + half, up ? y + tall : y - tall);
  out += "Z\"/>";
}

void write_symbol_chart(std::string& out, const SymbolChart& chart, std::size_t chart_index,
                        const ReportData& report) {
  out += "<div class=\"symbol-chart\" id=\"chart-";
  append_int(out, static_cast<std::int64_t>(chart_index + 1));
  out += "\">\n<h3>";
  append_escaped(out, chart.symbol);
  out += "</h3>\n";

  // This symbol's trades, as indices into report.trades (the table shows index + 1).
  std::vector<std::size_t> symbol_trades;
  Decimal pnl;
  std::int64_t winners = 0;
  for (std::size_t i = 0; i < report.trades.size(); ++i) {
    if (report.symbol_of(report.trades[i]) != chart.symbol) continue;
    symbol_trades.push_back(i);
    pnl += report.trades[i].pnl;
    if (report.trades[i].pnl > Decimal{}) ++winners;
  }
  out += "<p class=\"chart-note\">";
  append_int(out, static_cast<std::int64_t>(symbol_trades.size()));
  out += symbol_trades.size() == 1 ? " trade" : " trades";
  if (!symbol_trades.empty()) {
    out += ", ";
    append_int(out, winners);
    out += winners == 1 ? " winner" : " winners";
    out += ", P&amp;L <span class=\"";
    out += pnl > Decimal{} ? "pos" : (pnl < Decimal{} ? "neg" : "flat");
    out += "\">";
    append_money(out, pnl, DollarSign::with_plus);
    out += "</span>";
  }
  out += "</p>\n";

  const auto& prices = chart.prices;
  if (prices.empty()) {
    std::string text = "No price data for ";
    append_escaped(text, chart.symbol);
    text += '.';
    no_data(out, text);
    out += "</div>\n";
    return;
  }

  out +=
      "<div class=\"legend\">"
      "<span><svg viewBox=\"0 0 12 12\"><path class=\"entry\" d=\"M6,1L11,11L1,11Z\"/></svg>"
      "Entry</span>"
      "<span><svg viewBox=\"0 0 12 12\"><path class=\"exit-stop\" d=\"M6,11L11,1L1,1Z\"/>"
      "</svg>Exit: stop loss</span>"
      "<span><svg viewBox=\"0 0 12 12\"><path class=\"exit-strategy\" d=\"M6,11L11,1L1,1Z\"/>"
      "</svg>Exit: strategy</span>"
      "<span><svg viewBox=\"0 0 12 12\"><path class=\"exit-close\" d=\"M6,11L11,1L1,1Z\"/>"
      "</svg>Exit: session close</span>"
      "<span><svg viewBox=\"0 0 16 12\"><path class=\"stop-line\" d=\"M0,6H16\"/></svg>"
      "Stop</span>"
      "</div>\n";

  const std::size_t n = prices.size();
  Plot plot;
  plot.height = 300.0;
  const double slot = plot.width / static_cast<double>(n);
  const auto x_of = [&](std::size_t i) {
    return plot.left + slot * (static_cast<double>(i) + 0.5);
  };
  // The sample (candle) that holds an instant: the last one starting at or before it.
  const auto slot_of = [&](Timestamp ts) -> std::size_t {
    const auto it = std::upper_bound(prices.begin(), prices.end(), ts,
                                     [](Timestamp t, const PriceSample& p) { return t < p.ts; });
    return it == prices.begin() ? 0 : static_cast<std::size_t>(it - prices.begin()) - 1;
  };

  std::size_t low_at = 0, high_at = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (prices[i].low < prices[low_at].low) low_at = i;
    if (prices[i].high > prices[high_at].high) high_at = i;
  }
  double low = prices[low_at].low.to_double();
  double high = prices[high_at].high.to_double();
  // Stops and fills that lie outside the candles still have to be on the chart.
  for (const auto& s : chart.stops) {
    low = std::min(low, s.stop.to_double());
    high = std::max(high, s.stop.to_double());
  }
  for (const auto i : symbol_trades) {
    const auto& t = report.trades[i];
    low = std::min({low, t.entry_price.to_double(), t.exit_price.to_double()});
    high = std::max({high, t.entry_price.to_double(), t.exit_price.to_double()});
  }
  const ValueRange range = padded(low, high, 0.07);

  std::vector<Timestamp> times;
  times.reserve(n);
  for (const auto& p : prices) times.push_back(p.ts);
  const auto ticks = time_ticks(times, plot, x_of);

  open_svg(out, plot.bottom() + kPlotBottom, chart.symbol + " price");
  draw_frame(out, plot, range, ticks, [](std::string& label, double v, int decimals) {
    append_fixed_grouped(label, v, std::max(decimals, 2));
  });

  if (slot >= 4.0) {
    // Few samples: real candles (hollow up, filled down) stay readable.
    const double body = std::clamp(slot * 0.6, 1.0, 14.0);
    std::string up_wicks, down_wicks;
    out += "<g class=\"candles\">\n";
    for (std::size_t i = 0; i < n; ++i) {
      const auto& p = prices[i];
      const bool up = p.close >= p.open;
      const double x = x_of(i);
      std::string& wicks = up ? up_wicks : down_wicks;
      wicks += 'M';
      append_point(wicks, x, range.y(plot, p.high.to_double()));
      wicks += 'V';
      append_fixed(wicks, range.y(plot, p.low.to_double()), 1);
      const double top = range.y(plot, max(p.open, p.close).to_double());
      const double bottom = range.y(plot, min(p.open, p.close).to_double());
      out += "<rect class=\"";
      out += up ? "candle-up" : "candle-down";
      out += "\" x=\"";
      append_fixed(out, x - body / 2, 1);
      out += "\" y=\"";
      append_fixed(out, top, 1);
      out += "\" width=\"";
      append_fixed(out, body, 1);
      out += "\" height=\"";
      append_fixed(out, std::max(bottom - top, 0.8), 1);
      out += "\"/>\n";
    }
    out += "</g>\n<path class=\"wick\" d=\"";
    out += up_wicks;
    out += down_wicks;
    out += "\"/>\n";
  } else {
    // Many samples: one column per pixel with the range it covered (a band) and its last close
    // (a line); individual candles would be sub-pixel smudges.
    const auto columns = std::min<std::size_t>(n, static_cast<std::size_t>(plot.width));
    std::string closes, highs, lows_reversed;
    std::vector<double> low_ys(columns);
    closes.reserve(columns * 14);
    highs.reserve(columns * 14);
    for (std::size_t c = 0; c < columns; ++c) {
      const std::size_t first = c * n / columns;
      const std::size_t last = std::max(first + 1, (c + 1) * n / columns);
      Decimal column_high = prices[first].high, column_low = prices[first].low;
      for (std::size_t i = first + 1; i < last; ++i) {
        column_high = max(column_high, prices[i].high);
        column_low = min(column_low, prices[i].low);
      }
      const double x = (x_of(first) + x_of(last - 1)) / 2;
      append_point(highs, x, range.y(plot, column_high.to_double()));
      low_ys[c] = range.y(plot, column_low.to_double());
      append_point(closes, x, range.y(plot, prices[last - 1].close.to_double()));
    }
    for (std::size_t c = columns; c-- > 0;) {
      const std::size_t first = c * n / columns;
      const std::size_t last = std::max(first + 1, (c + 1) * n / columns);
      append_point(lows_reversed, (x_of(first) + x_of(last - 1)) / 2, low_ys[c]);
    }
    out += "<polygon class=\"price-range\" points=\"";
    out += highs;
    out += lows_reversed;
    out += "\"/>\n<polyline class=\"price-close\" points=\"";
    out += closes;
    out += "\"/>\n";
  }

  std::string label = "high ";
  append_price(label, prices[high_at].high);
  extreme_line(out, plot, range.y(plot, prices[high_at].high.to_double()), true, label);
  label = "low ";
  append_price(label, prices[low_at].low);
  extreme_line(out, plot, range.y(plot, prices[low_at].low.to_double()), false, label);

  hover_columns(out, plot, n, [&](std::string& text, std::size_t first, std::size_t last) {
    Decimal column_high = prices[first].high, column_low = prices[first].low;
    for (std::size_t i = first + 1; i < last; ++i) {
      column_high = max(column_high, prices[i].high);
      column_low = min(column_low, prices[i].low);
    }
    append_date_time(text, prices[first].ts);
    if (last - first > 1) {
      text += " to ";
      append_date_time(text, prices[last - 1].ts);
    }
    text += "\nO ";
    append_price(text, prices[first].open);
    text += "  H ";
    append_price(text, column_high);
    text += "  L ";
    append_price(text, column_low);
    text += "  C ";
    append_price(text, prices[last - 1].close);
  });

  // Stops: a step line while one protective stop follows the next; the line breaks wherever a
  // trade of this symbol starts or ends in between, so separate trades are never joined.
  if (!chart.stops.empty()) {
    std::vector<Timestamp> entries, exits;
    for (const auto i : symbol_trades) {
      entries.push_back(report.trades[i].entry_at);
      exits.push_back(report.trades[i].exit_at);
    }
    std::sort(entries.begin(), entries.end());
    std::sort(exits.begin(), exits.end());
    const auto boundary_between = [&](Timestamp a, Timestamp b) {
      const auto exit_it = std::lower_bound(exits.begin(), exits.end(), a);
      if (exit_it != exits.end() && *exit_it < b) return true;
      const auto entry_it = std::upper_bound(entries.begin(), entries.end(), a);
      return entry_it != entries.end() && *entry_it <= b;
    };
    std::string path;
    path.reserve(chart.stops.size() * 20);
    const auto slot_left = [&](std::size_t i) { return plot.left + slot * static_cast<double>(i); };
    const double min_width = std::max(slot, 3.0);
    for (std::size_t k = 0; k < chart.stops.size(); ++k) {
      const auto& s = chart.stops[k];
      const double y = range.y(plot, s.stop.to_double());
      const std::size_t at = slot_of(s.ts);
      const bool continues =
          k > 0 && chart.stops[k - 1].ts < s.ts && !boundary_between(chart.stops[k - 1].ts, s.ts);
      if (continues) {
        path += 'H';
        append_fixed(path, slot_left(at), 1);
        path += 'V';
        append_fixed(path, y, 1);
      } else {
        path += 'M';
        append_point(path, slot_left(at), y);
      }
      const bool run_ends = k + 1 == chart.stops.size() || !(s.ts < chart.stops[k + 1].ts) ||
                            boundary_between(s.ts, chart.stops[k + 1].ts);
      if (run_ends) {
        path += 'H';
        append_fixed(path, std::min(slot_left(at) + min_width, plot.right()), 1);
      }
    }
    out += "<path class=\"stop-line\" d=\"";
    out += path;
    out += "\"/>\n";
  }

  // Trades: a thin link from entry to exit (green for a gain, red for a loss), then the markers.
  // Hundreds of trades on one chart would bury the prices under full-size markers.
  const double half = symbol_trades.size() > 150 ? 3.5 : 6.0;
  out += "<g class=\"trades\">\n";
  for (const auto i : symbol_trades) {
    const auto& t = report.trades[i];
    const double entry_x = x_of(slot_of(t.entry_at));
    const double exit_x = x_of(slot_of(t.exit_at));
    const double entry_y = range.y(plot, t.entry_price.to_double());
    const double exit_y = range.y(plot, t.exit_price.to_double());
    out += "<line class=\"";
    out += t.pnl > Decimal{} ? "link-win" : (t.pnl < Decimal{} ? "link-loss" : "link-flat");
    out += "\" x1=\"";
    append_fixed(out, entry_x, 1);
    out += "\" y1=\"";
    append_fixed(out, entry_y, 1);
    out += "\" x2=\"";
    append_fixed(out, exit_x, 1);
    out += "\" y2=\"";
    append_fixed(out, exit_y, 1);
    out += "\"/>\n<g class=\"entry\">";
    append_trade_title(out, i + 1, report, report.trades[i]);
    triangle(out, entry_x, entry_y, half, true);
    out += "</g>\n<g class=\"";
    out += exit_class(t.exit_reason);
    out += "\">";
    append_trade_title(out, i + 1, report, report.trades[i]);
    triangle(out, exit_x, exit_y, half, false);
    out += "</g>\n";
  }
  out += "</g>\n</svg>\n</div>\n";
}

}  // namespace

void write_equity_charts(std::string& out, const ReportData& report) {
  const auto& samples = report.equity;
  out += "<section id=\"equity\">\n<h2>Equity curve</h2>\n";
  if (samples.empty()) {
    no_data(out, "No equity data: the run produced no equity samples.");
    out += "<h3>Drawdown</h3>\n";
    no_data(out, "No drawdown data.");
    out += "</section>\n";
    return;
  }
  const std::size_t n = samples.size();
  Plot plot;
  plot.height = 270.0;
  const auto x_of = [&](std::size_t i) {
    if (n == 1) return plot.left + plot.width / 2;
    return plot.left + plot.width * static_cast<double>(i) / static_cast<double>(n - 1);
  };
  std::vector<Timestamp> times;
  times.reserve(n);
  for (const auto& s : samples) times.push_back(s.ts);
  const auto ticks = time_ticks(times, plot, x_of);

  // Extremes in exact Decimal (their labels are money); doubles only place them.
  std::size_t low_at = 0, high_at = 0, deepest_at = 0;
  for (std::size_t i = 1; i < n; ++i) {
    if (samples[i].equity < samples[low_at].equity) low_at = i;
    if (samples[i].equity > samples[high_at].equity) high_at = i;
    if (drawdown_of(samples[i]) > drawdown_of(samples[deepest_at])) deepest_at = i;
  }
  const double low = samples[low_at].equity.to_double();
  const double high = samples[high_at].equity.to_double();
  const double initial = report.initial_capital.to_double();
  const ValueRange range = padded(std::min(low, initial), std::max(high, initial), 0.06);
  const auto money_axis = [](std::string& label, double v, int decimals) {
    label += v < 0 ? "-$" : "$";
    append_fixed_grouped(label, std::fabs(v), std::min(decimals, 2));
  };

  // The legend names the reference line; a label inside the plot would sit on the curve, which
  // starts at the initial capital.
  out +=
      "<div class=\"legend\"><span><svg viewBox=\"0 0 16 12\"><path class=\"legend-equity\" "
      "d=\"M0,6H16\"/></svg>Equity</span><span><svg viewBox=\"0 0 16 12\"><path "
      "class=\"legend-baseline\" d=\"M0,6H16\"/></svg>Initial capital ";
  append_money(out, report.initial_capital);
  out +=
      "</span><span><svg viewBox=\"0 0 16 12\"><path class=\"legend-extreme\" "
      "d=\"M0,6H16\"/></svg>Minimum and maximum</span></div>\n";
  open_svg(out, plot.bottom() + kPlotBottom, "Equity curve");
  draw_frame(out, plot, range, ticks, money_axis);
  horizontal_line(out, plot, range.y(plot, initial), "baseline");
  std::string points;
  points.reserve(n * 14 + 32);
  for (std::size_t i = 0; i < n; ++i) {
    append_point(points, x_of(i), range.y(plot, samples[i].equity.to_double()));
  }
  out += "<polygon class=\"equity-area\" points=\"";
  out += points;
  append_point(out, x_of(n - 1), plot.bottom());
  append_point(out, x_of(0), plot.bottom());
  out += "\"/>\n<polyline class=\"equity-line\" points=\"";
  out += points;
  out += "\"/>\n";
  std::string label = "max ";
  append_money(label, samples[high_at].equity);
  extreme_line(out, plot, range.y(plot, high), true, label);
  label = "min ";
  append_money(label, samples[low_at].equity);
  extreme_line(out, plot, range.y(plot, low), false, label);
  hover_columns(out, plot, n, [&](std::string& text, std::size_t /*first*/, std::size_t last) {
    const auto& s = samples[last - 1];
    append_date_time(text, s.ts);
    text += "\nequity ";
    append_money(text, s.equity);
    text += "\ndrawdown ";
    append_percent(text, -drawdown_of(s) * 100.0, 2);
  });
  out += "</svg>\n";

  // Drawdown: 0 at the top, the deepest point near the bottom.
  out += "<h3>Drawdown</h3>\n";
  Plot dd_plot;
  dd_plot.height = 130.0;
  const double deepest = drawdown_of(samples[deepest_at]) * 100.0;
  const ValueRange dd_range{-std::max(deepest * 1.08, 0.5), 0.0};
  open_svg(out, dd_plot.bottom() + kPlotBottom, "Drawdown");
  draw_frame(out, dd_plot, dd_range, ticks, [](std::string& text, double v, int decimals) {
    append_percent(text, v, std::min(decimals, 2));
  });
  points.clear();
  for (std::size_t i = 0; i < n; ++i) {
    append_point(points, x_of(i), dd_range.y(dd_plot, -drawdown_of(samples[i]) * 100.0));
  }
  out += "<polygon class=\"drawdown-area\" points=\"";
  append_point(out, x_of(0), dd_plot.top);
  out += points;
  append_point(out, x_of(n - 1), dd_plot.top);
  out += "\"/>\n<polyline class=\"drawdown-line\" points=\"";
  out += points;
  out += "\"/>\n";
  label = "max drawdown ";
  append_percent(label, -deepest, 2);
  extreme_line(out, dd_plot, dd_range.y(dd_plot, -deepest), false, label);
  label = "peak 0%";
  extreme_line(out, dd_plot, dd_plot.top, false, label);
  hover_columns(out, dd_plot, n, [&](std::string& text, std::size_t first, std::size_t last) {
    double worst = 0.0;
    for (std::size_t i = first; i < last; ++i) worst = std::max(worst, drawdown_of(samples[i]));
    append_date_time(text, samples[last - 1].ts);
    text += "\ndrawdown ";
    append_percent(text, -worst * 100.0, 2);
  });
  out += "</svg>\n</section>\n";
}

void write_price_charts(std::string& out, const ReportData& report) {
  out += "<section id=\"charts\">\n<h2>Price charts</h2>\n";
  if (report.charts.empty()) {
    no_data(out, "No price data: the run recorded no price charts.");
  }
  for (std::size_t i = 0; i < report.charts.size(); ++i) {
    write_symbol_chart(out, report.charts[i], i, report);
  }
  out += "</section>\n";
}

}  // namespace trader::backtest::html
