#include "support/paper_venue.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <sstream>
#include <stdexcept>

#include <trader/calendar/nyse.hpp>
#include <trader/core/error.hpp>
#include <trader/core/json_text.hpp>

#include "support/paper_venue_impl.hpp"
#include "support/paper_venue_json.hpp"

namespace trader::testing {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using core::Decimal;
using core::Timestamp;
using venue::ApiError;
using venue::error_body;
using venue::JsonObject;

constexpr int kRateLimit = 200;  // requests per minute of the trading API

RestReply json_reply(int status, std::string body) {
  RestReply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

RestReply from_error(const ApiError& error) { return json_reply(error.status, error.body); }

std::string data_error(int code) {
  static const std::map<int, std::string_view> kMessages{
      {400, "invalid syntax"},
      {401, "not authenticated"},
      {402, "auth failed"},
      {403, "already authenticated"},
      {404, "auth timeout"},
      {405, "symbol limit exceeded"},
      {406, "connection limit exceeded"},
      {407, "slow client"},
      {408, "v2 not enabled"},
      {409, "insufficient subscription"},
      {410, "invalid subscribe action for this feed"},
      {411, "insufficient scope"},
      {500, "internal error"},
  };
  const auto found = kMessages.find(code);
  return "[" +
         JsonObject{}
             .string("T", "error")
             .integer("code", code)
             .string("msg", found == kMessages.end() ? "error" : found->second)
             .str() +
         "]";
}

std::string data_success(std::string_view message) {
  return "[" + JsonObject{}.string("T", "success").string("msg", message).str() + "]";
}

// The channels a subscribe may name on a stock feed, in the order of the ack.
constexpr std::array<std::string_view, 9> kChannels{
    "trades",   "quotes", "bars",        "updatedBars",  "dailyBars",
    "statuses", "lulds",  "corrections", "cancelErrors",
};

std::string string_array(const std::set<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) {
    if (out.size() > 1) out += ',';
    core::append_json_string(out, item);
  }
  return out + "]";
}

// A bar message in one of three key orders, as the real stream does not keep one.
std::string bar_message(std::string_view type, const std::string& symbol, const VenueBar& bar,
                        int variant) {
  const Decimal vwap = core::div_round(bar.h + bar.l + bar.c, 3);
  JsonObject message;
  switch (variant % 3) {
    case 0:
      message.string("T", type)
          .string("S", symbol)
          .number("o", bar.o)
          .number("h", bar.h)
          .number("l", bar.l)
          .number("c", bar.c)
          .integer("v", bar.v)
          .string("t", core::format_timestamp(bar.t))
          .integer("n", bar.n)
          .number("vw", vwap);
      break;
    case 1:
      message.string("T", type)
          .string("S", symbol)
          .string("t", core::format_timestamp(bar.t))
          .number("o", bar.o)
          .number("h", bar.h)
          .number("l", bar.l)
          .number("c", bar.c)
          .integer("v", bar.v)
          .integer("n", bar.n)
          .number("vw", vwap);
      break;
    default:
      message.number("c", bar.c)
          .number("h", bar.h)
          .number("l", bar.l)
          .string("S", symbol)
          .integer("n", bar.n)
          .number("o", bar.o)
          .string("t", core::format_timestamp(bar.t))
          .integer("v", bar.v)
          .string("T", type)
          .number("vw", vwap);
      break;
  }
  return message.str();
}

std::string trade_update_json(const venue::TradeUpdate& update) {
  JsonObject data;
  data.string("event", update.event);
  if (update.execution_id) data.string("execution_id", *update.execution_id);
  if (update.timestamp) data.time("timestamp", update.timestamp);
  if (update.price) data.decimal("price", *update.price);
  if (update.qty) data.decimal("qty", *update.qty);
  if (update.position_qty) data.decimal("position_qty", *update.position_qty);
  data.raw("order", venue::OrderBook::order_json(update.order));
  return JsonObject{}.string("stream", "trade_updates").raw("data", data.str()).str();
}

std::string authorization(std::string_view status, std::string_view action) {
  return JsonObject{}
      .string("stream", "authorization")
      .raw("data", JsonObject{}.string("status", status).string("action", action).str())
      .str();
}

core::Date new_york_date(Timestamp ts) {
  const auto local = calendar::to_new_york(ts);
  return core::Date{
      std::chrono::sys_days{std::chrono::floor<std::chrono::days>(local).time_since_epoch()}};
}

std::string hhmm(Timestamp ts, bool colon) {
  const auto local = calendar::to_new_york(ts);
  const auto since_midnight = local - std::chrono::floor<std::chrono::days>(local);
  const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(since_midnight).count();
  return fmt::format("{:02}{}{:02}", minutes / 60, colon ? ":" : "", minutes % 60);
}

}  // namespace

