#include <trader/alpaca/broker.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <trader/alpaca/error.hpp>
#include <trader/log/log.hpp>
#include <trader/net/backoff.hpp>
#include <trader/net/http_client.hpp>
#include <trader/net/timers.hpp>
#include <trader/net/websocket_client.hpp>

#include "alpaca/exact_json.hpp"
#include "core/json_write.hpp"

namespace trader::alpaca {
namespace {

namespace json = boost::json;
using detail::JsonValue;
using orders::OrderEventType;

constexpr std::string_view kWho = "Alpaca trading";

// --- reading Alpaca's JSON ---

std::string text_of(const JsonValue& object, std::string_view key) {
  const JsonValue* value = object.find(key);
  return value == nullptr || value->is(JsonValue::Kind::null) ? std::string() : value->text();
}

bool flag_of(const JsonValue& object, std::string_view key) {
  const JsonValue* value = object.find(key);
  return value != nullptr && value->is(JsonValue::Kind::boolean) && value->text() == "true";
}

std::optional<Amount> optional_amount(const JsonValue& object, std::string_view key) {
  const JsonValue* value = object.find(key);
  if (value == nullptr || value->is(JsonValue::Kind::null) || value->text().empty()) {
    return std::nullopt;
  }
  if (!value->is(JsonValue::Kind::string) && !value->is(JsonValue::Kind::number)) {
    throw ParseError("a number or a numeric string in \"" + std::string(key) + "\"", value->text());
  }
  return Amount{detail::decimal_from_json_number(value->text()), value->text()};
}

Amount amount_of(const JsonValue& object, std::string_view key) {
  auto amount = optional_amount(object, key);
  return amount ? *std::move(amount) : Amount{core::Decimal{}, "0"};
}

core::Timestamp time_of(const JsonValue& object, std::string_view key) {
  const std::string text = text_of(object, key);
  return text.empty() ? core::Timestamp{} : core::parse_timestamp(text);
}

OrderInfo order_from(const JsonValue& o) {
  if (!o.is(JsonValue::Kind::object)) throw ParseError("an order object", o.text());
  OrderInfo info;
  info.id = text_of(o, "id");
  info.client_order_id = text_of(o, "client_order_id");
  info.symbol = text_of(o, "symbol");
  info.side = text_of(o, "side");
  info.type = text_of(o, "type");
  if (info.type.empty()) info.type = text_of(o, "order_type");
  info.time_in_force = text_of(o, "time_in_force");
  info.status = text_of(o, "status");
  info.qty = amount_of(o, "qty");
  info.filled_qty = amount_of(o, "filled_qty");
  info.filled_avg_price = optional_amount(o, "filled_avg_price");
  info.limit_price = optional_amount(o, "limit_price");
  info.stop_price = optional_amount(o, "stop_price");
  info.replaced_by = text_of(o, "replaced_by");
  info.replaces = text_of(o, "replaces");
  info.created_at = time_of(o, "created_at");
  info.updated_at = time_of(o, "updated_at");
  if (info.id.empty()) throw ParseError("an order with an \"id\"", info.client_order_id);
  return info;
}

// Whole shares of a quantity (the engine trades whole shares).
std::int64_t shares(core::Decimal qty) noexcept { return qty.units() / core::Decimal::kScale; }

// Alpaca's error body: {"code": 40310000, "message": "..."}.
struct ApiError {
  std::string code;
  std::string message;
};

ApiError api_error(const std::string& body) {
  ApiError error;
  try {
    const JsonValue doc = detail::parse_json(body);
    if (doc.is(JsonValue::Kind::object)) {
      error.code = text_of(doc, "code");
      error.message = text_of(doc, "message");
    }
  } catch (const Error&) {
    // not JSON: the transport's message says what came back
  }
  return error;
}

// A 403 whose code is 403xxxxx is a business refusal (buying power, wash trade, pattern day
// trader, held quantity), not a refusal of the keys (40110000, or a 401).
bool business_refusal(const net::HttpResult& result, const ApiError& error) {
  return (result.status == 403 && error.code.rfind("403", 0) == 0) ||
         (result.status == 422 && error.code.rfind("422", 0) == 0);
}

std::string stream_url_for(const std::string& trading_url) {
  std::string url = trading_url;
  if (url.rfind("https://", 0) == 0) {
    url = "wss://" + url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    url = "ws://" + url.substr(7);
  }
  const std::size_t host_start = url.find("://") + 3;
  const std::size_t path = url.find('/', host_start);
  if (path != std::string::npos) url.resize(path);
  return url + "/stream";
}

std::string_view filter_name(OrderStatusFilter filter) noexcept {
  switch (filter) {
    case OrderStatusFilter::open:
      return "open";
    case OrderStatusFilter::closed:
      return "closed";
    case OrderStatusFilter::all:
      break;
  }
  return "all";
}

}  // namespace

StatusMeaning map_order_status(std::string_view status) noexcept {
  if (status == "new") return {OrderEventType::accepted, false};
  if (status == "partially_filled") return {OrderEventType::partial_fill, false};
  if (status == "filled") return {OrderEventType::fill, true};
  if (status == "canceled") return {OrderEventType::canceled, true};
  if (status == "expired") return {OrderEventType::expired, true};
  if (status == "replaced") return {OrderEventType::replaced, true};
  if (status == "rejected") return {OrderEventType::rejected, true};
  // pending_new, accepted, accepted_for_bidding, pending_cancel, pending_replace, done_for_day,
  // stopped, suspended, calculated, held, pending_review and whatever comes next: the order is
  // open and nothing about it changed for us.
  return {OrderEventType::pending, false};
}

OrderEventType map_trade_event(std::string_view event) noexcept {
  if (event == "order_cancel_rejected") return OrderEventType::cancel_rejected;
  if (event == "order_replace_rejected") return OrderEventType::replace_rejected;
  if (event == "partially_filled") return OrderEventType::partial_fill;
  if (event == "filled") return OrderEventType::fill;
  if (event == "partial_fill") return OrderEventType::partial_fill;
  if (event == "fill") return OrderEventType::fill;
  return map_order_status(event).event;
}

BrokerOptions broker_options(const config::Settings& settings) {
  BrokerOptions options;
  const auto& b = settings.broker;
  if (!b.trading_url.empty()) {
    options.trading_url = b.trading_url;
  } else {
    options.trading_url = std::string(b.paper ? kPaperTradingUrl : kLiveTradingUrl);
  }
  options.trade_stream_url = b.trade_stream_url;
  options.api_key = b.api_key;
  options.secret_key = b.secret_key;
  return options;
}

struct AlpacaBroker::Impl {
  // What we know of one of Alpaca's orders (by its id), so that each event goes out once.
  struct Known {
    std::string client_order_id;  // ours: the one we submitted, kept across replaces
    core::Decimal filled;
    core::Decimal filled_value;  // filled * average price
    core::Timestamp created_at;
    bool accepted = false;
    bool terminal = false;
    bool replace_in_flight = false;
    bool replaced_sent = false;
  };
  struct Submitted {
    data::SymbolId symbol_id{};
    orders::Side side = orders::Side::buy;
  };

