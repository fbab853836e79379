#include "backtest/html_report/text.hpp"

#include <array>
#include <charconv>  // to_chars: locale-free and much faster than a stream per number
#include <chrono>
#include <cmath>

#include <trader/calendar/new_york.hpp>

namespace trader::backtest::html {

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

void append_grouped_int(std::string& out, std::int64_t value) {
  core::append_with_thousands(out, value);
}

void append_fixed(std::string& out, double value, int decimals) {
  if (!std::isfinite(value)) {
    out += kDash;
    return;
  }
  if (std::fabs(value) < 0.5 * std::pow(10.0, -decimals)) value = 0.0;
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                    std::chars_format::fixed, decimals);
  if (result.ec != std::errc{}) {
    out += kDash;
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
    core::append_with_thousands(out, text);
  }
}

void append_percent(std::string& out, double percent, int decimals) {
  append_fixed(out, percent, decimals);
  out += '%';
}

void append_price(std::string& out, core::Decimal price) {
  core::append_with_thousands(out, price.to_string_min(2));
}

WallClock wall_clock(core::Timestamp ts) {
  const int year = static_cast<int>(core::utc_date(ts).year());
  if (year >= calendar::kFirstYear && year <= calendar::kLastYear) {
    return {calendar::to_new_york(ts), false};
  }
  return {core::LocalTime{ts.time_since_epoch()}, true};
}

core::Date local_date(core::LocalTime local) {
  return core::Date{std::chrono::floor<std::chrono::days>(local)};
}

void append_two_digits(std::string& out, unsigned value) {
  out += static_cast<char>('0' + (value / 10) % 10);
  out += static_cast<char>('0' + value % 10);
}

void append_date(std::string& out, core::Date date) {
  if (!date.ok()) {
    out += kDash;
    return;
  }
  append_int(out, static_cast<int>(date.year()));
  out += '-';
  append_two_digits(out, static_cast<unsigned>(date.month()));
  out += '-';
  append_two_digits(out, static_cast<unsigned>(date.day()));
}

void append_date_time(std::string& out, core::Timestamp ts) {
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

std::string_view sign_class(double value) {
  if (value > 0) return "pos";
  if (value < 0) return "neg";
  return "flat";
}

std::string_view sign_class(core::Decimal value) {
  if (value > core::Decimal{}) return "pos";
  if (value < core::Decimal{}) return "neg";
  return "flat";
}

void no_data(std::string& out, std::string_view escaped_text) {
  out += "<div class=\"no-data\">";
  out += escaped_text;
  out += "</div>\n";
}

}  // namespace trader::backtest::html
