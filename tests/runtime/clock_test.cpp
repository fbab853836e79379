// The runtime's clocks: the virtual clock a replay drives (order, ties, past instants, cancel,
// its TimerSource), the simulated clock's speed, and the real clock's timers.
#include <trader/runtime/clock.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <trader/core/error.hpp>

namespace trader::testing {
namespace {

using core::parse_timestamp;
using core::Timestamp;
using namespace std::chrono_literals;

const Timestamp kStart = parse_timestamp("2026-03-02T14:30:00Z");

// Runs `io` until `done` or a generous real-time guard (robust on a loaded machine).
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  const auto guard = std::chrono::steady_clock::now() + 30s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > guard) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(50ms);
  }
  return true;
}

TEST_SUITE("runtime") {
  TEST_CASE(
      "the virtual clock fires due timers in order of their instants, ties in the order set") {
    boost::asio::io_context io;
    runtime::VirtualClock clock(io, kStart);
    std::vector<std::string> fired;
    std::vector<Timestamp> seen;
    auto record = [&](std::string name) {
      return [&, name = std::move(name)] {
        fired.push_back(name);
        seen.push_back(clock.now());
      };
    };
    auto c = clock.at(kStart + 3min, record("c"));
    auto a1 = clock.at(kStart + 1min, record("a1"));
    auto b = clock.at(kStart + 2min, record("b"));
    auto a2 = clock.at(kStart + 1min, record("a2"));
    auto later = clock.at(kStart + 10min, record("later"));

    CHECK(clock.simulated());
    CHECK(clock.now() == kStart);
    REQUIRE(clock.next_due() == kStart + 1min);
    clock.advance_to(kStart + 5min);
    CHECK(fired == std::vector<std::string>{"a1", "a2", "b", "c"});
    // While a timer runs, the clock reads its instant.
    CHECK(seen ==
          std::vector<Timestamp>{kStart + 1min, kStart + 1min, kStart + 2min, kStart + 3min});
    CHECK(clock.now() == kStart + 5min);
    CHECK(clock.next_due() == kStart + 10min);

    // Never backward.
    clock.advance_to(kStart);
    CHECK(clock.now() == kStart + 5min);
    clock.advance_to(kStart + 10min);
    CHECK(fired.back() == "later");
    CHECK_FALSE(clock.next_due().has_value());
    CHECK(io.poll() == 0);  // nothing was left on the io_context
  }

  TEST_CASE("a virtual timer set by a timer fires in the same advance when it is due by then") {
    boost::asio::io_context io;
    runtime::VirtualClock clock(io, kStart);
    std::vector<std::string> fired;
    net::TimerHandle inner;
    auto outer = clock.at(kStart + 1min, [&] {
      fired.emplace_back("outer");
      inner = clock.at(kStart + 2min, [&] { fired.emplace_back("inner"); });
    });
    auto last = clock.at(kStart + 3min, [&] { fired.emplace_back("last"); });
    clock.advance_to(kStart + 4min);
    CHECK(fired == std::vector<std::string>{"outer", "inner", "last"});
  }

  TEST_CASE("a virtual timer at a past instant fires on the next turn, never inside at()") {
    boost::asio::io_context io;
    runtime::VirtualClock clock(io, kStart);
    std::vector<std::string> fired;
    auto past = clock.at(kStart - 1h, [&] { fired.emplace_back("past"); });
    auto present = clock.at(kStart, [&] { fired.emplace_back("present"); });
    CHECK(fired.empty());
    CHECK(clock.next_due() == kStart);  // a past instant counts as now
    io.poll();
    CHECK(fired == std::vector<std::string>{"past", "present"});
    CHECK(clock.now() == kStart);
    CHECK_FALSE(clock.next_due().has_value());

    // A past timer cancelled before the turn does not fire.
    auto cancelled = clock.at(kStart - 1min, [&] { fired.emplace_back("cancelled"); });
    cancelled.cancel();
    io.restart();
    io.poll();
    CHECK(fired.size() == 2);
  }

  TEST_CASE("a virtual timer is cancelled by its handle, or by destroying it") {
    boost::asio::io_context io;
    runtime::VirtualClock clock(io, kStart);
    std::vector<std::string> fired;
    auto kept = clock.at(kStart + 2min, [&] { fired.emplace_back("kept"); });
    auto cancelled = clock.at(kStart + 1min, [&] { fired.emplace_back("cancelled"); });
    {
      auto dropped = clock.at(kStart + 1min, [&] { fired.emplace_back("dropped"); });
    }
    CHECK(clock.next_due() == kStart + 1min);
    cancelled.cancel();
    CHECK(clock.next_due() == kStart + 2min);
    cancelled.cancel();  // twice is harmless
    clock.advance_to(kStart + 1h);
    CHECK(fired == std::vector<std::string>{"kept"});
    kept.cancel();  // after it fired: nothing happens

    // A timer that cancels one due later in the same advance stops it.
    net::TimerHandle victim;
    auto killer = clock.at(kStart + 2h, [&] {
      fired.emplace_back("killer");
      victim.cancel();
    });
    victim = clock.at(kStart + 3h, [&] { fired.emplace_back("victim"); });
    clock.advance_to(kStart + 4h);
    CHECK(fired == std::vector<std::string>{"kept", "killer"});
  }

  TEST_CASE("a handle that outlives its virtual clock cancels nothing and does not crash") {
    boost::asio::io_context io;
    net::TimerHandle handle;
    {
      runtime::VirtualClock clock(io, kStart);
      handle = clock.at(kStart - 1min, [] { FAIL("the clock is gone"); });
    }
    handle.cancel();
    CHECK(io.poll() == 1);  // the queued turn runs and finds no clock
  }

  TEST_CASE("timers() delays are measured on the virtual clock") {
    boost::asio::io_context io;
    runtime::VirtualClock clock(io, kStart);
    int fired = 0;
    auto timer = clock.timers().start(10s, [&] { ++fired; });
    CHECK(clock.next_due() == kStart + 10s);
    clock.advance_to(kStart + 9s);
    CHECK(fired == 0);
    clock.advance_to(kStart + 10s);
    CHECK(fired == 1);
    // A zero delay fires on the next turn, not inside start().
    auto now = clock.timers().start(0ms, [&] { ++fired; });
    CHECK(fired == 1);
    io.poll();
    CHECK(fired == 2);
  }

  TEST_CASE("the simulated clock runs from its start at its speed") {
    boost::asio::io_context io;
    constexpr double kSpeed = 600.0;
    const auto clock = runtime::simulated_clock(io, kStart, kSpeed);
    CHECK(clock->simulated());

    // Bounds from the real time around and inside two readings: the ratio, not the machine's
    // speed, is what is checked.
    const auto outer_begin = std::chrono::steady_clock::now();
    const auto first = clock->now();
    const auto inner_begin = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - inner_begin < 20ms) {
    }
    const auto inner_end = std::chrono::steady_clock::now();
    const auto second = clock->now();
    const auto outer_end = std::chrono::steady_clock::now();
    CHECK(first >= kStart);
    const auto simulated = std::chrono::duration<double>(second - first).count();
    const auto inner = std::chrono::duration<double>(inner_end - inner_begin).count();
    const auto outer = std::chrono::duration<double>(outer_end - outer_begin).count();
    CHECK(simulated >= inner * kSpeed * 0.999);
    CHECK(simulated <= outer * kSpeed * 1.001 + 1e-5);

    // A timer 30 simulated seconds ahead fires, and the clock has reached its instant by then.
    const auto when = clock->now() + 30s;
    Timestamp fired_at{};
    auto timer = clock->at(when, [&] { fired_at = clock->now(); });
    REQUIRE(run_until(io, [&] { return fired_at != Timestamp{}; }));
    CHECK(fired_at >= when);

    // Its TimerSource is accelerated too (a 60 s backoff waits 0.1 s here).
    bool backoff_done = false;
    const auto before = clock->now();
    auto backoff = clock->timers().start(60s, [&] { backoff_done = true; });
    REQUIRE(run_until(io, [&] { return backoff_done; }));
    CHECK(clock->now() - before >= 59s);  // steady timers never fire early; a little slack

    CHECK_THROWS_AS(static_cast<void>(runtime::simulated_clock(io, kStart, 0.5)), Error);
    CHECK_THROWS_AS(static_cast<void>(runtime::simulated_clock(io, kStart, std::nan(""))), Error);
  }

  TEST_CASE("jump_to: a simulated clock skips ahead and its timers fire; the real clock cannot") {
    boost::asio::io_context io;
    const auto clock = runtime::simulated_clock(io, kStart, 1.0);  // real pace: only a jump helps
    bool fired = false;
    auto tomorrow = clock->at(kStart + 24h, [&] { fired = true; });
    CHECK(clock->jump_to(kStart + 24h + 1s));
    CHECK(clock->now() >= kStart + 24h + 1s);
    REQUIRE(run_until(io, [&] { return fired; }));  // within a slice (1 s) of real time
    const auto before = clock->now();
    CHECK(clock->jump_to(kStart));  // never backward
    CHECK(clock->now() >= before);

    runtime::VirtualClock virtual_clock(io, kStart);
    int virtual_fired = 0;
    auto timer = virtual_clock.at(kStart + 1h, [&] { ++virtual_fired; });
    CHECK(virtual_clock.jump_to(kStart + 2h));
    CHECK(virtual_fired == 1);
    CHECK(virtual_clock.now() == kStart + 2h);

    const auto real = runtime::real_clock(io);
    const auto now = real->now();
    CHECK_FALSE(real->jump_to(now + 1h));
    CHECK(real->now() < now + 1h);
  }

  TEST_CASE("the real clock: timers fire at their instant, past ones on the next turn, cancel") {
    boost::asio::io_context io;
    const auto clock = runtime::real_clock(io);
    CHECK_FALSE(clock->simulated());
    const auto system_now = std::chrono::system_clock::now();
    CHECK(clock->now() >= std::chrono::time_point_cast<core::Microseconds>(system_now));

    std::vector<std::string> fired;
    const auto when = clock->now() + 50ms;
    Timestamp fired_at{};
    auto due = clock->at(when, [&] {
      fired.emplace_back("due");
      fired_at = clock->now();
    });
    auto cancelled = clock->at(clock->now() + 20ms, [&] { fired.emplace_back("cancelled"); });
    auto past = clock->at(clock->now() - 1h, [&] { fired.emplace_back("past"); });
    CHECK(fired.empty());  // never inside at()
    cancelled.cancel();
    REQUIRE(run_until(io, [&] { return fired.size() >= 2; }));
    CHECK(fired == std::vector<std::string>{"past", "due"});
    CHECK(fired_at >= when);
  }

  TEST_CASE("a real-clock timer whose clock is destroyed first still fires safely or not at all") {
    boost::asio::io_context io;
    bool fired = false;
    net::TimerHandle handle;
    {
      const auto clock = runtime::real_clock(io);
      handle = clock->at(clock->now() + 10ms, [&] { fired = true; });
    }
    REQUIRE(run_until(io, [&] { return fired; }));
  }
}

}  // namespace
}  // namespace trader::testing
