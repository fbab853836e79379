// The market-data stream against the paper-venue double over real sockets (issue 13): bars in
// order and exact, updatedBars, reconnect and resubscribe, 406 backs off, credential errors stop,
// malformed messages are skipped.
#include <trader/alpaca/market_data_stream.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/net/timers.hpp>

#include "support/paper_venue.hpp"
#include "support/secret_canary.hpp"

namespace trader::testing {
namespace {

using core::Decimal;
using namespace std::chrono_literals;

struct Received {
  std::string symbol;
  data::Bar bar;
  bool updated = false;
};

// The harness's timers (20x faster than real time), recording each delay asked for.
class RecordingTimers final : public net::TimerSource {
 public:
  explicit RecordingTimers(std::unique_ptr<net::TimerSource> inner) : inner_(std::move(inner)) {}
  [[nodiscard]] net::TimerHandle start(std::chrono::milliseconds delay,
                                       std::function<void()> callback) override {
    delays.push_back(delay);
    return inner_->start(delay, std::move(callback));
  }
  std::vector<std::chrono::milliseconds> delays;

 private:
  std::unique_ptr<net::TimerSource> inner_;
};

class DataHarness {
 public:
  explicit DataHarness(std::string api_key = {}, std::chrono::milliseconds stale_after = {},
                       std::function<bool()> in_session = {}) {
    timers_ = std::make_unique<RecordingTimers>(net::scaled_timers(io_, 20.0));
    alpaca::MarketDataStreamOptions options;
    options.url = venue_.data_stream_url("iex");
    options.api_key = config::Secret(api_key.empty() ? venue_.options().api_key : api_key);
    options.secret_key = config::Secret(venue_.options().secret_key);
    options.symbols = {"AAPL"};
    options.timers = timers_.get();
    options.stale_after = stale_after;
    options.in_session = std::move(in_session);
    stream_ = std::make_unique<alpaca::MarketDataStream>(
        io_, options, [this](std::string_view symbol, const data::Bar& bar, bool updated) {
          bars_.push_back(Received{std::string(symbol), bar, updated});
        });
  }
  ~DataHarness() { stream_.reset(); }
  DataHarness(const DataHarness&) = delete;
  DataHarness& operator=(const DataHarness&) = delete;

  bool wait(const std::function<bool()>& done) {
    const auto guard = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > guard) return false;
      if (io_.stopped()) io_.restart();
      io_.run_for(5ms);
    }
    return true;
  }

  PaperVenue& venue() { return venue_; }
  alpaca::MarketDataStream& stream() { return *stream_; }
  RecordingTimers& timers() { return *timers_; }
  std::vector<Received>& bars() { return bars_; }

 private:
  boost::asio::io_context io_;
  PaperVenue venue_;
  std::unique_ptr<RecordingTimers> timers_;
  std::vector<Received> bars_;
  std::unique_ptr<alpaca::MarketDataStream> stream_;
};

std::vector<VenueBar> ramp(core::Timestamp from, int count) {
  std::vector<VenueBar> bars;
  for (int i = 0; i < count; ++i) {
    const Decimal o = Decimal::parse("150.01") + Decimal::from_integer(i);
    bars.push_back(VenueBar{from + std::chrono::minutes(i), o, o + Decimal::parse("0.37"),
                            o - Decimal::parse("0.13"), o + Decimal::parse("0.07"), 1200 + i, 3});
  }
  return bars;
}

TEST_CASE("market-data stream: bars arrive in order with exact prices; updatedBars replace") {
  DataHarness h;
  const core::Timestamp start = h.venue().now();
  h.venue().add_bars("AAPL", ramp(start, 4));
  h.stream().start();
  REQUIRE(h.wait([&] { return h.stream().subscribed(); }));
  for (int i = 0; i < 3; ++i) REQUIRE(h.venue().publish_next().has_value());
  REQUIRE(h.wait([&] { return h.bars().size() == 3; }));
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    CHECK(h.bars()[i].symbol == "AAPL");
    CHECK(h.bars()[i].bar.ts == start + std::chrono::minutes(i));
    CHECK(h.bars()[i].bar.open == Decimal::parse("150.01") + Decimal::from_integer(i));
    CHECK(h.bars()[i].bar.high == Decimal::parse("150.38") + Decimal::from_integer(i));
    CHECK(h.bars()[i].bar.volume == 1200 + i);
    CHECK_FALSE(h.bars()[i].updated);
  }
  h.venue().send_updated_bar("AAPL",
                             VenueBar{start, Decimal::parse("150.01"), Decimal::parse("150.5"),
                                      Decimal::parse("149.9"), Decimal::parse("150.2"), 1300, 4});
  REQUIRE(h.wait([&] { return h.bars().size() == 4; }));
  CHECK(h.bars()[3].updated);
  CHECK(h.bars()[3].bar.ts == start);
  CHECK(h.bars()[3].bar.close == Decimal::parse("150.2"));
}

