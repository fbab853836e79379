// The replay feed over a small store written here: bars at the end of their minute on the
// runtime's clock, merged across symbols, timers interleaved at their instants, days without
// bars skipped, the end-of-day timer after the last bar, stop, and the scaled clock.
#include <trader/runtime/replay_feed.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <trader/config/settings.hpp>
#include <trader/core/decimal.hpp>
#include <trader/core/error.hpp>
#include <trader/data/bar_source.hpp>
#include <trader/data/bar_record.hpp>
#include <trader/data/symbol_table.hpp>
#include <trader/marketdata/bar_supply.hpp>
#include <trader/store/bar_store.hpp>
#include <trader/store/database.hpp>

#include "support/process.hpp"

namespace trader::testing {
namespace {

using core::Decimal;
using core::parse_date;
using core::parse_timestamp;
using core::Timestamp;
using namespace std::chrono_literals;

// A store in a temporary directory holding `minutes` bars of each symbol from each start.
class ReplayStore {
 public:
  ReplayStore() : db_(open()), store_(db_) {}

  void add(const std::string& symbol, const std::string& start, int minutes) {
    data::SymbolTable table;
    std::vector<data::BarRecord> records;
    const auto t0 = parse_timestamp(start);
    for (int i = 0; i < minutes; ++i) {
      data::BarRecord r;
      r.bar.symbol = table.intern(symbol);
      r.bar.ts = t0 + std::chrono::minutes(i);
      r.bar.open = r.bar.high = r.bar.low = r.bar.close =
          Decimal::parse("50") + Decimal::from_units(1'000'000LL * i);
      r.bar.volume = 100 + i;
      records.push_back(r);
    }
    auto writer = store_.writer();
    writer.add(records, table, "csv:replay.csv");
    static_cast<void>(writer.commit());
  }

  // What trader-run --replay reads: the store only, the symbols' ids in alphabetical order.
  marketdata::BarSupply supply(std::vector<std::string> symbols, const std::string& first,
                               const std::string& last) {
    marketdata::BarRequest request;
    request.symbols = std::move(symbols);
    request.first = parse_date(first);
    request.last = parse_date(last);
    request.mode = marketdata::DataMode::store;
    return marketdata::stored_bars(store_, config::Settings{}, request);
  }

 private:
  store::Database open() {
    store::DatabaseOptions options;
    options.path = dir_ / "replay.db";
    return store::Database::open(options);
  }

  TempDir dir_;
  store::Database db_;
  store::BarStore store_;
};

struct Delivered {
  std::string symbol;
  Timestamp ts;
  Timestamp clock;
};

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto guard = std::chrono::steady_clock::now() + 60s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > guard) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(50ms);
  }
  return true;
}

