// End-to-end: the built trader-run against the `paper-venue` executable (issue 14): the paper
// gate's refusals (F16), a paper session at accelerated time (warm-up from the venue's history,
// entry, fill, stop at the broker), status and health, SIGTERM mid-session (exit 0, the
// position left with its broker-side stop, a second signal exits 1 at once), a crash and
// restart (no duplicate order, the stop adopted, the breaker rebuilt), and a replay of
// the golden scenario from the store.
#include <doctest/doctest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/process.hpp"
#include "venue/venue_client.hpp"

namespace {

using trader::testing::ChildProcess;
using trader::testing::EnvironmentList;
using trader::testing::http_request;
using trader::testing::ProcessResult;
using trader::testing::run_process;
using trader::testing::TempDir;
using namespace std::chrono_literals;

const std::string kKey = "PKRUNTEST0000000001";
const std::string kSecret = "run-test-secret-000000000000000001";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The golden scenario's bars moved to the venue's week: 2026-03-02 (warm-up day), 03-03
// (the trading day), 03-04.
// `third` empty: the third day's bars are left out.
std::string venue_bars(const std::string& first = "2026-03-02",
                       const std::string& second = "2026-03-03",
                       const std::string& third = "2026-03-04") {
  std::ifstream in(std::string(SOURCE_ROOT) + "/tests/fixtures/golden_scenario.csv");
  std::ostringstream out;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("2026-02-12", 0) == 0 && third.empty()) continue;
    for (const auto& [from, to] : {std::pair{"2026-02-10", first}, std::pair{"2026-02-11", second},
                                   std::pair{"2026-02-12", third}}) {
      if (line.rfind(from, 0) == 0) line.replace(0, 10, to);
    }
    out << line << "\n";
  }
  return out.str();
}

// A port for the status endpoint that nothing else of this test run uses.
int free_port() {
  static int next = 20000 + static_cast<int>(::getpid() % 20000);
  return next++;
}

class Venue {
 public:
  explicit Venue(const TempDir& dir, const std::string& account_number = "PA1RUNTEST1",
                 const std::string& bars = venue_bars(), const std::string& start = {}) {
    trader::testing::write_file(dir / "aapl.csv", bars);
    std::vector<std::string> argv{PAPER_VENUE_BIN,
                                  "--key",
                                  kKey,
                                  "--secret",
                                  kSecret,
                                  "--account-number",
                                  account_number,
                                  "--cash",
                                  "25000",
                                  "--bars",
                                  "AAPL=" + (dir / "aapl.csv").string()};
    if (!start.empty()) {
      argv.emplace_back("--start");
      argv.push_back(start);
    }
    child_.emplace(argv);
    for (std::string line = child_->read_line(); !line.empty(); line = child_->read_line()) {
      if (line.rfind("trading_url=", 0) == 0) url_ = line.substr(12);
      if (line == "ready") break;
    }
    REQUIRE(!url_.empty());
  }
  ~Venue() {
    child_->kill(SIGTERM);
    static_cast<void>(child_->wait());
  }
  Venue(const Venue&) = delete;
  Venue& operator=(const Venue&) = delete;

  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] std::string control(const std::string& what) const {
    const auto r = http_request(url_, "POST", "/_control/" + what);
    REQUIRE(r.status == 200);
    return r.body;
  }
  [[nodiscard]] std::string get(const std::string& target) const {
    const auto r = http_request(url_, "GET", target, {},
                                {{"APCA-API-KEY-ID", kKey}, {"APCA-API-SECRET-KEY", kSecret}});
    REQUIRE(r.status == 200);
    return r.body;
  }

 private:
  std::optional<ChildProcess> child_;
  std::string url_;
};

struct Session {
  explicit Session(const std::string& account_number = "PA1RUNTEST1",
                   const std::string& bars = venue_bars(), const std::string& start = {},
                   std::string speed = "300")
      : venue(dir, account_number, bars, start), port(free_port()), clock_speed(std::move(speed)) {}

  [[nodiscard]] EnvironmentList env(const std::string& clock_start) const {
    std::string ws = venue.url();
    ws.replace(0, 4, "ws");
    return {{"ALGO_BROKER__API_KEY", kKey},
            {"ALGO_BROKER__SECRET_KEY", kSecret},
            {"ALGO_BROKER__TRADING_URL", venue.url()},
            {"ALGO_BROKER__DATA_URL", venue.url()},
            {"ALGO_BROKER__DATA_STREAM_URL", ws + "/v2"},
            {"ALGO_WATCHLIST", "AAPL"},
            {"ALGO_DB_PATH", (dir / "trading.db").string()},
            {"ALGO_WEB__PORT", std::to_string(port)},
            {"ALGO_ENGINE__CLOCK_START", clock_start},
            {"ALGO_ENGINE__CLOCK_SPEED", clock_speed}};
  }

