#pragma once
// What GET /metrics exposes, in Prometheus' text format (version 0.0.4): counters of bars,
// candles, orders by outcome and stream reconnects, the age of the last bar, and a histogram of
// the time from a bar's frame being read to the order it caused being sent. Recording is a few
// integer additions and allocates nothing (it sits on the per-bar path); only render() builds
// text. One thread: the runtime's io_context thread records and renders.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <trader/core/timestamp.hpp>
#include <trader/orders/order.hpp>

namespace trader::runtime {

// The streams whose reconnects are counted.
enum class StreamName : std::uint8_t { market_data, trade_updates };
[[nodiscard]] std::string_view to_string(StreamName stream) noexcept;

// A latency histogram with fixed buckets (upper bounds in seconds, 50 us .. 5 s, and +Inf).
class LatencyHistogram {
 public:
  static constexpr std::array<double, 16> kBounds{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                  0.005,   0.01,   0.025,   0.05,   0.1,   0.25,
                                                  0.5,     1.0,    2.5,     5.0};

  void observe(std::chrono::nanoseconds latency) noexcept;

  // Observations per bucket (not cumulative); the last is above every bound.
  [[nodiscard]] const std::array<std::uint64_t, kBounds.size() + 1>& buckets() const noexcept {
    return buckets_;
  }
  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] double sum_seconds() const noexcept { return static_cast<double>(sum_ns_) / 1e9; }
  // The upper bound of the bucket holding quantile q (0 < q <= 1); +Inf for the top bucket,
  // 0 with no observation. For a quick p50/p99 (the exact figures come from trader-bench).
  [[nodiscard]] double quantile_bound(double q) const noexcept;

 private:
  std::array<std::uint64_t, kBounds.size() + 1> buckets_{};
  std::uint64_t count_ = 0;
  std::int64_t sum_ns_ = 0;  // exact: integer nanoseconds
};

class Metrics {
 public:
  void bar_processed() noexcept { ++bars_; }
  void candle_closed() noexcept { ++candles_; }
  // An order event as the broker reported it (submitted, filled, rejected, ...).
  void order_event(orders::OrderEventType type) noexcept {
    ++orders_[static_cast<std::size_t>(type)];
  }
  void stream_reconnected(StreamName stream) noexcept {
    ++reconnects_[static_cast<std::size_t>(stream)];
  }
  // The counter catches up with a stream's own count (FeedHealth::reconnects); never goes down.
  void stream_reconnects_total(StreamName stream, std::int64_t total) noexcept;
  // A bar arrived at `now` on the runtime's clock: the age gauge counts from it.
  void bar_received(core::Timestamp now) noexcept { last_bar_ = now; }
  void bar_to_order(std::chrono::nanoseconds latency) noexcept { latency_.observe(latency); }

  [[nodiscard]] std::int64_t bars() const noexcept { return bars_; }
  [[nodiscard]] std::int64_t candles() const noexcept { return candles_; }
  [[nodiscard]] std::int64_t orders(orders::OrderEventType type) const noexcept {
    return orders_[static_cast<std::size_t>(type)];
  }
  [[nodiscard]] std::int64_t reconnects(StreamName stream) const noexcept {
    return reconnects_[static_cast<std::size_t>(stream)];
  }
  [[nodiscard]] const LatencyHistogram& bar_to_order_latency() const noexcept { return latency_; }

  // The exposition text; the last-bar age is measured at `now` (NaN before the first bar).
  [[nodiscard]] std::string render(core::Timestamp now) const;

 private:
  static constexpr std::size_t kOrderEventTypes = 12;  // orders::OrderEventType's enumerators
  static constexpr std::size_t kStreams = 2;

  std::int64_t bars_ = 0;
  std::int64_t candles_ = 0;
  std::array<std::int64_t, kOrderEventTypes> orders_{};
  std::array<std::int64_t, kStreams> reconnects_{};
  core::Timestamp last_bar_{};
  LatencyHistogram latency_;
};

// The Content-Type of render()'s text.
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace trader::runtime