TEST_SUITE("runtime") {
  TEST_CASE("replay on a virtual clock: bars at their minute's end, timers between, EOD after") {
    ReplayStore store;
    // Monday 2026-03-02 (EST: the session is 14:30-21:00 UTC), nothing on Tuesday, Wednesday.
    store.add("MSFT", "2026-03-02T14:31:00Z", 3);
    store.add("AAPL", "2026-03-02T14:30:00Z", 5);
    store.add("AAPL", "2026-03-04T14:30:00Z", 2);
    store.add("TSLA", "2026-03-02T14:30:00Z", 4);  // not on the watchlist
    auto supply = store.supply({"MSFT", "AAPL"}, "2026-03-02", "2026-03-04");

    boost::asio::io_context io;
    runtime::VirtualClock clock(io, parse_timestamp("2026-03-02T14:00:00Z"));
    runtime::ReplayOptions options;
    options.batch = 2;  // small batches: the turns between batches are exercised too
    runtime::ReplayFeed feed(io, clock, std::move(supply.source), options);

    std::vector<Delivered> bars;
    std::vector<std::string> events;
    bool ended = false;
    bool posted_ran_before_third_bar = false;
    auto timer = [&](const std::string& when, const std::string& name) {
      return clock.at(parse_timestamp(when), [&, name] { events.push_back(name); });
    };
    auto mid = timer("2026-03-02T14:32:30Z", "mid");
    auto tuesday = timer("2026-03-03T15:00:00Z", "tuesday");
    auto eod = timer("2026-03-04T20:59:00Z", "eod");
    auto thursday = timer("2026-03-05T14:30:00Z", "thursday");
    bool posted = false;

    feed.start(
        [&](const data::Bar& bar, bool updated) {
          CHECK_FALSE(updated);
          bars.push_back({supply.symbols.name(bar.symbol), bar.ts, clock.now()});
          events.push_back("bar " + supply.symbols.name(bar.symbol) + " " +
                           core::format_timestamp(bar.ts));
          if (bars.size() == 1) boost::asio::post(io, [&] { posted = true; });
          if (bars.size() == 3) posted_ran_before_third_bar = posted;
        },
        [&] {
          ended = true;
          events.emplace_back("end");
        });
    CHECK(bars.empty());  // nothing from inside start()
    CHECK(feed.health().connected);
    REQUIRE(run_until(io, [&] { return ended; }));

    REQUIRE(bars.size() == 10);
    for (const auto& bar : bars) {
      CAPTURE(core::format_timestamp(bar.ts));
      CHECK(bar.clock == bar.ts + 1min);
    }
    CHECK(posted_ran_before_third_bar);
    CHECK(events == std::vector<std::string>{
                        "bar AAPL 2026-03-02T14:30:00Z",
                        "bar AAPL 2026-03-02T14:31:00Z",
                        "bar MSFT 2026-03-02T14:31:00Z",
                        "mid",
                        "bar AAPL 2026-03-02T14:32:00Z",
                        "bar MSFT 2026-03-02T14:32:00Z",
                        "bar AAPL 2026-03-02T14:33:00Z",
                        "bar MSFT 2026-03-02T14:33:00Z",
                        "bar AAPL 2026-03-02T14:34:00Z",
                        "tuesday",
                        "bar AAPL 2026-03-04T14:30:00Z",
                        "bar AAPL 2026-03-04T14:31:00Z",
                        "eod",
                        "end",
                    });
    CHECK(clock.now() == parse_timestamp("2026-03-04T20:59:00Z"));
    CHECK(clock.next_due() == parse_timestamp("2026-03-05T14:30:00Z"));  // the next day waits
    CHECK(feed.delivered() == 10);
    CHECK(feed.ended());
    CHECK_FALSE(feed.health().connected);
    CHECK(feed.health().last_message == parse_timestamp("2026-03-04T14:32:00Z"));
  }

  TEST_CASE("replay: a timer that stops the feed ends the deliveries at once") {
    ReplayStore store;
    store.add("AAPL", "2026-03-02T14:30:00Z", 30);
    auto supply = store.supply({"AAPL"}, "2026-03-02", "2026-03-02");
    boost::asio::io_context io;
    runtime::VirtualClock clock(io, parse_timestamp("2026-03-02T14:30:00Z"));
    runtime::ReplayFeed feed(io, clock, std::move(supply.source));
    int delivered = 0;
    bool ended = false;
    // The shutdown path: a timer (or a signal handler) stops the feed between two bars.
    auto shutdown = clock.at(parse_timestamp("2026-03-02T14:35:30Z"), [&] { feed.stop(); });
    feed.start([&](const data::Bar&, bool) { ++delivered; }, [&] { ended = true; });
    io.run();               // returns when nothing is left to do
    CHECK(delivered == 5);  // 14:30 .. 14:34, delivered by 14:35
    CHECK_FALSE(ended);
    feed.stop();  // idempotent

    // Stopping from inside on_bar: no further bar.
    auto again = store.supply({"AAPL"}, "2026-03-02", "2026-03-02");
    boost::asio::io_context io2;
    runtime::VirtualClock clock2(io2, parse_timestamp("2026-03-02T14:00:00Z"));
    runtime::ReplayFeed feed2(io2, clock2, std::move(again.source));
    int seen = 0;
    feed2.start(
        [&](const data::Bar&, bool) {
          if (++seen == 3) feed2.stop();
        },
        [&] { ended = true; });
    io2.run();
    CHECK(seen == 3);
    CHECK_FALSE(ended);
  }

  TEST_CASE("replay of a source without bars ends at once, leaving the clock alone") {
    boost::asio::io_context io;
    runtime::VirtualClock clock(io, parse_timestamp("2026-03-09T13:00:00Z"));
    auto eod = clock.at(parse_timestamp("2026-03-09T19:59:00Z"), [] {});
    runtime::ReplayFeed feed(io, clock,
                             std::make_unique<data::SpanBarSource>(std::span<const data::Bar>()));
    bool ended = false;
    feed.start([](const data::Bar&, bool) { FAIL("no bar expected"); }, [&] { ended = true; });
    REQUIRE(run_until(io, [&] { return ended; }));
    CHECK(feed.delivered() == 0);
    CHECK(clock.now() == parse_timestamp("2026-03-09T13:00:00Z"));  // no bar: no day to run on
    CHECK_THROWS_AS(feed.start([](const data::Bar&, bool) {}, [] {}), Error);  // once only
  }

  TEST_CASE("replay on a scaled clock waits for each minute's end") {
    ReplayStore store;
    store.add("AAPL", "2026-03-02T14:30:00Z", 3);
    store.add("MSFT", "2026-03-02T14:30:00Z", 3);
    auto supply = store.supply({"AAPL", "MSFT"}, "2026-03-02", "2026-03-02");
    boost::asio::io_context io;
    // 600x: three simulated minutes take about 0.3 s.
    const auto clock = runtime::simulated_clock(io, parse_timestamp("2026-03-02T14:30:00Z"), 600);
    runtime::ReplayFeed feed(io, *clock, std::move(supply.source));
    std::vector<Delivered> bars;
    bool ended = false;
    feed.start(
        [&](const data::Bar& bar, bool) {
          bars.push_back({supply.symbols.name(bar.symbol), bar.ts, clock->now()});
        },
        [&] { ended = true; });
    REQUIRE(run_until(io, [&] { return ended; }));
    REQUIRE(bars.size() == 6);
    for (std::size_t i = 0; i < bars.size(); ++i) {
      CAPTURE(i);
      CHECK(bars[i].symbol == (i % 2 == 0 ? "AAPL" : "MSFT"));
      CHECK(bars[i].ts == parse_timestamp("2026-03-02T14:30:00Z") + std::chrono::minutes(i / 2));
      CHECK(bars[i].clock >= bars[i].ts + 1min);
    }
  }

  TEST_CASE("replay on a simulated clock: the session runs to its close, the night is skipped") {
    ReplayStore store;
    // Monday's last minutes (the close is 21:00 UTC), nothing on Tuesday, Wednesday's open.
    store.add("AAPL", "2026-03-02T20:58:00Z", 2);
    store.add("AAPL", "2026-03-04T14:30:00Z", 2);
    auto supply = store.supply({"AAPL"}, "2026-03-02", "2026-03-04");
    boost::asio::io_context io;
    // 600x: without the skip, the 41.5 hours between the sessions would take 249 s.
    const auto clock = runtime::simulated_clock(io, parse_timestamp("2026-03-02T20:58:00Z"), 600);
    runtime::ReplayFeed feed(io, *clock, std::move(supply.source));
    std::vector<std::string> events;
    std::vector<Delivered> bars;
    auto eod =
        clock->at(parse_timestamp("2026-03-02T20:59:30Z"), [&] { events.emplace_back("eod"); });
    feed.start(
        [&](const data::Bar& bar, bool) {
          bars.push_back({supply.symbols.name(bar.symbol), bar.ts, clock->now()});
          events.push_back("bar " + core::format_timestamp(bar.ts));
          if (bars.size() == 4) feed.stop();  // before Wednesday's 6.5 hours to the close
        },
        [] { FAIL("stopped before the end"); });
    REQUIRE(run_until(io, [&] { return bars.size() == 4; }));
    CHECK(events == std::vector<std::string>{
                        "bar 2026-03-02T20:58:00Z",
                        "eod",
                        "bar 2026-03-02T20:59:00Z",
                        "bar 2026-03-04T14:30:00Z",
                        "bar 2026-03-04T14:31:00Z",
                    });
    for (const auto& bar : bars) {
      CAPTURE(core::format_timestamp(bar.ts));
      CHECK(bar.clock >= bar.ts + 1min);
      CHECK(bar.clock < bar.ts + 1h);  // the jump went to the open, not past it
    }
  }

  TEST_CASE("replay on a simulated clock waits for the last session's close before it ends") {
    ReplayStore store;
    store.add("AAPL", "2026-03-02T20:56:00Z", 2);  // the bars stop 3 minutes before the close
    auto supply = store.supply({"AAPL"}, "2026-03-02", "2026-03-02");
    boost::asio::io_context io;
    const auto clock = runtime::simulated_clock(io, parse_timestamp("2026-03-02T20:56:00Z"), 600);
    runtime::ReplayFeed feed(io, *clock, std::move(supply.source));
    std::vector<std::string> events;
    auto eod =
        clock->at(parse_timestamp("2026-03-02T20:59:00Z"), [&] { events.emplace_back("eod"); });
    bool ended = false;
    Timestamp ended_at{};
    feed.start([&](const data::Bar&, bool) { events.emplace_back("bar"); },
               [&] {
                 ended = true;
                 ended_at = clock->now();
               });
    REQUIRE(run_until(io, [&] { return ended; }));
    CHECK(events == std::vector<std::string>{"bar", "bar", "eod"});
    CHECK(ended_at >= parse_timestamp("2026-03-02T21:00:00Z"));
  }
}

}  // namespace
}  // namespace trader::testing