  Impl(boost::asio::io_context& context, BrokerOptions opts)
      : io(context), options(std::move(opts)) {
    if (options.api_key.empty() || options.secret_key.empty()) {
      throw AuthError(std::string(kWho), 0,
                      "no API key: set ALGO_BROKER__API_KEY and ALGO_BROKER__SECRET_KEY");
    }
    if (options.timers == nullptr) {
      own_timers = net::steady_timers(io);
      timers = own_timers.get();
    } else {
      timers = options.timers;
    }
    net::HttpOptions http_options;
    http_options.base_url = options.trading_url;
    http_options.api_key = options.api_key;
    http_options.secret_key = options.secret_key;
    http_options.connect_timeout = options.connect_timeout;
    http_options.request_timeout = options.request_timeout;
    http_options.ca_file = options.ca_file;
    http_options.log_event = "alpaca_trading_retry";
    http_options.timers = timers;
    http.emplace(io, std::move(http_options));
    if (options.trade_stream_url.empty()) {
      options.trade_stream_url = stream_url_for(options.trading_url);
    }
    paper_endpoint = options.trading_url.find("paper") != std::string::npos;
  }

  // --- events ---
  void emit(const orders::OrderEvent& event) const {
    if (listener != nullptr) listener->on_order_event(event);
  }

  orders::OrderEvent event_for(OrderEventType type, const std::string& client_order_id) {
    orders::OrderEvent event;
    event.type = type;
    event.client_order_id = client_order_id;
    const auto found = submitted.find(client_order_id);
    if (found != submitted.end()) {
      event.symbol_id = found->second.symbol_id;
      event.side = found->second.side;
    }
    return event;
  }

  std::string auth_message(const net::HttpResult& result) const {
    const ApiError error = api_error(result.body);
    std::string what = error.message.empty() ? result.message : error.message;
    return "Alpaca refused the API keys (HTTP " + std::to_string(result.status) + ": " + what +
           "): check ALGO_BROKER__API_KEY (" + options.api_key.masked() +
           ") and ALGO_BROKER__SECRET_KEY";
  }

  void stop_fatally(const net::HttpResult& result) {
    if (fatal.empty()) fatal = http->scrubbed(auth_message(result));
    log::error("alpaca_auth_failed", {{"message", fatal}});
    stop_stream();
  }

