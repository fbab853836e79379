// The paper-venue double over real sockets (issue 13): REST shapes, order lifecycles, fill rules,
// both streams, binary and text frames, every misbehaviour switch, TLS. The client is a minimal
// Beast client written for these tests (venue/venue_client.hpp).

#include <doctest/doctest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>

#include "support/paper_venue.hpp"
#include "support/tls_material.hpp"
#include "venue/venue_client.hpp"

namespace trader::testing {
namespace {

namespace json = boost::json;
using core::Decimal;
using namespace std::chrono_literals;
using namespace core::literals;

const core::Timestamp kMonday = core::parse_timestamp("2026-03-02T14:30:00Z");

json::value parse(const std::string& text) { return json::parse(text); }

std::string str(const json::value& value) {
  if (!value.is_string()) return "<" + json::serialize(value) + ">";
  return std::string(value.get_string().data(), value.get_string().size());
}

// Bars of one symbol from kMonday on, one a minute: {open, high, low, close} each.
std::vector<VenueBar> minute_bars(const std::vector<std::array<const char*, 4>>& prices,
                                  core::Timestamp from = kMonday) {
  std::vector<VenueBar> bars;
  for (const auto& [o, h, l, c] : prices) {
    bars.push_back(VenueBar{from, Decimal::parse(o), Decimal::parse(h), Decimal::parse(l),
                            Decimal::parse(c), 1000, 10});
    from += std::chrono::minutes(1);
  }
  return bars;
}

// REST with the venue's keys.
class Rest {
 public:
  explicit Rest(const PaperVenue& venue, ClientOptions options = {})
      : url_(venue.base_url()),
        key_(venue.options().api_key),
        secret_(venue.options().secret_key),
        options_(std::move(options)) {}

  HttpResult call(const std::string& method, const std::string& target,
                  const std::string& body = {}) const {
    return http_request(url_, method, target, body,
                        {{"APCA-API-KEY-ID", key_}, {"APCA-API-SECRET-KEY", secret_}}, options_);
  }
  HttpResult get(const std::string& target) const { return call("GET", target); }
  // POST /v2/orders; the order as JSON, CHECKed to be a 200.
  json::object submit(const std::string& body) const {
    const HttpResult result = call("POST", "/v2/orders", body);
    REQUIRE_MESSAGE(result.status == 200, result.body);
    return parse(result.body).as_object();
  }

