#include <trader/backtest/report.hpp>

#include <algorithm>
#include <array>
#include <charconv>  // to_chars: locale-free and much faster than a stream per number
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <trader/calendar/new_york.hpp>
#include <trader/core/error.hpp>

namespace trader::backtest {
namespace {

using core::Timestamp;

// ---------------------------------------------------------------------------------------------
// Text

void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

void append_int(std::string& out, std::int64_t value) {
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), result.ptr);
}

// "1234567.5" -> "1,234,567.5"; `text` is an optional '-' then digits, an optional fraction.
void append_grouped(std::string& out, std::string_view text) {
  if (!text.empty() && text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  const std::size_t point = std::min(text.find('.'), text.size());
  for (std::size_t i = 0; i < point; ++i) {
    if (i > 0 && (point - i) % 3 == 0) out += ',';
    out += text[i];
  }
  out.append(text.substr(point));
}

void append_grouped_int(std::string& out, std::int64_t value) {
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  append_grouped(out, std::string_view(buffer.data(), result.ptr - buffer.data()));
}

// A statistic or a chart coordinate (doubles are never money here). Values that round to zero
// print as 0, not "-0.00"; a NaN or an infinity prints as a dash instead of "nan".
void append_fixed(std::string& out, double value, int decimals) {
  if (!std::isfinite(value)) {
    out += "&#8211;";
    return;
  }
  if (std::fabs(value) < 0.5 * std::pow(10.0, -decimals)) value = 0.0;
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                    std::chars_format::fixed, decimals);
  if (result.ec != std::errc{}) {
    out += "&#8211;";
    return;
  }
  out.append(buffer.data(), result.ptr);
}

void append_fixed_grouped(std::string& out, double value, int decimals) {
  std::string text;
  append_fixed(text, value, decimals);
  if (text.starts_with('&')) {
    out += text;
  } else {
    append_grouped(out, text);
  }
}

// Money from the Decimal's exact text: "$25,000.00", "-$123.82" (the sign before the dollar,
// as an accountant reads it), "+$5.00" with PlusSign::show.
enum class PlusSign : std::uint8_t { omit, show };
void append_money(std::string& out, Decimal amount, PlusSign plus = PlusSign::omit) {
  const std::string text = amount.to_string_fixed(2);
  std::string_view digits = text;
  if (digits.starts_with('-')) {
    digits.remove_prefix(1);
    // A tiny negative amount rounds to "-0.00"; show it as zero.
    if (digits != "0.00") out += '-';
  } else if (plus == PlusSign::show && digits != "0.00") {
    out += '+';
  }
  out += '$';
  append_grouped(out, digits);
}

// A price keeps its sub-penny digits (F3: $0.0001 ticks below $1) and shows at least cents.
void append_price(std::string& out, Decimal price) { append_grouped(out, price.to_string_min(2)); }

void append_percent(std::string& out, double percent, int decimals) {
  append_fixed(out, percent, decimals);
  out += '%';
}

// ---------------------------------------------------------------------------------------------
// Time: every label is New York wall-clock time, which is how a US-equities trader reads a chart.
// The calendar covers 1990..2099; anything outside falls back to UTC and says so.

struct WallClock {
  core::LocalTime local;
  bool utc = false;
};

WallClock wall_clock(Timestamp ts) {
  const int year = static_cast<int>(core::utc_date(ts).year());
  if (year >= calendar::kFirstYear && year <= calendar::kLastYear) {
    return {calendar::to_new_york(ts), false};
  }
  return {core::LocalTime{ts.time_since_epoch()}, true};
}

void append_two_digits(std::string& out, unsigned value) {
  out += static_cast<char>('0' + (value / 10) % 10);
  out += static_cast<char>('0' + value % 10);
}

void append_date(std::string& out, core::Date date) {
  if (!date.ok()) {
    out += "&#8211;";
    return;
  }
  append_int(out, static_cast<int>(date.year()));
  out += '-';
  append_two_digits(out, static_cast<unsigned>(date.month()));
  out += '-';
  append_two_digits(out, static_cast<unsigned>(date.day()));
}

