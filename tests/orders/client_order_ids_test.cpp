// Client order ids (issue 12 item 4, F22): deterministic for backtests, unique per run otherwise.
#include <trader/orders/client_order_ids.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>

using trader::orders::ClientOrderIds;

TEST_SUITE("orders/client_order_ids") {
  TEST_CASE("backtests keep bt-1, bt-2, ...") {
    auto ids = ClientOrderIds::deterministic();
    CHECK(ids.next() == "bt-1");
    CHECK(ids.next() == "bt-2");
    CHECK(ids.issued() == 2);
    auto other = ClientOrderIds::deterministic("replay-");
    CHECK(other.next() == "replay-1");
  }

  TEST_CASE("F22: a run's prefix: start time and random digits, short, plain characters") {
    const auto start = trader::core::parse_timestamp("2026-02-11T14:30:00Z");
    auto ids = ClientOrderIds::unique_run(start, 12345);
    const std::string first = ids.next();
    CHECK(first.size() <= 24);
    CHECK(first.ends_with("-1"));
    CHECK(first.starts_with(ids.prefix()));
    for (const char c : first) {
      CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-'));
    }
  }

  TEST_CASE("F22: runs started in the same microsecond with the same entropy still differ") {
    const auto start = trader::core::parse_timestamp("2001-01-01T00:00:00Z");
    std::set<std::string> prefixes;
    for (int i = 0; i < 1000; ++i) prefixes.insert(ClientOrderIds::unique_run(start, 7).prefix());
    CHECK(prefixes.size() == 1000);
  }

  TEST_CASE("F22: runs started one after the other never share an id") {
    std::set<std::string> seen;
    for (int run = 0; run < 200; ++run) {
      auto ids = ClientOrderIds::unique_run();
      for (int i = 0; i < 50; ++i) CHECK(seen.insert(ids.next()).second);
    }
    CHECK(seen.size() == 200 * 50);
  }
}