 private:
  std::string url_, key_, secret_;
  ClientOptions options_;
};

// A trade_updates client, authenticated and listening.
struct TradeStream {
  explicit TradeStream(const PaperVenue& venue, ClientOptions options = {})
      : ws(std::move(options)) {
    REQUIRE(ws.connect(venue.trade_stream_url()) == 101);
    ws.send("{\"action\":\"auth\",\"key\":\"" + venue.options().api_key + "\",\"secret\":\"" +
            venue.options().secret_key + "\"}");
    const auto authorized = ws.next();
    REQUIRE(authorized);
    CHECK(parse(authorized->text).at("data").at("status") == "authorized");
    ws.send("{\"action\":\"listen\",\"data\":{\"streams\":[\"trade_updates\"]}}");
    const auto listening = ws.next();
    REQUIRE(listening);
    CHECK(parse(listening->text).at("stream") == "listening");
  }
  // The next trade update's data object; REQUIREs one within the client's timeout.
  json::object next(bool* binary = nullptr) {
    const auto message = ws.next();
    REQUIRE_MESSAGE(message, "no trade update");
    if (binary != nullptr) *binary = message->binary;
    const json::value value = parse(message->text);
    REQUIRE(value.at("stream") == "trade_updates");
    return value.at("data").as_object();
  }
  // The events of the next `count` updates, "event:status" each.
  std::vector<std::string> events(int count) {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
      const auto data = next();
      out.push_back(str(data.at("event")) + ":" + str(data.at("order").at("status")));
    }
    return out;
  }
  WsClient ws;
};

// A market-data client: connected, authenticated, subscribed to bars (and updatedBars).
struct DataStream {
  explicit DataStream(const PaperVenue& venue, const std::string& subscribe,
                      ClientOptions options = {}, const std::string& feed = "iex")
      : ws(std::move(options)) {
    REQUIRE(ws.connect(venue.data_stream_url(feed)) == 101);
    expect("[{\"T\":\"success\",\"msg\":\"connected\"}]");
    ws.send("{\"action\":\"auth\",\"key\":\"" + venue.options().api_key + "\",\"secret\":\"" +
            venue.options().secret_key + "\"}");
    expect("[{\"T\":\"success\",\"msg\":\"authenticated\"}]");
    if (!subscribe.empty()) {
      ws.send(subscribe);
      const auto ack = ws.next();
      REQUIRE(ack);
      CHECK(parse(ack->text).at(0).at("T") == "subscription");
    }
  }
  void expect(const std::string& text) {
    const auto message = ws.next();
    REQUIRE(message);
    CHECK(message->text == text);
    CHECK_FALSE(message->binary);
  }
  json::array next() {
    const auto message = ws.next();
    REQUIRE_MESSAGE(message, "no market-data message");
    return parse(message->text).as_array();
  }
  WsClient ws;
};

// Polls a venue counter until it reaches `value` (the server thread sets it after the client's
// message arrived); bounded, so a bug fails instead of hanging.
template <class Fn>
bool eventually(Fn fn) {
  for (int i = 0; i < 500; ++i) {
    if (fn()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::string market_buy(const std::string& symbol, long long qty, const std::string& client_id) {
  return "{\"symbol\":\"" + symbol + "\",\"qty\":\"" + std::to_string(qty) +
         "\",\"side\":\"buy\",\"type\":\"market\",\"time_in_force\":\"day\","
         "\"client_order_id\":\"" +
         client_id + "\"}";
}

// --- REST shapes ---

TEST_CASE("paper venue: the account is a paper account with Alpaca's field types") {
  PaperVenue venue;
  const Rest rest(venue);
  const HttpResult result = rest.get("/v2/account");
  REQUIRE(result.status == 200);
  CHECK_FALSE(result.headers.at("x-request-id").empty());
  CHECK(result.headers.at("x-ratelimit-limit") == "200");
  const auto account = parse(result.body).as_object();
  CHECK(str(account.at("account_number")).rfind("PA", 0) == 0);
  CHECK(account.at("status") == "ACTIVE");
  CHECK(account.at("cash") == "100000");
  CHECK(account.at("buying_power") == "100000");
  CHECK(account.at("equity") == "100000");
  CHECK(account.at("pattern_day_trader").is_bool());
  CHECK(account.at("daytrade_count").is_int64());

  PaperVenueOptions options;
  options.book.legacy_account_fields = false;
  options.book.cash = Decimal::parse("2500.50");
  PaperVenue later(options);
  const auto trimmed = parse(Rest(later).get("/v2/account").body).as_object();
  CHECK_FALSE(trimmed.contains("pattern_day_trader"));
  CHECK_FALSE(trimmed.contains("daytrade_count"));
  CHECK_FALSE(trimmed.contains("daytrading_buying_power"));
  CHECK(trimmed.at("cash") == "2500.5");
}

TEST_CASE("paper venue: wrong keys get 401 unauthorized., another account's keys 403") {
  PaperVenue venue;
  const HttpResult none = http_request(venue.base_url(), "GET", "/v2/account");
  CHECK(none.status == 401);
  CHECK(none.body == "{\"message\":\"unauthorized.\"}");
  const HttpResult wrong = http_request(
      venue.base_url(), "GET", "/v2/orders", {},
      {{"APCA-API-KEY-ID", venue.options().api_key}, {"APCA-API-SECRET-KEY", "not-the-secret"}});
  CHECK(wrong.status == 401);
  venue.set_forbidden(true);
  const HttpResult forbidden = Rest(venue).get("/v2/account");
  CHECK(forbidden.status == 403);
  CHECK(parse(forbidden.body).at("code") == 40110000);
}

TEST_CASE("paper venue: the clock in New York time with its offset, the calendar in HH:MM") {
  PaperVenue venue;
  const Rest rest(venue);
  const auto clock = parse(rest.get("/v2/clock").body).as_object();
  CHECK(clock.at("timestamp") == "2026-03-02T09:30:00.000000-05:00");
  CHECK(clock.at("is_open") == true);
  CHECK(clock.at("next_close") == "2026-03-02T16:00:00-05:00");
  CHECK(clock.at("next_open") == "2026-03-03T09:30:00-05:00");

  venue.set_now(core::parse_timestamp("2026-08-28T23:00:00Z"));  // a Friday evening, daylight time
  const auto weekend = parse(rest.get("/v2/clock").body).as_object();
  CHECK(weekend.at("is_open") == false);
  CHECK(weekend.at("timestamp") == "2026-08-28T19:00:00.000000-04:00");
  CHECK(weekend.at("next_open") == "2026-08-31T09:30:00-04:00");

  const auto days = parse(rest.get("/v2/calendar?start=2026-11-25&end=2026-11-30").body).as_array();
  REQUIRE(days.size() == 3);  // Thanksgiving (26th) and the weekend are absent
  CHECK(days[0].at("date") == "2026-11-25");
  CHECK(days[0].at("open") == "09:30");
  CHECK(days[0].at("close") == "16:00");
  CHECK(days[1].at("date") == "2026-11-27");
  CHECK(days[1].at("close") == "13:00");  // the early close
  CHECK(days[1].at("session_close") == "1700");
  CHECK(days[2].at("date") == "2026-11-30");
}

TEST_CASE("paper venue: an injected clock replaces the virtual one") {
  PaperVenueOptions options;
  options.clock = [] { return core::parse_timestamp("2026-07-06T13:00:00Z"); };
  PaperVenue venue(options);
  const auto clock = parse(Rest(venue).get("/v2/clock").body).as_object();
  CHECK(clock.at("timestamp") == "2026-07-06T09:00:00.000000-04:00");
  CHECK(clock.at("is_open") == false);
  CHECK(clock.at("next_open") == "2026-07-06T09:30:00-04:00");
}

TEST_CASE("paper venue: an order has Alpaca's shape; quantities and prices as strings") {
  PaperVenue venue;
  const Rest rest(venue);
  // Prices as JSON numbers (as alpaca-py sends them) are accepted too.
  const auto order = rest.submit(
      "{\"symbol\":\"AAPL\",\"qty\":10,\"side\":\"buy\",\"type\":\"limit\",\"limit_price\":187.25,"
      "\"time_in_force\":\"gtc\",\"client_order_id\":\"eng-1\"}");
  CHECK(order.at("client_order_id") == "eng-1");
  CHECK(order.at("qty") == "10");
  CHECK(order.at("filled_qty") == "0");
  CHECK(order.at("filled_avg_price").is_null());
  CHECK(order.at("limit_price") == "187.25");
  CHECK(order.at("stop_price").is_null());
  CHECK(order.at("type") == "limit");
  CHECK(order.at("order_type") == "limit");
  CHECK(order.at("order_class") == "simple");
  CHECK(order.at("time_in_force") == "gtc");
  CHECK(order.at("status") == "new");
  CHECK(order.at("replaced_by").is_null());
  CHECK(order.at("asset_class") == "us_equity");
  CHECK(str(order.at("created_at")).back() == 'Z');
  const std::string id = str(order.at("id"));
  CHECK(id.size() == 36);

  const HttpResult by_id = rest.get("/v2/orders/" + id);
  CHECK(by_id.status == 200);
  CHECK(parse(by_id.body).at("client_order_id") == "eng-1");
  const HttpResult by_client = rest.get("/v2/orders:by_client_order_id?client_order_id=eng-1");
  CHECK(by_client.status == 200);
  CHECK(str(parse(by_client.body).at("id")) == id);

  const HttpResult unknown = rest.get("/v2/orders/00000000-0000-4000-8000-000000000000");
  CHECK(unknown.status == 404);
  CHECK(parse(unknown.body).at("code") == 40410000);
  CHECK(parse(unknown.body).at("message") ==
        "order not found for 00000000-0000-4000-8000-000000000000");
  CHECK(rest.get("/v2/orders:by_client_order_id?client_order_id=nope").status == 404);
}

TEST_CASE("paper venue: a duplicate client order id is 422 client_order_id must be unique") {
  PaperVenue venue;
  const Rest rest(venue);
  static_cast<void>(rest.submit(market_buy("AAPL", 1, "dup-1")));
  const HttpResult again = rest.call("POST", "/v2/orders", market_buy("AAPL", 1, "dup-1"));
  CHECK(again.status == 422);
  CHECK(again.body == "{\"code\":40010001,\"message\":\"client_order_id must be unique\"}");
  CHECK(venue.orders().size() == 1);
}

TEST_CASE("paper venue: order validation errors") {
  PaperVenue venue;
  const Rest rest(venue);
  const auto error = [&](const std::string& body) {
    const HttpResult result = rest.call("POST", "/v2/orders", body);
    return std::to_string(result.status) + " " +
           (result.status >= 400 ? std::to_string(parse(result.body).at("code").as_int64()) : "");
  };
  CHECK(error("{\"symbol\":\"AAPL\",\"qty\":\"0\",\"side\":\"buy\",\"type\":\"market\","
              "\"time_in_force\":\"day\"}") == "422 40010001");
  CHECK(error("{\"symbol\":\"AAPL\",\"qty\":\"1\",\"side\":\"buy\",\"type\":\"limit\","
              "\"time_in_force\":\"day\"}") == "422 40010001");
  CHECK(error("{\"symbol\":\"AAPL\",\"qty\":\"1\",\"side\":\"buy\",\"type\":\"limit\","
              "\"limit_price\":\"290.123\",\"time_in_force\":\"day\"}") == "422 42210000");
  CHECK(error("{\"symbol\":\"AAPL\",\"qty\":\"1\",\"side\":\"up\",\"type\":\"market\","
              "\"time_in_force\":\"day\"}") == "422 40010001");
  CHECK(error("not json") == "400 40010000");
  CHECK(venue.orders().empty());
}

TEST_CASE("paper venue: a request it cannot compute is a 500; the venue stays up") {
  PaperVenue venue;
  const Rest rest(venue);
  venue.add_bars("AAPL", minute_bars({{"10", "10", "10", "10"}}));
  REQUIRE(venue.publish_next());
  // The cost of 20 billion shares at $10 overflows Decimal (about 92 billion at most).
  CHECK(rest.call("POST", "/v2/orders", market_buy("AAPL", 20'000'000'000, "huge-1")).status ==
        500);
  CHECK(rest.get("/v2/account").status == 200);
}

TEST_CASE("paper venue: each business rejection with Alpaca's status, code and message") {
  PaperVenue venue;
  const Rest rest(venue);
  struct Case {
    BusinessError error;
    int status;
    long long code;
    std::string message;
  };
  const std::vector<Case> cases{
      {BusinessError::insufficient_buying_power, 403, 40310000, "insufficient buying power"},
      {BusinessError::insufficient_qty, 403, 40310000,
       "insufficient qty available for order (requested: 5, available: 0)"},
      {BusinessError::wash_trade, 403, 40310000,
       "potential wash trade detected. use complex orders"},
      {BusinessError::wash_trade_422, 422, 42210000,
       "potential wash trade detected. use complex orders"},
      {BusinessError::pattern_day_trader, 403, 40310100,
       "trade denied due to pattern day trading protection"},
  };
  int n = 0;
  for (const Case& c : cases) {
    CAPTURE(c.message);
    venue.reject_next_order(c.error);
    const HttpResult result =
        rest.call("POST", "/v2/orders", market_buy("AAPL", 5, "rej-" + std::to_string(++n)));
    CHECK(result.status == c.status);
    const auto body = parse(result.body).as_object();
    CHECK(body.at("code") == c.code);
    CHECK(str(body.at("message")) == c.message);
  }
  CHECK(venue.orders().empty());
  // The next order goes through again.
  CHECK(rest.call("POST", "/v2/orders", market_buy("AAPL", 5, "ok-1")).status == 200);
}

TEST_CASE("paper venue: the account's own checks: buying power and shares held by orders") {
  PaperVenueOptions options;
  options.book.cash = Decimal::parse("1000");
  PaperVenue venue(options);
  const Rest rest(venue);
  const HttpResult expensive =
      rest.call("POST", "/v2/orders",
                "{\"symbol\":\"AAPL\",\"qty\":\"10\",\"side\":\"buy\",\"type\":\"limit\","
                "\"limit_price\":\"150\",\"time_in_force\":\"day\"}");
  CHECK(expensive.status == 403);
  CHECK(parse(expensive.body).at("buying_power") == "1000");
  CHECK(parse(expensive.body).at("cost_basis") == "1500");

  venue.add_bars("AAPL", minute_bars({{"50", "51", "49", "50"}}));
  static_cast<void>(rest.submit(market_buy("AAPL", 10, "buy-1")));
  REQUIRE(venue.publish_next());
  static_cast<void>(
      rest.submit("{\"symbol\":\"AAPL\",\"qty\":\"10\",\"side\":\"sell\",\"type\":\"stop\","
                  "\"stop_price\":\"45\",\"time_in_force\":\"gtc\"}"));
  const HttpResult held =
      rest.call("POST", "/v2/orders",
                "{\"symbol\":\"AAPL\",\"qty\":\"10\",\"side\":\"sell\",\"type\":\"market\","
                "\"time_in_force\":\"day\"}");
  CHECK(held.status == 403);
  const auto body = parse(held.body).as_object();
  CHECK(body.at("held_for_orders") == "10");
  CHECK(body.at("existing_qty") == "10");
  CHECK(body.at("available") == "0");
  CHECK(body.at("symbol") == "AAPL");
}

TEST_CASE("paper venue: wash trades, when checked: an order that could cross one's own") {
  PaperVenueOptions options;
  options.book.check_wash_trades = true;
  PaperVenue venue(options);
  const Rest rest(venue);
  static_cast<void>(
      rest.submit("{\"symbol\":\"AAPL\",\"qty\":\"1\",\"side\":\"sell\",\"type\":\"limit\","
                  "\"limit_price\":\"110\",\"time_in_force\":\"gtc\"}"));
  const HttpResult market = rest.call("POST", "/v2/orders", market_buy("AAPL", 1, "w-1"));
  CHECK(market.status == 403);
  CHECK(parse(market.body).at("message") == "potential wash trade detected. use complex orders");
  const auto limit_buy = [&](const std::string& price) {
    return rest
        .call("POST", "/v2/orders",
              "{\"symbol\":\"AAPL\",\"qty\":\"1\",\"side\":\"buy\",\"type\":\"limit\","
              "\"limit_price\":\"" +
                  price + "\",\"time_in_force\":\"gtc\"}")
        .status;
  };
  CHECK(limit_buy("100") == 200);  // below the resting sell: cannot cross
  CHECK(limit_buy("110") == 403);
  CHECK(rest.call("POST", "/v2/orders", market_buy("MSFT", 1, "w-2")).status == 200);
}

// --- lifecycles over trade_updates ---

TEST_CASE("paper venue: market buy: new, then fill at the next bar's open (binary frames)") {
  PaperVenue venue;
  const Rest rest(venue);
  TradeStream stream(venue);
  venue.add_bars("AAPL", minute_bars({{"100.5", "101", "100", "100.75"}}));
  const auto order = rest.submit(market_buy("AAPL", 10, "m-1"));
  bool binary = false;
  const auto accepted = stream.next(&binary);
  CHECK(binary);  // as paper sends them
  CHECK(accepted.at("event") == "new");
  CHECK(accepted.at("order").at("id") == order.at("id"));
  CHECK_FALSE(accepted.contains("price"));

  REQUIRE(venue.publish_next() == kMonday);
  const auto fill = stream.next();
  CHECK(fill.at("event") == "fill");
  CHECK(fill.at("price") == "100.5");
  CHECK(fill.at("qty") == "10");
  CHECK(fill.at("position_qty") == "10");
  CHECK(fill.contains("execution_id"));
  CHECK(fill.contains("timestamp"));
  CHECK(fill.at("order").at("status") == "filled");
  CHECK(fill.at("order").at("filled_qty") == "10");
  CHECK(fill.at("order").at("filled_avg_price") == "100.5");

  const auto positions = parse(rest.get("/v2/positions").body).as_array();
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].at("symbol") == "AAPL");
  CHECK(positions[0].at("qty") == "10");
  CHECK(positions[0].at("side") == "long");
  CHECK(positions[0].at("avg_entry_price") == "100.5");
  CHECK(positions[0].at("current_price") == "100.75");
  CHECK(positions[0].at("market_value") == "1007.5");
  CHECK(positions[0].at("cost_basis") == "1005");
  CHECK(positions[0].at("unrealized_pl") == "2.5");
  const auto account = parse(rest.get("/v2/account").body).as_object();
  CHECK(account.at("cash") == "98995");
  CHECK(account.at("equity") == "100002.5");
  CHECK(parse(rest.get("/v2/positions/AAPL").body).at("qty") == "10");
  CHECK(rest.get("/v2/positions/MSFT").status == 404);
}

TEST_CASE("paper venue: partial fills on demand, the rest on the next bar") {
  PaperVenue venue;
  const Rest rest(venue);
  TradeStream stream(venue);
  venue.add_bars("AAPL", minute_bars({{"10", "11", "9", "10"}, {"10.5", "11", "10", "10.5"}}));
  static_cast<void>(rest.submit(market_buy("AAPL", 10, "p-1")));
  CHECK(stream.next().at("event") == "new");
  venue.partial_fill_next(Decimal::parse("4"));
  REQUIRE(venue.publish_next());
  const auto partial = stream.next();
  CHECK(partial.at("event") == "partial_fill");
  CHECK(partial.at("qty") == "4");
  CHECK(partial.at("position_qty") == "4");
  CHECK(partial.at("order").at("status") == "partially_filled");
  CHECK(partial.at("order").at("filled_qty") == "4");
  REQUIRE(venue.publish_next());
  const auto fill = stream.next();
  CHECK(fill.at("event") == "fill");
  CHECK(fill.at("qty") == "6");
  CHECK(fill.at("price") == "10.5");
  CHECK(fill.at("position_qty") == "10");
  CHECK(fill.at("order").at("filled_avg_price") == "10.3");
}

TEST_CASE("paper venue: cancel: 204, then pending_cancel and canceled; a filled order is 422") {
  PaperVenue venue;
  const Rest rest(venue);
  TradeStream stream(venue);
  const auto order = rest.submit(
      "{\"symbol\":\"AAPL\",\"qty\":\"3\",\"side\":\"buy\",\"type\":\"limit\","
      "\"limit_price\":\"90\",\"time_in_force\":\"day\"}");
  const std::string id = str(order.at("id"));
  CHECK(stream.events(1) == std::vector<std::string>{"new:new"});
  const HttpResult canceled = rest.call("DELETE", "/v2/orders/" + id);
  CHECK(canceled.status == 204);
  CHECK(canceled.body.empty());
  const auto pending = stream.next();
  CHECK(pending.at("event") == "pending_cancel");
  const auto done = stream.next();
  CHECK(done.at("event") == "canceled");
  CHECK(done.contains("timestamp"));
  CHECK(done.at("order").at("status") == "canceled");
  CHECK_FALSE(done.at("order").at("canceled_at").is_null());
  const HttpResult again = rest.call("DELETE", "/v2/orders/" + id);
  CHECK(again.status == 422);
  CHECK(rest.call("DELETE", "/v2/orders/00000000-0000-4000-8000-000000000000").status == 404);
}

TEST_CASE("paper venue: replace gives a new id; the old order is replaced, the new one new") {
  PaperVenue venue;
  const Rest rest(venue);
  TradeStream stream(venue);
  const auto order = rest.submit(
      "{\"symbol\":\"AAPL\",\"qty\":\"5\",\"side\":\"sell\",\"type\":\"stop\","
      "\"stop_price\":\"95\",\"time_in_force\":\"gtc\",\"client_order_id\":\"s-1\"}");
  const std::string old_id = str(order.at("id"));
  static_cast<void>(stream.next());
  const HttpResult replaced =
      rest.call("PATCH", "/v2/orders/" + old_id, "{\"stop_price\":\"96.5\"}");
  REQUIRE(replaced.status == 200);
  const auto fresh = parse(replaced.body).as_object();
  const std::string new_id = str(fresh.at("id"));
  CHECK(new_id != old_id);
  CHECK(str(fresh.at("replaces")) == old_id);
  CHECK(fresh.at("stop_price") == "96.5");
  CHECK(fresh.at("client_order_id") != "s-1");
  CHECK(stream.next().at("event") == "pending_replace");
  const auto old_event = stream.next();
  CHECK(old_event.at("event") == "replaced");
  CHECK(str(old_event.at("order").at("id")) == old_id);  // the replaced event carries the old order
  CHECK(old_event.at("order").at("status") == "replaced");
  CHECK(str(old_event.at("order").at("replaced_by")) == new_id);
  const auto new_event = stream.next();
  CHECK(new_event.at("event") == "new");
  CHECK(str(new_event.at("order").at("id")) == new_id);

  const HttpResult same = rest.call("PATCH", "/v2/orders/" + new_id, "{\"stop_price\":\"96.5\"}");
  CHECK(same.status == 403);
  CHECK(parse(same.body).at("message") == "order parameters are not changed");
  CHECK(rest.call("PATCH", "/v2/orders/" + old_id, "{\"stop_price\":\"97\"}").status == 422);
}

TEST_CASE("paper venue: expired at the close, rejected by the venue, other events announced") {
  PaperVenueOptions options;
  options.book.emit_pending_new = true;
  PaperVenue venue(options);
  const Rest rest(venue);
  TradeStream stream(venue);
  const auto day = rest.submit(
      "{\"symbol\":\"AAPL\",\"qty\":\"1\",\"side\":\"buy\",\"type\":\"limit\","
      "\"limit_price\":\"1.5\",\"time_in_force\":\"day\"}");
  const auto gtc = rest.submit(
      "{\"symbol\":\"AAPL\",\"qty\":\"1\",\"side\":\"buy\",\"type\":\"limit\","
      "\"limit_price\":\"1.5\",\"time_in_force\":\"gtc\"}");
  CHECK(stream.events(4) == std::vector<std::string>{"pending_new:pending_new", "new:new",
                                                     "pending_new:pending_new", "new:new"});
  venue.end_session();
  CHECK(stream.events(1) == std::vector<std::string>{"expired:expired"});
  CHECK(venue.announce(str(gtc.at("id")), "done_for_day"));
  CHECK(stream.events(1) == std::vector<std::string>{"done_for_day:new"});
  CHECK(venue.reject_order(str(gtc.at("id"))));
  const auto rejected = stream.next();
  CHECK(rejected.at("event") == "rejected");
  CHECK(rejected.at("order").at("status") == "rejected");
  CHECK_FALSE(rejected.at("order").at("failed_at").is_null());
  CHECK_FALSE(venue.reject_order(str(day.at("id"))));  // expired: no longer open
  const auto closed = parse(rest.get("/v2/orders?status=closed").body).as_array();
  CHECK(closed.size() == 2);
  CHECK(parse(rest.get("/v2/orders").body).as_array().empty());  // status=open by default
}

TEST_CASE("paper venue: an order placed before the open is accepted, new at the open, then fills") {
  PaperVenue venue;
  const Rest rest(venue);
  TradeStream stream(venue);
  venue.set_now(core::parse_timestamp("2026-03-02T13:00:00Z"));  // 08:00 New York
  venue.add_bars("AAPL", minute_bars({{"9", "9", "9", "9"}, {"10", "10", "10", "10"}},
                                     kMonday - std::chrono::minutes(1)));
  const auto order = rest.submit(market_buy("AAPL", 1, "early-1"));
  CHECK(order.at("status") == "accepted");
  CHECK(stream.events(1) == std::vector<std::string>{"accepted:accepted"});
  REQUIRE(venue.publish_next());  // 09:29: still before the session
  CHECK_FALSE(stream.ws.next(200ms));
  REQUIRE(venue.publish_next());  // 09:30
  CHECK(stream.events(2) == std::vector<std::string>{"new:new", "fill:filled"});
  // An extended-hours limit order is new at once.
  venue.set_now(core::parse_timestamp("2026-03-02T22:00:00Z"));
  const auto late = rest.submit(
      "{\"symbol\":\"AAPL\",\"qty\":\"1\",\"side\":\"buy\",\"type\":\"limit\","
      "\"limit_price\":\"9\",\"time_in_force\":\"day\",\"extended_hours\":true}");
  CHECK(late.at("status") == "new");
}

TEST_CASE("paper venue: fill rules: limits at the better of open and limit, stops at the worse") {
  PaperVenue venue;
  const Rest rest(venue);
  venue.add_bars("AAPL", minute_bars({{"100", "101", "99", "100"},
                                      {"98", "99", "97", "98"},
                                      {"103", "104", "102", "103"}}));
  const auto place = [&](const std::string& side, const std::string& type,
                         const std::string& prices) {
    return str(rest.submit("{\"symbol\":\"AAPL\",\"qty\":\"1\",\"side\":\"" + side +
                           "\",\"type\":\"" + type + "\"," + prices + ",\"time_in_force\":\"gtc\"}")
                   .at("id"));
  };
  const std::string limit_buy = place("buy", "limit", "\"limit_price\":\"98.5\"");
  const std::string deep_limit = place("buy", "limit", "\"limit_price\":\"95\"");
  const std::string stop_buy = place("buy", "stop", "\"stop_price\":\"100.5\"");
  const std::string stop_sell = place("sell", "stop", "\"stop_price\":\"98.5\"");
  const std::string stop_limit =
      place("buy", "stop_limit", "\"stop_price\":\"102\",\"limit_price\":\"102.5\"");
  const auto price_of = [&](const std::string& id) {
    const auto order = parse(rest.get("/v2/orders/" + id).body).as_object();
    return order.at("filled_avg_price").is_null() ? std::string("open")
                                                  : str(order.at("filled_avg_price"));
  };
  REQUIRE(venue.publish_next());  // 100/101/99
  CHECK(price_of(limit_buy) == "open");
  CHECK(price_of(stop_buy) == "100.5");  // the high crossed the stop; the open was below
  CHECK(price_of(stop_sell) == "open");
  REQUIRE(venue.publish_next());       // gap down to 98
  CHECK(price_of(limit_buy) == "98");  // the open beat the limit
  CHECK(price_of(stop_sell) == "98");  // gapped through the stop: the open
  CHECK(price_of(deep_limit) == "open");
  REQUIRE(venue.publish_next());  // gap up to 103: the stop-limit's stop is hit above its limit
  CHECK(price_of(stop_limit) == "open");
  CHECK(price_of(deep_limit) == "open");
}

TEST_CASE("paper venue: listing orders: status, after/until, direction, limit, symbols") {
  PaperVenue venue;
  const Rest rest(venue);
  for (int i = 1; i <= 4; ++i) {
    static_cast<void>(
        rest.submit(market_buy(i % 2 == 0 ? "MSFT" : "AAPL", i, "l-" + std::to_string(i))));
  }
  const auto all = parse(rest.get("/v2/orders?status=all").body).as_array();
  REQUIRE(all.size() == 4);
  CHECK(all[0].at("client_order_id") == "l-4");  // newest first by default
  const auto ascending =
      parse(rest.get("/v2/orders?status=all&direction=asc&limit=2").body).as_array();
  REQUIRE(ascending.size() == 2);
  CHECK(ascending[0].at("client_order_id") == "l-1");
  const std::string second = str(ascending[1].at("submitted_at"));
  const auto after =
      parse(rest.get("/v2/orders?status=all&direction=asc&after=" + second).body).as_array();
  REQUIRE(after.size() == 2);  // after is exclusive
  CHECK(after[0].at("client_order_id") == "l-3");
  const auto msft = parse(rest.get("/v2/orders?symbols=MSFT").body).as_array();
  CHECK(msft.size() == 2);
  CHECK(rest.get("/v2/orders?status=bogus").status == 422);
}

TEST_CASE("paper venue: cancel all and close all positions answer 207 per item") {
  PaperVenue venue;
  const Rest rest(venue);
  venue.add_bars("AAPL", minute_bars({{"10", "10", "10", "10"}, {"11", "11", "11", "11"}}));
  static_cast<void>(rest.submit(market_buy("AAPL", 2, "c-1")));
  REQUIRE(venue.publish_next());
  static_cast<void>(
      rest.submit("{\"symbol\":\"AAPL\",\"qty\":\"1\",\"side\":\"buy\",\"type\":\"limit\","
                  "\"limit_price\":\"5\",\"time_in_force\":\"gtc\"}"));
  const HttpResult canceled = rest.call("DELETE", "/v2/orders");
  CHECK(canceled.status == 207);
  const auto items = parse(canceled.body).as_array();
  REQUIRE(items.size() == 1);
  CHECK(items[0].at("status") == 200);
  const HttpResult closed = rest.call("DELETE", "/v2/positions?cancel_orders=true");
  CHECK(closed.status == 207);
  const auto closing = parse(closed.body).as_array();
  REQUIRE(closing.size() == 1);
  CHECK(closing[0].at("symbol") == "AAPL");
  CHECK(closing[0].at("status") == 200);
  CHECK(closing[0].at("body").at("side") == "sell");
  CHECK(closing[0].at("body").at("qty") == "2");
  REQUIRE(venue.publish_next());
  CHECK(parse(rest.get("/v2/positions").body).as_array().empty());
}

TEST_CASE("paper venue: historical bars up to the venue's clock, in Alpaca's shapes") {
  PaperVenue venue;
  const Rest rest(venue);
  venue.add_bars("AAPL", minute_bars({{"1", "2", "0.5", "1.5"},
                                      {"1.5", "2", "1", "1.25"},
                                      {"1.25", "1.5", "1", "1"}}));
  venue.add_bars("SPY", minute_bars({{"400", "401", "399", "400.5"}}));
  REQUIRE(venue.publish_next());
  REQUIRE(venue.publish_next());  // the third minute is not history yet
  const HttpResult multi =
      rest.get("/v2/stocks/bars?symbols=SPY,AAPL,ZZZZ&timeframe=1Min&start=2026-03-02&limit=2");
  REQUIRE(multi.status == 200);
  const auto page = parse(multi.body).as_object();
  REQUIRE(page.at("bars").at("AAPL").as_array().size() == 2);
  CHECK_FALSE(page.at("bars").as_object().contains("SPY"));  // on the next page
  CHECK(page.at("bars").at("AAPL").at(1).at("c") == 1.25);
  const std::string token = str(page.at("next_page_token"));
  const auto next = parse(rest.get("/v2/stocks/bars?symbols=SPY,AAPL&timeframe=1Min&start=2026-03-"
                                   "02&limit=2&page_token=" +
                                   token)
                              .body)
                        .as_object();
  CHECK(next.at("bars").at("SPY").at(0).at("t") == "2026-03-02T14:30:00Z");
  CHECK(next.at("next_page_token").is_null());
  const auto single =
      parse(rest.get("/v2/stocks/MSFT/bars?timeframe=1Min&start=2026-03-02").body).as_object();
  CHECK(single.at("bars").is_null());
  CHECK(single.at("symbol") == "MSFT");
  CHECK(rest.get("/v2/stocks/bars?symbols=AAPL&timeframe=30Sec").status == 400);
  const HttpResult refused =
      http_request(venue.base_url(), "GET", "/v2/stocks/bars?symbols=AAPL&timeframe=1Min");
  CHECK(refused.status == 401);
  CHECK(refused.body.rfind("<html>", 0) == 0);
}

// --- the trade_updates stream ---

TEST_CASE("paper venue: trade stream: both auth forms, unauthorized, listen before auth") {
  PaperVenue venue;
  WsClient old_form;
  REQUIRE(old_form.connect(venue.trade_stream_url()) == 101);
  old_form.send("{\"action\":\"listen\",\"data\":{\"streams\":[\"trade_updates\"]}}");
  const auto early = old_form.next();
  REQUIRE(early);
  CHECK(early->binary);
  CHECK(early->text ==
        "{\"stream\":\"authorization\",\"data\":{\"status\":\"unauthorized\",\"action\":\"listen\"}"
        "}");
  old_form.send("{\"action\":\"authenticate\",\"data\":{\"key_id\":\"" + venue.options().api_key +
                "\",\"secret_key\":\"" + venue.options().secret_key + "\"}}");
  const auto authorized = old_form.next();
  REQUIRE(authorized);
  CHECK(authorized->text ==
        "{\"stream\":\"authorization\",\"data\":{\"status\":\"authorized\","
        "\"action\":\"authenticate\"}}");
  old_form.send("{\"action\":\"listen\",\"data\":{\"streams\":[\"trade_updates\",\"nope\"]}}");
  const auto listening = old_form.next();
  REQUIRE(listening);
  CHECK(listening->text == "{\"stream\":\"listening\",\"data\":{\"streams\":[\"trade_updates\"]}}");

  WsClient wrong;
  REQUIRE(wrong.connect(venue.trade_stream_url()) == 101);
  wrong.send("{\"action\":\"auth\",\"key\":\"" + venue.options().api_key + "\",\"secret\":\"x\"}");
  const auto refused = wrong.next();
  REQUIRE(refused);
  CHECK(parse(refused->text).at("data").at("status") == "unauthorized");
  CHECK(eventually([&] { return venue.trade_listeners() == 1; }));
}

TEST_CASE("paper venue: trade updates in text frames when switched") {
  PaperVenueOptions options;
  options.trade_frames = Frames::text;
  PaperVenue venue(options);
  TradeStream stream(venue);
  static_cast<void>(Rest(venue).submit(market_buy("AAPL", 1, "t-1")));
  bool binary = true;
  CHECK(stream.next(&binary).at("event") == "new");
  CHECK_FALSE(binary);
  venue.set_trade_frames(Frames::binary);
  static_cast<void>(Rest(venue).submit(market_buy("AAPL", 1, "t-2")));
  CHECK(stream.next(&binary).at("event") == "new");
  CHECK(binary);
}

TEST_CASE("paper venue: dropped or held trade updates; REST shows what the stream missed") {
  PaperVenue venue;
  const Rest rest(venue);
  TradeStream stream(venue);
  venue.add_bars("AAPL", minute_bars({{"10", "10", "10", "10"}}));
  const auto first = rest.submit(market_buy("AAPL", 1, "d-1"));
  CHECK(stream.next().at("event") == "new");
  const std::string seen = str(first.at("submitted_at"));
  venue.set_update_delivery(UpdateDelivery::drop);
  static_cast<void>(rest.submit(market_buy("AAPL", 2, "d-2")));
  REQUIRE(venue.publish_next());  // both fill; no update reaches the client
  CHECK_FALSE(stream.ws.next(200ms));
  // The REST catch-up: orders changed since the last event seen.
  const auto missed =
      parse(rest.get("/v2/orders?status=all&direction=asc&after=" + seen).body).as_array();
  REQUIRE(missed.size() == 1);
  CHECK(missed[0].at("client_order_id") == "d-2");
  CHECK(missed[0].at("status") == "filled");

  venue.set_update_delivery(UpdateDelivery::hold);
  static_cast<void>(rest.submit(market_buy("AAPL", 3, "d-3")));
  CHECK_FALSE(stream.ws.next(200ms));
  venue.set_update_delivery(UpdateDelivery::deliver);
  venue.release_trade_updates();
  const auto late = stream.next();
  CHECK(late.at("event") == "new");
  CHECK(late.at("order").at("client_order_id") == "d-3");
}

TEST_CASE("paper venue: trade stream: malformed frame, error then close, drop without close") {
  PaperVenue venue;
  TradeStream stream(venue);
  venue.send_malformed(Stream::trade_updates);
  const auto garbage = stream.ws.next();
  REQUIRE(garbage);
  boost::system::error_code ec;
  static_cast<void>(json::parse(garbage->text, ec));
  CHECK(ec);  // not JSON
  venue.send_trade_stream_error("internal server error");
  const auto error = stream.ws.next();
  REQUIRE(error);
  CHECK(error->text ==
        "{\"action\":\"error\",\"data\":{\"error_message\":\"internal server error\"}}");
  CHECK_FALSE(stream.ws.next());
  CHECK(stream.ws.closed());
  CHECK_FALSE(stream.ws.close_frame_received());

  TradeStream again(venue);
  venue.drop_connections(Stream::trade_updates);
  CHECK_FALSE(again.ws.next());
  CHECK(again.ws.closed());
  CHECK_FALSE(again.ws.close_frame_received());
  CHECK(eventually([&] { return venue.trade_listeners() == 0; }));
}

// --- the market-data stream ---

TEST_CASE("paper venue: market data: connected, auth, subscribe ack with every channel") {
  PaperVenue venue;
  DataStream stream(venue, "");
  stream.ws.send(
      "{\"action\":\"subscribe\",\"bars\":[\"AAPL\",\"SPY\"],\"updatedBars\":[\"AAPL\"]}");
  CHECK(stream.next() == parse("[{\"T\":\"subscription\",\"trades\":[],\"quotes\":[],"
                               "\"bars\":[\"AAPL\",\"SPY\"],\"updatedBars\":[\"AAPL\"],"
                               "\"dailyBars\":[],\"statuses\":[],\"lulds\":[],"
                               "\"corrections\":[],\"cancelErrors\":[]}]"));
  stream.ws.send("{\"action\":\"unsubscribe\",\"bars\":[\"SPY\"]}");
  CHECK(stream.next().at(0).at("bars") == parse("[\"AAPL\"]"));
  CHECK(eventually([&] { return venue.data_subscribers() == 1; }));
}

TEST_CASE("paper venue: bars in order, batched per minute, key order varying; updatedBars") {
  PaperVenue venue;
  venue.add_bars("AAPL", minute_bars({{"1", "2", "0.5", "1.5"},
                                      {"1.5", "2", "1", "1.25"},
                                      {"1.25", "1.5", "1", "1"}}));
  venue.add_bars("SPY", minute_bars({{"400", "401", "399", "400.5"}}));
  venue.add_bars("MSFT", minute_bars({{"300", "301", "299", "300"}}));  // not subscribed
  DataStream stream(venue,
                    "{\"action\":\"subscribe\",\"bars\":[\"AAPL\",\"SPY\"],"
                    "\"updatedBars\":[\"AAPL\"]}");
  std::set<std::string> first_keys;
  for (int minute = 0; minute < 3; ++minute) {
    REQUIRE(venue.publish_next());
    const auto frame = stream.next();
    REQUIRE(frame.size() == (minute == 0 ? 2U : 1U));  // AAPL and SPY share the first frame
    const auto& bar = frame[0].as_object();
    CHECK(bar.at("T") == "b");
    CHECK(bar.at("S") == "AAPL");
    CHECK(str(bar.at("t")) == core::format_timestamp(kMonday + std::chrono::minutes(minute)));
    CHECK(bar.at("o").is_number());
    first_keys.insert(std::string(bar.begin()->key()));
  }
  CHECK(first_keys.size() > 1);  // not one fixed key order
  venue.send_updated_bar("AAPL", minute_bars({{"1", "2.5", "0.5", "1.75"}})[0]);
  const auto updated = stream.next();
  CHECK(updated.at(0).at("T") == "u");
  CHECK(updated.at(0).at("t") == "2026-03-02T14:30:00Z");
  CHECK(updated.at(0).at("h") == 2.5);
  venue.send_updated_bar("SPY", minute_bars({{"400", "402", "399", "401"}})[0]);  // not asked for
  CHECK_FALSE(stream.ws.next(200ms));
}

TEST_CASE("paper venue: market data errors 400 401 402 403 405 409 410") {
  PaperVenueOptions options;
  options.symbol_limit = 2;
  options.sip_permitted = false;
  PaperVenue venue(options);
  const std::string auth = "{\"action\":\"auth\",\"key\":\"" + venue.options().api_key +
                           "\",\"secret\":\"" + venue.options().secret_key + "\"}";
  const auto code_of = [](WsClient& ws) {
    const auto message = ws.next();
    REQUIRE(message);
    const auto value = parse(message->text);
    REQUIRE(value.at(0).at("T") == "error");
    return value.at(0).at("code").as_int64();
  };
  WsClient ws;
  REQUIRE(ws.connect(venue.data_stream_url()) == 101);
  static_cast<void>(ws.next());  // connected
  ws.send("{\"action\":\"subscribe\",\"bars\":[\"AAPL\"]}");
  CHECK(code_of(ws) == 401);
  ws.send("{\"action\":\"auth\",\"key\":\"wrong\",\"secret\":\"wrong\"}");
  CHECK(code_of(ws) == 402);
  ws.send("{not json");
  CHECK(code_of(ws) == 400);
  ws.send(auth);
  REQUIRE(ws.next());  // authenticated
  ws.send(auth);
  CHECK(code_of(ws) == 403);
  ws.send("{\"action\":\"subscribe\",\"bars\":[\"A\",\"B\",\"C\"]}");
  CHECK(code_of(ws) == 405);
  ws.send("{\"action\":\"subscribe\",\"orderbooks\":[\"A\"]}");
  CHECK(code_of(ws) == 410);
  ws.send("{\"action\":\"subscribe\",\"bars\":[\"A\"]}");
  CHECK(ws.next()->text.find("\"bars\":[\"A\"]") != std::string::npos);  // the set was kept

  WsClient sip;
  REQUIRE(sip.connect(venue.data_stream_url("sip")) == 101);
  static_cast<void>(sip.next());
  sip.send(auth);
  CHECK(code_of(sip) == 409);
  venue.send_data_error(407);
  CHECK(code_of(sip) == 407);
}

TEST_CASE("paper venue: market data: one connection per feed, the second gets 406") {
  PaperVenue venue;
  DataStream holder(venue, "{\"action\":\"subscribe\",\"bars\":[\"AAPL\"]}");
  WsClient second;
  REQUIRE(second.connect(venue.data_stream_url()) == 101);
  CHECK(second.next()->text == "[{\"T\":\"success\",\"msg\":\"connected\"}]");
  const std::string auth = "{\"action\":\"auth\",\"key\":\"" + venue.options().api_key +
                           "\",\"secret\":\"" + venue.options().secret_key + "\"}";
  second.send(auth);
  CHECK(second.next()->text ==
        "[{\"T\":\"error\",\"code\":406,\"msg\":\"connection limit exceeded\"}]");
  holder.ws.close();  // the slot is free again: the refused socket may re-auth
  CHECK(eventually([&] { return venue.data_connections() == 1; }));
  second.send(auth);
  CHECK(second.next()->text == "[{\"T\":\"success\",\"msg\":\"authenticated\"}]");

  venue.set_data_slot_taken(true);  // a ghost session holds the slot
  WsClient third;
  REQUIRE(third.connect(venue.data_stream_url("sip")) == 101);
  static_cast<void>(third.next());
  third.send(auth);
  CHECK(parse(third.next()->text).at(0).at("code") == 406);
}

TEST_CASE("paper venue: market data: a dropped session holds the slot for a while (406)") {
  PaperVenue venue;
  venue.set_ghost_after_drop(60s);
  DataStream first(venue, "{\"action\":\"subscribe\",\"bars\":[\"AAPL\"]}");
  venue.drop_connections(Stream::market_data);
  CHECK_FALSE(first.ws.next());
  const std::string auth = "{\"action\":\"auth\",\"key\":\"" + venue.options().api_key +
                           "\",\"secret\":\"" + venue.options().secret_key + "\"}";
  WsClient again;
  REQUIRE(again.connect(venue.data_stream_url()) == 101);
  static_cast<void>(again.next());
  again.send(auth);
  CHECK(parse(again.next()->text).at(0).at("code") == 406);
  venue.set_ghost_after_drop(0ms);  // no new ghost; the old one is still there
  again.send(auth);
  CHECK(parse(again.next()->text).at(0).at("code") == 406);
}

TEST_CASE(
    "paper venue: market data: no auth within the timeout: 404 auth timeout, no close frame") {
  PaperVenueOptions options;
  options.data_auth_timeout = 100ms;
  PaperVenue venue(options);
  WsClient ws;
  REQUIRE(ws.connect(venue.data_stream_url()) == 101);
  static_cast<void>(ws.next());
  const auto timeout = ws.next();
  REQUIRE(timeout);
  CHECK(timeout->text == "[{\"T\":\"error\",\"code\":404,\"msg\":\"auth timeout\"}]");
  CHECK_FALSE(ws.next());
  CHECK(ws.closed());
  CHECK_FALSE(ws.close_frame_received());
}

TEST_CASE("paper venue: market data: silent while pings are answered, then dropped") {
  PaperVenue venue;
  venue.add_bars("AAPL", minute_bars({{"1", "1", "1", "1"}, {"2", "2", "2", "2"}}));
  DataStream stream(venue, "{\"action\":\"subscribe\",\"bars\":[\"AAPL\"]}");
  venue.set_silent(Stream::market_data, true);
  REQUIRE(venue.publish_next());
  stream.ws.ping();
  CHECK_FALSE(stream.ws.next(300ms));  // no bar, but ...
  CHECK(stream.ws.pongs() == 1);       // ... the pong came
  venue.set_silent(Stream::market_data, false);
  REQUIRE(venue.publish_next());
  CHECK(stream.next().at(0).at("o") == 2);
  venue.send_malformed(Stream::market_data);
  const auto garbage = stream.ws.next();
  REQUIRE(garbage);
  boost::system::error_code ec;
  static_cast<void>(json::parse(garbage->text, ec));
  CHECK(ec);
  venue.drop_connections(Stream::market_data);
  CHECK_FALSE(stream.ws.next());
  CHECK(stream.ws.closed());
  CHECK_FALSE(stream.ws.close_frame_received());
  CHECK(eventually([&] { return venue.data_connections() == 0; }));
}

TEST_CASE("paper venue: accelerated time: a session of bars streams in order by itself") {
  PaperVenue venue;
  std::vector<std::array<const char*, 4>> prices(60, {"10", "11", "9", "10"});
  venue.add_bars("AAPL", minute_bars(prices));
  DataStream stream(venue, "{\"action\":\"subscribe\",\"bars\":[\"*\"]}");
  venue.play(2ms);
  for (int minute = 0; minute < 60; ++minute) {
    const auto frame = stream.next();
    REQUIRE(frame.size() == 1);
    CHECK(str(frame[0].at("t")) == core::format_timestamp(kMonday + std::chrono::minutes(minute)));
  }
  CHECK(eventually([&] { return venue.minutes_left() == 0; }));
  CHECK(venue.now() == kMonday + std::chrono::minutes(60));
}

// --- REST misbehaviour ---

TEST_CASE("paper venue: 429 with Retry-After and 5xx for the next N requests, not carried out") {
  PaperVenue venue;
  const Rest rest(venue);
  venue.fail_next_requests(2, 429, 3);
  for (int i = 0; i < 2; ++i) {
    const HttpResult limited = rest.call("POST", "/v2/orders", market_buy("AAPL", 1, "r-1"));
    CHECK(limited.status == 429);
    CHECK(limited.headers.at("retry-after") == "3");
    CHECK(limited.headers.at("x-ratelimit-remaining") == "0");
  }
  CHECK(venue.orders().empty());
  venue.fail_next_requests(1, 503);
  CHECK(rest.get("/v2/account").status == 503);
  CHECK(rest.call("POST", "/v2/orders", market_buy("AAPL", 1, "r-1")).status == 200);
  const auto requests = venue.requests();
  REQUIRE(requests.size() == 4);
  CHECK(requests[0].status == 429);
  CHECK(requests[3].status == 200);
}

TEST_CASE("paper venue: a swallowed POST lands; the retry with the same id is 422") {
  PaperVenue venue;
  const Rest rest(venue);
  venue.swallow_next_responses(1);
  const HttpResult lost = rest.call("POST", "/v2/orders", market_buy("AAPL", 1, "f22-1"));
  CHECK(lost.status == 0);  // no answer
  CHECK(rest.get("/v2/orders:by_client_order_id?client_order_id=f22-1").status == 200);
  CHECK(rest.call("POST", "/v2/orders", market_buy("AAPL", 1, "f22-1")).status == 422);
  CHECK(venue.orders().size() == 1);
}

TEST_CASE("paper venue: a delayed response still arrives, the order placed at once") {
  PaperVenue venue;
  const Rest rest(venue);
  venue.delay_next_responses(1, 300ms);
  const HttpResult slow = rest.call("POST", "/v2/orders", market_buy("AAPL", 1, "slow-1"));
  CHECK(slow.status == 200);
  CHECK(venue.orders().size() == 1);
}

TEST_CASE("paper venue: refused upgrades: 429 instead of 101") {
  PaperVenue venue;
  venue.refuse_next_upgrades(1, 429);
  WsClient refused;
  CHECK(refused.connect(venue.data_stream_url()) == 429);
  WsClient accepted;
  CHECK(accepted.connect(venue.data_stream_url()) == 101);
}

// --- TLS ---

TEST_CASE("paper venue: everything over TLS with a test CA") {
  const TestCertificateAuthority authority("paper venue test CA");
  PaperVenueOptions options;
  options.tls = authority.issue({"127.0.0.1"});
  PaperVenue venue(options);
  CHECK(venue.base_url().rfind("https://", 0) == 0);
  CHECK(venue.trade_stream_url().rfind("wss://", 0) == 0);
  ClientOptions client;
  client.ca_pem = authority.certificate_pem();
  const Rest rest(venue, client);
  CHECK(rest.get("/v2/account").status == 200);
  venue.add_bars("AAPL", minute_bars({{"20", "21", "19", "20.5"}}));
  TradeStream trades(venue, client);
  DataStream data(venue, "{\"action\":\"subscribe\",\"bars\":[\"AAPL\"]}", client);
  static_cast<void>(rest.submit(market_buy("AAPL", 1, "tls-1")));
  bool binary = false;
  CHECK(trades.next(&binary).at("event") == "new");
  CHECK(binary);
  REQUIRE(venue.publish_next());
  CHECK(trades.next().at("event") == "fill");
  CHECK(data.next().at(0).at("c") == 20.5);
  // A client that does not trust the test CA is refused.
  bool refused = false;
  try {
    static_cast<void>(http_request(venue.base_url(), "GET", "/v2/account"));
  } catch (const std::exception&) {
    refused = true;
  }
  CHECK(refused);
}

}  // namespace
}  // namespace trader::testing
