#pragma once
// Turns one symbol's 1-minute bars into candles of N minutes, exactly as the
// reference: the order of the checks, dropping duplicate/out-of-order and out-of-session bars,
// windows aligned to the 09:30 New York open of the bar's own session, a candle emitted when a
// bar of a later window arrives or the window is full, and flush(). O(1) per bar, no allocation:
// the candle is built as the bars come instead of from a buffer of them.

#include <chrono>
#include <optional>

#include <trader/calendar/nyse.hpp>
#include <trader/core/error.hpp>
#include <trader/data/bar.hpp>

namespace trader::data {

class CandleAggregator {
 public:
  // Candle intervals the strategies may use.
  [[nodiscard]] static constexpr bool is_valid_interval(int minutes) noexcept {
    return minutes == 1 || minutes == 2 || minutes == 5 || minutes == 10;
  }

  // Throws Error mentioning "interval" unless it is 1, 2, 5 or 10 minutes.
  CandleAggregator(SymbolId symbol, int interval_minutes)
      : symbol_(symbol), interval_(interval_minutes) {
    if (!is_valid_interval(interval_minutes)) {
      throw Error("candle interval must be one of 1, 2, 5, 10 minutes, got " +
                  std::to_string(interval_minutes));
    }
  }

  [[nodiscard]] int interval_minutes() const noexcept { return interval_; }

  // The candle completed by this bar, if any.
  [[nodiscard]] std::optional<Bar> process(const Bar& bar) {
    // 1. Duplicates and out-of-order bars are dropped.
    if (last_accepted_ && bar.ts <= *last_accepted_) return std::nullopt;
    // 2. Only bars inside the regular session of their (UTC) date count; the last accepted
    //    timestamp is not updated for the others.
    if (!in_session(bar.ts)) return std::nullopt;
    // 3.
    last_accepted_ = bar.ts;
    // 4. One-minute candles are the bars themselves.
    if (interval_ == 1) return bar;
    // The common case first: a bar inside the window in progress (no division needed).
    if (count_ > 0 && bar.ts >= window_start_ && bar.ts < window_end_) {
      add(bar);
      if (count_ < interval_) return std::nullopt;
      const Bar candle = build();
      count_ = 0;
      return candle;
    }
    // 5. Windows of N minutes from the session open (whole minutes; seconds are truncated).
    const auto since_open = std::chrono::floor<std::chrono::minutes>(bar.ts - session_open_);
    const Timestamp window = session_open_ + since_open / interval_ * interval_;
    // 6. A bar of a later window completes the one in progress (even if it misses minutes).
    if (count_ > 0 && window != window_start_) {
      const Bar candle = build();
      start(bar, window);
      return candle;
    }
    // 7.
    if (count_ == 0) {
      start(bar, window);
    } else {
      add(bar);
    }
    if (count_ >= interval_) {
      const Bar candle = build();
      count_ = 0;
      return candle;
    }
    return std::nullopt;
  }

  // The partial candle in progress, if any; the aggregator is then empty.
  [[nodiscard]] std::optional<Bar> flush() {
    if (count_ == 0) return std::nullopt;
    const Bar candle = build();
    count_ = 0;
    return candle;
  }

 private:
  // The session bounds are cached per date: looking them up is the costly part of a bar.
  bool in_session(Timestamp ts) {
    if (ts < day_start_ || ts >= day_end_) {
      const auto day = std::chrono::floor<std::chrono::days>(ts);
      day_start_ = Timestamp{day};
      day_end_ = day_start_ + std::chrono::days{1};
      const auto session = calendar::find_session(core::Date{day});
      has_session_ = session.has_value();
      if (session) {
        session_open_ = session->open;
        session_close_ = session->close;
      }
    }
    return has_session_ && ts >= session_open_ && ts < session_close_;
  }

  void start(const Bar& bar, Timestamp window) {
    window_start_ = window;
    window_end_ = window + std::chrono::minutes{interval_};
    candle_ = bar;
    count_ = 1;
  }

  void add(const Bar& bar) {
    candle_.high = max(candle_.high, bar.high);
    candle_.low = min(candle_.low, bar.low);
    candle_.close = bar.close;
    candle_.volume += bar.volume;
    ++count_;
  }

  [[nodiscard]] Bar build() const {
    Bar candle = candle_;
    candle.ts = window_start_;
    candle.symbol = symbol_;
    return candle;
  }

  SymbolId symbol_;
  int interval_;
  std::optional<Timestamp> last_accepted_;
  Timestamp window_start_{};
  Timestamp window_end_{};
  Bar candle_{};  // open of the first bar, running high/low/close/volume
  int count_ = 0;
  Timestamp day_start_{std::chrono::days{1}};  // empty range: the first bar looks the day up
  Timestamp day_end_{};
  bool has_session_ = false;
  Timestamp session_open_{};
  Timestamp session_close_{};
};

}  // namespace trader::data
