#pragma once
// Small helpers every tool shares: terminal detection, symbol lists, dates, and a progress line.
// No trading logic here.

#include <unistd.h>

#include <fmt/core.h>

#include <cstdio>
#include <string>
#include <vector>

#include <trader/core/error.hpp>
#include <trader/core/symbol.hpp>
#include <trader/core/timestamp.hpp>

namespace trader::tools {

// "aapl, msft" -> {"AAPL", "MSFT"}; ParseError names a bad symbol.
inline std::vector<std::string> parse_symbols(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty() && part.find_first_not_of(" \t") != std::string::npos) {
      out.push_back(core::normalize_symbol(part));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// A YYYY-MM-DD command-line value; ParseError names the option.
inline core::Date parse_date_option(const std::string& text, const std::string& option) {
  try {
    return core::parse_date(text);
  } catch (const ParseError& e) {
    throw ParseError("a date YYYY-MM-DD for " + option, text);
  }
}

inline bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

// A one-line progress display on stderr, only on a terminal, redrawn in place.
class ProgressLine {
 public:
  explicit ProgressLine(std::string label)
      : label_(std::move(label)), active_(stderr_is_terminal()) {}
  ~ProgressLine() { done(); }
  void update(std::int64_t count, const char* unit) {
    if (!active_) return;
    fmt::print(stderr, "\r{}: {} {}   ", label_, count, unit);
    std::fflush(stderr);
    shown_ = true;
  }
  void done() {
    if (shown_) fmt::print(stderr, "\n");
    shown_ = false;
  }

 private:
  std::string label_;
  bool active_;
  bool shown_ = false;
};

// 1234567 -> "1,234,567"
inline std::string with_thousands(std::int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

}  // namespace trader::tools