std::vector<VenueBar> bars_from_csv(std::string_view text) {
  std::vector<VenueBar> bars;
  std::istringstream lines{std::string(text)};
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.rfind("timestamp", 0) == 0) continue;
    std::vector<std::string> fields;
    std::size_t from = 0;
    for (;;) {
      const std::size_t comma = line.find(',', from);
      fields.push_back(line.substr(from, comma - from));
      if (comma == std::string::npos) break;
      from = comma + 1;
    }
    try {
      if (fields.size() < 5) throw std::invalid_argument("too few fields");
      VenueBar bar{core::parse_timestamp(fields[0]), Decimal::parse(fields[1]),
                   Decimal::parse(fields[2]), Decimal::parse(fields[3]), Decimal::parse(fields[4])};
      if (fields.size() > 5) bar.v = std::stoll(fields[5]);
      bars.push_back(bar);
    } catch (const std::exception& error) {
      throw std::invalid_argument("bars CSV line " + std::to_string(number) + ": " + error.what());
    }
  }
  return bars;
}

PaperVenue::Impl::Impl(PaperVenueOptions opts)
    : options(std::move(opts)),
      book(options.book),
      virtual_now(options.start_time),
      trade_frames(options.trade_frames) {
  if (options.tls) {
    tls.emplace(asio::ssl::context::tls_server);
    tls->use_certificate_chain(asio::buffer(options.tls->certificate_pem));
    tls->use_private_key(asio::buffer(options.tls->private_key_pem), asio::ssl::context::pem);
  }
  const asio::ip::tcp::endpoint local(asio::ip::make_address("127.0.0.1"), options.port);
  acceptor.open(local.protocol());
  acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  acceptor.bind(local);
  acceptor.listen();
  port = acceptor.local_endpoint().port();
}

Timestamp PaperVenue::Impl::now() const { return options.clock ? options.clock() : virtual_now; }

Timestamp PaperVenue::Impl::stamp() {
  Timestamp t = now();
  if (t <= last_stamp) t = last_stamp + core::Microseconds(1);
  last_stamp = t;
  return t;
}

// --- REST ---