core::Date local_date(core::LocalTime local) {
  return core::Date{std::chrono::floor<std::chrono::days>(local)};
}

// "2026-02-10 09:45" (seconds only when present; minute bars have none).
void append_date_time(std::string& out, Timestamp ts) {
  const WallClock clock = wall_clock(ts);
  const auto day = std::chrono::floor<std::chrono::days>(clock.local);
  append_date(out, core::Date{day});
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(clock.local - day).count();
  out += ' ';
  append_two_digits(out, static_cast<unsigned>(seconds / 3600));
  out += ':';
  append_two_digits(out, static_cast<unsigned>(seconds / 60 % 60));
  if (seconds % 60 != 0) {
    out += ':';
    append_two_digits(out, static_cast<unsigned>(seconds % 60));
  }
  if (clock.utc) out += " UTC";
}

// "45s", "12m", "2h 05m", "3d 4h".
void append_duration(std::string& out, std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) {
    append_int(out, seconds);
    out += 's';
  } else if (seconds < 3600) {
    append_int(out, seconds / 60);
    out += 'm';
  } else if (seconds < 86400) {
    append_int(out, seconds / 3600);
    out += "h ";
    append_two_digits(out, static_cast<unsigned>(seconds / 60 % 60));
    out += 'm';
  } else {
    append_int(out, seconds / 86400);
    out += "d ";
    append_int(out, seconds / 3600 % 24);
    out += 'h';
  }
}