  // Registers an order Alpaca reported, under our client order id.
  Known& known(const OrderInfo& order) {
    auto found = by_id.find(order.id);
    if (found != by_id.end()) return found->second;
    Known entry;
    entry.client_order_id = order.client_order_id;
    if (!order.replaces.empty()) {
      const auto old = by_id.find(order.replaces);
      if (old != by_id.end()) entry.client_order_id = old->second.client_order_id;
    }
    entry.created_at = order.created_at;
    return by_id.emplace(order.id, std::move(entry)).first->second;
  }

  void note_time(core::Timestamp ts) {
    if (ts > last_event_time) last_event_time = ts;
  }

  // The fills an order shows beyond what was reported: one event for the difference.
  void report_fills(const OrderInfo& order, Known& k, std::optional<Amount> exec_qty,
                    std::optional<Amount> exec_price, core::Timestamp ts) {
    const core::Decimal now_filled = order.filled_qty.value;
    if (now_filled <= k.filled) return;
    const core::Decimal diff = now_filled - k.filled;
    const core::Decimal value = order.filled_avg_price
                                    ? order.filled_avg_price->value * shares(now_filled)
                                    : k.filled_value;
    core::Decimal price;
    if (exec_price && exec_qty && exec_qty->value == diff) {
      price = exec_price->value;
    } else if (order.filled_avg_price) {
      price = core::div_round(value - k.filled_value, diff);
    }
    const bool complete = order.status == "filled" || now_filled >= order.qty.value;
    auto event = event_for(complete ? OrderEventType::fill : OrderEventType::partial_fill,
                           k.client_order_id);
    event.broker_order_id = order.id;
    event.filled_qty = shares(now_filled);
    event.fill_qty = shares(diff);
    event.fill_price = price;
    event.ts = ts == core::Timestamp{} ? order.updated_at : ts;
    k.filled = now_filled;
    k.filled_value = value;
    k.accepted = true;
    if (complete) k.terminal = true;
    emit(event);
  }

  // One order's state as the stream or a catch-up showed it: the events not reported yet.
  void report(const OrderInfo& order, OrderEventType type, std::optional<Amount> exec_qty,
              std::optional<Amount> exec_price, core::Timestamp ts, bool from_stream,
              std::string_view event_name) {
    Known& k = known(order);
    note_time(ts == core::Timestamp{} ? order.updated_at : ts);
    switch (type) {
      case OrderEventType::accepted:
        if (k.accepted || k.terminal) return;
        k.accepted = true;
        break;
      case OrderEventType::partial_fill:
      case OrderEventType::fill:
        report_fills(order, k, std::move(exec_qty), std::move(exec_price), ts);
        return;
      case OrderEventType::canceled:
      case OrderEventType::expired:
      case OrderEventType::rejected:
        report_fills(order, k, std::nullopt, std::nullopt, ts);
        if (k.terminal) return;
        k.terminal = true;
        break;
      case OrderEventType::replaced: {
        report_fills(order, k, std::nullopt, std::nullopt, ts);
        k.terminal = true;
        if (!order.replaced_by.empty()) {
          Known& next = by_id[order.replaced_by];
          if (next.client_order_id.empty()) next.client_order_id = k.client_order_id;
        }
        if (k.replace_in_flight || k.replaced_sent) return;  // the PATCH's answer reports it
        k.replaced_sent = true;
        auto event = event_for(type, k.client_order_id);
        event.broker_order_id = order.id;
        event.new_broker_order_id = order.replaced_by;
        event.ts = ts == core::Timestamp{} ? order.updated_at : ts;
        emit(event);
        return;
      }
      case OrderEventType::replace_rejected:
        if (k.replace_in_flight) return;  // the PATCH's answer reports it
        break;
      case OrderEventType::pending:
      case OrderEventType::cancel_rejected:
        if (!from_stream) return;
        break;
      case OrderEventType::submitted:
      case OrderEventType::submit_failed:
        return;
    }
    auto event = event_for(type, k.client_order_id);
    event.broker_order_id = order.id;
    event.filled_qty = shares(order.filled_qty.value);
    event.ts = ts == core::Timestamp{} ? order.updated_at : ts;
    if (type != OrderEventType::accepted) event.reason = std::string(event_name);
    emit(event);
  }

