#include <trader/alpaca/historical_bars.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "support/alpaca_double.hpp"
#include "support/process.hpp"
#include "support/tls_material.hpp"

namespace {

using std::chrono::milliseconds;
using trader::alpaca::AuthError;
using trader::alpaca::BarsQuery;
using trader::alpaca::CertificateError;
using trader::alpaca::ClientOptions;
using trader::alpaca::ConnectionError;
using trader::alpaca::HistoricalBarsClient;
using trader::alpaca::RateLimitError;
using trader::alpaca::RequestError;
using trader::alpaca::ResponseError;
using trader::alpaca::ServerError;
using trader::alpaca::TimeoutError;
using trader::config::Secret;
using trader::core::Decimal;
using trader::core::parse_timestamp;
using trader::data::BarRecord;
using trader::testing::AlpacaDouble;
using trader::testing::AlpacaDoubleOptions;
using trader::testing::CannedResponse;
using trader::testing::DoubleBar;
using trader::testing::TestCertificateAuthority;

// A client pointed at `server`, with the server's keys, short timeouts and a sleep that only
// records (no test waits for a backoff).
ClientOptions options_for(const AlpacaDouble& server, std::vector<milliseconds>& sleeps) {
  ClientOptions options;
  options.base_url = server.base_url();
  options.api_key = Secret(server.options().api_key);
  options.secret_key = Secret(server.options().secret_key);
  options.connect_timeout = milliseconds{5'000};
  options.read_timeout = milliseconds{5'000};
  options.sleep = [&sleeps](milliseconds duration) { sleeps.push_back(duration); };
  return options;
}

// `count` one-minute bars from `first`, prices rising a cent a minute from `open`.
std::vector<DoubleBar> minute_bars(const std::string& first, int count, const std::string& open) {
  std::vector<DoubleBar> bars;
  const auto start = parse_timestamp(first);
  const Decimal base = Decimal::parse(open);
  const Decimal cent = Decimal::parse("0.01");
  for (int i = 0; i < count; ++i) {
    const Decimal price = base + cent * i;
    DoubleBar bar;
    bar.t = trader::core::format_timestamp(start + std::chrono::minutes(i));
    bar.o = price.to_string();
    bar.h = (price + cent).to_string();
    bar.l = (price - cent).to_string();
    bar.c = price.to_string();
    bar.v = std::to_string(1000 + i);
    bar.n = std::to_string(10 + i);
    bar.vw = price.to_string();
    bars.push_back(bar);
  }
  return bars;
}

BarsQuery query_for(std::vector<std::string> symbols) {
  BarsQuery query;
  query.symbols = std::move(symbols);
  query.start = parse_timestamp("2024-01-02T14:30:00Z");
  query.end = parse_timestamp("2024-01-02T21:00:00Z");
  return query;
}

// What the handler received: one entry per call.
struct Delivery {
  std::string symbol;
  std::vector<BarRecord> bars;
};

struct Collector {
  std::vector<Delivery> deliveries;
  trader::alpaca::BarsHandler handler() {
    return [this](std::string_view symbol, std::span<const BarRecord> bars) {
      deliveries.push_back(Delivery{std::string(symbol), {bars.begin(), bars.end()}});
    };
  }
};

// The next_page_token a recorded response carried ("" for null).
std::string next_token(const std::string& body) {
  const std::string key = "\"next_page_token\":\"";
  const std::size_t at = body.find(key);
  if (at == std::string::npos) return {};
  const std::size_t from = at + key.size();
  return body.substr(from, body.find('"', from) - from);
}

// Neither key may appear in an error text, whatever the server sent.
void check_no_keys(const std::string& text, const AlpacaDouble& server) {
  CHECK(text.find(server.options().api_key) == std::string::npos);
  CHECK(text.find(server.options().secret_key) == std::string::npos);
}

template <class ErrorType>
std::optional<ErrorType> fetch_error(HistoricalBarsClient& client, const BarsQuery& query) {
  Collector collector;
  try {
    static_cast<void>(client.fetch(query, collector.handler()));
  } catch (const ErrorType& e) {
    return e;
  }
  return std::nullopt;
}

}  // namespace

TEST_SUITE("alpaca") {
  TEST_CASE("pagination: every page is fetched with the previous page's token, in order") {
    AlpacaDouble server;
    server.add_bars("TSLA", minute_bars("2024-01-02T14:30:00Z", 4, "240.00"));
    server.add_bars("AAPL", minute_bars("2024-01-02T14:30:00Z", 5, "185.00"));
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));
    BarsQuery query = query_for({"TSLA", "AAPL"});
    query.limit = 3;  // 9 bars: pages of 3, 3 and 3, the middle one holding both symbols
    Collector collector;

    const auto summary = client.fetch(query, collector.handler());

    CHECK(summary.pages == 3);
    CHECK(summary.bars == 9);
    CHECK(summary.retries == 0);
    REQUIRE(collector.deliveries.size() == 4);
    CHECK(collector.deliveries[0].symbol == "AAPL");
    CHECK(collector.deliveries[0].bars.size() == 3);
    CHECK(collector.deliveries[1].symbol == "AAPL");
    CHECK(collector.deliveries[1].bars.size() == 2);
    CHECK(collector.deliveries[2].symbol == "TSLA");
    CHECK(collector.deliveries[2].bars.size() == 1);
    CHECK(collector.deliveries[3].symbol == "TSLA");
    CHECK(collector.deliveries[3].bars.size() == 3);
    CHECK(collector.deliveries[1].bars.front().bar.ts == parse_timestamp("2024-01-02T14:33:00Z"));
    CHECK(collector.deliveries[3].bars.back().bar.ts == parse_timestamp("2024-01-02T14:33:00Z"));

    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK_FALSE(requests[0].has("page_token"));
    CHECK(!next_token(requests[0].response_body).empty());
    CHECK(requests[1].param("page_token") == next_token(requests[0].response_body));
    CHECK(requests[2].param("page_token") == next_token(requests[1].response_body));
    CHECK(next_token(requests[2].response_body).empty());
    for (const auto& request : requests) {
      CHECK(request.param("limit") == "3");
      CHECK(request.param("symbols") == "TSLA,AAPL");
      CHECK(request.connection == 1);  // one kept-alive connection for every page
    }
  }

