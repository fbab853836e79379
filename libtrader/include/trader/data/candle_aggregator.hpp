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
      : symbol_(symbol),
        interval_(interval_minutes),
        span_(std::chrono::minutes{interval_minutes}) {
    if (!is_valid_interval(interval_minutes)) {
      throw Error("candle interval must be one of 1, 2, 5, 10 minutes, got " +
                  std::to_string(interval_minutes));
    }
  }

  [[nodiscard]] int interval_minutes() const noexcept { return interval_; }

  // The candle completed by this bar, if any.
  [[nodiscard]] std::optional<Bar> process(const Bar& bar) {
    const Bar* candle = next(bar);
    if (candle == nullptr) return std::nullopt;
    return *candle;
  }

  // The same without a copy (the engine's per-bar path): the candle completed by this bar, or
  // nullptr. The candle is valid until the next call (for interval 1 it is `bar` itself).
  [[nodiscard]] const Bar* next(const Bar& bar) {
    // Inline, the two common cases (what next_in_general does with them, in fewer steps): a bar
    // of the cached session after the last one, inside the window in progress or opening the
    // window right after the last one.
    const Timestamp ts = bar.ts;
    if (ts > last_accepted_ && ts >= session_open_ && ts < session_close_) {
      if (count_ > 0) {
        if (ts >= window_start_ && ts < window_end_) {
          last_accepted_ = ts;
          add(bar);
          if (count_ < interval_) return nullptr;
          count_ = 0;
          return &candle_;  // untouched until the next bar starts a window
        }
      } else if (interval_ > 1 && window_end_ >= session_open_ && ts >= window_end_ &&
                 ts < window_end_ + span_) {
        last_accepted_ = ts;
        start(bar, window_end_);
        return nullptr;  // one bar of at least two
      }
    }
    return next_in_general(bar);
  }

  // The partial candle in progress, if any; the aggregator is then empty.
  [[nodiscard]] std::optional<Bar> flush() {
    if (count_ == 0) return std::nullopt;
    count_ = 0;
    return candle_;
  }

 private:
  // Every case, in the reference's order of checks.
  [[gnu::noinline]] const Bar* next_in_general(const Bar& bar) {
    // 1. Duplicates and out-of-order bars are dropped.
    if (bar.ts <= last_accepted_) return nullptr;
    // 2. Only bars inside the regular session of their (UTC) date count; the last accepted
    //    timestamp is not updated for the others. (The cached session lies inside the cached
    //    day and is empty when the day has none, so a bar inside it needs no other check.)
    if ((bar.ts < session_open_ || bar.ts >= session_close_) && !enter_day(bar.ts)) {
      return nullptr;
    }
    // 3.
    last_accepted_ = bar.ts;
    // 4. One-minute candles are the bars themselves.
    if (interval_ == 1) return &bar;
    // A bar inside the window in progress (no division needed).
    if (count_ > 0 && bar.ts >= window_start_ && bar.ts < window_end_) {
      add(bar);
      if (count_ < interval_) return nullptr;
      count_ = 0;
      return &candle_;  // untouched until the next bar starts a window
    }
    // 5. Windows of N minutes from the session open (whole minutes; seconds are truncated).
    //    The window after the last one of this session is that window (no division needed).
    const Timestamp window =
        window_end_ >= session_open_ && bar.ts >= window_end_ && bar.ts < window_end_ + span_
            ? window_end_
            : session_open_ + std::chrono::floor<std::chrono::minutes>(bar.ts - session_open_) /
                                  interval_ * interval_;
    // 6. A bar of a later window completes the one in progress (even if it misses minutes).
    if (count_ > 0 && window != window_start_) {
      completed_ = candle_;
      start(bar, window);
      return &completed_;
    }
    // 7.
    if (count_ == 0) {
      start(bar, window);
    } else {
      add(bar);
    }
    if (count_ >= interval_) {
      count_ = 0;
      return &candle_;
    }
    return nullptr;
  }

  // The session bounds are cached per date: looking them up is the costly part of a bar.
  // Whether `ts` (outside the cached session) is inside the session of its date.
  bool enter_day(Timestamp ts) {
    if (ts >= day_start_ && ts < day_end_) return false;  // the cached day: outside its session
    const auto day = std::chrono::floor<std::chrono::days>(ts);
    day_start_ = Timestamp{day};
    day_end_ = day_start_ + std::chrono::days{1};
    const auto session = calendar::lookup_session(core::Date{day});
    // A day without a session caches an empty one.
    session_open_ = session ? session->open : day_start_;
    session_close_ = session ? session->close : day_start_;
    return ts >= session_open_ && ts < session_close_;
  }

  // The candle carries the window's start and the aggregator's symbol from its first bar on.
  // Field by field: a whole-Bar copy compiles to `rep movs` here, whose start-up cost was the
  // most expensive instruction of the engine's per-bar path.
  void start(const Bar& bar, Timestamp window) {
    window_start_ = window;
    window_end_ = window + span_;
    candle_.ts = window;
    candle_.open = bar.open;
    candle_.high = bar.high;
    candle_.low = bar.low;
    candle_.close = bar.close;
    candle_.volume = bar.volume;
    candle_.symbol = symbol_;
    count_ = 1;
  }

  void add(const Bar& bar) {
    candle_.high = max(candle_.high, bar.high);
    candle_.low = min(candle_.low, bar.low);
    candle_.close = bar.close;
    candle_.volume += bar.volume;
    ++count_;
  }

  SymbolId symbol_;
  int interval_;
  core::Microseconds span_;                     // the interval
  Timestamp last_accepted_ = Timestamp::min();  // none yet (no session starts that early)
  Timestamp window_start_{};
  Timestamp window_end_{};
  Bar candle_{};     // the window's start, open of the first bar, running high/low/close/volume
  Bar completed_{};  // a candle completed by a bar of a later window
  int count_ = 0;
  Timestamp day_start_{std::chrono::days{1}};  // empty range: the first bar looks the day up
  Timestamp day_end_{};
  Timestamp session_open_{};  // the cached day's session; empty when it has none
  Timestamp session_close_{};
};

}  // namespace trader::data