TEST_CASE("market-data stream: a dropped connection is reconnected and subscribed again") {
  DataHarness h;
  const core::Timestamp start = h.venue().now();
  h.venue().add_bars("AAPL", ramp(start, 3));
  h.stream().start();
  REQUIRE(h.wait([&] { return h.stream().subscribed(); }));
  const std::size_t before_drop = h.timers().delays.size();
  h.venue().drop_connections(Stream::market_data);
  REQUIRE(h.wait([&] { return h.stream().subscriptions() == 2 && h.stream().subscribed(); }));
  // Within 5 s of stream time: the waits between the drop and the new subscription, apart from
  // the 10 s ping interval of the new connection, are the reconnect's backoff (1 s, jittered).
  std::vector<std::chrono::milliseconds> waits;
  for (std::size_t i = before_drop; i < h.timers().delays.size(); ++i) {
    if (h.timers().delays[i] != 10'000ms) waits.push_back(h.timers().delays[i]);
  }
  REQUIRE(!waits.empty());
  std::chrono::milliseconds total{0};
  for (const auto wait : waits) total += wait;
  CHECK(total <= 5'000ms);
  REQUIRE(h.wait([&] { return h.venue().data_subscribers() == 1; }));
  REQUIRE(h.venue().publish_next().has_value());
  REQUIRE(h.wait([&] { return h.bars().size() == 1; }));
  CHECK(h.bars()[0].bar.ts == start);
}

TEST_CASE("market-data stream: a silent connection is given up by the staleness timer") {
  DataHarness h{{}, 2000ms};  // 100 ms of real time with the timers 20x faster
  h.stream().start();
  REQUIRE(h.wait([&] { return h.stream().subscribed(); }));
  h.venue().set_silent(Stream::market_data, true);
  REQUIRE(h.wait([&] { return !h.stream().subscribed(); }));
  h.venue().set_silent(Stream::market_data, false);
  REQUIRE(h.wait([&] { return h.stream().subscriptions() >= 2 && h.stream().subscribed(); }));
}

TEST_CASE("market-data stream: silence outside the session is no staleness") {
  bool in_session = false;
  DataHarness h{{}, 2000ms, [&in_session] { return in_session; }};
  h.stream().start();
  REQUIRE(h.wait([&] { return h.stream().subscribed(); }));
  h.venue().set_silent(Stream::market_data, true);
  // Ten staleness periods (1 s of real time) outside the session: the connection stays.
  const auto quiet_until = std::chrono::steady_clock::now() + 1s;
  REQUIRE(h.wait([&] { return std::chrono::steady_clock::now() > quiet_until; }));
  CHECK(h.stream().subscribed());
  CHECK(h.stream().subscriptions() == 1);
  in_session = true;  // the session opens and the silence goes on: now it is stale
  REQUIRE(h.wait([&] { return !h.stream().subscribed(); }));
  h.venue().set_silent(Stream::market_data, false);
  REQUIRE(h.wait([&] { return h.stream().subscriptions() >= 2 && h.stream().subscribed(); }));
}

TEST_CASE("market-data stream: 406 connection limit backs off and tries again") {
  DataHarness h;
  h.venue().set_data_slot_taken(true);
  h.stream().start();
  REQUIRE(h.wait([&] { return h.stream().errors() >= 2; }));
  CHECK_FALSE(h.stream().subscribed());
  CHECK(h.stream().fatal_error().empty());
  h.venue().set_data_slot_taken(false);
  REQUIRE(h.wait([&] { return h.stream().subscribed(); }));
}

TEST_CASE("market-data stream: malformed messages are skipped; the stream goes on") {
  DataHarness h;
  const core::Timestamp start = h.venue().now();
  h.venue().add_bars("AAPL", ramp(start, 2));
  h.stream().start();
  REQUIRE(h.wait([&] { return h.stream().subscribed(); }));
  h.venue().send_malformed(Stream::market_data);
  REQUIRE(h.wait([&] { return h.stream().malformed() == 1; }));
  REQUIRE(h.venue().publish_next().has_value());
  REQUIRE(h.wait([&] { return h.bars().size() == 1; }));
}

TEST_CASE("market-data stream: wrong keys stop it with a message naming the key, masked") {
  DataHarness h{std::string(kCanaryKey)};
  h.stream().start();
  REQUIRE(h.wait([&] { return !h.stream().fatal_error().empty(); }));
  CHECK(h.stream().fatal_error().find("ALGO_BROKER__API_KEY") != std::string::npos);
  CHECK(leaked_canary(h.stream().fatal_error()).empty());
  CHECK_FALSE(h.stream().subscribed());
}

}  // namespace
}  // namespace trader::testing