RestReply PaperVenue::Impl::rest(const RestRequest& request) {
  if (options.control && request.path.rfind("/_control/", 0) == 0) return control(request);
  VenueRequest record{request.method,
                      request.target,
                      request.headers,
                      request.body,
                      0,
                      std::chrono::steady_clock::now()};
  RestReply reply;
  if (fail_count > 0) {
    --fail_count;
    reply.status = fail_status;
    if (fail_status == 429) {
      reply.body = error_body(42910000, "too many requests");
      reply.headers.emplace_back("X-Ratelimit-Remaining", "0");
      if (fail_retry_after)
        reply.headers.emplace_back("Retry-After", std::to_string(*fail_retry_after));
    } else {
      reply.body =
          error_body(static_cast<long long>(fail_status) * 100'000, "internal server error");
    }
  } else {
    reply = trading(request);
  }
  ++served;
  const auto has = [&](std::string_view name) {
    return std::any_of(reply.headers.begin(), reply.headers.end(),
                       [&](const auto& header) { return header.first == name; });
  };
  reply.headers.emplace_back("X-Request-Id", fmt::format("{:032x}", served * 0x9e3779b97f4aULL));
  if (!has("X-Ratelimit-Remaining")) {
    reply.headers.emplace_back("X-Ratelimit-Remaining",
                               std::to_string(std::max(0, kRateLimit - served % kRateLimit)));
  }
  reply.headers.emplace_back("X-Ratelimit-Limit", std::to_string(kRateLimit));
  const auto reset = std::chrono::duration_cast<std::chrono::seconds>(
                         (now() + std::chrono::minutes(1)).time_since_epoch())
                         .count();
  reply.headers.emplace_back("X-Ratelimit-Reset", std::to_string(reset));
  if (swallow_count > 0) {
    --swallow_count;
    reply.swallow = true;
  } else if (delay_count > 0) {
    --delay_count;
    reply.delay = delay;
  }
  record.status = reply.swallow ? 0 : reply.status;
  recorded.push_back(std::move(record));
  return reply;
}

RestReply PaperVenue::Impl::trading(const RestRequest& request) {
  if (request.path.rfind("/v2/stocks/", 0) == 0) return historical_bars(request);
  if (request.header("apca-api-key-id") != options.api_key ||
      request.header("apca-api-secret-key") != options.secret_key) {
    return json_reply(401, "{\"message\":\"unauthorized.\"}");
  }
  if (forbidden) return json_reply(403, error_body(40110000, "request is not authorized"));
  const std::string& method = request.method;
  const std::string& path = request.path;
  std::vector<venue::TradeUpdate> updates;
  const auto order_reply = [&](const venue::OrderResult& result) {
    if (const auto* error = std::get_if<ApiError>(&result)) return from_error(*error);
    return json_reply(200, venue::OrderBook::order_json(std::get<VenueOrder>(result)));
  };
  RestReply reply = json_reply(404, "{\"message\":\"Not Found\"}");
  constexpr std::string_view kOrders = "/v2/orders/";
  constexpr std::string_view kPositions = "/v2/positions/";
  if (path == "/v2/account" && method == "GET") {
    reply = json_reply(200, book.account_json());
  } else if (path == "/v2/clock" && method == "GET") {
    const Timestamp at = now();
    const core::Date today = new_york_date(at);
    const auto session = calendar::find_session(today);
    const bool open = session && at >= session->open && at < session->close;
    const core::Date next_day =
        session && at < session->open ? today : calendar::next_session(today);
    const calendar::Session next = calendar::session(next_day);
    reply = json_reply(
        200, JsonObject{}
                 .string("timestamp", venue::new_york_rfc3339(at, true))
                 .boolean("is_open", open)
                 .string("next_open", venue::new_york_rfc3339(next.open, false))
                 .string("next_close",
                         venue::new_york_rfc3339(open ? session->close : next.close, false))
                 .str());
  } else if (path == "/v2/calendar" && method == "GET") {
    try {
      const core::Date first = request.query.count("start") != 0
                                   ? core::parse_date(request.param("start"))
                                   : new_york_date(now());
      const core::Date last =
          request.query.count("end") != 0
              ? core::parse_date(request.param("end"))
              : core::Date{std::chrono::sys_days{first} + std::chrono::days(30)};
      std::string body = "[";
      for (auto day = std::chrono::sys_days{first}; day <= std::chrono::sys_days{last};
           day += std::chrono::days(1)) {
        const auto session = calendar::find_session(core::Date{day});
        if (!session) continue;
        if (body.size() > 1) body += ',';
        body +=
            JsonObject{}
                .string("date", core::format_date(session->date))
                .string("open", hhmm(session->open, true))
                .string("close", hhmm(session->close, true))
                .string("session_open", "0400")
                .string("session_close", session->early_close ? "1700" : "2000")
                .string("settlement_date", core::format_date(calendar::next_session(session->date)))
                .str();
      }
      reply = json_reply(200, body + "]");
    } catch (const trader::Error& error) {
      reply = json_reply(400, error_body(40010001, error.what()));
    }
  } else if (path == "/v2/orders" && method == "GET") {
    const auto listed = book.orders_json(request.query);
    reply = std::holds_alternative<ApiError>(listed)
                ? from_error(std::get<ApiError>(listed))
                : json_reply(200, std::get<std::string>(listed));
  } else if (path == "/v2/orders" && method == "POST") {
    reply = order_reply(book.submit(request.body, stamp(), updates));
  } else if (path == "/v2/orders" && method == "DELETE") {
    reply = json_reply(207, book.cancel_all(stamp(), updates));
  } else if (path == "/v2/orders:by_client_order_id" && method == "GET") {
    const std::string id = request.param("client_order_id");
    const VenueOrder* order = book.find_by_client_id(id);
    reply = order != nullptr ? json_reply(200, venue::OrderBook::order_json(*order))
                             : json_reply(404, error_body(40410000, "order not found for " + id));
  } else if (path.rfind(kOrders, 0) == 0 && path.size() > kOrders.size()) {
    const std::string id = path.substr(kOrders.size());
    if (method == "GET") {
      const VenueOrder* order = book.find(id);
      reply = order != nullptr ? json_reply(200, venue::OrderBook::order_json(*order))
                               : json_reply(404, error_body(40410000, "order not found for " + id));
    } else if (method == "DELETE") {
      const auto error = book.cancel(id, stamp(), updates);
      reply = error ? from_error(*error) : json_reply(204, "");
    } else if (method == "PATCH") {
      reply = order_reply(book.replace(id, request.body, stamp(), updates));
    } else {
      reply = json_reply(405, "{\"message\":\"Method Not Allowed\"}");
    }
  } else if (path == "/v2/positions" && method == "GET") {
    reply = json_reply(200, book.positions_json());
  } else if (path == "/v2/positions" && method == "DELETE") {
    reply =
        json_reply(207, book.liquidate(request.param("cancel_orders") == "true", stamp(), updates));
  } else if (path.rfind(kPositions, 0) == 0 && path.size() > kPositions.size()) {
    const std::string symbol = path.substr(kPositions.size());
    const auto positions = book.positions();
    if (method == "GET") {
      reply = positions.count(symbol) != 0
                  ? json_reply(200, book.position_json(symbol))
                  : json_reply(404, error_body(40410000, "position does not exist"));
    } else if (method == "DELETE") {
      reply = order_reply(book.close_position(symbol, stamp(), updates));
    }
  }
  broadcast(updates);
  return reply;
}

// --- the streams ---

std::optional<RestReply> PaperVenue::Impl::upgrade(const RestRequest& request, Stream& kind,
                                                   std::string& feed) {
  VenueRequest record{
      request.method, request.target, request.headers, {}, 101, std::chrono::steady_clock::now()};
  std::optional<RestReply> refusal;
  if (refuse_count > 0) {
    --refuse_count;
    refusal = json_reply(refuse_status, refuse_status == 429 ? "{\"message\":\"too many requests\"}"
                                                             : "{\"message\":\"refused\"}");
  } else if (request.path == "/stream") {
    kind = Stream::trade_updates;
  } else if (request.path == "/v2/iex" || request.path == "/v2/sip" || request.path == "/v2/test") {
    kind = Stream::market_data;
    feed = request.path.substr(4);
  } else {
    refusal = json_reply(404, "{\"message\":\"Not Found\"}");
  }
  record.status = refusal ? refusal->status : 101;
  recorded.push_back(std::move(record));
  return refusal;
}

void PaperVenue::Impl::opened(const std::shared_ptr<StreamConnection>& connection) {
  connections.push_back(connection);
  if (connection->kind == Stream::market_data) {
    connection->send(data_success("connected"), Frames::text);
  }
  // The trade stream says nothing first: the client speaks.
}

void PaperVenue::Impl::closed(StreamConnection* connection) {
  const auto found = std::find_if(
      connections.begin(), connections.end(),
      [&](const std::shared_ptr<StreamConnection>& c) { return c.get() == connection; });
  if (found != connections.end()) connections.erase(found);
}

void PaperVenue::Impl::auth_timeout(const std::shared_ptr<StreamConnection>& connection) {
  connection->send(data_error(404), Frames::text);
  connection->drop(true);
}

void PaperVenue::Impl::received(const std::shared_ptr<StreamConnection>& connection,
                                const std::string& text) {
  if (connection->kind == Stream::market_data) {
    data_message(*connection, text);
  } else {
    trade_message(*connection, text);
  }
}

void PaperVenue::Impl::send_data(StreamConnection& connection, const std::string& payload) {
  if (!data_silent) connection.send(payload, Frames::text);
}

void PaperVenue::Impl::send_trade(StreamConnection& connection, const std::string& payload) {
  if (!trade_silent) connection.send(payload, trade_frames);
}

void PaperVenue::Impl::data_message(StreamConnection& connection, const std::string& text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  const json::object* message = ec ? nullptr : parsed.if_object();
  const json::string* action = message != nullptr && message->contains("action")
                                   ? message->at("action").if_string()
                                   : nullptr;
  if (action == nullptr) return send_data(connection, data_error(400));
  if (*action == "auth") {
    if (connection.authenticated) return send_data(connection, data_error(403));
    const auto* key = message->if_contains("key");
    const auto* secret = message->if_contains("secret");
    if (key == nullptr || secret == nullptr || !key->is_string() || !secret->is_string() ||
        key->get_string() != options.api_key || secret->get_string() != options.secret_key) {
      return send_data(connection, data_error(402));
    }
    if (connection.feed == "sip" && !options.sip_permitted) {
      return send_data(connection, data_error(409));
    }
    const bool slot_held = std::any_of(
        connections.begin(), connections.end(), [&](const std::shared_ptr<StreamConnection>& c) {
          return c.get() != &connection && c->kind == Stream::market_data && c->authenticated &&
                 c->feed == connection.feed;
        });
    const bool ghost = std::chrono::steady_clock::now() < ghost_until;
    if (data_slot_taken || slot_held || ghost) return send_data(connection, data_error(406));
    connection.authenticated = true;
    return send_data(connection, data_success("authenticated"));
  }
  if (*action != "subscribe" && *action != "unsubscribe") {
    return send_data(connection, data_error(400));
  }
  if (!connection.authenticated) return send_data(connection, data_error(401));
  auto next = connection.channels;
  for (const auto& [name, value] : *message) {
    if (name == "action") continue;
    const std::string channel(name.data(), name.size());
    const bool known = std::find(kChannels.begin(), kChannels.end(), channel) != kChannels.end() &&
                       channel != "corrections" && channel != "cancelErrors";
    const bool on_test = connection.feed != "test" || channel == "trades" || channel == "quotes" ||
                         channel == "bars";
    if (!known || !on_test) return send_data(connection, data_error(410));
    if (!value.is_array()) return send_data(connection, data_error(400));
    for (const auto& symbol : value.get_array()) {
      if (!symbol.is_string() || symbol.get_string().empty()) {
        return send_data(connection, data_error(400));
      }
      const std::string name_of(symbol.get_string().data(), symbol.get_string().size());
      if (*action == "subscribe") {
        next[channel].insert(name_of);
      } else {
        next[channel].erase(name_of);
      }
    }
  }
  // corrections and cancelErrors follow trades.
  next["corrections"] = next["trades"];
  next["cancelErrors"] = next["trades"];
  std::set<std::string> symbols;
  for (const auto& [channel, names] : next) symbols.insert(names.begin(), names.end());
  if (options.symbol_limit != 0 && symbols.size() > options.symbol_limit) {
    return send_data(connection, data_error(405));  // the previous set stays
  }
  connection.channels = std::move(next);
  JsonObject ack;
  ack.string("T", "subscription");
  for (const std::string_view channel : kChannels) {
    if (connection.feed == "test" && channel != "trades" && channel != "quotes" &&
        channel != "bars") {
      continue;  // the test feed's shorter ack
    }
    ack.raw(channel, string_array(connection.channels[std::string(channel)]));
  }
  send_data(connection, "[" + ack.str() + "]");
}

void PaperVenue::Impl::trade_message(StreamConnection& connection, const std::string& text) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  const json::object* message = ec ? nullptr : parsed.if_object();
  const json::value* action = message != nullptr ? message->if_contains("action") : nullptr;
  if (action == nullptr || !action->is_string()) return;  // not a request: ignored
  const json::object* data = message->contains("data") ? message->at("data").if_object() : nullptr;
  const auto text_of = [](const json::object* object, std::string_view key) -> std::string {
    if (object == nullptr) return {};
    const json::value* value = object->if_contains(key);
    if (value == nullptr || !value->is_string()) return {};
    return std::string(value->get_string().data(), value->get_string().size());
  };
  if (action->get_string() == "auth" || action->get_string() == "authenticate") {
    // {"action":"auth","key":..,"secret":..} or the older
    // {"action":"authenticate","data":{"key_id":..,"secret_key":..}}: the same reply.
    const bool short_form = action->get_string() == "auth";
    const std::string key = short_form ? text_of(message, "key") : text_of(data, "key_id");
    const std::string secret =
        short_form ? text_of(message, "secret") : text_of(data, "secret_key");
    connection.authenticated = key == options.api_key && secret == options.secret_key;
    if (!connection.authenticated) connection.listening = false;
    return send_trade(
        connection,
        authorization(connection.authenticated ? "authorized" : "unauthorized", "authenticate"));
  }
  if (action->get_string() == "listen") {
    if (!connection.authenticated) {
      return send_trade(connection, authorization("unauthorized", "listen"));
    }
    std::set<std::string> granted;
    const json::value* streams = data != nullptr ? data->if_contains("streams") : nullptr;
    if (streams != nullptr && streams->is_array()) {
      for (const auto& stream : streams->get_array()) {
        if (stream.is_string() && stream.get_string() == "trade_updates") {
          granted.insert("trade_updates");
        }
      }
    }
    connection.listening = granted.count("trade_updates") != 0;
    const std::string ack =
        JsonObject{}
            .string("stream", "listening")
            .raw("data", JsonObject{}.raw("streams", string_array(granted)).str())
            .str();
    return send_trade(connection, ack);
  }
}

