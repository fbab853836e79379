// The status snapshot's JSON (exact money, nulls, escaping) and the health verdict; the metrics'
// Prometheus text and the histogram's buckets, recorded without allocating.
#include <trader/runtime/status.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <trader/core/decimal.hpp>
#include <trader/runtime/metrics.hpp>

#include "support/counting_new.hpp"

namespace trader::testing {
namespace {

using core::Decimal;
using core::parse_timestamp;
using namespace std::chrono_literals;

runtime::StatusSnapshot sample() {
  runtime::StatusSnapshot s;
  s.state = "running";
  s.mode = "paper";
  s.simulated_clock = true;
  s.clock = parse_timestamp("2026-03-02T15:04:05Z");
  s.started_at = parse_timestamp("2026-03-02T14:00:00Z");
  s.uptime_seconds = 12.5;
  s.strategy = "velez";
  runtime::FeedHealth data;
  data.connected = true;
  data.last_message = parse_timestamp("2026-03-02T15:04:00Z");
  data.reconnects = 2;
  s.streams.push_back(runtime::stream_status("market_data", data, s.clock, true));
  runtime::FeedHealth trades;
  trades.connected = true;
  s.streams.push_back(runtime::stream_status("trade_updates", trades, s.clock, false));
  runtime::PositionStatus position;
  position.symbol = "AAPL";
  position.quantity = 10;
  position.entry_price = Decimal::parse("187.123456");
  position.opened_at = parse_timestamp("2026-03-02T14:45:00Z");
  position.stop_price = Decimal::parse("185.5");
  position.stop_order_id = "stop-1";
  position.strategy = "velez";
  s.positions.push_back(position);
  runtime::PositionStatus bare;
  bare.symbol = "MSFT";
  bare.quantity = 3;
  bare.entry_price = Decimal::parse("400");
  s.positions.push_back(bare);
  runtime::OrderStatus order;
  order.client_order_id = "bt-\"7\"";
  order.symbol = "TSLA";
  order.type = orders::OrderType::limit;
  order.state = orders::OrderState::submitted;
  order.quantity = 5;
  order.limit_price = Decimal::parse("250.01");
  order.submitted_at = parse_timestamp("2026-03-02T15:03:00Z");
  s.pending_orders.push_back(order);
  s.realized_pnl_today = Decimal::parse("-12.34");
  s.equity = Decimal::parse("25000.00000001");
  s.circuit_breaker.tripped = true;
  s.circuit_breaker.reason = "3 consecutive losses";
  s.circuit_breaker.consecutive_losses = 3;
  s.circuit_breaker.start_of_day_equity = Decimal::parse("25100");
  s.bars_processed = 1234;
  s.stream_gaps = 1;
  return s;
}

TEST_SUITE("runtime") {
  TEST_CASE("the status snapshot as JSON: exact money strings, nulls, escaped text") {
    const std::string json = runtime::to_json(sample());
    CHECK(json ==
          "{\"state\":\"running\",\"mode\":\"paper\",\"simulated_clock\":true,"
          "\"clock\":\"2026-03-02T15:04:05Z\",\"started_at\":\"2026-03-02T14:00:00Z\","
          "\"uptime_seconds\":12.500,\"strategy\":\"velez\","
          "\"streams\":[{\"name\":\"market_data\",\"connected\":true,"
          "\"last_message_age_seconds\":5.000,\"reconnects\":2,\"fatal_error\":null},"
          "{\"name\":\"trade_updates\",\"connected\":true,\"last_message_age_seconds\":null,"
          "\"reconnects\":0,\"fatal_error\":null}],"
          "\"positions\":[{\"symbol\":\"AAPL\",\"quantity\":10,\"entry_price\":\"187.123456\","
          "\"opened_at\":\"2026-03-02T14:45:00Z\",\"stop_price\":\"185.5\","
          "\"stop_order_id\":\"stop-1\",\"strategy\":\"velez\"},"
          "{\"symbol\":\"MSFT\",\"quantity\":3,\"entry_price\":\"400\",\"opened_at\":null,"
          "\"stop_price\":null,\"stop_order_id\":null,\"strategy\":null}],"
          "\"pending_orders\":[{\"client_order_id\":\"bt-\\\"7\\\"\",\"broker_order_id\":null,"
          "\"symbol\":\"TSLA\",\"side\":\"buy\",\"type\":\"limit\",\"role\":\"entry\","
          "\"state\":\"submitted\",\"quantity\":5,\"filled_quantity\":0,"
          "\"limit_price\":\"250.01\",\"stop_price\":null,"
          "\"submitted_at\":\"2026-03-02T15:03:00Z\"}],"
          "\"realized_pnl_today\":\"-12.34\",\"equity\":\"25000.00000001\","
          "\"circuit_breaker\":{\"tripped\":true,\"reason\":\"3 consecutive losses\","
          "\"consecutive_losses\":3,\"start_of_day_equity\":\"25100\"},"
          "\"bars_processed\":1234,\"supervision_failures\":0,\"stream_gaps\":1}");

    runtime::StatusSnapshot empty;
    CHECK(runtime::to_json(empty) ==
          "{\"state\":\"\",\"mode\":\"\",\"simulated_clock\":false,\"clock\":null,"
          "\"started_at\":null,\"uptime_seconds\":0.000,\"strategy\":null,\"streams\":[],"
          "\"positions\":[],\"pending_orders\":[],\"realized_pnl_today\":\"0\",\"equity\":null,"
          "\"circuit_breaker\":{\"tripped\":false,\"reason\":null,\"consecutive_losses\":0,"
          "\"start_of_day_equity\":\"0\"},\"bars_processed\":0,\"supervision_failures\":0,"
          "\"stream_gaps\":0}");
  }

  TEST_CASE("health: running with connected, fresh streams; otherwise the first reason") {
    auto s = sample();
    CHECK(runtime::assess_health(s, 180s).healthy);
    CHECK(runtime::assess_health(s, 180s).reason.empty());

    // Stale: only a stream that expects messages is judged by its age.
    s.streams[0].last_message_age_seconds = 240.0;
    auto verdict = runtime::assess_health(s, 180s);
    CHECK_FALSE(verdict.healthy);
    CHECK(verdict.reason == "market_data silent for 240 s (limit 180 s)");
    s.streams[0].expect_messages = false;  // outside the session
    CHECK(runtime::assess_health(s, 180s).healthy);

    s.streams[1].connected = false;
    CHECK(runtime::assess_health(s, 180s).reason == "trade_updates is disconnected");
    s.streams[1].fatal_error = "401 unauthorized";
    CHECK(runtime::assess_health(s, 180s).reason == "trade_updates stopped: 401 unauthorized");

    s = sample();
    s.state = "warming_up";
    verdict = runtime::assess_health(s, 180s);
    CHECK_FALSE(verdict.healthy);
    CHECK(verdict.reason == "state is warming_up");
  }

  TEST_CASE("metrics in Prometheus text format") {
    runtime::Metrics metrics;
    const auto now = parse_timestamp("2026-03-02T15:00:00Z");
    CHECK(metrics.render(now).find("trader_last_bar_age_seconds NaN\n") != std::string::npos);

    metrics.bar_processed();
    metrics.bar_processed();
    metrics.candle_closed();
    metrics.order_event(orders::OrderEventType::submitted);
    metrics.order_event(orders::OrderEventType::fill);
    metrics.order_event(orders::OrderEventType::fill);
    metrics.stream_reconnected(runtime::StreamName::market_data);
    metrics.stream_reconnects_total(runtime::StreamName::trade_updates, 3);
    metrics.stream_reconnects_total(runtime::StreamName::trade_updates, 1);  // never down
    metrics.bar_received(now - 2500ms);
    metrics.bar_to_order(40us);   // first bucket (<= 50 us)
    metrics.bar_to_order(800us);  // <= 1 ms
    metrics.bar_to_order(1ms);    // <= 1 ms: a bound is inclusive
    metrics.bar_to_order(9s);     // above every bound
    const std::string text = metrics.render(now);

    const auto has = [&](const std::string& line) {
      CAPTURE(line);
      CHECK(text.find(line + "\n") != std::string::npos);
    };
    has("# HELP trader_bars_processed_total Minute bars received and processed.");
    has("# TYPE trader_bars_processed_total counter");
    has("trader_bars_processed_total 2");
    has("trader_candles_total 1");
    has("# TYPE trader_orders_total counter");
    has("trader_orders_total{outcome=\"submitted\"} 1");
    has("trader_orders_total{outcome=\"fill\"} 2");
    has("trader_orders_total{outcome=\"rejected\"} 0");
    has("trader_stream_reconnects_total{stream=\"market_data\"} 1");
    has("trader_stream_reconnects_total{stream=\"trade_updates\"} 3");
    has("# TYPE trader_last_bar_age_seconds gauge");
    has("trader_last_bar_age_seconds 2.5");
    has("# TYPE trader_bar_to_order_latency_seconds histogram");
    has("trader_bar_to_order_latency_seconds_bucket{le=\"5e-05\"} 1");
    has("trader_bar_to_order_latency_seconds_bucket{le=\"0.0005\"} 1");
    has("trader_bar_to_order_latency_seconds_bucket{le=\"0.001\"} 3");
    has("trader_bar_to_order_latency_seconds_bucket{le=\"5\"} 3");
    has("trader_bar_to_order_latency_seconds_bucket{le=\"+Inf\"} 4");
    has("trader_bar_to_order_latency_seconds_count 4");
    has("trader_bar_to_order_latency_seconds_sum 9.00184");
    CHECK(text.back() == '\n');
    // Every sample line belongs to a metric announced by a TYPE line before it.
    std::string announced;
    std::size_t begin = 0;
    while (begin < text.size()) {
      const auto end = text.find('\n', begin);
      const std::string line = text.substr(begin, end - begin);
      begin = end + 1;
      if (line.rfind("# TYPE ", 0) == 0) {
        announced = line.substr(7, line.find(' ', 7) - 7);
      } else if (line.rfind('#', 0) != 0) {
        CAPTURE(line);
        CHECK(line.rfind(announced, 0) == 0);
      }
    }

    const auto& histogram = metrics.bar_to_order_latency();
    CHECK(histogram.quantile_bound(0.5) == doctest::Approx(0.001));
    CHECK(histogram.quantile_bound(0.25) == doctest::Approx(0.00005));
    CHECK(histogram.quantile_bound(0.99) == std::numeric_limits<double>::infinity());
    CHECK(runtime::LatencyHistogram{}.quantile_bound(0.5) == 0.0);
  }

  TEST_CASE("recording metrics allocates nothing") {
    runtime::Metrics metrics;
    const auto now = parse_timestamp("2026-03-02T15:00:00Z");
    const long before = allocations();
    for (int i = 0; i < 10'000; ++i) {
      metrics.bar_processed();
      metrics.candle_closed();
      metrics.order_event(orders::OrderEventType::accepted);
      metrics.bar_received(now);
      metrics.bar_to_order(std::chrono::microseconds(i));
      metrics.stream_reconnected(runtime::StreamName::trade_updates);
    }
    CHECK(allocations() == before);
    CHECK(metrics.bars() == 10'000);
    CHECK(metrics.bar_to_order_latency().count() == 10'000);
  }
}

}  // namespace
}  // namespace trader::testing