  // --- commands ---
  broker::CommandResult submit(const orders::OrderRequest& r) {
    if (!fatal.empty()) return broker::CommandResult::refused(fatal);
    if (r.client_order_id.empty()) return broker::CommandResult::refused("no client order id");
    if (r.symbol.empty()) return broker::CommandResult::refused("no symbol");
    if (r.qty <= 0) {
      return broker::CommandResult::refused("quantity must be positive, not " +
                                            std::to_string(r.qty));
    }
    const bool needs_limit =
        r.type == orders::OrderType::limit || r.type == orders::OrderType::stop_limit;
    const bool needs_stop =
        r.type == orders::OrderType::stop || r.type == orders::OrderType::stop_limit;
    if (r.type == orders::OrderType::trailing_stop) {
      return broker::CommandResult::refused("trailing_stop orders are not supported");
    }
    if (needs_limit && !r.limit_price) {
      return broker::CommandResult::refused(std::string(orders::to_string(r.type)) +
                                            " order without a limit price");
    }
    if (needs_stop && !r.stop_price) {
      return broker::CommandResult::refused(std::string(orders::to_string(r.type)) +
                                            " order without a stop price");
    }
    json::object body;
    body["symbol"] = r.symbol;
    body["qty"] = std::to_string(r.qty);
    body["side"] = std::string(orders::to_string(r.side));
    body["type"] = std::string(orders::to_string(r.type));
    body["time_in_force"] = std::string(orders::to_string(r.time_in_force));
    if (needs_limit) body["limit_price"] = r.limit_price->to_string();
    if (needs_stop) body["stop_price"] = r.stop_price->to_string();
    body["client_order_id"] = r.client_order_id;
    submitted[r.client_order_id] = Submitted{r.symbol_id, r.side};

    net::HttpRequest request;
    request.method = net::Method::post;
    request.target = "/v2/orders";
    request.body = core::detail::to_json(json::value(std::move(body)));
    request.label = "submit " + r.client_order_id;
    request.repeat = net::Repeat::safe;  // the same client order id: F22
    request.retry = net::RetryPolicy::submit_order();
    http->request(std::move(request),
                  [this, id = r.client_order_id](const net::HttpResult& result) {
                    on_submitted(id, result);
                  });
    return broker::CommandResult::ok();
  }

  void acknowledge(const std::string& client_order_id, const std::string& body) {
    OrderInfo order;
    try {
      order = order_from(detail::parse_json(body));
    } catch (const Error& e) {
      // The order exists (the POST succeeded) but its answer does not read: never report that
      // as a failure, which would invite a second order; reconciliation finds it.
      log::error("alpaca_order_unreadable",
                 {{"client_order_id", client_order_id}, {"error", e.what()}});
      return;
    }
    Known& k = known(order);
    k.client_order_id = client_order_id;
    auto event = event_for(OrderEventType::submitted, client_order_id);
    event.broker_order_id = order.id;
    event.ts = order.created_at;
    emit(event);
  }

  void submit_failed(const std::string& client_order_id, std::string reason) {
    auto event = event_for(OrderEventType::submit_failed, client_order_id);
    event.reason = std::move(reason);
    emit(event);
  }

  void on_submitted(const std::string& client_order_id, const net::HttpResult& result) {
    if (result.ok()) {
      acknowledge(client_order_id, result.body);
      return;
    }
    const ApiError error = api_error(result.body);
    const std::string message = error.message.empty() ? result.message : error.message;
    if (result.status == 422 &&
        message.find("client_order_id must be unique") != std::string::npos) {
      // An earlier copy of this submit reached Alpaca (F22): that order is ours.
      look_up(client_order_id, "the order is a duplicate but could not be found");
      return;
    }
    if (business_refusal(result, error) ||
        (result.failure == net::Failure::request && result.status != 404)) {
      auto event = event_for(OrderEventType::rejected, client_order_id);
      event.reason = http->scrubbed(message);
      emit(event);
      return;
    }
    if (result.failure == net::Failure::auth) {
      stop_fatally(result);
      submit_failed(client_order_id, fatal);
      return;
    }
    // A timeout, a lost connection, 5xx or 429 after the retries: the order may exist all the
    // same (a copy may have arrived). Ask for it by our id before calling it failed (F22).
    look_up(client_order_id, "submit failed: " + result.message);
  }

  void look_up(const std::string& client_order_id, std::string reason_if_absent) {
    net::HttpRequest request;
    request.target =
        "/v2/orders:by_client_order_id?client_order_id=" + net::percent_encode(client_order_id);
    request.label = "look up " + client_order_id;
    request.retry = net::RetryPolicy::query();
    http->request(std::move(request), [this, client_order_id, reason = std::move(reason_if_absent)](
                                          const net::HttpResult& result) {
      if (result.ok()) {
        acknowledge(client_order_id, result.body);
      } else if (result.status == 404) {
        submit_failed(client_order_id, reason);
      } else {
        if (result.failure == net::Failure::auth) stop_fatally(result);
        submit_failed(client_order_id,
                      reason + "; looking the order up failed too: " + result.message);
      }
    });
  }

  // Alpaca's id of an order we address by ref: given, or learned from its events.
  std::string broker_id_of(const broker::OrderRef& ref) const {
    if (!ref.broker_order_id.empty()) {
      // After a replace, the order in force has a newer id: follow it (F15).
      std::string id(ref.broker_order_id);
      for (int hops = 0; hops < 64; ++hops) {
        const auto found = by_id.find(id);
        if (found == by_id.end() || !found->second.replaced_sent) break;
        const auto next = std::find_if(by_id.begin(), by_id.end(), [&](const auto& entry) {
          return entry.first != id &&
                 entry.second.client_order_id == found->second.client_order_id &&
                 !entry.second.terminal;
        });
        if (next == by_id.end()) break;
        id = next->first;
      }
      return id;
    }
    for (const auto& [id, k] : by_id) {
      if (k.client_order_id == ref.client_order_id && !k.terminal) return id;
    }
    return {};
  }

