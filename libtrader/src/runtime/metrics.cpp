#include <trader/runtime/metrics.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace trader::runtime {

// Every enumerator has a counter: a new one must grow kOrderEventTypes (and its render loop).
static_assert(static_cast<std::size_t>(orders::OrderEventType::cancel_rejected) + 1 == 12);

std::string_view to_string(StreamName stream) noexcept {
  switch (stream) {
    case StreamName::market_data:
      return "market_data";
    case StreamName::trade_updates:
      return "trade_updates";
  }
  return "unknown";
}

namespace {

// The bounds in whole nanoseconds, so a latency on a bound (1 ms) falls in its bucket exactly.
constexpr std::array<std::int64_t, LatencyHistogram::kBounds.size()> kBoundsNs{
    50'000,      100'000,       250'000,       500'000,      1'000'000,   2'500'000,
    5'000'000,   10'000'000,    25'000'000,    50'000'000,   100'000'000, 250'000'000,
    500'000'000, 1'000'000'000, 2'500'000'000, 5'000'000'000};
constexpr bool same_bounds() {
  for (std::size_t i = 0; i < kBoundsNs.size(); ++i) {
    const double difference =
        LatencyHistogram::kBounds[i] * 1e9 - static_cast<double>(kBoundsNs[i]);
    if (difference > 0.5 || difference < -0.5) return false;
  }
  return true;
}
static_assert(same_bounds(), "kBoundsNs must match LatencyHistogram::kBounds");

}  // namespace

void LatencyHistogram::observe(std::chrono::nanoseconds latency) noexcept {
  const auto ns = std::max<std::int64_t>(latency.count(), 0);
  // 16 bounds: a linear scan is as quick as a binary search and branch-predictable.
  std::size_t bucket = 0;
  while (bucket < kBoundsNs.size() && ns > kBoundsNs[bucket]) ++bucket;
  ++buckets_[bucket];
  ++count_;
  sum_ns_ += ns;
}

double LatencyHistogram::quantile_bound(double q) const noexcept {
  if (count_ == 0) return 0.0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    seen += buckets_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) return kBounds[i];
  }
  return std::numeric_limits<double>::infinity();
}

void Metrics::stream_reconnects_total(StreamName stream, std::int64_t total) noexcept {
  auto& counter = reconnects_[static_cast<std::size_t>(stream)];
  counter = std::max(counter, total);
}

namespace {

// Prometheus' float text: shortest round-trip form; +Inf, -Inf and NaN spelled its way.
std::string number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

}  // namespace

std::string Metrics::render(core::Timestamp now) const {
  std::string out;
  out.reserve(4096);
  header(out, "trader_bars_processed_total", "counter", "Minute bars received and processed.");
  out += fmt::format("trader_bars_processed_total {}\n", bars_);
  header(out, "trader_candles_total", "counter", "Candles closed and evaluated.");
  out += fmt::format("trader_candles_total {}\n", candles_);

  header(out, "trader_orders_total", "counter", "Order events reported by the broker, by outcome.");
  for (std::size_t i = 0; i < kOrderEventTypes; ++i) {
    out += fmt::format("trader_orders_total{{outcome=\"{}\"}} {}\n",
                       orders::to_string(static_cast<orders::OrderEventType>(i)), orders_[i]);
  }

  header(out, "trader_stream_reconnects_total", "counter",
         "Stream connections after the first, by stream.");
  for (std::size_t i = 0; i < kStreams; ++i) {
    out += fmt::format("trader_stream_reconnects_total{{stream=\"{}\"}} {}\n",
                       to_string(static_cast<StreamName>(i)), reconnects_[i]);
  }

  header(out, "trader_last_bar_age_seconds", "gauge",
         "Seconds since the last bar arrived, on the runtime's clock (NaN before the first).");
  const double age = last_bar_ == core::Timestamp{}
                         ? std::numeric_limits<double>::quiet_NaN()
                         : std::chrono::duration<double>(now - last_bar_).count();
  out += fmt::format("trader_last_bar_age_seconds {}\n", number(age));

  constexpr std::string_view kLatency = "trader_bar_to_order_latency_seconds";
  header(out, kLatency, "histogram",
         "From a bar's frame read off the socket to the order request it caused being sent.");
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < LatencyHistogram::kBounds.size(); ++i) {
    cumulative += latency_.buckets()[i];
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", kLatency,
                       number(LatencyHistogram::kBounds[i]), cumulative);
  }
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", kLatency, latency_.count());
  out += fmt::format("{}_sum {}\n", kLatency, number(latency_.sum_seconds()));
  out += fmt::format("{}_count {}\n", kLatency, latency_.count());
  return out;
}

}  // namespace trader::runtime