void PaperVenue::Impl::deliver(const std::string& payload) {
  const auto open = connections;
  for (const auto& connection : open) {
    if (connection->kind != Stream::trade_updates || !connection->listening) continue;
    if (trade_silent) continue;
    connection->send(payload, trade_frames);
    ++updates_sent;
  }
}

void PaperVenue::Impl::broadcast(std::vector<venue::TradeUpdate>& updates) {
  for (const auto& update : updates) {
    const std::string payload = trade_update_json(update);
    switch (delivery) {
      case UpdateDelivery::deliver:
        deliver(payload);
        break;
      case UpdateDelivery::hold:
        held_updates.push_back(payload);
        break;
      case UpdateDelivery::drop:
        break;
    }
  }
  updates.clear();
}

std::optional<Timestamp> PaperVenue::Impl::publish_next() {
  std::optional<Timestamp> next;
  for (const auto& [symbol, bars] : market) {
    const auto after = published ? bars.upper_bound(*published) : bars.begin();
    if (after != bars.end() && (!next || after->first < *next)) next = after->first;
  }
  if (!next) return std::nullopt;
  published = next;
  if (virtual_now < *next + std::chrono::minutes(1)) virtual_now = *next + std::chrono::minutes(1);
  std::vector<std::pair<std::string, VenueBar>> minute;
  for (const auto& [symbol, bars] : market) {
    const auto found = bars.find(*next);
    if (found != bars.end()) minute.emplace_back(symbol, found->second);
  }
  // Fills first (they happen during the minute), then the bar that closes it.
  std::vector<venue::TradeUpdate> updates;
  for (const auto& [symbol, bar] : minute) book.on_bar(symbol, bar, stamp(), updates);
  broadcast(updates);
  const auto open = connections;
  bool sent = false;
  for (const auto& connection : open) {
    if (connection->kind != Stream::market_data || !connection->authenticated) continue;
    const auto& subscribed = connection->channels["bars"];
    std::string frame = "[";
    for (const auto& [symbol, bar] : minute) {
      if (subscribed.count(symbol) == 0 && subscribed.count("*") == 0) continue;
      if (frame.size() > 1) frame += ',';
      frame += bar_message("b", symbol, bar, messages++);
    }
    if (frame.size() > 1) {
      send_data(*connection, frame + "]");
      sent = !data_silent;
    }
  }
  if (sent) bar_frames.push_back(BarFrameSent{*next, std::chrono::steady_clock::now()});
  return next;
}

