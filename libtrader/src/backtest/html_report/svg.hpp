#pragma once
// Plotting for the HTML report: inline SVG, so the report needs neither JavaScript nor the
// network. Samples are placed by index, not by time: nights and weekends would otherwise take
// most of the width. Every coordinate is written with one decimal, so the same input always
// gives the same bytes.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <trader/core/timestamp.hpp>

namespace trader::backtest::html {

inline constexpr double kChartWidth = 1160.0;
inline constexpr double kPlotLeft = 84.0;
inline constexpr double kPlotRight = 24.0;
inline constexpr double kPlotTop = 14.0;
inline constexpr double kPlotBottom = 30.0;      // room for the time labels below the plot
inline constexpr double kMinTickSpacing = 92.0;  // px between time labels, so they never overlap
inline constexpr int kHoverBuckets = 160;        // native tooltips over the curve, no JavaScript

// The plotting area inside a chart, in SVG user units.
struct Plot {
  double left = kPlotLeft;
  double top = kPlotTop;
  double width = kChartWidth - kPlotLeft - kPlotRight;
  double height = 0.0;
  [[nodiscard]] double bottom() const { return top + height; }
  [[nodiscard]] double right() const { return left + width; }
};

// The values the plot's height spans, top = high.
struct ValueRange {
  double low = 0.0;
  double high = 1.0;
  [[nodiscard]] double y(const Plot& plot, double value) const {
    return plot.top + (high - value) / (high - low) * plot.height;
  }
};

// A little room above and below the data; a flat series gets a visible band around it.
[[nodiscard]] ValueRange padded(double low, double high, double fraction);

// A time label below the plot.
struct Tick {
  double x = 0.0;
  std::string label;
};

// Writes one value-axis label: (label, value, decimals the step needs).
using ValueLabel = std::function<void(std::string&, double, int)>;
// Where sample i sits on the x axis.
using XOfIndex = std::function<double(std::size_t)>;
// Appends the tooltip text of samples [first, last).
using DescribeSamples = std::function<void(std::string&, std::size_t, std::size_t)>;

// <svg class="chart" viewBox="0 0 1160 HEIGHT" role="img" aria-label="LABEL">
void open_svg(std::string& out, double height, std::string_view label);
void append_point(std::string& out, double x, double y);  // "x,y "
void horizontal_line(std::string& out, const Plot& plot, double y, std::string_view css_class);
// Text at (x, y); `anchor` is start | middle | end.
void text_at(std::string& out, double x, double y, std::string_view anchor,
             std::string_view css_class, std::string_view escaped_text);

// The frame: plot background, round value gridlines labelled on the left, time gridlines
// labelled below, and the two axes.
void draw_frame(std::string& out, const Plot& plot, const ValueRange& range,
                const std::vector<Tick>& time_ticks, const ValueLabel& format_value);

// A dashed line at the data's minimum or maximum with its exact value at the right end, above
// the line for a maximum and below it for a minimum.
void extreme_line(std::string& out, const Plot& plot, double y, bool above,
                  std::string_view escaped_label);

// Time labels at the first sample of each month, day or hour (whichever gives a readable number
// of them), at least kMinTickSpacing apart.
[[nodiscard]] std::vector<Tick> time_ticks(const std::vector<core::Timestamp>& times,
                                           const Plot& plot, const XOfIndex& x_of_index);

// Invisible columns across the plot, each with a native tooltip (<title>) describing the
// samples under it: hover information that works with JavaScript switched off.
void hover_columns(std::string& out, const Plot& plot, std::size_t count,
                   const DescribeSamples& describe);

}  // namespace trader::backtest::html