  broker::CommandResult cancel(const broker::OrderRef& ref) {
    if (!fatal.empty()) return broker::CommandResult::refused(fatal);
    const std::string id = broker_id_of(ref);
    if (id.empty()) {
      return broker::CommandResult::refused("no Alpaca order id known for " +
                                            std::string(ref.client_order_id));
    }
    net::HttpRequest request;
    request.method = net::Method::del;
    request.target = "/v2/orders/" + net::percent_encode(id);
    request.label = "cancel " + std::string(ref.client_order_id);
    request.retry = net::RetryPolicy::cancel_order();
    http->request(std::move(request), [this, id, coid = std::string(ref.client_order_id)](
                                          const net::HttpResult& result) {
      if (result.ok()) return;  // `canceled` follows on the stream
      if (result.failure == net::Failure::auth) stop_fatally(result);
      const ApiError error = api_error(result.body);
      auto event = event_for(OrderEventType::cancel_rejected, coid);
      event.broker_order_id = id;
      event.reason = http->scrubbed(error.message.empty() ? result.message : error.message);
      emit(event);
    });
    return broker::CommandResult::ok();
  }

  broker::CommandResult replace(const broker::OrderRef& ref, const broker::ReplaceRequest& r) {
    if (!fatal.empty()) return broker::CommandResult::refused(fatal);
    const std::string id = broker_id_of(ref);
    if (id.empty()) {
      return broker::CommandResult::refused("no Alpaca order id known for " +
                                            std::string(ref.client_order_id));
    }
    if (!r.qty && !r.limit_price && !r.stop_price) {
      return broker::CommandResult::refused("a replace that changes nothing");
    }
    json::object body;
    if (r.qty) body["qty"] = std::to_string(*r.qty);
    if (r.limit_price) body["limit_price"] = r.limit_price->to_string();
    if (r.stop_price) body["stop_price"] = r.stop_price->to_string();
    auto& k = by_id[id];
    if (k.client_order_id.empty()) k.client_order_id = std::string(ref.client_order_id);
    k.replace_in_flight = true;

    net::HttpRequest request;
    request.method = net::Method::patch;
    request.target = "/v2/orders/" + net::percent_encode(id);
    request.body = core::detail::to_json(json::value(std::move(body)));
    request.label = "replace " + std::string(ref.client_order_id);
    request.repeat = net::Repeat::never;  // a second copy could replace the new order
    request.retry = net::RetryPolicy::none();
    http->request(std::move(request),
                  [this, id](const net::HttpResult& result) { on_replaced(id, result); });
    return broker::CommandResult::ok();
  }

  void on_replaced(const std::string& old_id, const net::HttpResult& result) {
    Known& old = by_id[old_id];
    old.replace_in_flight = false;
    const std::string coid = old.client_order_id;
    if (!result.ok()) {
      if (result.failure == net::Failure::auth &&
          api_error(result.body).code.rfind("403", 0) != 0) {
        stop_fatally(result);
      }
      const ApiError error = api_error(result.body);
      auto event = event_for(OrderEventType::replace_rejected, coid);
      event.broker_order_id = old_id;
      event.reason = http->scrubbed(error.message.empty() ? result.message : error.message);
      emit(event);
      return;
    }
    OrderInfo order;
    try {
      order = order_from(detail::parse_json(result.body));
    } catch (const Error& e) {
      log::error("alpaca_order_unreadable", {{"client_order_id", coid}, {"error", e.what()}});
      return;
    }
    Known& next = by_id[order.id];
    next.client_order_id = coid;
    next.created_at = order.created_at;
    next.filled = old.filled;
    next.filled_value = old.filled_value;
    next.accepted = true;
    Known& before = by_id[old_id];  // by_id[] may have rehashed nothing (std::map), but be plain
    before.terminal = true;
    if (before.replaced_sent) return;
    before.replaced_sent = true;
    auto event = event_for(OrderEventType::replaced, coid);
    event.broker_order_id = old_id;
    event.new_broker_order_id = order.id;
    event.qty = shares(order.qty.value);
    if (order.limit_price) event.limit_price = order.limit_price->value;
    if (order.stop_price) event.stop_price = order.stop_price->value;
    event.ts = order.created_at;
    emit(event);
  }