void PaperVenue::Impl::tick() {
  if (!playing || stopping) return;
  play_timer.expires_after(play_interval);
  play_timer.async_wait([this](boost::system::error_code ec) {
    if (ec || !playing || stopping) return;
    std::optional<Timestamp> minute;
    try {
      minute = publish_next();
    } catch (const std::exception&) {
      minute.reset();  // a fill the book cannot compute ends the play, not the venue
    }
    if (!minute) {
      playing = false;
      return;
    }
    tick();
  });
}

// --- the public API ---

PaperVenue::PaperVenue(PaperVenueOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->owner = this;
  impl_->accept();
  impl_->thread = std::thread([impl = impl_.get()] {
    impl->io_thread = std::this_thread::get_id();
    impl->io.run();
  });
}

PaperVenue::~PaperVenue() {
  impl_->call([this] { impl_->shutdown(); });
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t PaperVenue::port() const noexcept { return impl_->port; }

std::string PaperVenue::base_url() const {
  return (impl_->tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(impl_->port);
}

std::string PaperVenue::data_stream_url(std::string_view feed) const {
  return (impl_->tls ? "wss://127.0.0.1:" : "ws://127.0.0.1:") + std::to_string(impl_->port) +
         "/v2/" + std::string(feed);
}

std::string PaperVenue::trade_stream_url() const {
  return (impl_->tls ? "wss://127.0.0.1:" : "ws://127.0.0.1:") + std::to_string(impl_->port) +
         "/stream";
}

const PaperVenueOptions& PaperVenue::options() const noexcept { return impl_->options; }

void PaperVenue::add_bars(const std::string& symbol, std::vector<VenueBar> bars) {
  impl_->call([&] {
    auto& stored = impl_->market[symbol];
    for (const VenueBar& bar : bars) stored[bar.t] = bar;
  });
}

std::optional<Timestamp> PaperVenue::publish_next() {
  return impl_->call([this] { return impl_->publish_next(); });
}

int PaperVenue::publish_until(Timestamp end) {
  return impl_->call([&] {
    int count = 0;
    for (;;) {
      std::optional<Timestamp> next;
      for (const auto& [symbol, bars] : impl_->market) {
        const auto after = impl_->published ? bars.upper_bound(*impl_->published) : bars.begin();
        if (after != bars.end() && (!next || after->first < *next)) next = after->first;
      }
      if (!next || *next >= end) break;
      static_cast<void>(impl_->publish_next());
      ++count;
    }
    return count;
  });
}

void PaperVenue::play(std::chrono::milliseconds interval) {
  impl_->call([&] {
    impl_->play_interval = interval;
    if (impl_->playing) return;
    impl_->playing = true;
    impl_->tick();
  });
}

void PaperVenue::pause() {
  impl_->call([this] {
    impl_->playing = false;
    impl_->play_timer.cancel();
  });
}

std::size_t PaperVenue::minutes_left() const {
  return impl_->call([this] {
    std::set<Timestamp> minutes;
    for (const auto& [symbol, bars] : impl_->market) {
      for (auto it = impl_->published ? bars.upper_bound(*impl_->published) : bars.begin();
           it != bars.end(); ++it) {
        minutes.insert(it->first);
      }
    }
    return minutes.size();
  });
}

Timestamp PaperVenue::now() const {
  return impl_->call([this] { return impl_->now(); });
}

void PaperVenue::set_now(Timestamp now) {
  impl_->call([&] { impl_->virtual_now = now; });
}

void PaperVenue::send_updated_bar(const std::string& symbol, const VenueBar& bar) {
  impl_->call([&] {
    const auto open = impl_->connections;
    for (const auto& connection : open) {
      if (connection->kind != Stream::market_data || !connection->authenticated) continue;
      const auto& subscribed = connection->channels["updatedBars"];
      if (subscribed.count(symbol) == 0 && subscribed.count("*") == 0) continue;
      impl_->send_data(*connection, "[" + bar_message("u", symbol, bar, impl_->messages++) + "]");
    }
  });
}

void PaperVenue::end_session() {
  impl_->call([this] {
    std::vector<venue::TradeUpdate> updates;
    impl_->book.expire_day_orders(impl_->stamp(), updates);
    impl_->broadcast(updates);
  });
}

std::vector<VenueOrder> PaperVenue::orders() const {
  return impl_->call([this] { return impl_->book.orders(); });
}

std::optional<VenueOrder> PaperVenue::order_by_client_id(const std::string& id) const {
  return impl_->call([&]() -> std::optional<VenueOrder> {
    const VenueOrder* order = impl_->book.find_by_client_id(id);
    if (order == nullptr) return std::nullopt;
    return *order;
  });
}

std::map<std::string, VenuePosition> PaperVenue::positions() const {
  return impl_->call([this] { return impl_->book.positions(); });
}

void PaperVenue::reject_next_order(BusinessError error) {
  impl_->call([&] { impl_->book.script_rejection(error); });
}

void PaperVenue::partial_fill_next(Decimal qty) {
  impl_->call([&] { impl_->book.limit_next_fill(qty); });
}

bool PaperVenue::execute(const std::string& order_id, Decimal qty, Decimal price) {
  return impl_->call([&] {
    std::vector<venue::TradeUpdate> updates;
    const bool done = !impl_->book.execute(order_id, qty, price, impl_->stamp(), updates);
    impl_->broadcast(updates);
    return done;
  });
}

bool PaperVenue::reject_order(const std::string& order_id) {
  return impl_->call([&] {
    std::vector<venue::TradeUpdate> updates;
    const bool done = !impl_->book.reject(order_id, impl_->stamp(), updates);
    impl_->broadcast(updates);
    return done;
  });
}

bool PaperVenue::announce(const std::string& order_id, const std::string& event) {
  return impl_->call([&] {
    std::vector<venue::TradeUpdate> updates;
    const bool done = !impl_->book.announce(order_id, event, impl_->stamp(), updates);
    impl_->broadcast(updates);
    return done;
  });
}

void PaperVenue::fail_next_requests(int count, int status, std::optional<int> retry_after_seconds) {
  impl_->call([&] {
    impl_->fail_count = count;
    impl_->fail_status = status;
    impl_->fail_retry_after = retry_after_seconds;
  });
}

void PaperVenue::delay_next_responses(int count, std::chrono::milliseconds delay) {
  impl_->call([&] {
    impl_->delay_count = count;
    impl_->delay = delay;
  });
}

void PaperVenue::swallow_next_responses(int count) {
  impl_->call([&] { impl_->swallow_count = count; });
}

void PaperVenue::set_forbidden(bool forbidden) {
  impl_->call([&] { impl_->forbidden = forbidden; });
}

std::vector<VenueRequest> PaperVenue::requests() const {
  return impl_->call([this] { return impl_->recorded; });
}

std::vector<BarFrameSent> PaperVenue::bar_frames() const {
  return impl_->call([this] { return impl_->bar_frames; });
}

void PaperVenue::refuse_next_upgrades(int count, int status) {
  impl_->call([&] {
    impl_->refuse_count = count;
    impl_->refuse_status = status;
  });
}

void PaperVenue::drop_connections(Stream stream) {
  impl_->call([&] {
    const auto open = impl_->connections;
    for (const auto& connection : open) {
      if (connection->kind != stream) continue;
      if (connection->kind == Stream::market_data && connection->authenticated &&
          impl_->ghost_hold.count() > 0) {
        impl_->ghost_until = std::chrono::steady_clock::now() + impl_->ghost_hold;
      }
      connection->drop(false);
    }
  });
}

void PaperVenue::set_ghost_after_drop(std::chrono::milliseconds hold) {
  impl_->call([&] { impl_->ghost_hold = hold; });
}

void PaperVenue::set_silent(Stream stream, bool silent) {
  impl_->call(
      [&] { (stream == Stream::market_data ? impl_->data_silent : impl_->trade_silent) = silent; });
}

void PaperVenue::set_data_slot_taken(bool taken) {
  impl_->call([&] { impl_->data_slot_taken = taken; });
}

void PaperVenue::send_data_error(int code) {
  impl_->call([&] {
    const auto open = impl_->connections;
    for (const auto& connection : open) {
      if (connection->kind == Stream::market_data) connection->send(data_error(code), Frames::text);
    }
  });
}

void PaperVenue::send_malformed(Stream stream) {
  impl_->call([&] {
    const auto open = impl_->connections;
    for (const auto& connection : open) {
      if (connection->kind != stream) continue;
      connection->send(stream == Stream::market_data ? "[{\"T\":\"b\",\"S\":\"AAPL\",\"o\":1.5,"
                                                     : "{\"stream\":\"trade_updates\",\"data\":{",
                       stream == Stream::market_data ? Frames::text : impl_->trade_frames);
    }
  });
}

void PaperVenue::send_trade_stream_error(const std::string& message) {
  impl_->call([&] {
    const std::string payload =
        JsonObject{}
            .string("action", "error")
            .raw("data", JsonObject{}.string("error_message", message).str())
            .str();
    const auto open = impl_->connections;
    for (const auto& connection : open) {
      if (connection->kind != Stream::trade_updates) continue;
      connection->send(payload, impl_->trade_frames);
      connection->drop(true);
    }
  });
}

void PaperVenue::set_trade_frames(Frames frames) {
  impl_->call([&] { impl_->trade_frames = frames; });
}

void PaperVenue::set_update_delivery(UpdateDelivery delivery) {
  impl_->call([&] { impl_->delivery = delivery; });
}

void PaperVenue::release_trade_updates() {
  impl_->call([this] {
    while (!impl_->held_updates.empty()) {
      const std::string payload = std::move(impl_->held_updates.front());
      impl_->held_updates.pop_front();
      impl_->deliver(payload);
    }
  });
}

int PaperVenue::data_connections() const {
  return impl_->call([this] {
    return static_cast<int>(
        std::count_if(impl_->connections.begin(), impl_->connections.end(),
                      [](const auto& c) { return c->kind == Stream::market_data; }));
  });
}

int PaperVenue::data_subscribers() const {
  return impl_->call([this] {
    return static_cast<int>(
        std::count_if(impl_->connections.begin(), impl_->connections.end(), [](const auto& c) {
          const auto bars = c->channels.find("bars");
          return c->kind == Stream::market_data && c->authenticated && bars != c->channels.end() &&
                 !bars->second.empty();
        }));
  });
}

int PaperVenue::trade_listeners() const {
  return impl_->call([this] {
    return static_cast<int>(std::count_if(
        impl_->connections.begin(), impl_->connections.end(),
        [](const auto& c) { return c->kind == Stream::trade_updates && c->listening; }));
  });
}

int PaperVenue::trade_updates_sent() const {
  return impl_->call([this] { return impl_->updates_sent; });
}

int PaperVenue::connections_accepted() const {
  return impl_->call([this] { return impl_->accepted; });
}

}  // namespace trader::testing
