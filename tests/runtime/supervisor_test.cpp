// F19: supervision counts a task's failures within a five-minute window (3 -> safe stop), its
// restarts back off exponentially and start again from the initial wait after a recovery.
#include <trader/runtime/supervisor.hpp>

#include <doctest/doctest.h>

#include <chrono>

namespace trader::testing {
namespace {

using core::parse_timestamp;
using core::Timestamp;
using namespace std::chrono_literals;
using runtime::Supervisor;

struct Fixture {
  Timestamp now = parse_timestamp("2026-03-02T14:30:00Z");
  Supervisor supervisor{[this] { return now; }, {}, [] { return 0.0; }};  // no jitter
};

TEST_SUITE("runtime") {
  TEST_CASE("F19: the third failure of a task within five minutes gives up") {
    Fixture f;
    CHECK(f.supervisor.failed("market_data", "disconnected") == 1000ms);
    f.now += 1min;
    CHECK(f.supervisor.failed("market_data", "disconnected") == 2000ms);
    f.now += 1min;
    CHECK_FALSE(f.supervisor.failed("market_data", "stale").has_value());
    CHECK(f.supervisor.total_failures() == 3);
  }

  TEST_CASE("F19: failures older than five minutes leave the window (the reference never forgot)") {
    Fixture f;
    for (int day = 0; day < 10; ++day) {
      REQUIRE(f.supervisor.failed("trade_updates", "stopped listening").has_value());
      f.now += 3min;
      REQUIRE(f.supervisor.failed("trade_updates", "stopped listening").has_value());
      f.now += 6min;  // both earlier failures are out of the window now
      f.supervisor.recovered("trade_updates");
    }
    CHECK(f.supervisor.failures("trade_updates") == 0);
    CHECK(f.supervisor.total_failures() == 20);
  }

  TEST_CASE("F19: each task counts on its own; a recovery resets the backoff, not the window") {
    Fixture f;
    CHECK(f.supervisor.failed("market_data", "x") == 1000ms);
    CHECK(f.supervisor.failed("trade_updates", "x") == 1000ms);
    CHECK(f.supervisor.failed("market_data", "x") == 2000ms);
    f.supervisor.recovered("market_data");
    CHECK(f.supervisor.failures("market_data") == 2);
    CHECK_FALSE(f.supervisor.failed("market_data", "x").has_value());
    CHECK(f.supervisor.failures("trade_updates") == 1);
  }

  TEST_CASE("F19: the restart waits grow to the cap with jitter taken off") {
    runtime::SupervisorOptions options;
    options.max_failures = 100;
    Timestamp now = parse_timestamp("2026-03-02T14:30:00Z");
    Supervisor supervisor([&] { return now; }, options, [] { return 0.5; });
    std::chrono::milliseconds last{0};
    for (int i = 0; i < 10; ++i) {
      const auto delay = supervisor.failed("eod_timer", "x");
      REQUIRE(delay.has_value());
      CHECK(*delay >= last);
      CHECK(*delay <= 30'000ms);
      last = *delay;
    }
    CHECK(last == 22'500ms);  // 30 s capped, a quarter taken off by jitter 0.5 x 0.5
  }
}

}  // namespace
}  // namespace trader::testing
