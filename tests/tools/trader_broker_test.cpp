// End-to-end: the built trader-broker against the `paper-venue` executable (issue 13): exact
// amounts, exit statuses, the confirmation and live guard of cancel-all/close-all (F16), and no
// key in any output.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/secret_canary.hpp"
#include "venue/venue_client.hpp"

namespace {

using trader::testing::ChildProcess;
using trader::testing::EnvironmentList;
using trader::testing::leaked_canary;
using trader::testing::ProcessResult;
using trader::testing::run_process;
using trader::testing::TempDir;
using trader::testing::write_file;

const std::string kKey(trader::testing::kCanaryKey);
const std::string kSecret(trader::testing::kCanarySecret);

// The venue as a process, with the canary keys as its only valid keys.
class Venue {
 public:
  // `extra`: more flags of the venue (a later flag wins over the defaults here).
  explicit Venue(const std::vector<std::string>& extra = {}) : child_(command(extra)) {
    for (std::string line = child_.read_line(); !line.empty(); line = child_.read_line()) {
      if (line.rfind("trading_url=", 0) == 0) trading_url_ = line.substr(12);
      if (line.rfind("control_url=", 0) == 0) control_url_ = line.substr(12);
      if (line == "ready") break;
    }
    REQUIRE(!trading_url_.empty());
  }
  ~Venue() {
    child_.kill(15);
    static_cast<void>(child_.wait());
  }
  Venue(const Venue&) = delete;
  Venue& operator=(const Venue&) = delete;