  TEST_CASE("every request sends symbols, timeframe, start, end, feed, adjustment, limit, keys") {
    AlpacaDouble server;
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));
    Collector collector;

    static_cast<void>(client.fetch(query_for({"AAPL", "BRK.B"}), collector.handler()));
    BarsQuery custom = query_for({"MSFT"});
    custom.timeframe = "5Min";
    custom.feed = "sip";
    custom.adjustment = "split,spin-off";
    custom.limit = 500;
    custom.start = parse_timestamp("2024-01-02T14:30:00.250Z");
    static_cast<void>(client.fetch(custom, collector.handler()));

    const auto requests = server.requests();
    REQUIRE(requests.size() == 2);
    const auto& defaults = requests[0];
    CHECK(defaults.method == "GET");
    CHECK(defaults.path == "/v2/stocks/bars");
    CHECK(defaults.param("symbols") == "AAPL,BRK.B");
    CHECK(defaults.param("timeframe") == "1Min");
    CHECK(defaults.param("start") == "2024-01-02T14:30:00Z");
    CHECK(defaults.param("end") == "2024-01-02T21:00:00Z");
    CHECK(defaults.param("feed") == "iex");
    CHECK(defaults.param("adjustment") == "all");
    CHECK(defaults.param("limit") == "10000");
    CHECK_FALSE(defaults.has("page_token"));
    CHECK(defaults.header("APCA-API-KEY-ID") == server.options().api_key);
    CHECK(defaults.header("APCA-API-SECRET-KEY") == server.options().secret_key);
    CHECK(defaults.header("Host") == "127.0.0.1:" + std::to_string(server.port()));
    CHECK(defaults.response_status == 200);
    CHECK(defaults.response_body == R"({"bars":{},"next_page_token":null})");

    const auto& chosen = requests[1];
    CHECK(chosen.param("timeframe") == "5Min");
    CHECK(chosen.param("feed") == "sip");
    CHECK(chosen.param("adjustment") == "split,spin-off");
    CHECK(chosen.param("limit") == "500");
    CHECK(chosen.param("start") == "2024-01-02T14:30:00.250000Z");
  }

  TEST_CASE("prices are exact Decimals read from the JSON number text") {
    AlpacaDouble server;
    DoubleBar exact{"2024-01-02T14:30:00Z", "123.456789", "150.8",     "0.0001", "174",
                    "5000000000",           "732412",     "173.703516"};
    // Exponent notation (Go prints small floats so) and a float-noise VWAP with 14 digits,
    // rounded half-even to 8; "n" left out (older responses).
    DoubleBar unusual{"2024-01-02T14:31:00Z", "1.5e-05", "2E+2", "0.1",
                      "0.30000000000000004",  "0",       "",     "173.70351612500001"};
    unusual.n = "null";
    // Half-even at the 9th digit: a tie after an even digit stays, after an odd one goes up.
    DoubleBar ties{"2024-01-02T14:32:00Z", "0.123456785", "0.123456775", "1", "1", "1", "1", ""};
    server.add_bars("AAPL", {exact, unusual, ties});
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));
    Collector collector;

    static_cast<void>(client.fetch(query_for({"AAPL"}), collector.handler()));

    REQUIRE(collector.deliveries.size() == 1);
    const auto& bars = collector.deliveries[0].bars;
    REQUIRE(bars.size() == 3);
    CHECK(bars[0].bar.ts == parse_timestamp("2024-01-02T14:30:00Z"));
    CHECK(bars[0].bar.open.units() == 12'345'678'900);
    CHECK(bars[0].bar.high.units() == 15'080'000'000);  // 150.8 has no exact double
    CHECK(bars[0].bar.low == Decimal::parse("0.0001"));
    CHECK(bars[0].bar.close == Decimal::parse("174"));
    CHECK(bars[0].bar.volume == 5'000'000'000);
    CHECK(bars[0].trade_count == 732'412);
    CHECK(bars[0].vwap == Decimal::parse("173.703516"));
    CHECK(bars[0].bar.symbol == trader::data::SymbolId{});
    CHECK(bars[1].bar.open == Decimal::parse("0.000015"));
    CHECK(bars[1].bar.high == Decimal::parse("200"));
    CHECK(bars[1].bar.low == Decimal::parse("0.1"));
    CHECK(bars[1].bar.close == Decimal::parse("0.3"));
    CHECK(bars[1].vwap == Decimal::parse("173.70351613"));
    CHECK_FALSE(bars[1].has_trade_count());
    CHECK(bars[2].bar.open == Decimal::parse("0.12345678"));
    CHECK(bars[2].bar.high == Decimal::parse("0.12345678"));
    CHECK_FALSE(bars[2].has_vwap());
  }

  TEST_CASE("429 with Retry-After: the client waits as told, then succeeds") {
    AlpacaDouble server;
    server.add_bars("AAPL", minute_bars("2024-01-02T14:30:00Z", 2, "185.00"));
    server.enqueue_rate_limit(2, 3);
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));
    Collector collector;

    const auto summary = client.fetch(query_for({"AAPL"}), collector.handler());

    CHECK(sleeps == std::vector<milliseconds>{milliseconds{3'000}, milliseconds{3'000}});
    CHECK(summary.retries == 2);
    CHECK(summary.bars == 2);
    const auto requests = server.requests();
    REQUIRE(requests.size() == 3);
    CHECK(requests[0].response_status == 429);
    CHECK(requests[2].response_status == 200);
  }

  TEST_CASE("429 without Retry-After: exponential backoff capped at backoff_max") {
    AlpacaDouble server;
    server.enqueue_rate_limit(5, std::nullopt);
    server.enqueue_rate_limit(1, 120);  // longer than backoff_max: capped too
    std::vector<milliseconds> sleeps;
    ClientOptions options = options_for(server, sleeps);
    options.max_attempts = 7;
    options.backoff_initial = milliseconds{1'000};
    options.backoff_max = milliseconds{3'000};
    HistoricalBarsClient client(options);
    Collector collector;

    const auto summary = client.fetch(query_for({"AAPL"}), collector.handler());

    CHECK(sleeps == std::vector<milliseconds>{milliseconds{1'000}, milliseconds{2'000},
                                              milliseconds{3'000}, milliseconds{3'000},
                                              milliseconds{3'000}, milliseconds{3'000}});
    CHECK(summary.retries == 6);
    CHECK(server.requests().size() == 7);
  }

  TEST_CASE("429 on every attempt: RateLimitError after max_attempts") {
    AlpacaDouble server;
    server.enqueue_rate_limit(10, 1);
    std::vector<milliseconds> sleeps;
    ClientOptions options = options_for(server, sleeps);
    options.max_attempts = 3;
    HistoricalBarsClient client(options);

    const auto error = fetch_error<RateLimitError>(client, query_for({"AAPL"}));

    REQUIRE(error);
    CHECK(error->status() == 429);
    CHECK(error->message() == "too many requests (gave up after 3 attempts)");
    CHECK(!error->request_id().empty());
    CHECK(std::string(error->what()).find("GET 127.0.0.1:") == 0);
    CHECK(server.requests().size() == 3);
    CHECK(sleeps.size() == 2);
  }

  TEST_CASE("5xx is retried like 429; 5xx on every attempt is a ServerError") {
    AlpacaDouble server;
    server.add_bars("AAPL", minute_bars("2024-01-02T14:30:00Z", 1, "185.00"));
    server.enqueue(CannedResponse{503, "", "text/plain", {}});
    server.enqueue(
        CannedResponse{500, R"({"message":"internal server error"})", "application/json", {}});
    std::vector<milliseconds> sleeps;
    ClientOptions options = options_for(server, sleeps);
    options.max_attempts = 3;
    HistoricalBarsClient client(options);
    Collector collector;

    CHECK(client.fetch(query_for({"AAPL"}), collector.handler()).bars == 1);
    CHECK(sleeps == std::vector<milliseconds>{milliseconds{1'000}, milliseconds{2'000}});

    for (int i = 0; i < 3; ++i) {
      server.enqueue(CannedResponse{
          502, "<html><head><title>502 Bad Gateway</title></head></html>", "text/html", {}});
    }
    const auto error = fetch_error<ServerError>(client, query_for({"AAPL"}));
    REQUIRE(error);
    CHECK(error->status() == 502);
    CHECK(error->message() == "502 Bad Gateway (gave up after 3 attempts)");
  }

  TEST_CASE("401: AuthError at once, saying what to check, without the keys") {
    AlpacaDouble server;
    std::vector<milliseconds> sleeps;
    ClientOptions options = options_for(server, sleeps);
    options.secret_key = Secret("wrong-secret-0000000000000000000000000009");
    HistoricalBarsClient client(options);

    const auto error = fetch_error<AuthError>(client, query_for({"AAPL"}));

    REQUIRE(error);
    CHECK(error->status() == 401);
    const std::string text = error->what();
    CHECK(text.find("HTTP 401: 401 Authorization Required") != std::string::npos);
    CHECK(text.find("ALGO_BROKER__API_KEY") != std::string::npos);
    check_no_keys(text, server);
    CHECK(text.find("wrong-secret") == std::string::npos);
    CHECK(server.requests().size() == 1);
    CHECK(sleeps.empty());
  }

  TEST_CASE("403: the free plan refuses recent SIP data; not retried") {
    AlpacaDouble server;
    server.set_free_plan(true);
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));
    BarsQuery query = query_for({"AAPL"});
    query.feed = "sip";
    query.end =
        std::chrono::time_point_cast<trader::core::Microseconds>(std::chrono::system_clock::now());
    query.start = query.end - std::chrono::hours(1);

    const auto error = fetch_error<AuthError>(client, query);

    REQUIRE(error);
    CHECK(error->status() == 403);
    CHECK(error->message() == "subscription does not permit querying recent SIP data");
    check_no_keys(error->what(), server);
    CHECK(server.requests().size() == 1);
    CHECK(sleeps.empty());
  }

  TEST_CASE("403 whose message quotes the key: the key is masked in what()") {
    AlpacaDouble server;
    const std::string key = server.options().api_key;
    server.enqueue(
        CannedResponse{403,
                       R"({"code":40110000,"message":"key )" + key + R"( is not authorized"})",
                       "application/json",
                       {}});
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));

    const auto error = fetch_error<AuthError>(client, query_for({"AAPL"}));

    REQUIRE(error);
    check_no_keys(error->what(), server);
    CHECK(error->message() == "key " + Secret(key).masked() + " is not authorized (code 40110000)");
  }

  TEST_CASE("422 with a code, and 400 for a bad timeframe: RequestError, not retried") {
    AlpacaDouble server;
    server.enqueue(CannedResponse{
        422, R"({"code":42210000,"message":"invalid symbol: A B"})", "application/json", {}});
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));

    const auto unprocessable = fetch_error<RequestError>(client, query_for({"AAPL"}));
    REQUIRE(unprocessable);
    CHECK(unprocessable->status() == 422);
    CHECK(unprocessable->message() == "invalid symbol: A B (code 42210000)");
    check_no_keys(unprocessable->what(), server);

    BarsQuery query = query_for({"AAPL"});
    query.timeframe = "30Sec";
    const auto bad = fetch_error<RequestError>(client, query);
    REQUIRE(bad);
    CHECK(bad->status() == 400);
    CHECK(bad->message() == "invalid timeframe: 30Sec");
    CHECK(server.requests().size() == 2);
    CHECK(sleeps.empty());
  }

  TEST_CASE("empty results: {\"bars\":{}} for an unknown symbol, {\"bars\":null} single shape") {
    AlpacaDouble server;
    server.enqueue(CannedResponse{
        200, R"({"bars":null,"next_page_token":null,"symbol":"TSLA"})", "application/json", {}});
    server.enqueue(
        CannedResponse{200, R"({"bars":[],"next_page_token":null})", "application/json", {}});
    server.enqueue(CannedResponse{204, "", "application/json", {}});
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));

    for (int i = 0; i < 4; ++i) {
      Collector collector;
      const auto summary = client.fetch(query_for({"ZZZZ"}), collector.handler());
      CHECK(summary.pages == 1);
      CHECK(summary.bars == 0);
      CHECK(collector.deliveries.empty());
    }
    const auto requests = server.requests();
    REQUIRE(requests.size() == 4);
    CHECK(requests[3].response_body == R"({"bars":{},"next_page_token":null})");
  }

  TEST_CASE("the single-symbol shape is read too: bars array beside \"symbol\"") {
    AlpacaDouble server;
    server.enqueue(CannedResponse{
        200,
        R"({"bars":[{"t":"2022-01-03T09:00:00Z","o":178.26,"h":178.26,"l":178.21,"c":178.21,)"
        R"("v":1118,"n":65,"vw":178.235733}],"next_page_token":null,"symbol":"AAPL"})",
        "application/json",
        {}});
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));
    Collector collector;

    static_cast<void>(client.fetch(query_for({"AAPL"}), collector.handler()));

    REQUIRE(collector.deliveries.size() == 1);
    CHECK(collector.deliveries[0].symbol == "AAPL");
    CHECK(collector.deliveries[0].bars.at(0).bar.open == Decimal::parse("178.26"));
    CHECK(collector.deliveries[0].bars.at(0).vwap == Decimal::parse("178.235733"));
  }

  TEST_CASE("a path in base_url prefixes every request; an unknown path is a 404 RequestError") {
    AlpacaDouble server;
    std::vector<milliseconds> sleeps;
    ClientOptions options = options_for(server, sleeps);
    options.base_url = server.base_url() + "/proxy/";
    HistoricalBarsClient client(options);

    const auto error = fetch_error<RequestError>(client, query_for({"AAPL"}));

    REQUIRE(error);
    CHECK(error->status() == 404);
    CHECK(error->message() == "Not Found");
    CHECK(server.requests().at(0).path == "/proxy/v2/stocks/bars");
  }

  TEST_CASE("a malformed or out-of-order response is a ResponseError") {
    AlpacaDouble server;
    server.enqueue(CannedResponse{200, "<html>maintenance</html>", "text/html", {}});
    server.enqueue(CannedResponse{200,
                                  R"({"bars":{"AAPL":[{"t":"2024-01-02T14:30:00Z","o":"1",)"
                                  R"("h":1,"l":1,"c":1,"v":1}]},"next_page_token":null})",
                                  "application/json",
                                  {}});
    // Page 1 ends at 14:31, page 2 starts at 14:31 again: an overlap the client refuses.
    server.enqueue(CannedResponse{
        200,
        R"({"bars":{"AAPL":[{"t":"2024-01-02T14:30:00Z","o":1,"h":1,"l":1,"c":1,"v":1},)"
        R"({"t":"2024-01-02T14:31:00Z","o":1,"h":1,"l":1,"c":1,"v":1}]},"next_page_token":"QQ=="})",
        "application/json",
        {}});
    server.enqueue(CannedResponse{
        200,
        R"({"bars":{"AAPL":[{"t":"2024-01-02T14:31:00Z","o":1,"h":1,"l":1,"c":1,"v":1}]},)"
        R"("next_page_token":null})",
        "application/json",
        {}});
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));

    const auto not_json = fetch_error<ResponseError>(client, query_for({"AAPL"}));
    REQUIRE(not_json);
    CHECK(not_json->message().find("the body is not JSON") == 0);
    const auto string_price = fetch_error<ResponseError>(client, query_for({"AAPL"}));
    REQUIRE(string_price);
    CHECK(string_price->message() == "AAPL bar 0: \"o\" is not a number");
    const auto overlap = fetch_error<ResponseError>(client, query_for({"AAPL"}));
    REQUIRE(overlap);
    CHECK(overlap->message() ==
          "AAPL bar 0: 2024-01-02T14:31:00Z is not after 2024-01-02T14:31:00Z");
    CHECK(sleeps.empty());
  }

  TEST_CASE("read timeout: a server that accepts but never answers fails within read_timeout") {
    AlpacaDouble server;
    server.set_hang(true);
    std::vector<milliseconds> sleeps;
    ClientOptions options = options_for(server, sleeps);
    options.read_timeout = milliseconds{200};
    options.max_attempts = 2;
    HistoricalBarsClient client(options);

    const auto began = std::chrono::steady_clock::now();
    const auto error = fetch_error<TimeoutError>(client, query_for({"AAPL"}));
    const auto took = std::chrono::steady_clock::now() - began;

    REQUIRE(error);
    CHECK(error->status() == 0);
    CHECK(error->message() ==
          "no complete response from 127.0.0.1:" + std::to_string(server.port()) +
              " within 200 ms (gave up after 2 attempts)");
    CHECK(server.requests().size() == 2);
    CHECK(sleeps.size() == 1);
    // Generous: two attempts of 200 ms, far below the 30 s default it would take otherwise.
    CHECK(took < std::chrono::seconds(5));
  }

  TEST_CASE("connection refused: ConnectionError after the retries") {
    std::uint16_t closed_port = 0;
    std::string key, secret;
    {
      AlpacaDouble gone;
      closed_port = gone.port();
      key = gone.options().api_key;
      secret = gone.options().secret_key;
    }
    std::vector<milliseconds> sleeps;
    ClientOptions options;
    options.base_url = "http://127.0.0.1:" + std::to_string(closed_port);
    options.api_key = Secret(key);
    options.secret_key = Secret(secret);
    options.max_attempts = 3;
    options.sleep = [&sleeps](milliseconds duration) { sleeps.push_back(duration); };
    HistoricalBarsClient client(options);

    const auto error = fetch_error<ConnectionError>(client, query_for({"AAPL"}));

    REQUIRE(error);
    CHECK(error->message().find("cannot connect to 127.0.0.1:") == 0);
    CHECK(sleeps.size() == 2);
  }

  TEST_CASE("keep-alive off: each page on a new connection, all pages still read") {
    AlpacaDouble server;
    server.set_keep_alive(false);
    server.add_bars("AAPL", minute_bars("2024-01-02T14:30:00Z", 5, "185.00"));
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));
    BarsQuery query = query_for({"AAPL"});
    query.limit = 2;
    Collector collector;

    const auto summary = client.fetch(query, collector.handler());

    CHECK(summary.pages == 3);
    CHECK(summary.bars == 5);
    CHECK(server.connections() == 3);
    CHECK(sleeps.empty());
  }

  TEST_CASE("a kept-alive connection the server dropped is replaced at once, not retried") {
    AlpacaDouble server;
    server.set_drop_idle_connections(true);
    server.add_bars("AAPL", minute_bars("2024-01-02T14:30:00Z", 5, "185.00"));
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));
    BarsQuery query = query_for({"AAPL"});
    query.limit = 2;
    Collector collector;

    const auto summary = client.fetch(query, collector.handler());

    CHECK(summary.bars == 5);
    CHECK(summary.retries == 0);
    CHECK(server.requests().size() == 3);
    CHECK(server.connections() == 3);
    CHECK(sleeps.empty());
  }

  TEST_CASE("TLS: the certificate is verified against ca_file; SNI is sent for a host name") {
    const TestCertificateAuthority ca("libtrader test CA");
    AlpacaDouble server(AlpacaDoubleOptions{ca.issue({"127.0.0.1", "localhost"})});
    server.add_bars("AAPL", minute_bars("2024-01-02T14:30:00Z", 3, "185.00"));
    const trader::testing::TempDir dir;
    trader::testing::write_file(dir / "ca.pem", ca.certificate_pem());
    std::vector<milliseconds> sleeps;
    ClientOptions options = options_for(server, sleeps);
    options.ca_file = (dir / "ca.pem").string();
    CHECK(options.base_url.find("https://127.0.0.1:") == 0);

    {
      HistoricalBarsClient client(options);
      Collector collector;
      CHECK(client.fetch(query_for({"AAPL"}), collector.handler()).bars == 3);
    }
    options.base_url = server.base_url("localhost");
    HistoricalBarsClient by_name(options);
    Collector collector;
    CHECK(by_name.fetch(query_for({"AAPL"}), collector.handler()).bars == 3);

    const auto requests = server.requests();
    REQUIRE(requests.size() == 2);
    CHECK(requests[0].server_name.empty());  // no SNI for an IP address (RFC 6066)
    CHECK(requests[1].server_name == "localhost");
  }

  TEST_CASE("TLS: a certificate from an unknown CA is refused and not retried") {
    const TestCertificateAuthority ca("libtrader test CA");
    const TestCertificateAuthority stranger("some other CA");
    AlpacaDouble server(AlpacaDoubleOptions{ca.issue({"127.0.0.1", "localhost"})});
    const trader::testing::TempDir dir;
    trader::testing::write_file(dir / "other.pem", stranger.certificate_pem());
    std::vector<milliseconds> sleeps;
    ClientOptions options = options_for(server, sleeps);
    options.ca_file = (dir / "other.pem").string();
    HistoricalBarsClient client(options);

    const auto error = fetch_error<CertificateError>(client, query_for({"AAPL"}));

    REQUIRE(error);
    CHECK(error->message().find("unable to get local issuer certificate") != std::string::npos);
    check_no_keys(error->what(), server);
    CHECK(server.requests().empty());
    CHECK(sleeps.empty());
  }

  TEST_CASE("TLS: a trusted certificate for another host is refused") {
    const TestCertificateAuthority ca("libtrader test CA");
    AlpacaDouble server(AlpacaDoubleOptions{ca.issue({"data.example.invalid"})});
    const trader::testing::TempDir dir;
    trader::testing::write_file(dir / "ca.pem", ca.certificate_pem());
    std::vector<milliseconds> sleeps;
    ClientOptions options = options_for(server, sleeps);
    options.ca_file = (dir / "ca.pem").string();

    HistoricalBarsClient by_address(options);
    const auto address = fetch_error<CertificateError>(by_address, query_for({"AAPL"}));
    REQUIRE(address);
    CHECK(address->message().find("IP address mismatch") != std::string::npos);

    options.base_url = server.base_url("localhost");
    HistoricalBarsClient by_name(options);
    const auto name = fetch_error<CertificateError>(by_name, query_for({"AAPL"}));
    REQUIRE(name);
    CHECK(name->message().find("hostname mismatch") != std::string::npos);
    CHECK(server.requests().empty());
  }

  TEST_CASE("a query Alpaca would refuse is refused before anything is sent") {
    AlpacaDouble server;
    std::vector<milliseconds> sleeps;
    HistoricalBarsClient client(options_for(server, sleeps));
    BarsQuery none = query_for({});
    BarsQuery comma = query_for({"AAPL,TSLA"});
    BarsQuery zero = query_for({"AAPL"});
    zero.limit = 0;
    BarsQuery too_many = query_for({"AAPL"});
    too_many.limit = 10'001;
    BarsQuery backwards = query_for({"AAPL"});
    std::swap(backwards.start, backwards.end);

    for (const BarsQuery& query : {none, comma, zero, too_many, backwards}) {
      const auto error = fetch_error<RequestError>(client, query);
      REQUIRE(error);
      CHECK(error->status() == 0);
    }
    CHECK(server.requests().empty());
  }

  TEST_CASE("missing keys and a bad base_url are refused when the client is made") {
    ClientOptions options;
    CHECK_THROWS_AS(HistoricalBarsClient{options}, AuthError);
    options.api_key = Secret("PKTEST00000000000001");
    options.secret_key = Secret("secret-000000000000000000000000000000001");
    options.base_url = "ftp://data.alpaca.markets";
    CHECK_THROWS_AS(HistoricalBarsClient{options}, trader::ParseError);
    options.base_url = "https://user:pw@data.alpaca.markets";
    CHECK_THROWS_AS(HistoricalBarsClient{options}, trader::ParseError);
    // Issue 11 items 3, 5: the URL is never quoted, plain http:// only to a loopback host.
    try {
      static_cast<void>(HistoricalBarsClient{options});
    } catch (const trader::ParseError& e) {
      CHECK(std::string(e.what()).find("pw@") == std::string::npos);
    }
    for (const char* url : {"http://data.alpaca.markets", "http://10.0.0.1:8080", "http://[::2]"}) {
      options.base_url = url;
      CHECK_THROWS_WITH_AS(HistoricalBarsClient{options},
                           doctest::Contains("http:// only for a loopback host"),
                           trader::ParseError);
    }
    for (const char* url : {"http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1"}) {
      options.base_url = url;
      CHECK_NOTHROW(HistoricalBarsClient{options});
    }
    options.base_url = "https://data.alpaca.markets";
    options.secret_key = Secret("line\r\nX-Injected: 1");
    CHECK_THROWS_AS(HistoricalBarsClient{options}, AuthError);
  }

  TEST_CASE("market_data_options takes data_url and both keys from the settings") {
    trader::config::Settings settings;
    settings.broker.data_url = "http://127.0.0.1:9999";
    settings.broker.api_key = Secret("PKFROMSETTINGS000001");
    settings.broker.secret_key = Secret("secret-from-settings");
    const ClientOptions options = trader::alpaca::market_data_options(settings);
    CHECK(options.base_url == "http://127.0.0.1:9999");
    CHECK(options.api_key.reveal() == "PKFROMSETTINGS000001");
    CHECK(options.secret_key.reveal() == "secret-from-settings");
    CHECK(options.max_attempts == 5);
  }
}