  // --- blocking queries ---
  net::HttpResult query(net::Method method, std::string target, std::string label) {
    net::HttpRequest request;
    request.method = method;
    request.target = std::move(target);
    request.label = std::move(label);
    request.retry =
        method == net::Method::del ? net::RetryPolicy::cancel_order() : net::RetryPolicy::query();
    const std::string name = http->describe(request);
    bool done = false;
    net::HttpResult out;
    http->request(std::move(request), [&](net::HttpResult result) {
      out = std::move(result);
      done = true;
    });
    net::run_until(io, done);
    if (!done) throw ConnectionError(name, "the request was abandoned");
    switch (out.failure) {
      case net::Failure::none:
        return out;
      case net::Failure::timeout:
        throw TimeoutError(name, out.message);
      case net::Failure::connection:
        throw ConnectionError(name, out.message);
      case net::Failure::certificate:
        throw CertificateError(name, out.message);
      case net::Failure::auth:
        throw AuthError(name, out.status, http->scrubbed(auth_message(out)), out.request_id);
      case net::Failure::rate_limit:
        throw RateLimitError(name, out.status, out.message, out.request_id);
      case net::Failure::server:
        throw ServerError(name, out.status, out.message, out.request_id);
      case net::Failure::request:
        throw RequestError(name, out.status, out.message, out.request_id);
      case net::Failure::unexpected:
        break;
    }
    throw ResponseError(name, out.status, out.message, out.request_id);
  }

  template <class Parse>
  auto parsed(const net::HttpResult& result, std::string_view what, Parse parse) {
    try {
      return parse(detail::parse_json(result.body));
    } catch (const Error& e) {
      throw ResponseError(std::string(kWho) + " " + std::string(what), result.status, e.what(),
                          result.request_id);
    }
  }

  AccountInfo account_info() {
    const auto result = query(net::Method::get, "/v2/account", "account");
    return parsed(result, "account", [&](const JsonValue& a) {
      AccountInfo info;
      info.id = text_of(a, "id");
      info.account_number = text_of(a, "account_number");
      info.status = text_of(a, "status");
      info.currency = text_of(a, "currency");
      info.cash = amount_of(a, "cash");
      info.equity = amount_of(a, "equity");
      info.buying_power = amount_of(a, "buying_power");
      info.portfolio_value = amount_of(a, "portfolio_value");
      info.long_market_value = amount_of(a, "long_market_value");
      info.short_market_value = amount_of(a, "short_market_value");
      info.pattern_day_trader = flag_of(a, "pattern_day_trader");
      info.trading_blocked = flag_of(a, "trading_blocked");
      info.is_paper = paper_endpoint || info.account_number.rfind("PA", 0) == 0;
      return info;
    });
  }

  std::vector<PositionInfo> position_infos() {
    const auto result = query(net::Method::get, "/v2/positions", "positions");
    return parsed(result, "positions", [](const JsonValue& list) {
      if (!list.is(JsonValue::Kind::array)) throw ParseError("a list of positions", "");
      std::vector<PositionInfo> out;
      for (const JsonValue& p : list.items()) {
        PositionInfo info;
        info.symbol = text_of(p, "symbol");
        info.side = text_of(p, "side");
        info.qty = amount_of(p, "qty");
        info.avg_entry_price = amount_of(p, "avg_entry_price");
        info.market_value = amount_of(p, "market_value");
        info.cost_basis = amount_of(p, "cost_basis");
        info.unrealized_pl = amount_of(p, "unrealized_pl");
        info.current_price = amount_of(p, "current_price");
        out.push_back(std::move(info));
      }
      return out;
    });
  }

  std::vector<OrderInfo> orders_list(const std::string& target) {
    const auto result = query(net::Method::get, target, "orders");
    return parsed(result, "orders", [](const JsonValue& list) {
      if (!list.is(JsonValue::Kind::array)) throw ParseError("a list of orders", "");
      std::vector<OrderInfo> out;
      for (const JsonValue& o : list.items()) out.push_back(order_from(o));
      return out;
    });
  }

  ClockInfo clock() {
    const auto result = query(net::Method::get, "/v2/clock", "clock");
    return parsed(result, "clock", [](const JsonValue& c) {
      ClockInfo info;
      info.timestamp_text = text_of(c, "timestamp");
      info.next_open_text = text_of(c, "next_open");
      info.next_close_text = text_of(c, "next_close");
      info.timestamp = time_of(c, "timestamp");
      info.next_open = time_of(c, "next_open");
      info.next_close = time_of(c, "next_close");
      info.is_open = flag_of(c, "is_open");
      return info;
    });
  }

  std::vector<CalendarDay> calendar(core::Date start, core::Date end) {
    const auto result =
        query(net::Method::get,
              "/v2/calendar?start=" + core::format_date(start) + "&end=" + core::format_date(end),
              "calendar");
    return parsed(result, "calendar", [](const JsonValue& list) {
      if (!list.is(JsonValue::Kind::array)) throw ParseError("a list of days", "");
      std::vector<CalendarDay> out;
      for (const JsonValue& d : list.items()) {
        out.push_back(CalendarDay{core::parse_date(text_of(d, "date")), text_of(d, "open"),
                                  text_of(d, "close")});
      }
      return out;
    });
  }

