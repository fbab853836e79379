// The paper-venue executable as a process (issue 13): it prints its URLs, answers REST and both
// streams, is scripted through its control endpoint, serves TLS with a CA it writes out, and
// stops cleanly on SIGTERM.

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <csignal>
#include <map>
#include <string>

#include "support/process.hpp"
#include "venue/venue_client.hpp"

namespace trader::testing {
namespace {

namespace json = boost::json;

constexpr const char* kKey = "PKPROCESS00000000001";
constexpr const char* kSecret = "process-secret-000000000000000000000001";

// Starts the executable and reads its "name=url" lines up to "ready".
std::map<std::string, std::string> read_urls(ChildProcess& child) {
  std::map<std::string, std::string> urls;
  for (;;) {
    const std::string line = child.read_line();
    if (line.empty() || line == "ready") break;
    const std::size_t equals = line.find('=');
    REQUIRE_MESSAGE(equals != std::string::npos, line);
    urls[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return urls;
}

void exercise(const std::map<std::string, std::string>& urls, const ClientOptions& client) {
  REQUIRE(urls.count("trading_url") == 1);
  REQUIRE(urls.count("data_stream_url") == 1);
  REQUIRE(urls.count("trade_stream_url") == 1);
  REQUIRE(urls.count("control_url") == 1);
  const std::string trading = urls.at("trading_url");
  const std::vector<std::pair<std::string, std::string>> keys{{"APCA-API-KEY-ID", kKey},
                                                              {"APCA-API-SECRET-KEY", kSecret}};
  const HttpResult account = http_request(trading, "GET", "/v2/account", {}, keys, client);
  REQUIRE(account.status == 200);
  CHECK(json::parse(account.body).at("account_number") == "PA3PROCESS01");

  WsClient trades(client);
  REQUIRE(trades.connect(urls.at("trade_stream_url")) == 101);
  trades.send(std::string("{\"action\":\"auth\",\"key\":\"") + kKey + "\",\"secret\":\"" + kSecret +
              "\"}");
  REQUIRE(trades.next());
  trades.send("{\"action\":\"listen\",\"data\":{\"streams\":[\"trade_updates\"]}}");
  REQUIRE(trades.next());

  WsClient data(client);
  REQUIRE(data.connect(urls.at("data_stream_url")) == 101);
  REQUIRE(data.next());  // connected
  data.send(std::string("{\"action\":\"auth\",\"key\":\"") + kKey + "\",\"secret\":\"" + kSecret +
            "\"}");
  REQUIRE(data.next());
  data.send("{\"action\":\"subscribe\",\"bars\":[\"AAPL\"]}");
  REQUIRE(data.next());

  const HttpResult order =
      http_request(trading, "POST", "/v2/orders",
                   "{\"symbol\":\"AAPL\",\"qty\":\"2\",\"side\":\"buy\",\"type\":\"market\","
                   "\"time_in_force\":\"day\",\"client_order_id\":\"e2e-1\"}",
                   keys, client);
  REQUIRE(order.status == 200);
  const auto accepted = trades.next();
  REQUIRE(accepted);
  CHECK(accepted->binary);
  CHECK(json::parse(accepted->text).at("data").at("event") == "new");

  // The control endpoint publishes the next minute: the order fills at its open.
  const HttpResult published =
      http_request(urls.at("control_url"), "POST", "/_control/publish?count=1", {}, {}, client);
  REQUIRE(published.status == 200);
  CHECK(json::parse(published.body).at("published") == 1);
  const auto fill = trades.next();
  REQUIRE(fill);
  CHECK(json::parse(fill->text).at("data").at("price") == "100");
  const auto bars = data.next();
  REQUIRE(bars);
  CHECK(json::parse(bars->text).at(0).at("t") == "2026-02-10T14:30:00Z");

  // A switch: the next request fails with 503.
  REQUIRE(http_request(urls.at("control_url"), "POST", "/_control/fail?count=1&status=503", {}, {},
                       client)
              .status == 200);
  CHECK(http_request(trading, "GET", "/v2/positions", {}, keys, client).status == 503);
  const HttpResult positions = http_request(trading, "GET", "/v2/positions", {}, keys, client);
  CHECK(json::parse(positions.body).at(0).at("qty") == "2");
  CHECK(http_request(urls.at("control_url"), "POST", "/_control/nonsense", {}, {}, client).status ==
        400);
}

TEST_CASE("paper-venue executable: URLs on stdout, REST, streams, control, SIGTERM") {
  const TempDir dir;
  write_file(dir / "aapl.csv",
             "timestamp,open,high,low,close,volume\n"
             "2026-02-10T14:30:00Z,100,101,99,100.5,1000\n"
             "2026-02-10T14:31:00Z,100.5,102,100,101,1200\n");
  ChildProcess child({PAPER_VENUE_BIN, "--key", kKey, "--secret", kSecret, "--account-number",
                      "PA3PROCESS01", "--bars", "AAPL=" + (dir / "aapl.csv").string()});
  const auto urls = read_urls(child);
  CHECK(urls.at("trading_url").rfind("http://127.0.0.1:", 0) == 0);
  CHECK(urls.at("trade_stream_url").rfind("ws://127.0.0.1:", 0) == 0);
  exercise(urls, {});
  child.kill(SIGTERM);
  CHECK(child.wait() == 0);
}

TEST_CASE("paper-venue executable: --tls writes its CA; a client that trusts it gets in") {
  const TempDir dir;
  write_file(dir / "aapl.csv", "2026-02-10T14:30:00Z,100,101,99,100.5,1000\n");
  ChildProcess child({PAPER_VENUE_BIN, "--tls", (dir / "ca.pem").string(), "--key", kKey,
                      "--secret", kSecret, "--account-number", "PA3PROCESS01", "--text-frames",
                      "--bars", "AAPL=" + (dir / "aapl.csv").string()});
  const auto urls = read_urls(child);
  CHECK(urls.at("trading_url").rfind("https://127.0.0.1:", 0) == 0);
  CHECK(urls.at("data_stream_url").rfind("wss://127.0.0.1:", 0) == 0);
  ClientOptions client;
  client.ca_pem = read_file(dir / "ca.pem");
  REQUIRE(client.ca_pem.find("BEGIN CERTIFICATE") != std::string::npos);
  // --text-frames: the trade stream's frames are text here.
  WsClient trades(client);
  REQUIRE(trades.connect(urls.at("trade_stream_url")) == 101);
  trades.send(std::string("{\"action\":\"auth\",\"key\":\"") + kKey + "\",\"secret\":\"" + kSecret +
              "\"}");
  const auto authorized = trades.next();
  REQUIRE(authorized);
  CHECK_FALSE(authorized->binary);
  trades.close();
  const HttpResult account =
      http_request(urls.at("trading_url"), "GET", "/v2/account", {},
                   {{"APCA-API-KEY-ID", kKey}, {"APCA-API-SECRET-KEY", kSecret}}, client);
  CHECK(account.status == 200);
  child.kill(SIGTERM);
  CHECK(child.wait() == 0);
}

TEST_CASE("paper-venue executable: a bad command line exits 2") {
  const ProcessResult unknown = run_process({PAPER_VENUE_BIN, "--frobnicate"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("--frobnicate") != std::string::npos);
  const ProcessResult missing = run_process({PAPER_VENUE_BIN, "--bars", "AAPL=/nonexistent.csv"});
  CHECK(missing.exit_code == 2);
}

}  // namespace
}  // namespace trader::testing
