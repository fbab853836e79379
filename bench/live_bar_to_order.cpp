// trader-bench live_bar_to_order (issue 14), through the real runtime (paper mode, AlpacaBroker,
// both streams) against the paper-venue double on loopback:
// - runtime_*: the runtime's own span, from a bar reaching it (its frame read off the
//   market-data socket and decoded) to the order request it caused being handed to the broker
//   adapter: every order's exact span, from the runtime's on_bar_to_order hook. The goal is on
//   its p99. (histogram_*: the same from the /metrics histogram, the upper bounds of the
//   buckets holding p50 and p99.)
// - socket_to_socket_*: from the venue writing a bar frame to it reading the order request the
//   bar caused: an upper bound, both loopback hops and the venue's threads included.
// At 600x, background work a real day spreads over minutes (the once-a-second health tick, the
// order audit, pings) runs every few milliseconds beside the bars, so the figures are if
// anything pessimistic. Machines are noisy: run it several times and quote medians.
#include "live_bar_to_order.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/log/log.hpp>
#include <trader/runtime/runtime.hpp>
#include <trader/runtime/status_client.hpp>
#include <trader/strategy/strategy.hpp>

#include "support/paper_venue.hpp"

namespace trader::bench {
namespace {

using core::Decimal;
using namespace std::chrono_literals;

// Every candle (1 minute) causes an order: a buy stop $5 above the candle's high, which the bars
// never reach; the pending entry is cancelled at the next candle, and the one after enters
// again. So the measured path is the whole entry decision (signal, risk, sizing, order) and no
// fill or exit disturbs it.
class EveryBar final : public strategy::Strategy {
 public:
  [[nodiscard]] std::string_view name() const noexcept override { return "every-bar"; }
  [[nodiscard]] int required_history() const noexcept override { return 0; }
  [[nodiscard]] bool should_long(const data::Bar&, const strategy::IndicatorSet&) override {
    return true;
  }
  [[nodiscard]] Decimal entry_price(const data::Bar& candle,
                                    const strategy::IndicatorSet&) override {
    return candle.high + Decimal::from_integer(5);
  }
  [[nodiscard]] Decimal stop_loss_price(const data::Bar& candle,
                                        const strategy::IndicatorSet&) override {
    return candle.low - Decimal::from_integer(1);
  }
  [[nodiscard]] std::optional<Decimal> should_update_stop(const data::Bar&,
                                                          const strategy::PositionView&,
                                                          const strategy::IndicatorSet&) override {
    return std::nullopt;
  }
  [[nodiscard]] bool should_exit(const data::Bar&, const strategy::PositionView&,
                                 const strategy::IndicatorSet&) override {
    return true;
  }
  [[nodiscard]] bool should_cancel_pending(const data::Bar&, int candles) override {
    return candles >= 1;
  }
};

// A gentle zig-zag around $100: entries at a candle's high fill on the next bar often enough.
std::vector<testing::VenueBar> zigzag(core::Timestamp start, int minutes) {
  std::vector<testing::VenueBar> bars;
  for (int i = 0; i < minutes; ++i) {
    const Decimal mid = Decimal::from_integer(100) + Decimal::from_units((i % 7) * 5'000'000);
    testing::VenueBar b;
    b.t = start + std::chrono::minutes(i);
    b.o = mid;
    b.h = mid + Decimal::from_units(10'000'000);
    b.l = mid - Decimal::from_units(10'000'000);
    b.c = mid + Decimal::from_units(((i % 2) == 0 ? 5 : -5) * 1'000'000);
    b.v = 1000;
    bars.push_back(b);
  }
  return bars;
}

// The value of one sample line of the exposition text ("name{labels} value").
double sample(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nan("");
  return std::stod(text.substr(at + series.size() + 2));
}

// The upper bound of the bucket holding quantile q, from the cumulative buckets.
double quantile_bound(const std::string& text, const std::string& name, double q) {
  const double count = sample(text, name + "_count");
  if (!(count > 0)) return std::nan("");
  const double rank = std::ceil(q * count);
  std::istringstream lines(text);
  const std::string prefix = name + "_bucket{le=\"";
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    const auto close = line.find('"', prefix.size());
    const std::string le = line.substr(prefix.size(), close - prefix.size());
    const double cumulative = std::stod(line.substr(line.rfind(' ') + 1));
    if (cumulative >= rank) return le == "+Inf" ? INFINITY : std::stod(le);
  }
  return std::nan("");
}

}  // namespace