  int count_items(net::Method method, const std::string& target, std::string_view what) {
    const auto result = query(method, target, std::string(what));
    if (result.body.empty()) return 0;
    return parsed(result, what, [](const JsonValue& list) {
      return list.is(JsonValue::Kind::array) ? static_cast<int>(list.items().size()) : 0;
    });
  }

  // --- the trade_updates stream ---
  void start_stream() {
    if (stream) return;
    net::WebSocketOptions ws;
    ws.url = options.trade_stream_url;
    ws.ca_file = options.ca_file;
    ws.connect_timeout = options.connect_timeout;
    ws.secrets = {options.api_key, options.secret_key};
    ws.timers = timers;
    net::WebSocketHandlers handlers;
    handlers.on_open = [this] { on_stream_open(); };
    handlers.on_message = [this](net::FrameType, std::string_view payload) {
      on_stream_message(payload);
    };
    handlers.on_close = [this](const net::CloseInfo& info) { on_stream_close(info); };
    stream = std::make_unique<net::WebSocketClient>(io, std::move(ws), std::move(handlers));
    stream->connect();
  }

  void stop_stream() {
    reconnect_timer.cancel();
    listening = false;
    if (stream) {
      // Destroyed later: this may run inside one of its handlers.
      boost::asio::post(io, [old = std::shared_ptr<net::WebSocketClient>(std::move(stream))] {});
    }
  }

  void on_stream_open() const {
    json::object auth;
    auth["action"] = "auth";
    auth["key"] = options.api_key.reveal();
    auth["secret"] = options.secret_key.reveal();
    stream->send(net::FrameType::text, core::detail::to_json(json::value(std::move(auth))));
  }

  void on_stream_close(const net::CloseInfo& info) {
    listening = false;
    log::warning("alpaca_trade_stream_closed",
                 {{"kind", std::string(net::close_kind_name(info.kind))}, {"reason", info.reason}});
    if (!fatal.empty()) return;
    reconnect_timer = timers->start(backoff.next(), [this] {
      if (stream) stream->connect();
    });
  }

  void on_stream_message(std::string_view payload) {
    JsonValue message;
    try {
      message = detail::parse_json(payload);
    } catch (const Error& e) {
      log::warning("alpaca_trade_stream_malformed", {{"error", e.what()}});
      return;
    }
    if (!message.is(JsonValue::Kind::object)) {
      log::warning("alpaca_trade_stream_unexpected", {{"kind", "not an object"}});
      return;
    }
    const std::string stream_name = text_of(message, "stream");
    const JsonValue* data = message.find("data");
    if (stream_name == "authorization" && data != nullptr) {
      if (text_of(*data, "status") != "authorized") {
        fatal = "Alpaca refused the API keys on the trade stream: check ALGO_BROKER__API_KEY (" +
                options.api_key.masked() + ") and ALGO_BROKER__SECRET_KEY";
        log::error("alpaca_auth_failed", {{"message", fatal}});
        stop_stream();
        return;
      }
      stream->send(net::FrameType::text,
                   R"({"action":"listen","data":{"streams":["trade_updates"]}})");
      return;
    }
    if (stream_name == "listening") {
      listening = true;
      ++sessions;
      backoff.reset();
      catch_up();
      return;
    }
    if (stream_name == "trade_updates" && data != nullptr) {
      try {
        const JsonValue* order = data->find("order");
        if (order == nullptr) throw ParseError("a trade update with an order", "");
        const OrderInfo info = order_from(*order);
        const std::string event = text_of(*data, "event");
        report(info, map_trade_event(event), optional_amount(*data, "qty"),
               optional_amount(*data, "price"), time_of(*data, "timestamp"), true, event);
      } catch (const Error& e) {
        log::warning("alpaca_trade_update_skipped", {{"error", e.what()}});
      }
      return;
    }
    if (text_of(message, "action") == "error" && data != nullptr) {
      log::warning("alpaca_trade_stream_error", {{"message", text_of(*data, "error_message")}});
    }
  }

  // After a (re)connect: the orders that changed while nobody listened (F20). Alpaca's `after`
  // is about submission time: start at the oldest order still open for us, or the last event.
  void catch_up() {
    core::Timestamp after = last_event_time;
    bool any = false;
    for (const auto& [id, k] : by_id) {
      if (k.terminal || k.created_at == core::Timestamp{}) continue;
      if (!any || k.created_at < after) after = k.created_at;
      any = true;
    }
    if (!any && last_event_time == core::Timestamp{}) {
      ++catch_up_count;
      return;
    }
    fetch_changes(after - std::chrono::seconds(1));
  }