  static std::vector<std::string> command(const std::vector<std::string>& extra) {
    std::vector<std::string> argv{PAPER_VENUE_BIN, "--key",  kKey,       "--secret",
                                  kSecret,         "--cash", "98765.43", "--account-number",
                                  "PA1TOOLTEST1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  // A request to the venue's trading API with its keys, or to its control endpoint.
  [[nodiscard]] int trade(const std::string& method, const std::string& target,
                          const std::string& body = {}) const {
    return trader::testing::http_request(
               trading_url_, method, target, body,
               {{"APCA-API-KEY-ID", kKey}, {"APCA-API-SECRET-KEY", kSecret}})
        .status;
  }
  [[nodiscard]] int control(const std::string& target) const {
    return trader::testing::http_request(control_url_, "POST", target).status;
  }

  [[nodiscard]] EnvironmentList env() const {
    return {{"ALGO_BROKER__API_KEY", kKey},
            {"ALGO_BROKER__SECRET_KEY", kSecret},
            {"ALGO_BROKER__TRADING_URL", trading_url_}};
  }

 private:
  ChildProcess child_;
  std::string trading_url_;
  std::string control_url_;
};

ProcessResult broker(const TempDir& dir, const std::vector<std::string>& args,
                     const EnvironmentList& env, const std::string& input = {}) {
  std::vector<std::string> argv{TRADER_BROKER_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessResult r = run_process(argv, env, dir.path(), input);
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  CHECK(leaked_canary(r.out).empty());
  CHECK(leaked_canary(r.err).empty());
  return r;
}

TEST_CASE("trader-broker account|positions|orders|clock --json print the venue's exact values") {
  const Venue venue;
  const TempDir dir;
  const auto account = broker(dir, {"account", "--json"}, venue.env());
  REQUIRE(account.exit_code == 0);
  CHECK(account.out.find(R"("cash": "98765.43")") != std::string::npos);
  CHECK(account.out.find(R"("account_number": "PA1TOOLTEST1")") != std::string::npos);
  CHECK(account.out.find(R"("is_paper": true)") != std::string::npos);

  const auto text = broker(dir, {"account"}, venue.env());
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("98765.43") != std::string::npos);
  CHECK(text.out.find("paper") != std::string::npos);

  const auto positions = broker(dir, {"positions", "--json"}, venue.env());
  REQUIRE(positions.exit_code == 0);
  CHECK(positions.out == "[]\n");

  const auto orders = broker(dir, {"orders", "--status", "all", "--json"}, venue.env());
  REQUIRE(orders.exit_code == 0);
  CHECK(orders.out == "[]\n");
}

TEST_CASE("trader-broker positions and orders show a filled and an open order's exact amounts") {
  const TempDir dir;
  write_file(dir.path() / "aapl.csv",
             "timestamp,open,high,low,close,volume\n"
             "2026-03-02T14:30:00Z,187.1234,188,187,187.5,1000\n"
             "2026-03-02T14:31:00Z,187.5,188.25,187.25,188.01,1200\n");
  const Venue venue({"--bars", "AAPL=" + (dir.path() / "aapl.csv").string()});
  REQUIRE(venue.trade("POST", "/v2/orders",
                      R"({"symbol":"AAPL","qty":"7","side":"buy","type":"market",)"
                      R"("time_in_force":"day","client_order_id":"tb-fill-1"})") == 200);
  REQUIRE(venue.trade(
              "POST", "/v2/orders",
              R"({"symbol":"AAPL","qty":"3","side":"buy","type":"limit",)"
              R"("limit_price":"150.05","time_in_force":"gtc","client_order_id":"tb-open-1"})") ==
          200);
  REQUIRE(venue.control("/_control/publish?count=1") == 200);  // the market order fills at the open

  const auto positions = broker(dir, {"positions", "--json"}, venue.env());
  REQUIRE(positions.exit_code == 0);
  CHECK(positions.out.find(R"("symbol": "AAPL")") != std::string::npos);
  CHECK(positions.out.find(R"("qty": "7")") != std::string::npos);
  CHECK(positions.out.find(R"("avg_entry_price": "187.1234")") != std::string::npos);

  const auto open = broker(dir, {"orders", "--json"}, venue.env());
  REQUIRE(open.exit_code == 0);
  CHECK(open.out.find(R"("client_order_id": "tb-open-1")") != std::string::npos);
  CHECK(open.out.find(R"("limit_price": "150.05")") != std::string::npos);
  CHECK(open.out.find("tb-fill-1") == std::string::npos);

  const auto closed = broker(dir, {"orders", "--status", "closed", "--json"}, venue.env());
  REQUIRE(closed.exit_code == 0);
  CHECK(closed.out.find(R"("client_order_id": "tb-fill-1")") != std::string::npos);
  CHECK(closed.out.find(R"("filled_avg_price": "187.1234")") != std::string::npos);
  CHECK(closed.out.find("tb-open-1") == std::string::npos);

  const auto text = broker(dir, {"positions"}, venue.env());
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("187.1234") != std::string::npos);

  const auto clock = broker(dir, {"clock", "--json"}, venue.env());
  REQUIRE(clock.exit_code == 0);
  CHECK(clock.out.find(R"("is_open": true)") != std::string::npos);
  CHECK(clock.out.find(R"("timestamp": "2026-03-02T)") != std::string::npos);
}

TEST_CASE("trader-broker over TLS trusts a private CA named by SSL_CERT_FILE, and no other") {
  const TempDir dir;
  const std::string ca = (dir.path() / "venue-ca.pem").string();
  const Venue venue({"--tls", ca});
  EnvironmentList env = venue.env();
  REQUIRE(env[2].second.rfind("https://127.0.0.1:", 0) == 0);
  const auto untrusted = broker(dir, {"account", "--json"}, env);
  CHECK(untrusted.exit_code == 1);
  CHECK(untrusted.err.find("certificate") != std::string::npos);
  env.emplace_back("SSL_CERT_FILE", ca);
  const auto account = broker(dir, {"account", "--json"}, env);
  REQUIRE(account.exit_code == 0);
  CHECK(account.out.find(R"("cash": "98765.43")") != std::string::npos);
  const auto clock = broker(dir, {"clock", "--json"}, env);
  CHECK(clock.exit_code == 0);
  CHECK(clock.out.find(R"("is_open": true)") != std::string::npos);
}

TEST_CASE("trader-broker without keys exits 1 naming ALGO_BROKER__API_KEY") {
  const TempDir dir;
  const auto r = broker(dir, {"account"}, {});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("ALGO_BROKER__API_KEY") != std::string::npos);
}

TEST_CASE("trader-broker with a wrong key exits 1 naming the key variable, the key masked") {
  const Venue venue;
  const TempDir dir;
  EnvironmentList env = venue.env();
  env[1].second = "SKwrongwrongwrongwrongwrong";
  const auto r = broker(dir, {"account"}, env);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("ALGO_BROKER__API_KEY") != std::string::npos);
}

TEST_CASE("trader-broker: bad command lines exit 2") {
  const TempDir dir;
  CHECK(broker(dir, {"nonsense"}, {}).exit_code == 2);
  CHECK(broker(dir, {"orders", "--status", "pending"}, {}).exit_code == 2);
  CHECK(broker(dir, {"account", "--status", "all"}, {}).exit_code == 2);
  CHECK(broker(dir, {}, {}).exit_code == 2);
}

TEST_CASE("F16: cancel-all asks first, and refuses a live account without --live") {
  const Venue venue;
  const TempDir dir;
  const auto declined = broker(dir, {"cancel-all"}, venue.env(), "no\n");
  CHECK(declined.exit_code == 1);
  const auto confirmed = broker(dir, {"cancel-all", "--json"}, venue.env(), "yes\n");
  CHECK(confirmed.exit_code == 0);
  CHECK(confirmed.out.find(R"("canceled": 0)") != std::string::npos);
  CHECK(broker(dir, {"close-all", "--yes"}, venue.env()).exit_code == 0);

  EnvironmentList live = venue.env();
  live.emplace_back("ALGO_BROKER__PAPER", "false");
  const auto refused = broker(dir, {"close-all", "--yes"}, live);
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("--live") != std::string::npos);
  // The paper account under live settings: refused even with --live.
  const auto paper_as_live = broker(dir, {"close-all", "--yes", "--live"}, live);
  CHECK(paper_as_live.exit_code == 1);
  CHECK(paper_as_live.err ==
        "trader-broker: close-all refused: ALGO_BROKER__PAPER=false but account PA1TOOLTEST1 is "
        "a paper account; check ALGO_BROKER__API_KEY and ALGO_BROKER__TRADING_URL\n");
}

TEST_CASE("F16: the account must be of the mode the settings say") {
  const Venue venue(
      {"--account-number", "LV7LIVEACCT1"});  // a live account number behind a non-paper endpoint
  const TempDir dir;
  const auto live_as_paper = broker(dir, {"cancel-all", "--yes"}, venue.env());
  CHECK(live_as_paper.exit_code == 1);
  CHECK(live_as_paper.err ==
        "trader-broker: cancel-all refused: ALGO_BROKER__PAPER=true but account LV7LIVEACCT1 is "
        "a live account; check ALGO_BROKER__API_KEY and ALGO_BROKER__TRADING_URL\n");
  EnvironmentList live = venue.env();
  live.emplace_back("ALGO_BROKER__PAPER", "false");
  const auto done = broker(dir, {"close-all", "--yes", "--live", "--json"}, live);
  CHECK(done.exit_code == 0);
  CHECK(done.out.find(R"("closing": 0)") != std::string::npos);
}

}  // namespace