void live_bar_to_order(const std::filesystem::path& scratch) {
  constexpr int kMinutes = 240;
  constexpr int kSpeed = 600;  // the venue publishes a minute every 100 ms; the clock keeps pace
  testing::PaperVenueOptions venue_options;
  venue_options.book.cash = Decimal::from_integer(1'000'000);
  testing::PaperVenue venue(venue_options);
  const core::Timestamp start = venue_options.start_time;
  venue.add_bars("AAPL", zigzag(start, kMinutes));

  runtime::RuntimeOptions options;
  auto& s = options.settings;
  s.log.level = config::LogLevel::warning;
  log::init(s.log);  // the runtime's lines below warnings would drown the figures
  s.broker.api_key = config::Secret(venue_options.api_key);
  s.broker.secret_key = config::Secret(venue_options.secret_key);
  s.broker.trading_url = venue.base_url();
  s.broker.data_url = venue.base_url();
  std::string stream = venue.data_stream_url("iex");
  stream.resize(stream.size() - std::string("/iex").size());
  s.broker.data_stream_url = stream;
  s.watchlist = {"AAPL"};
  s.db_path = (scratch / "live_bar_to_order.db").string();
  s.web.port = 0;
  s.engine.clock_start = core::format_timestamp(start - 30s);
  s.engine.clock_speed = kSpeed;
  options.strategy_name = "every-bar";
  options.make_strategy = [] { return std::make_unique<EveryBar>(); };
  // The print callback runs on the runtime's thread: the address crosses under a lock.
  std::mutex address_mutex;
  std::string address;
  options.print = [&](std::string_view line) {
    constexpr std::string_view kStatus = "Status:    http://";
    if (line.rfind(kStatus, 0) == 0) {
      const std::lock_guard lock(address_mutex);
      address =
          std::string(line.substr(kStatus.size(), line.find('/', kStatus.size()) - kStatus.size()));
    }
  };
  // Exact spans, from the runtime's own hook (its histogram's buckets are too coarse for a
  // p99); written on the runtime's thread, read after it is joined.
  std::vector<double> span_us;
  span_us.reserve(kMinutes);
  options.on_bar_to_order = [&span_us](std::chrono::nanoseconds span) {
    span_us.push_back(std::chrono::duration<double, std::micro>(span).count());
  };
  runtime::Runtime runtime(std::move(options));
  int code = -1;
  std::thread run([&] { code = runtime.run(); });

  // Wait for the status endpoint (the runtime prints it after the paper gate), then play.
  const auto guard = std::chrono::steady_clock::now() + 60s;
  std::string host;
  int port = 0;
  std::string metrics;
  while (std::chrono::steady_clock::now() < guard) {
    std::this_thread::sleep_for(50ms);
    std::string seen;
    {
      const std::lock_guard lock(address_mutex);
      seen = address;
    }
    const auto colon = seen.rfind(':');
    if (colon == std::string::npos) continue;
    host = seen.substr(0, colon);
    port = std::stoi(seen.substr(colon + 1));
    try {
      const auto health = runtime::fetch_health(host, port);
      if (health.status == 200) break;
    } catch (const runtime::StatusClientError&) {
    }
  }
  venue.play(std::chrono::milliseconds(60'000 / kSpeed));
  while (venue.minutes_left() > 0 && std::chrono::steady_clock::now() < guard + 120s) {
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(300ms);  // the last bar's order
  try {
    metrics = runtime::status_request(host, port, "GET", "/metrics").body;
    static_cast<void>(runtime::request_shutdown(host, port));
  } catch (const runtime::StatusClientError& e) {
    fmt::print(stderr, "live_bar_to_order: {}\n", e.what());
    runtime.request_shutdown("bench");
  }
  run.join();

  const std::string name = "trader_bar_to_order_latency_seconds";
  const double samples = sample(metrics, name + "_count");
  const double sum = sample(metrics, name + "_sum");
  const double p50 = quantile_bound(metrics, name, 0.50);
  const double p99 = quantile_bound(metrics, name, 0.99);

  // Socket to socket, seen from the venue: from a minute's bar frame handed to the market-data
  // socket to the order request it caused read whole off the trading socket. It holds both
  // loopback hops and the runtime's whole path (frame read, JSON, engine, order, HTTP write), so
  // it bounds the runtime's own span from above. Each order follows the latest bar frame.
  const auto frames = venue.bar_frames();
  std::vector<double> wire_us;
  for (const auto& request : venue.requests()) {
    if (request.method != "POST" || request.target != "/v2/orders") continue;
    const auto after = std::upper_bound(
        frames.begin(), frames.end(), request.received,
        [](auto received, const testing::BarFrameSent& frame) { return received < frame.sent; });
    if (after == frames.begin()) continue;
    wire_us.push_back(
        std::chrono::duration<double, std::micro>(request.received - std::prev(after)->sent)
            .count());
  }
  std::sort(wire_us.begin(), wire_us.end());
  std::sort(span_us.begin(), span_us.end());
  const auto quantile = [](const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return std::nan("");
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
  };
  fmt::print(
      "{{\"name\":\"live_bar_to_order\",\"orders\":{},\"bars\":{},"
      "\"runtime_p50_us\":{:.1f},\"runtime_p99_us\":{:.1f},\"runtime_max_us\":{:.1f},"
      "\"runtime_mean_us\":{:.1f},\"runtime_samples\":{},"
      "\"socket_to_socket_p50_us\":{:.1f},\"socket_to_socket_p99_us\":{:.1f},"
      "\"socket_to_socket_max_us\":{:.1f},\"histogram_p50_us_at_most\":{},"
      "\"histogram_p99_us_at_most\":{},\"exit_code\":{},\"goal\":\"runtime p99 < 1000 us\"}}\n",
      wire_us.size(), kMinutes, quantile(span_us, 0.50), quantile(span_us, 0.99),
      span_us.empty() ? std::nan("") : span_us.back(), samples > 0 ? sum / samples * 1e6 : 0.0,
      span_us.size(), quantile(wire_us, 0.50), quantile(wire_us, 0.99),
      wire_us.empty() ? std::nan("") : wire_us.back(), p50 * 1e6, p99 * 1e6, code);
}

}  // namespace trader::bench