  void fetch_changes(core::Timestamp after) {
    net::HttpRequest request;
    request.target = "/v2/orders?status=all&direction=asc&limit=500&after=" +
                     net::percent_encode(core::format_timestamp_micros(after));
    request.label = "catch up";
    http->request(std::move(request), [this](const net::HttpResult& result) {
      if (!result.ok()) {
        if (result.failure == net::Failure::auth) stop_fatally(result);
        log::warning("alpaca_catch_up_failed", {{"message", result.message}});
        ++catch_up_count;
        return;
      }
      std::vector<OrderInfo> list;
      try {
        const JsonValue doc = detail::parse_json(result.body);
        for (const JsonValue& o : doc.items()) list.push_back(order_from(o));
      } catch (const Error& e) {
        log::warning("alpaca_catch_up_failed", {{"message", e.what()}});
        ++catch_up_count;
        return;
      }
      for (const OrderInfo& order : list) {
        const StatusMeaning meaning = map_order_status(order.status);
        if (meaning.event == OrderEventType::pending) {
          // Still open, maybe partly filled before it went pending_cancel or done_for_day.
          Known& k = known(order);
          report_fills(order, k, std::nullopt, std::nullopt, order.updated_at);
          continue;
        }
        report(order, meaning.event, std::nullopt, std::nullopt, order.updated_at, false,
               order.status);
      }
      if (list.size() == 500) {
        fetch_changes(list.back().created_at);
        return;
      }
      ++catch_up_count;
    });
  }

  boost::asio::io_context& io;
  BrokerOptions options;
  std::unique_ptr<net::TimerSource> own_timers;
  net::TimerSource* timers = nullptr;
  std::optional<net::HttpClient> http;
  broker::OrderEventListener* listener = nullptr;
  bool paper_endpoint = true;
  std::string fatal;
  std::map<std::string, Known> by_id;
  std::map<std::string, Submitted> submitted;
  core::Timestamp last_event_time{};
  std::unique_ptr<net::WebSocketClient> stream;
  net::Backoff backoff{net::BackoffOptions{}};
  net::TimerHandle reconnect_timer;
  bool listening = false;
  int sessions = 0;
  int catch_up_count = 0;
};

AlpacaBroker::AlpacaBroker(boost::asio::io_context& io, BrokerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

AlpacaBroker::~AlpacaBroker() = default;

void AlpacaBroker::set_listener(broker::OrderEventListener* listener) {
  impl_->listener = listener;
}
broker::CommandResult AlpacaBroker::submit(const orders::OrderRequest& request) {
  return impl_->submit(request);
}
broker::CommandResult AlpacaBroker::cancel(const broker::OrderRef& order) {
  return impl_->cancel(order);
}
broker::CommandResult AlpacaBroker::replace(const broker::OrderRef& order,
                                            const broker::ReplaceRequest& request) {
  return impl_->replace(order, request);
}

std::vector<broker::BrokerPosition> AlpacaBroker::positions() {
  std::vector<broker::BrokerPosition> out;
  for (const PositionInfo& p : impl_->position_infos()) {
    out.push_back(broker::BrokerPosition{p.symbol, shares(p.qty.value), p.avg_entry_price.value,
                                         p.market_value.value, p.unrealized_pl.value});
  }
  return out;
}

broker::AccountSnapshot AlpacaBroker::account() {
  const AccountInfo info = impl_->account_info();
  return broker::AccountSnapshot{info.equity.value, info.cash.value, info.buying_power.value};
}

AccountInfo AlpacaBroker::account_info() { return impl_->account_info(); }
std::vector<PositionInfo> AlpacaBroker::position_infos() { return impl_->position_infos(); }
std::vector<OrderInfo> AlpacaBroker::orders(OrderStatusFilter status, int limit) {
  return impl_->orders_list("/v2/orders?status=" + std::string(filter_name(status)) +
                            "&limit=" + std::to_string(limit) + "&direction=desc");
}
ClockInfo AlpacaBroker::clock() { return impl_->clock(); }
std::vector<CalendarDay> AlpacaBroker::calendar(core::Date start, core::Date end) {
  return impl_->calendar(start, end);
}
int AlpacaBroker::cancel_all_orders() {
  return impl_->count_items(net::Method::del, "/v2/orders", "cancel all orders");
}
int AlpacaBroker::close_all_positions() {
  return impl_->count_items(net::Method::del, "/v2/positions?cancel_orders=true",
                            "close all positions");
}

void AlpacaBroker::start_stream() { impl_->start_stream(); }
void AlpacaBroker::stop_stream() { impl_->stop_stream(); }
bool AlpacaBroker::stream_listening() const noexcept { return impl_->listening; }
int AlpacaBroker::stream_sessions() const noexcept { return impl_->sessions; }
int AlpacaBroker::catch_ups() const noexcept { return impl_->catch_up_count; }
const std::string& AlpacaBroker::fatal_error() const noexcept { return impl_->fatal; }

}  // namespace trader::alpaca