std::string_view exit_reason_label(engine::ExitReason reason) {
  switch (reason) {
    case engine::ExitReason::stop_loss:
      return "Stop loss";
    case engine::ExitReason::strategy_exit:
      return "Strategy exit";
    case engine::ExitReason::session_close:
      return "Session close";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Charts: inline SVG, so the report needs neither JavaScript nor the network. Samples are placed
// by index, not by time: nights and weekends would otherwise take most of the width.

constexpr double kChartWidth = 1160.0;
constexpr double kPlotLeft = 84.0;
constexpr double kPlotRight = 24.0;
constexpr double kPlotTop = 14.0;
constexpr double kPlotBottom = 30.0;
constexpr double kMinTickSpacing = 92.0;  // px between time labels, so they never overlap
constexpr int kHoverBuckets = 160;        // native tooltips over the curve, without JavaScript

struct Plot {
  double left = kPlotLeft;
  double top = kPlotTop;
  double width = kChartWidth - kPlotLeft - kPlotRight;
  double height = 0.0;
  [[nodiscard]] double bottom() const { return top + height; }
  [[nodiscard]] double right() const { return left + width; }
};

struct ValueRange {
  double low = 0.0;
  double high = 1.0;
  [[nodiscard]] double y(const Plot& plot, double value) const {
    return plot.top + (high - value) / (high - low) * plot.height;
  }
};

// A little room above and below the data; a flat series gets a visible band around it.
ValueRange padded(double low, double high, double fraction) {
  double pad = (high - low) * fraction;
  if (pad <= 0.0) pad = std::max(std::fabs(high) * 0.01, 1e-6);
  return {low - pad, high + pad};
}

struct Tick {
  double x = 0.0;
  std::string label;
};

// Round steps (1, 2, 5 x 10^k) for the value axis.
double nice_step(double span, int target) {
  const double raw = span / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  double nice = 10.0;
  if (fraction < 1.5) {
    nice = 1.0;
  } else if (fraction < 3.0) {
    nice = 2.0;
  } else if (fraction < 7.0) {
    nice = 5.0;
  }
  return nice * magnitude;
}

int step_decimals(double step) {
  return std::clamp(static_cast<int>(-std::floor(std::log10(step) + 1e-9)), 0, 6);
}

void open_svg(std::string& out, double height, std::string_view label) {
  out += "<svg class=\"chart\" viewBox=\"0 0 ";
  append_fixed(out, kChartWidth, 0);
  out += ' ';
  append_fixed(out, height, 0);
  out += "\" role=\"img\" aria-label=\"";
  append_escaped(out, label);
  out += "\">\n";
}

void append_point(std::string& out, double x, double y) {
  append_fixed(out, x, 1);
  out += ',';
  append_fixed(out, y, 1);
  out += ' ';
}

void horizontal_line(std::string& out, const Plot& plot, double y, std::string_view css_class) {
  out += "<line class=\"";
  out += css_class;
  out += "\" x1=\"";
  append_fixed(out, plot.left, 1);
  out += "\" x2=\"";
  append_fixed(out, plot.right(), 1);
  out += "\" y1=\"";
  append_fixed(out, y, 1);
  out += "\" y2=\"";
  append_fixed(out, y, 1);
  out += "\"/>\n";
}

// Text at (x, y); `anchor` is start | middle | end.
void text_at(std::string& out, double x, double y, std::string_view anchor,
             std::string_view css_class, std::string_view escaped_text) {
  out += "<text x=\"";
  append_fixed(out, x, 1);
  out += "\" y=\"";
  append_fixed(out, y, 1);
  out += "\" text-anchor=\"";
  out += anchor;
  out += '"';
  if (!css_class.empty()) {
    out += " class=\"";
    out += css_class;
    out += '"';
  }
  out += '>';
  out += escaped_text;
  out += "</text>\n";
}

// The frame: plot background, round value gridlines labelled on the left, time gridlines
// labelled below, and the two axes.
template <typename FormatValue>
void draw_frame(std::string& out, const Plot& plot, const ValueRange& range,
                const std::vector<Tick>& time_ticks, FormatValue&& format_value) {
  out += "<rect class=\"plot-bg\" x=\"";
  append_fixed(out, plot.left, 1);
  out += "\" y=\"";
  append_fixed(out, plot.top, 1);
  out += "\" width=\"";
  append_fixed(out, plot.width, 1);
  out += "\" height=\"";
  append_fixed(out, plot.height, 1);
  out += "\"/>\n";
  const double step =
      nice_step(range.high - range.low, std::max(2, static_cast<int>(plot.height / 55)));
  const int decimals = step_decimals(step);
  std::string label;
  // Counted in whole steps: adding a double step repeatedly would drift off the round values.
  const auto first_step = static_cast<std::int64_t>(std::ceil(range.low / step));
  const auto last_step = static_cast<std::int64_t>(std::floor(range.high / step));
  for (std::int64_t k = first_step; k <= last_step; ++k) {
    const double v = static_cast<double>(k) * step;
    const double y = range.y(plot, v);
    horizontal_line(out, plot, y, "grid");
    label.clear();
    format_value(label, v, decimals);
    text_at(out, plot.left - 8, y + 4, "end", "", label);
  }
  for (const auto& tick : time_ticks) {
    out += "<line class=\"grid\" x1=\"";
    append_fixed(out, tick.x, 1);
    out += "\" x2=\"";
    append_fixed(out, tick.x, 1);
    out += "\" y1=\"";
    append_fixed(out, plot.top, 1);
    out += "\" y2=\"";
    append_fixed(out, plot.bottom(), 1);
    out += "\"/>\n";
    text_at(out, tick.x, plot.bottom() + 18, "middle", "", tick.label);
  }
  out += "<path class=\"axis\" d=\"M";
  append_point(out, plot.left, plot.top);
  out += 'V';
  append_fixed(out, plot.bottom(), 1);
  out += 'H';
  append_fixed(out, plot.right(), 1);
  out += "\"/>\n";
}

// A dashed line at the data's minimum or maximum with its exact value at the right end, above
// the line for a maximum and below it for a minimum.
void extreme_line(std::string& out, const Plot& plot, double y, bool above,
                  std::string_view escaped_label) {
  horizontal_line(out, plot, y, "extreme");
  text_at(out, plot.right() - 6, above ? y - 5 : y + 13, "end", "extreme-label", escaped_label);
}

// Time labels at the first sample of each month, day or hour (whichever gives a readable number
// of them), at least kMinTickSpacing apart.
template <typename XOfIndex>
std::vector<Tick> time_ticks(const std::vector<Timestamp>& times, const Plot& plot,
                             XOfIndex&& x_of_index) {
  std::vector<Tick> ticks;
  if (times.empty()) return ticks;
  std::vector<WallClock> clocks;
  clocks.reserve(times.size());
  for (const auto ts : times) clocks.push_back(wall_clock(ts));
  const auto day_of = [](const WallClock& c) {
    return std::chrono::floor<std::chrono::days>(c.local).time_since_epoch().count();
  };
  const auto month_of = [](const WallClock& c) {
    const core::Date d = local_date(c.local);
    return static_cast<int>(d.year()) * 12 + static_cast<int>(static_cast<unsigned>(d.month()));
  };
  const auto hour_of = [](const WallClock& c) {
    return std::chrono::floor<std::chrono::hours>(c.local).time_since_epoch().count();
  };
  std::int64_t days = 1, months = 1, hours = 1;
  for (std::size_t i = 1; i < clocks.size(); ++i) {
    if (day_of(clocks[i]) != day_of(clocks[i - 1])) ++days;
    if (month_of(clocks[i]) != month_of(clocks[i - 1])) ++months;
    if (hour_of(clocks[i]) != hour_of(clocks[i - 1])) ++hours;
  }
  const auto max_labels =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(plot.width / kMinTickSpacing));
  enum class Unit : std::uint8_t { month, day, hour };
  Unit unit = Unit::hour;
  std::int64_t boundaries = hours;
  if (months >= 4) {
    unit = Unit::month;
    boundaries = months;
  } else if (days > 3) {
    unit = Unit::day;
    boundaries = days;
  }
  // Every stride-th boundary: regular steps (every 3rd day, say) read better than gaps left
  // wherever two labels would have collided.
  const std::int64_t stride = (boundaries + max_labels - 1) / max_labels;
  const auto key = [&](const WallClock& c) -> std::int64_t {
    switch (unit) {
      case Unit::month:
        return month_of(c);
      case Unit::day:
        return day_of(c);
      case Unit::hour:
        return hour_of(c);
    }
    return 0;
  };
  double last_x = -1e9;
  std::int64_t boundary = -1;
  std::optional<std::int64_t> last_day;
  for (std::size_t i = 0; i < clocks.size(); ++i) {
    if (i > 0 && key(clocks[i]) == key(clocks[i - 1])) continue;
    if (++boundary % stride != 0) continue;
    const double x = x_of_index(i);
    if (x - last_x < kMinTickSpacing || x > plot.right() - 30) continue;
    last_x = x;
    Tick tick;
    tick.x = x;
    const core::Date d = local_date(clocks[i].local);
    switch (unit) {
      case Unit::month:
        append_int(tick.label, static_cast<int>(d.year()));
        tick.label += '-';
        append_two_digits(tick.label, static_cast<unsigned>(d.month()));
        break;
      case Unit::day:
        append_date(tick.label, d);
        break;
      case Unit::hour: {
        // Over two or three sessions, the first label of each day also names the day.
        if (days > 1 && last_day != day_of(clocks[i])) {
          append_two_digits(tick.label, static_cast<unsigned>(d.month()));
          tick.label += '-';
          append_two_digits(tick.label, static_cast<unsigned>(d.day()));
          tick.label += ' ';
        }
        last_day = day_of(clocks[i]);
        const auto minutes =
            std::chrono::duration_cast<std::chrono::minutes>(
                clocks[i].local - std::chrono::floor<std::chrono::days>(clocks[i].local))
                .count();
        append_two_digits(tick.label, static_cast<unsigned>(minutes / 60));
        tick.label += ':';
        append_two_digits(tick.label, static_cast<unsigned>(minutes % 60));
        break;
      }
    }
    if (clocks[i].utc) tick.label += " UTC";
    ticks.push_back(std::move(tick));
  }
  return ticks;
}

void no_data(std::string& out, std::string_view escaped_text) {
  out += "<div class=\"no-data\">";
  out += escaped_text;
  out += "</div>\n";
}

// Invisible columns across the plot, each with a native tooltip (<title>) describing the
// samples under it: hover information that works with JavaScript switched off.
template <typename Describe>
void hover_columns(std::string& out, const Plot& plot, std::size_t count, Describe&& describe) {
  if (count == 0) return;
  const std::size_t buckets = std::min<std::size_t>(count, kHoverBuckets);
  const double width = plot.width / static_cast<double>(buckets);
  out += "<g class=\"hover\">\n";
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::size_t first = b * count / buckets;
    const std::size_t last = std::max(first + 1, (b + 1) * count / buckets);  // exclusive
    out += "<rect x=\"";
    append_fixed(out, plot.left + width * static_cast<double>(b), 1);
    out += "\" y=\"";
    append_fixed(out, plot.top, 1);
    out += "\" width=\"";
    append_fixed(out, width, 1);
    out += "\" height=\"";
    append_fixed(out, plot.height, 1);
    out += "\"><title>";
    describe(out, first, last);
    out += "</title></rect>\n";
  }
  out += "</g>\n";
}

