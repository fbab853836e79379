// BacktestRunner's request rules (issue 11 item 18) and cancellation (item 8), on synthetic bars
// and a temporary database.
#include <trader/backtest/runner.hpp>

#include <doctest/doctest.h>

#include <trader/core/cancellation.hpp>
#include <trader/store/repositories.hpp>

#include "support/process.hpp"

namespace bt = trader::backtest;

namespace {

bt::BacktestRequest synthetic(const char* first, const char* last) {
  bt::BacktestRequest request;
  request.symbols = {"AAPL"};
  request.start_date = trader::core::parse_date(first);
  request.end_date = trader::core::parse_date(last);
  request.data = bt::DataMode::synthetic;
  return request;
}

struct Fixture {
  trader::testing::TempDir dir;
  trader::store::Database db = trader::store::Database::open({dir / "t.db", 5000});
  trader::strategy::StrategyRegistry registry = trader::strategy::StrategyRegistry::with_builtins();
  bt::BacktestRunner runner{db, registry, {}};
};

}  // namespace

TEST_SUITE("backtest/runner") {
  TEST_CASE("issue 11 item 18: one day is a valid range (a deliberate change from the reference)") {
    Fixture f;
    const auto result = f.runner.run(synthetic("2025-06-02", "2025-06-02"));
    CHECK(result.bars == 390);
    CHECK(result.start_date == result.end_date);
  }

  TEST_CASE("issue 11 item 18: a range without NYSE sessions is refused, naming the days") {
    Fixture f;
    CHECK_THROWS_WITH_AS(
        f.runner.run(synthetic("2025-06-07", "2025-06-08")),
        "no NYSE sessions between 2025-06-07 and 2025-06-08 (2025-06-07 weekend, 2025-06-08 "
        "weekend)",
        bt::BacktestError);
    CHECK_THROWS_WITH_AS(f.runner.run(synthetic("2025-07-04", "2025-07-06")),
                         "no NYSE sessions between 2025-07-04 and 2025-07-06 (2025-07-04 "
                         "Independence Day, 2025-07-05 weekend, 2025-07-06 weekend)",
                         bt::BacktestError);
    CHECK_THROWS_AS(f.runner.run(synthetic("2025-06-03", "2025-06-02")), bt::BacktestError);
    CHECK(trader::store::make_run_repository(f.db)->list(10).empty());
  }

  TEST_CASE("issue 11 item 8: a cancelled token stops the run with Interrupted") {
    Fixture f;
    trader::core::CancellationToken token;
    CHECK_FALSE(token.cancelled());
    CHECK_NOTHROW(token.throw_if_cancelled());
    token.cancel(15);
    token.cancel(2);  // the first reason stays
    CHECK(token.cancelled());
    CHECK(token.reason() == 15);
    try {
      static_cast<void>(f.runner.run(synthetic("2025-06-02", "2025-06-06"), {}, &token));
      FAIL("a cancelled run completed");
    } catch (const trader::Interrupted& e) {
      CHECK(e.reason() == 15);
    }
    // Without a token, or with one never cancelled, the same run completes.
    trader::core::CancellationToken idle;
    CHECK(f.runner.run(synthetic("2025-06-02", "2025-06-06"), {}, &idle).bars == 5 * 390);
  }
}
