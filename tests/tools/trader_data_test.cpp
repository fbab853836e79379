// End-to-end: the built trader-data binary on temporary databases (and the Alpaca double).
#include <doctest/doctest.h>

#include "support/process.hpp"

#if defined(TRADER_TEST_WITH_ALPACA)
#include "support/alpaca_double.hpp"
#endif

using trader::testing::read_file;
using trader::testing::run_process;
using trader::testing::TempDir;
using trader::testing::write_file;

namespace {

const std::string kGolden = std::string(SOURCE_ROOT) + "/tests/fixtures/golden_scenario.csv";

trader::testing::ProcessResult data(const TempDir& dir, std::vector<std::string> args,
                                    trader::testing::EnvironmentList env = {}) {
  args.insert(args.begin(), TRADER_DATA_BIN);
  return run_process(args, env, dir.path());
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("tools/trader-data") {
  TEST_CASE("synth stores labelled, reproducible bars; list shows them") {
    TempDir a, b;
    for (const TempDir* dir : {&a, &b}) {
      const auto r = data(*dir, {"synth", "--symbols", "AAPL,MSFT", "--start", "2025-06-01",
                                 "--end", "2025-06-30", "--seed", "42"});
      CHECK(r.exit_code == 0);
      CHECK(has(r.out, "SYNTHETIC DATA (seed 42)"));
      CHECK(has(r.out, "stored 15,600 bars in 40 sessions"));
    }
    const auto list = data(a, {"list"});
    CHECK(has(list.out, "AAPL"));
    CHECK(has(list.out, "synthetic"));
    const std::vector<std::string> exp{"export",     "--symbols", "AAPL,MSFT", "--start",
                                       "2025-06-01", "--end",     "2025-06-30"};
    const auto first = data(a, exp);
    CHECK(first.out == data(b, exp).out);  // same seed, same bars
    CHECK(first.out.rfind("symbol,timestamp,open,high,low,close,volume", 0) == 0);
    const auto other = data(b, {"synth", "--symbols", "AAPL", "--start", "2025-06-01", "--end",
                                "2025-06-30", "--seed", "43"});
    CHECK(has(other.out, "20 replaced"));
    CHECK(data(b, exp).out != first.out);
  }

  TEST_CASE("import, list and export round-trip exactly") {
    TempDir dir;
    const auto imported = data(dir, {"import", kGolden, "--symbol", "aapl"});
    CHECK(imported.exit_code == 0);
    CHECK(has(imported.out, "436 rows read"));
    CHECK(has(imported.out, "stored 436 bars in 3 sessions"));
    const auto list = data(dir, {"list", "--json"});
    CHECK(has(list.out, R"("symbol": "AAPL")"));
    CHECK(has(list.out, R"("bars": 436)"));
    CHECK(has(list.out, R"("sessions": 3)"));
    CHECK(has(list.out, R"("missing_minutes": 734)"));  // day 2 ends at 15:11, day 3 holds 4 bars
    CHECK(has(list.out, "csv:golden_scenario.csv"));
    CHECK(data(dir, {"export", "--symbols", "AAPL", "--start", "2026-02-10", "--end", "2026-02-12",
                     "--output", "out.csv"})
              .exit_code == 0);
    TempDir again;
    CHECK(data(again, {"import", (dir / "out.csv").string(), "--symbol", "AAPL"}).exit_code == 0);
    CHECK(data(again, {"export", "--symbols", "AAPL", "--start", "2026-02-10", "--end",
                       "2026-02-12", "--output", "again.csv"})
              .exit_code == 0);
    CHECK(read_file(dir / "out.csv") == read_file(again / "again.csv"));
    CHECK(read_file(dir / "out.csv").find("2026-02-11T14:42:00Z,100,100.3,99.95,100.25,1000") !=
          std::string::npos);
  }

  TEST_CASE("a bad file fails as a whole with file and line; --skip-bad-rows counts them") {
    TempDir dir;
    write_file(dir / "bad.csv",
               "timestamp,open,high,low,close,volume\n"
               "2026-02-10T14:30:00Z,100,101,99,100.5,10\n"
               "2026-02-10T14:31:00Z,100,99,101,100,10\n"
               "2026-02-10T14:32:00Z,100,101,99,100.5,10\n");
    const auto failed = data(dir, {"import", "bad.csv", "--symbol", "AAPL"});
    CHECK(failed.exit_code == 1);
    CHECK(has(failed.err, "bad.csv:3"));
    CHECK(has(data(dir, {"list"}).out, "holds no bars"));
    const auto skipped = data(dir, {"import", "bad.csv", "--symbol", "AAPL", "--skip-bad-rows"});
    CHECK(skipped.exit_code == 0);
    CHECK(has(skipped.out, "1 bad rows skipped"));
    CHECK(has(skipped.out, "stored 2 bars"));
    CHECK(data(dir, {"import", "missing.csv", "--symbol", "AAPL"}).exit_code == 1);
  }

  TEST_CASE("sessions, rm and argument errors") {
    TempDir dir;
    const auto sessions =
        data(dir, {"sessions", "--start", "2025-11-26", "--end", "2025-11-28", "--json"});
    CHECK(has(
        sessions.out,
        R"("date": "2025-11-28", "open_utc": "2025-11-28T14:30:00Z", "close_utc": "2025-11-28T18:00:00Z")"));
    CHECK(has(sessions.out, R"("early_close": true)"));
    CHECK_FALSE(has(sessions.out, "2025-11-27"));  // Thanksgiving
    CHECK(has(data(dir, {"sessions", "--start", "2025-11-28", "--end", "2025-11-28"}).out,
              "early-close"));
    data(dir, {"synth", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-03"});
    CHECK(has(data(dir, {"rm", "AAPL", "--start", "2025-06-02", "--end", "2025-06-02"}).out,
              "removed 1 session of AAPL"));
    CHECK(data(dir, {"rm", "NOPE"}).exit_code == 1);
    CHECK(data(dir, {"export", "--start", "2025-06-02", "--end", "2025-06-03"}).exit_code == 2);
    CHECK(data(dir, {"synth", "--symbols", "AAPL", "--start", "2025-06-03", "--end", "2025-06-01"})
              .exit_code == 2);
    CHECK(data(dir, {"synth", "--symbols", "AA1", "--start", "2025-06-01", "--end", "2025-06-03"})
              .exit_code == 2);
    CHECK(data(dir, {"frobnicate"}).exit_code == 2);
  }

#if defined(TRADER_TEST_WITH_ALPACA)
  TEST_CASE("fetch takes only what the store lacks from Alpaca (the local double)") {
    trader::testing::AlpacaDouble alpaca;
    std::vector<trader::testing::DoubleBar> bars;
    for (const char* t : {"2025-06-02T13:30:00Z", "2025-06-02T13:31:00Z", "2025-06-03T13:30:00Z"}) {
      bars.push_back({t, "150.25", "151.5", "149.75", "150.8", "12345", "10", "150.5"});
    }
    alpaca.add_bars("AAPL", bars);
    TempDir dir;
    const trader::testing::EnvironmentList env{
        {"ALGO_BROKER__DATA_URL", alpaca.base_url()},
        {"ALGO_BROKER__API_KEY", alpaca.options().api_key},
        {"ALGO_BROKER__SECRET_KEY", alpaca.options().secret_key}};
    data(dir, {"synth", "--symbols", "AAPL", "--start", "2025-06-04", "--end", "2025-06-04"}, env);
    const auto first = data(
        dir, {"fetch", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-04"}, env);
    CHECK(first.exit_code == 0);
    CHECK(has(first.out, "missing: AAPL 2025-06-02..2025-06-03 (2 sessions)"));
    CHECK(has(first.out, "fetched 3 bars"));
    const auto requests = alpaca.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].param("feed") == "iex");
    CHECK(requests[0].param("start") == "2025-06-02T13:30:00Z");
    const auto list = data(dir, {"list"}, env);
    CHECK(has(list.out, "alpaca-iex"));
    const auto second = data(
        dir, {"fetch", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-04"}, env);
    CHECK(has(second.out, "nothing fetched"));
    CHECK(alpaca.requests().size() == 1);
    const auto exported = data(
        dir, {"export", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-02"}, env);
    CHECK(has(exported.out, "2025-06-02T13:30:00Z,150.25,151.5,149.75,150.8,12345,150.5,10"));
  }

  TEST_CASE("fetch without keys says which variable to set, and never prints a key") {
    TempDir dir;
    const auto r =
        data(dir, {"fetch", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-02"},
             {{"ALGO_BROKER__SECRET_KEY", "s3cr3t-value"}});
    CHECK(r.exit_code == 1);
    CHECK(has(r.err, "ALGO_BROKER__API_KEY"));
    CHECK_FALSE(has(r.err + r.out, "s3cr3t-value"));
  }
#endif
}