// ---------------------------------------------------------------------------------------------
// Equity and drawdown

// A drawdown as a fraction 0..1; a NaN from a degenerate run must not become "nan" in the SVG.
double drawdown_of(const EquitySample& sample) {
  return std::isfinite(sample.drawdown) ? std::clamp(sample.drawdown, 0.0, 1.0) : 0.0;
}

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

// ---------------------------------------------------------------------------------------------
// Price charts

// Marker colours by exit reason; the legend and the trade table use the same classes.
std::string_view exit_class(engine::ExitReason reason) {
  switch (reason) {
    case engine::ExitReason::stop_loss:
      return "exit-stop";
    case engine::ExitReason::strategy_exit:
      return "exit-strategy";
    case engine::ExitReason::session_close:
      return "exit-close";
  }
  return "exit-stop";
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
  append_money(out, t.pnl, PlusSign::show);
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
    append_money(out, pnl, PlusSign::show);
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

// ---------------------------------------------------------------------------------------------
// Header, summary, trade table

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

std::string_view sign_class(double value) {
  if (value > 0) return "pos";
  if (value < 0) return "neg";
  return "flat";
}
std::string_view sign_class(Decimal value) {
  if (value > Decimal{}) return "pos";
  if (value < Decimal{}) return "neg";
  return "flat";
}

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

void write_summary(std::string& out, const ReportData& report) {
  const Metrics& m = report.metrics;
  out += "<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"kpis\">\n";
  std::string value, detail;
  append_money(value, m.total_return, PlusSign::show);
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
  append_money(value, m.total_return, PlusSign::show);
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
    append_money(out, t.pnl, PlusSign::show);
    out += "</td><td class=\"num\">";
    append_money(out, t.costs);
    out += "</td><td class=\"num\">";
    append_duration(out, t.duration_seconds);
    out += "</td></tr>\n";
  }
  out += "</tbody>\n</table></div>\n</section>\n";
}