  TempDir dir;
  Venue venue;
  int port;
  std::string clock_speed;
};

// Reads the runtime's merged output until a line holds `marker`; everything read is kept.
bool wait_for_line(ChildProcess& child, const std::string& marker, std::string& seen) {
  for (std::string line = child.read_line(); !line.empty(); line = child.read_line()) {
    seen += line + "\n";
    if (contains(line, marker)) return true;
  }
  return false;
}

// Polls until `ready` holds (generous: the machine may be loaded).
template <class F>
bool eventually(F ready, std::chrono::seconds limit = 60s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (ready()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::unique_ptr<ChildProcess> start_runtime(const Session& s, const std::string& clock_start,
                                            std::string& seen,
                                            const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{TRADER_RUN_BIN};
  argv.insert(argv.end(), extra.begin(), extra.end());
  auto child = std::make_unique<ChildProcess>(argv, s.env(clock_start), true);
  REQUIRE(wait_for_line(*child, "to=running", seen));
  return child;
}

ProcessResult run_tool(const Session& s, const std::vector<std::string>& args,
                       EnvironmentList env) {
  std::vector<std::string> argv{TRADER_RUN_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult r = run_process(argv, env, s.dir.path());
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  return r;
}

const std::string kDay2 = "2026-03-03T14:29:30Z";

// The broker id of the first order in a venue order list whose object holds `marker`.
std::string order_id_with(const std::string& orders, const std::string& marker) {
  const std::string key = "\"id\":\"";
  for (std::size_t at = orders.find(key); at != std::string::npos;) {
    const std::size_t next = orders.find(key, at + key.size());
    const std::string object = orders.substr(at, next == std::string::npos ? next : next - at);
    if (contains(object, marker)) {
      const std::size_t start = at + key.size();
      return orders.substr(start, orders.find('"', start) - start);
    }
    at = next;
  }
  return {};
}

// Whether some order object of a venue order list holds every one of `markers`.
bool any_order_with(const std::string& orders, const std::vector<std::string>& markers) {
  const std::string key = "\"id\":\"";
  for (std::size_t at = orders.find(key); at != std::string::npos;) {
    const std::size_t next = orders.find(key, at + key.size());
    const std::string object = orders.substr(at, next == std::string::npos ? next : next - at);
    if (std::all_of(markers.begin(), markers.end(),
                    [&](const std::string& m) { return contains(object, m); })) {
      return true;
    }
    at = next;
  }
  return false;
}

// Day 1 published as history, trader-run started, day 2 played until the first entry filled
// and its stop is at the broker; then the venue pauses.
std::unique_ptr<ChildProcess> run_until_protected_entry(const Session& s, std::string& seen) {
  static_cast<void>(s.venue.control("publish_until?end=2026-03-03T00:00:00Z"));
  auto run = start_runtime(s, kDay2, seen);
  static_cast<void>(s.venue.control("play?interval_ms=200"));
  REQUIRE(eventually([&] { return contains(s.venue.get("/v2/positions"), "\"AAPL\""); }));
  REQUIRE(eventually([&] {
    return !order_id_with(s.venue.get("/v2/orders?status=open"), "\"type\":\"stop\"").empty();
  }));
  static_cast<void>(s.venue.control("pause"));
  return run;
}

}  // namespace

TEST_SUITE("tools") {
  TEST_CASE("F16: paper=false without --live refuses, with the exact message and exit 1") {
    Session s;
    auto env = s.env(kDay2);
    env.emplace_back("ALGO_BROKER__PAPER", "false");
    const auto r = run_tool(s, {}, env);
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err,
                   "trader-run: live trading refused: ALGO_BROKER__PAPER=false needs --live as "
                   "well (both opt-ins); for paper trading set ALGO_BROKER__PAPER=true\n"));
    // --live alone (paper settings) refuses as well; --live never runs on a simulated clock.
    const auto live_on_paper = run_tool(s, {"--live"}, s.env(kDay2));
    CHECK(live_on_paper.exit_code == 1);
    CHECK(contains(live_on_paper.err,
                   "trader-run: --live refused: ALGO_BROKER__PAPER=true (paper trading); live "
                   "trading needs ALGO_BROKER__PAPER=false as well\n"));
    const auto live_simulated = run_tool(s, {"--live"}, env);
    CHECK(live_simulated.exit_code == 1);
    CHECK(contains(live_simulated.err,
                   "trader-run: --live refused: a simulated clock is on (--clock-start or "
                   "ALGO_ENGINE__CLOCK_START); live trading runs on the real clock only\n"));
  }

  TEST_CASE("F16: a live account under paper mode refuses, with the exact message and exit 1") {
    Session s("LV9RUNTEST9");
    const auto r = run_tool(s, {}, s.env(kDay2));
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err,
                   "trader-run: paper trading refused: ALGO_BROKER__PAPER=true but account "
                   "LV9RUNTEST9 is a live account; check ALGO_BROKER__API_KEY and "
                   "ALGO_BROKER__TRADING_URL\n"));
    CHECK(contains(r.out, "PAPER trading [SIMULATED CLOCK]"));
  }

  TEST_CASE("a paper session: warm-up, entry, stop at the broker; SIGTERM leaves it protected") {
    Session s;
    // The first day is history by the time trader-run starts: warm-up reads it over REST.
    static_cast<void>(s.venue.control("publish_until?end=2026-03-03T00:00:00Z"));
    std::string seen;
    auto run = start_runtime(s, kDay2, seen);
    CHECK(contains(seen, "warmup_complete symbol=AAPL bars=390"));
    CHECK(contains(seen, "SIMULATED CLOCK"));
    CHECK(contains(seen, "\n2026-03-03T14:"));  // the log's times are the simulated clock's
    static_cast<void>(s.venue.control("play?interval_ms=200"));
    // The golden scenario's first entry (2026-03-03 14:44), its fill and its stop.
    REQUIRE(eventually([&] { return contains(s.venue.get("/v2/positions"), "\"AAPL\""); }));
    REQUIRE(eventually([&] {
      const std::string open = s.venue.get("/v2/orders?status=open");
      return contains(open, "\"type\":\"stop\"") && contains(open, "\"side\":\"sell\"");
    }));
    static_cast<void>(s.venue.control("pause"));
    // Status, health and metrics while it runs.
    const auto status = run_tool(s, {"status"}, s.env(kDay2));
    CHECK(status.exit_code == 0);
    CHECK(contains(status.out, "\"state\":\"running\""));
    CHECK(contains(status.out, "\"symbol\":\"AAPL\""));
    // The position with its entry and opening time, the stop order with its quantity.
    CHECK(contains(status.out, "\"opened_at\":\"2026-03-03T14:"));
    CHECK_FALSE(contains(status.out, "\"entry_price\":\"0\""));
    CHECK(contains(status.out, "\"role\":\"stop_loss\""));
    CHECK_FALSE(contains(status.out, "\"quantity\":0"));
    const auto metrics = trader::testing::http_request("http://127.0.0.1:" + std::to_string(s.port),
                                                       "GET", "/metrics");
    CHECK(metrics.status == 200);
    CHECK(contains(metrics.body, "bars"));

    const auto signalled = std::chrono::steady_clock::now();
    run->kill(SIGTERM);
    std::string rest = run->read_rest();
    const int code = run->wait();
    const auto took = std::chrono::steady_clock::now() - signalled;
    INFO(seen << rest);
    CHECK(code == 0);
    CHECK(took < 10s);  // within 10 s (the runtime's own deadline is 9 s)
    CHECK(contains(rest, "shutdown_complete exit_code=0"));
    // Not flattened: the position and its stop stay at the broker.
    CHECK(contains(s.venue.get("/v2/positions"), "\"AAPL\""));
    const std::string open = s.venue.get("/v2/orders?status=open");
    CHECK(contains(open, "\"type\":\"stop\""));
    CHECK_FALSE(contains(open, "\"side\":\"buy\""));  // no pending entry left

    // The restart takes the position over with its stop; nothing is sent twice.
    const std::string orders_before = s.venue.get("/v2/orders?status=all");
    std::string seen2;
    auto again = start_runtime(s, "2026-03-03T14:46:00Z", seen2);
    CHECK(contains(seen2, "engine_restored"));
    CHECK(contains(seen2, "positions=1"));
    CHECK(contains(seen2, "stops_placed=0"));
    const auto status2 = run_tool(s, {"status"}, s.env(kDay2));
    CHECK(contains(status2.out, "\"stop_price\":\""));
    CHECK(contains(status2.out, "\"circuit_breaker\""));
    CHECK(s.venue.get("/v2/orders?status=all") == orders_before);
    // A second signal while the first shutdown drains (2 s) ends the process at once, status 1.
    again->kill(SIGTERM);
    std::string tail;
    REQUIRE(wait_for_line(*again, "shutdown_started", tail));
    again->kill(SIGTERM);
    CHECK(again->wait() == 1);
  }

  TEST_CASE("a replay of the golden scenario's days gives the golden trades (F17 aside)") {
    const TempDir dir;
    const EnvironmentList env{{"ALGO_DB_PATH", (dir / "trading.db").string()},
                              {"ALGO_WATCHLIST", "AAPL"},
                              {"ALGO_WEB__PORT", std::to_string(free_port())}};
    const auto imported = run_process(
        {TRADER_DATA_BIN, "import",
         std::string(SOURCE_ROOT) + "/tests/fixtures/golden_scenario.csv", "--symbol", "AAPL"},
        env, dir.path());
    REQUIRE(imported.exit_code == 0);
    const auto r = run_process(
        {TRADER_RUN_BIN, "--replay", "--start-date", "2026-02-10", "--end-date", "2026-02-12"}, env,
        dir.path());
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);  // no keys needed
    CHECK(contains(r.out, "REPLAY (2026-02-10..2026-02-12 at max speed)"));
    CHECK(contains(r.out, "SIMULATED CLOCK"));
    CHECK(contains(r.out, "Replay finished: 436 bars, equity 25005.4"));
    // The backtest's trades (tests/engine/golden_scenario_test.cpp), same entries, quantities,
    // prices and P&L.
    CHECK(contains(r.err,
                   "trade_closed symbol=AAPL qty=12 entry_at=2026-02-11T14:44:00Z "
                   "exit_at=2026-02-11T14:56:00Z entry=100.51 exit=101.39 pnl=10.56 "
                   "reason=strategy_exit"));
    CHECK(contains(r.err,
                   "trade_closed symbol=AAPL qty=12 entry_at=2026-02-11T15:00:00Z "
                   "exit_at=2026-02-11T15:02:00Z entry=101.61 exit=101.1 pnl=-6.12 "
                   "reason=stop_loss"));
    // F17: the third trade is sent out by the end-of-day timer (close - 60 s) rather than at
    // the backtest's first bar of the next day (F7); the simulated venue fills it at the
    // session's close with the day's last bar, so time and price come out as in the backtest.
    CHECK(contains(r.err, "eod_timer_triggered date=2026-02-11 drift_ms=0 open_positions=1"));
    CHECK(contains(r.err,
                   "entry_at=2026-02-11T15:10:00Z exit_at=2026-02-11T15:11:00Z "
                   "entry=101.71 exit=101.79 pnl=0.96 reason=session_close"));
  }

  TEST_CASE("crash recovery: SIGKILL after the entry fill, the stop fills while down, restart") {
    Session s;
    std::string seen;
    auto run = run_until_protected_entry(s, seen);
    run->kill(SIGKILL);
    CHECK(run->wait() == 128 + SIGKILL);
    // While nobody runs: the stop fills at the broker.
    const std::string stop_id =
        order_id_with(s.venue.get("/v2/orders?status=open"), "\"type\":\"stop\"");
    REQUIRE(!stop_id.empty());
    static_cast<void>(s.venue.control("execute?id=" + stop_id + "&qty=12&price=100"));
    REQUIRE(!contains(s.venue.get("/v2/positions"), "\"AAPL\""));
    const std::string orders_before = s.venue.get("/v2/orders?status=all");

    std::string seen2;
    auto again = start_runtime(s, "2026-03-03T14:47:00Z", seen2);
    INFO(seen2);
    // The missed fill closed the round trip: its trade row, the breaker's day rebuilt with it.
    CHECK(contains(seen2, "trade_closed symbol=AAPL qty=12"));
    CHECK(contains(seen2, "reason=stop_loss"));
    CHECK(contains(seen2, "positions=0"));
    const auto status = run_tool(s, {"status"}, s.env(kDay2));
    CHECK(contains(status.out, "\"positions\":[]"));
    CHECK_FALSE(contains(status.out, "\"realized_pnl_today\":\"0\""));
    // Nothing sent again: no duplicate entry, no stop for a position that is gone.
    CHECK(s.venue.get("/v2/orders?status=all") == orders_before);
    // Trading continues: the bars resume and reach the engine.
    static_cast<void>(s.venue.control("play?interval_ms=200"));
    REQUIRE(eventually([&] {
      const auto st = run_tool(s, {"status"}, s.env(kDay2));
      return !contains(st.out, "\"bars_processed\":0,");
    }));
    // trader-run stop: the same graceful path as SIGTERM.
    const auto stop = run_tool(s, {"stop"}, s.env(kDay2));
    CHECK(stop.exit_code == 0);
    CHECK(contains(stop.out, "Shutdown requested."));
    CHECK(again->wait() == 0);
    const auto after = run_tool(s, {"status"}, s.env(kDay2));
    CHECK(after.exit_code == 1);  // not running any more
  }

  TEST_CASE("the order audit applies a fill frame the stream dropped; the stop follows") {
    Session s;
    auto env = s.env(kDay2);
    static_cast<void>(s.venue.control("publish_until?end=2026-03-03T00:00:00Z"));
    std::vector<std::string> argv{TRADER_RUN_BIN};
    env.emplace_back("ALGO_ENGINE__ORDER_AUDIT_SECONDS", "5");
    ChildProcess run(argv, env, true);
    std::string seen;
    REQUIRE(wait_for_line(run, "to=running", seen));
    // Every trade update is lost from here on while the connection stays healthy.
    static_cast<void>(s.venue.control("updates?mode=drop"));
    static_cast<void>(s.venue.control("play?interval_ms=200"));
    REQUIRE(eventually([&] { return contains(s.venue.get("/v2/positions"), "\"AAPL\""); }));
    // Only the audit can have told the engine of the fill: the stop at the broker proves it.
    REQUIRE(eventually([&] {
      return !order_id_with(s.venue.get("/v2/orders?status=open"), "\"type\":\"stop\"").empty();
    }));
    static_cast<void>(s.venue.control("pause"));
    run.kill(SIGTERM);
    const std::string rest = run.read_rest();
    CHECK(run.wait() == 0);
    INFO(rest);
    CHECK(contains(seen + rest, "stream_gap"));
    CHECK(contains(seen + rest, "event=fill"));
  }

  TEST_CASE("with the trade-update stream down, no order is sent: the entry fails safe") {
    Session s;
    static_cast<void>(s.venue.control("publish_until?end=2026-03-03T00:00:00Z"));
    std::string seen;
    auto run = start_runtime(s, kDay2, seen);
    REQUIRE(wait_for_line(*run, "market_data_connected", seen));
    // The trade stream goes down and stays down (every reconnect refused).
    static_cast<void>(s.venue.control("refuse_upgrades?count=1000000&status=503"));
    static_cast<void>(s.venue.control("drop?stream=trade"));
    static_cast<void>(s.venue.control("play?interval_ms=200"));
    // A watchdog: a runtime that never logs the refusal fails the test instead of hanging it.
    std::atomic<bool> done{false};
    std::thread watchdog([&] {
      for (int i = 0; i < 1200 && !done; ++i) std::this_thread::sleep_for(100ms);
      if (!done) run->kill(SIGKILL);
    });
    const bool refused = wait_for_line(*run, "order_refused_stream_down", seen);
    done = true;
    watchdog.join();
    INFO(seen);
    CHECK(refused);
    CHECK(contains(seen, "order_held_stream_down"));
    CHECK_FALSE(contains(s.venue.get("/v2/orders?status=all"), "\"side\":\"buy\""));
    static_cast<void>(s.venue.control("pause"));
    run->kill(SIGTERM);
    static_cast<void>(run->read_rest());
    CHECK(run->wait() == 0);
  }

  TEST_CASE(
      "a full session on an early-close day: trailing stop, exits, EOD flatten by the timer") {
    // The golden bars on 2026-11-25 (history) and Friday 2026-11-27, which closes at 13:00 New
    // York (18:00 UTC): the flatten is due at 17:59, long after the last bar (15:11).
    Session s("PA1RUNTEST1", venue_bars("2026-11-25", "2026-11-27", ""), "2026-11-25T14:30:00Z",
              "600");
    static_cast<void>(s.venue.control("publish_until?end=2026-11-26T00:00:00Z"));
    std::string seen;
    auto run = start_runtime(s, "2026-11-27T14:29:30Z", seen);
    INFO(seen);  // on a failure: what the runtime said up to it
    REQUIRE(wait_for_line(*run, "session_scheduled", seen));
    CHECK(
        contains(seen, "flatten=2026-11-27T17:59:00Z close=2026-11-27T18:00:00Z early_close=yes"));
    static_cast<void>(s.venue.control("play?interval_ms=100"));
    // The timer, not a bar, sends the last position out: its market order appears at the venue.
    REQUIRE(wait_for_line(*run, "eod_timer_triggered date=2026-11-27", seen));
    CHECK(contains(seen, "open_positions=1"));
    std::string market_id;
    REQUIRE(eventually([&] {
      market_id = order_id_with(s.venue.get("/v2/orders?status=open"), "\"type\":\"market\"");
      return !market_id.empty();
    }));
    // No bar comes any more: the venue executes the exit as the close auction would.
    static_cast<void>(s.venue.control("execute?id=" + market_id + "&qty=12&price=101.8"));
    REQUIRE(wait_for_line(*run, "reason=session_close", seen));
    // signal -> risk -> entry -> fill -> stop -> trailing -> exit: the backtest's trades of these
    // bars (tests/engine/golden_scenario_test.cpp) with two stated differences: the venue stamps
    // a fill at the end of its bar's minute (the backtest at its start), and it charges no
    // slippage (the backtest's ALGO_BACKTEST__SLIPPAGE_PER_SHARE, $0.01, makes 100.51, 101.39,
    // 101.61 and 101.10 of 100.50, 101.40, 101.60 and 101.11). Quantities, decisions and exit
    // reasons are the same; the third trade leaves by the F17 timer.
    CHECK(contains(seen, "stop_moved symbol=AAPL candle=2026-11-27T14:50:00Z stop=100.35"));
    CHECK(contains(seen,
                   "trade_closed symbol=AAPL qty=12 entry_at=2026-11-27T14:45:00Z "
                   "exit_at=2026-11-27T14:57:00Z entry=100.5 exit=101.4 pnl=10.8 "
                   "reason=strategy_exit"));
    CHECK(contains(seen,
                   "trade_closed symbol=AAPL qty=12 entry_at=2026-11-27T15:01:00Z "
                   "exit_at=2026-11-27T15:03:00Z entry=101.6 exit=101.11 pnl=-5.88 "
                   "reason=stop_loss"));
    CHECK(contains(seen, "trade_closed symbol=AAPL qty=12 entry_at=2026-11-27T15:11:00Z"));
    CHECK(contains(seen, "entry=101.7 exit=101.8 pnl=1.2 reason=session_close"));
    // Alpaca holds a stop's shares: each exit cancelled its stop first.
    CHECK(contains(seen, "exit_waits_for_stop_cancel"));
    CHECK_FALSE(contains(s.venue.get("/v2/positions"), "\"AAPL\""));
    run->kill(SIGTERM);
    static_cast<void>(run->read_rest());
    CHECK(run->wait() == 0);
  }

  TEST_CASE(
      "F19: the market-data stream lost three times within five minutes stops safely, exit 1") {
    Session s("PA1RUNTEST1", venue_bars(), {}, "60");
    static_cast<void>(s.venue.control("publish_until?end=2026-03-03T00:00:00Z"));
    std::string seen;
    auto run = start_runtime(s, kDay2, seen);
    static_cast<void>(s.venue.control("play?interval_ms=1000"));  // the clock's pace: no staleness
    for (int drop = 1; drop <= 3; ++drop) {
      // Subscribed again (the stream reconnects by itself), then lost again.
      REQUIRE(eventually([&] {
        const auto state = http_request(s.venue.url(), "GET", "/_control/state");
        return contains(state.body, "\"data_subscribers\":1");
      }));
      static_cast<void>(s.venue.control("drop?stream=data"));
      REQUIRE(wait_for_line(*run, "task_", seen));
    }
    const std::string rest = run->read_rest();
    INFO(seen << rest);
    CHECK(run->wait() == 1);
    CHECK(contains(seen, "task_max_failures task=market_data failures=3"));
    CHECK(contains(seen + rest, "safe_stop reason=\"the market-data stream failed 3 times"));
    CHECK(contains(rest, "shutdown_complete exit_code=1"));
  }

  TEST_CASE(
      "F19: minutes lost while the data stream was down come over REST: none lost, none twice") {
    // At 60x (a minute a second) rather than 300x: the venue's bars and the runtime's clock stay
    // together on a loaded machine and under the sanitizers, where a late tick of either side
    // would otherwise look like an outage of its own.
    Session s("PA1RUNTEST1", venue_bars("2026-03-02", "2026-03-03", ""), {}, "60");
    static_cast<void>(s.venue.control("publish_until?end=2026-03-03T00:00:00Z"));
    std::string seen;
    auto run = start_runtime(s, kDay2, seen);
    static_cast<void>(s.venue.control("play?interval_ms=1000"));
    REQUIRE(eventually(
        [&] {
          const auto state = http_request(s.venue.url(), "GET", "/_control/state");
          return contains(state.body, "\"now\":\"2026-03-03T14:36");
        },
        180s));
    // Down for a while: the reconnects are refused twenty times (backing off), bars go on.
    static_cast<void>(s.venue.control("refuse_upgrades?count=20&status=503"));
    static_cast<void>(s.venue.control("drop?stream=data"));
    REQUIRE(eventually(
        [&] {
          const auto state = http_request(s.venue.url(), "GET", "/_control/state");
          return contains(state.body, "\"minutes_left\":0");
        },
        180s));
    // Every one of the day's 42 bars reached the engine exactly once.
    REQUIRE(eventually(
        [&] {
          return contains(run_tool(s, {"status"}, s.env(kDay2)).out, "\"bars_processed\":42,");
        },
        180s));
    run->kill(SIGTERM);
    const std::string rest = run->read_rest();
    CHECK(run->wait() == 0);
    INFO(seen << rest);
    CHECK(contains(seen + rest, "backfill_finished recovered="));
    CHECK_FALSE(contains(seen + rest, "backfill_finished recovered=0 "));
  }

  TEST_CASE("without keys trader-run exits 1 at once naming the missing variables") {
    const TempDir dir;
    const auto r =
        run_process({TRADER_RUN_BIN}, {{"ALGO_DB_PATH", (dir / "t.db").string()}}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "ALGO_BROKER__API_KEY"));
    CHECK(contains(r.err, "ALGO_BROKER__SECRET_KEY"));
    CHECK(contains(r.out, "PAPER trading"));  // the mode is printed at every start (F16)
  }

  TEST_CASE("a dry run: live bars from the venue, fills simulated, nothing sent to the broker") {
    Session s("PA1RUNTEST1", venue_bars("2026-03-02", "2026-03-03", ""));
    static_cast<void>(s.venue.control("publish_until?end=2026-03-03T00:00:00Z"));
    std::string seen;
    auto run = start_runtime(s, kDay2, seen, {"--broker", "sim"});
    CHECK(contains(seen, "DRY RUN"));
    static_cast<void>(s.venue.control("play?interval_ms=200"));
    REQUIRE(wait_for_line(*run, "trade_closed symbol=AAPL", seen));
    // An updatedBars message for a minute already evaluated: logged, not evaluated again.
    static_cast<void>(s.venue.control(
        "updated_bar?symbol=AAPL&t=2026-03-03T14:40:00Z&o=100.1&h=100.9&l=100&c=100.5&v=900"));
    REQUIRE(wait_for_line(*run, "bar_updated symbol=AAPL ts=2026-03-03T14:40:00Z", seen));
    run->kill(SIGTERM);
    const std::string rest = run->read_rest();
    CHECK(run->wait() == 0);
    INFO(seen << rest);
    // The backtest's first trade (SimBroker fills, the same slippage).
    CHECK(contains(seen,
                   "trade_closed symbol=AAPL qty=12 entry_at=2026-03-03T14:44:00Z "
                   "exit_at=2026-03-03T14:56:00Z entry=100.51 exit=101.39 pnl=10.56"));
    CHECK(s.venue.get("/v2/orders?status=all") == "[]");
  }

  TEST_CASE("F21: a partly filled entry is protected for what is held; the stop grows with fills") {
    Session s("PA1RUNTEST1", venue_bars("2026-03-02", "2026-03-03", ""));
    static_cast<void>(s.venue.control("publish_until?end=2026-03-03T00:00:00Z"));
    std::string seen;
    auto run = start_runtime(s, kDay2, seen);
    static_cast<void>(s.venue.control("partial_fill_next?qty=5"));
    static_cast<void>(s.venue.control("play?interval_ms=300"));
    // First 5 shares: a stop for 5; then the rest: the stop replaced to cover all 12.
    REQUIRE(eventually([&] {
      return contains(s.venue.get("/v2/positions"), "\"qty\":\"12\"") &&
             any_order_with(s.venue.get("/v2/orders?status=open"),
                            {"\"type\":\"stop\"", "\"qty\":\"12\""});
    }));
    CHECK(any_order_with(s.venue.get("/v2/orders?status=all"),
                         {"\"type\":\"stop\"", "\"qty\":\"5\"", "\"status\":\"replaced\""}));
    static_cast<void>(s.venue.control("pause"));
    run->kill(SIGTERM);
    const std::string rest = run->read_rest();
    CHECK(run->wait() == 0);
    INFO(seen << rest);
    CHECK(contains(seen + rest, "role=entry state=partially_filled filled=5"));
    CHECK(contains(seen + rest, "role=stop_loss"));
  }

  TEST_CASE(
      "F19: the data stream silenced, then refused (406): recovered, no candle lost or twice") {
    Session s("PA1RUNTEST1", venue_bars("2026-03-02", "2026-03-03", ""));
    static_cast<void>(s.venue.control("publish_until?end=2026-03-03T00:00:00Z"));
    std::string seen;
    auto run = start_runtime(s, kDay2, seen);
    static_cast<void>(s.venue.control("play?interval_ms=250"));
    REQUIRE(eventually([&] {
      const auto state = http_request(s.venue.url(), "GET", "/_control/state");
      return contains(state.body, "\"now\":\"2026-03-03T14:35");
    }));
    // Silent but connected: found stale and reconnected (resubscribed) by the supervision.
    static_cast<void>(s.venue.control("silent?stream=data&on=1"));
    REQUIRE(wait_for_line(*run, "task_failed task=market_data", seen));
    CHECK(contains(seen, "no bar for 180 s"));
    static_cast<void>(s.venue.control("silent?stream=data&on=0"));
    std::this_thread::sleep_for(1500ms);  // out of the five-minute window (300x: 1 s)
    // Lost, and the slot held by a ghost session for a while: 406 until it is free.
    static_cast<void>(s.venue.control("data_slot_taken?on=1"));
    static_cast<void>(s.venue.control("drop?stream=data"));
    std::this_thread::sleep_for(700ms);
    static_cast<void>(s.venue.control("data_slot_taken?on=0"));
    REQUIRE(eventually([&] {
      const auto state = http_request(s.venue.url(), "GET", "/_control/state");
      return contains(state.body, "\"minutes_left\":0");
    }));
    REQUIRE(eventually([&] {
      return contains(run_tool(s, {"status"}, s.env(kDay2)).out, "\"bars_processed\":42,");
    }));
    run->kill(SIGTERM);
    const std::string rest = run->read_rest();
    INFO(seen << rest);
    CHECK(run->wait() == 0);
    CHECK(contains(seen + rest, "backfill_finished"));
  }

  TEST_CASE(
      "reconciliation: an orphan order is cancelled, an orphan position adopted once and "
      "protected") {
    Session s;
    static_cast<void>(s.venue.control("publish_until?end=2026-03-03T00:00:00Z"));
    const std::vector<std::pair<std::string, std::string>> keys{{"APCA-API-KEY-ID", kKey},
                                                                {"APCA-API-SECRET-KEY", kSecret}};
    // Placed by hand, outside trader-run: a market buy (it fills at the next bar) and a limit
    // buy far below the market (it stays open).
    REQUIRE(http_request(s.venue.url(), "POST", "/v2/orders",
                         R"({"symbol":"AAPL","qty":"7","side":"buy","type":"market",)"
                         R"("time_in_force":"day","client_order_id":"by-hand-1"})",
                         keys)
                .status == 200);
    REQUIRE(
        http_request(s.venue.url(), "POST", "/v2/orders",
                     R"({"symbol":"AAPL","qty":"3","side":"buy","type":"limit",)"
                     R"("limit_price":"50","time_in_force":"day","client_order_id":"by-hand-2"})",
                     keys)
            .status == 200);
    static_cast<void>(s.venue.control("publish_until?end=2026-03-03T14:31:00Z"));
    REQUIRE(contains(s.venue.get("/v2/positions"), "\"qty\":\"7\""));

    std::string seen;
    auto run = start_runtime(s, "2026-03-03T14:31:30Z", seen);
    INFO(seen);
    CHECK(contains(seen, "orphan_order_cancelled"));
    CHECK(contains(seen, "client_order_id=by-hand-2"));
    CHECK(contains(seen, "orphan_position_adopted symbol=AAPL qty=7"));
    CHECK(contains(seen, "emergency_stop symbol=AAPL"));  // no planned stop is known (F18)
    REQUIRE(eventually([&] {
      return any_order_with(s.venue.get("/v2/orders?status=open"),
                            {"\"type\":\"stop\"", "\"qty\":\"7\"", "\"side\":\"sell\""});
    }));
    CHECK_FALSE(contains(s.venue.get("/v2/orders?status=open"), "by-hand-2"));
    run->kill(SIGTERM);
    static_cast<void>(run->read_rest());
    CHECK(run->wait() == 0);

    // Restarted: the adopted position is known, protected by the stop already there.
    const std::string orders_before = s.venue.get("/v2/orders?status=all");
    std::string seen2;
    auto again = start_runtime(s, "2026-03-03T14:32:00Z", seen2);
    INFO(seen2);
    CHECK(contains(seen2, "orphan_positions_adopted=0"));
    CHECK(contains(seen2, "stops_placed=0"));
    CHECK(s.venue.get("/v2/orders?status=all") == orders_before);
    again->kill(SIGTERM);
    static_cast<void>(again->read_rest());
    CHECK(again->wait() == 0);
  }
}
