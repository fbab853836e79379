#include "backtest/html_report/svg.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>

#include "backtest/html_report/text.hpp"

namespace trader::backtest::html {
namespace {

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

}  // namespace

ValueRange padded(double low, double high, double fraction) {
  double pad = (high - low) * fraction;
  if (pad <= 0.0) pad = std::max(std::fabs(high) * 0.01, 1e-6);
  return {low - pad, high + pad};
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

void draw_frame(std::string& out, const Plot& plot, const ValueRange& range,
                const std::vector<Tick>& time_ticks, const ValueLabel& format_value) {
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

void extreme_line(std::string& out, const Plot& plot, double y, bool above,
                  std::string_view escaped_label) {
  horizontal_line(out, plot, y, "extreme");
  text_at(out, plot.right() - 6, above ? y - 5 : y + 13, "end", "extreme-label", escaped_label);
}

std::vector<Tick> time_ticks(const std::vector<core::Timestamp>& times, const Plot& plot,
                             const XOfIndex& x_of_index) {
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

void hover_columns(std::string& out, const Plot& plot, std::size_t count,
                   const DescribeSamples& describe) {
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

}  // namespace trader::backtest::html