// The palette: neutral slate for structure, green and red only where they mean gain and loss.
constexpr std::string_view kStyle = R"css(
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f8fafc;--card:#fff;--pos:#15803d;--neg:#b91c1c;
--entry:#16a34a;--stop:#dc2626;--strategy:#f97316;--close:#7c3aed;--stopline:#b45309;--accent:#1d4ed8}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
.page{max-width:1200px;margin:0 auto;padding:8px 24px 40px}
.synthetic-banner{background:#b91c1c;color:#fff;text-align:center;font-weight:700;font-size:18px;letter-spacing:.08em;padding:12px 16px;border-bottom:4px solid #7f1d1d}
h1{font-size:26px;margin:18px 0 12px;font-weight:650}
h1 .strategy{margin-left:12px;padding:2px 10px;border-radius:6px;background:#e0e7ff;color:#3730a3;font-size:18px;vertical-align:middle}
h2{font-size:19px;margin:30px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line)}
h3{font-size:15px;margin:18px 0 6px}
.meta{display:grid;grid-template-columns:repeat(4,1fr);gap:10px 18px;margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:14px 18px}
.meta div{min-width:0}.meta .wide{grid-column:1/-1}
.meta dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.meta dd{margin:2px 0 0;font-weight:550;overflow-wrap:anywhere}
.param{display:inline-block;margin:2px 6px 2px 0;padding:1px 7px;border-radius:5px;background:#f1f5f9;border:1px solid var(--line);font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.tag-synthetic{margin-left:6px;padding:0 6px;border-radius:4px;background:#fee2e2;color:#991b1b;font-size:11px;font-weight:700;text-transform:uppercase}
nav{margin:14px 0 0;display:flex;flex-wrap:wrap;gap:6px}
nav a{padding:3px 10px;border-radius:999px;background:#e2e8f0;color:var(--ink);text-decoration:none;font-size:13px}
nav a:hover{background:#cbd5e1}
.kpis{display:grid;grid-template-columns:repeat(6,1fr);gap:12px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 14px}
.kpi-label{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.kpi-value{font-size:21px;font-weight:650;font-variant-numeric:tabular-nums;white-space:nowrap}
.kpi-detail{font-size:12px;color:var(--muted)}
.groups{display:grid;grid-template-columns:repeat(3,1fr);gap:14px 12px;margin-top:14px;align-items:start}
table.group{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden}
table.group caption{text-align:left;font-weight:650;font-size:13px;padding:0 0 4px 2px;color:#334155}
table.group th,table.group td{padding:5px 12px;border-top:1px solid #f1f5f9;font-size:13px}
table.group th{text-align:left;font-weight:450;color:#475569}
table.group td{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.exit-bar{display:flex;height:8px;margin:3px 0;border-radius:4px;overflow:hidden;background:var(--line)}
.exit-bar span{display:block;height:100%}
.exit-bar .exit-stop,.dot.exit-stop,.badge.exit-stop{background:var(--stop)}
.exit-bar .exit-strategy,.dot.exit-strategy,.badge.exit-strategy{background:var(--strategy)}
.exit-bar .exit-close,.dot.exit-close,.badge.exit-close{background:var(--close)}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:7px}
.pos{color:var(--pos)}.neg{color:var(--neg)}.flat{color:var(--muted)}.muted{color:var(--muted)}
svg.chart{display:block;width:100%;height:auto;background:var(--card);border:1px solid var(--line);border-radius:10px}
.chart text{font-size:11px;fill:var(--muted);font-variant-numeric:tabular-nums;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.chart .plot-bg{fill:#fff}
.chart .grid{stroke:#eef2f7;stroke-width:1}
.chart .axis{fill:none;stroke:#94a3b8;stroke-width:1}
.chart .extreme{stroke:#94a3b8;stroke-width:1;stroke-dasharray:5 4}
.chart .extreme-label{fill:#475569;font-weight:600}
.chart .baseline{stroke:#64748b;stroke-width:1;stroke-dasharray:2 3}
.chart .equity-area{fill:var(--accent);fill-opacity:.07;stroke:none}
.chart .equity-line{fill:none;stroke:var(--accent);stroke-width:1.6;stroke-linejoin:round}
.chart .drawdown-area{fill:var(--neg);fill-opacity:.16;stroke:none}
.chart .drawdown-line{fill:none;stroke:var(--neg);stroke-width:1.2;stroke-linejoin:round}
.chart .price-range{fill:#94a3b8;fill-opacity:.35;stroke:none}
.chart .price-close{fill:none;stroke:#334155;stroke-width:1.1;stroke-linejoin:round}
.chart .candle-up{fill:#fff;stroke:#475569;stroke-width:1}
.chart .candle-down{fill:#475569;stroke:#475569;stroke-width:1}
.chart .wick{stroke:#475569;stroke-width:1;fill:none}
.stop-line{fill:none;stroke:var(--stopline);stroke-width:2;stroke-linejoin:round}
.chart .link-win{stroke:var(--pos);stroke-width:1;stroke-dasharray:3 3;opacity:.7}
.chart .link-loss{stroke:var(--neg);stroke-width:1;stroke-dasharray:3 3;opacity:.7}
.chart .link-flat{stroke:var(--muted);stroke-width:1;stroke-dasharray:3 3;opacity:.7}
.entry{fill:var(--entry);stroke:#14532d;stroke-width:1}
.exit-stop{fill:var(--stop);stroke:#7f1d1d;stroke-width:1}
.exit-strategy{fill:var(--strategy);stroke:#7f1d1d;stroke-width:1}
.exit-close{fill:var(--close);stroke:#7f1d1d;stroke-width:1}
.chart .hover rect{fill:transparent;stroke:none}
.chart .hover rect:hover{fill:#0f172a;fill-opacity:.05}
.chart .trades g:hover path{stroke-width:2.5}
.symbol-chart{margin-bottom:22px}
.symbol-chart h3{font-size:17px;margin-bottom:0}
.chart-note{margin:2px 0 6px;color:var(--muted);font-size:13px}
.legend{display:flex;flex-wrap:wrap;gap:16px;margin:0 0 6px;font-size:12px;color:#475569}
.legend span{display:inline-flex;align-items:center;gap:5px}
.legend svg{width:14px;height:12px;overflow:visible}
.legend-equity{stroke:var(--accent);stroke-width:2}
.legend-baseline{stroke:#64748b;stroke-width:1.5;stroke-dasharray:2 3}
.legend-extreme{stroke:#94a3b8;stroke-width:1.5;stroke-dasharray:5 4}
.no-data{display:flex;align-items:center;justify-content:center;min-height:120px;border:2px dashed #cbd5e1;border-radius:10px;background:#fff;color:var(--muted);font-size:15px;font-style:italic}
.table-wrap{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:auto;max-height:900px}
table.trades{width:100%;border-collapse:collapse;font-size:12.5px;font-variant-numeric:tabular-nums}
table.trades th{position:sticky;top:0;background:#f1f5f9;text-align:left;font-weight:600;padding:7px 9px;border-bottom:1px solid #cbd5e1;white-space:nowrap}
table.trades td{padding:5px 9px;border-bottom:1px solid #f1f5f9;white-space:nowrap}
table.trades tbody tr:nth-child(even){background:#fafcff}
table.trades tbody tr:hover{background:#eef2ff}
table.trades .num{text-align:right}
table.trades .sym{font-weight:600}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;color:#fff;font-size:11.5px;font-weight:600;stroke:none}
footer{margin-top:28px;color:var(--muted);font-size:12px}
@media print{.synthetic-banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}.table-wrap{max-height:none}}
)css";

}  // namespace

void write_html_report(const ReportData& report, std::ostream& out) {
  std::string html;
  // Roughly what each piece costs, so that large runs grow the buffer once or twice at most.
  std::size_t price_samples = 0, stop_samples = 0;
  for (const auto& chart : report.charts) {
    price_samples += chart.prices.size();
    stop_samples += chart.stops.size();
  }
  html.reserve(24'000 + report.equity.size() * 30 + price_samples * 40 + stop_samples * 16 +
               report.trades.size() * 1'400);

  html +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      // The report is a file that must never reach out: nothing but inline styles and
      // data: images may load, even if someone edits it later.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; img-src data:\">\n<title>";
  if (report.synthetic) html += "[SYNTHETIC] ";
  html += "Backtest: ";
  append_escaped(html, report.strategy);
  if (!report.symbols.empty()) {
    html += " &#8211; ";
    for (std::size_t i = 0; i < report.symbols.size(); ++i) {
      if (i > 0) html += ", ";
      append_escaped(html, report.symbols[i]);
    }
  }
  html += "</title>\n<style>";
  html += kStyle;
  html += "</style>\n</head>\n<body>\n";
  write_header(html, report);
  write_summary(html, report);
  write_equity_charts(html, report);
  write_price_charts(html, report);
  write_trade_table(html, report);
  html +=
      "<footer>Times are New York (ET) wall-clock time. Money is shown to the cent from exact "
      "decimal values; ratios are statistics. Generated by libtrader";
  if (!report.program_version.empty()) {
    html += ' ';
    append_escaped(html, report.program_version);
  }
  html += ".</footer>\n</div>\n</body>\n</html>\n";

  out.write(html.data(), static_cast<std::streamsize>(html.size()));
  out.flush();
  if (!out) throw Error("writing the HTML backtest report failed (stream error)");
}

}  // namespace trader::backtest
