#include "support/paper_venue_book.hpp"

#include <fmt/core.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <set>

#include <trader/calendar/nyse.hpp>
#include <trader/core/error.hpp>

#include "support/paper_venue_json.hpp"

namespace trader::testing::venue {
namespace {

using core::Decimal;
using core::Timestamp;

constexpr long long kInvalid = 40010001;
constexpr long long kForbidden = 40310000;
constexpr long long kPatternDayTrader = 40310100;
constexpr long long kNotFound = 40410000;
constexpr long long kUnprocessable = 42210000;
constexpr std::size_t kClientOrderIdLimit = 128;

ApiError invalid(std::string_view message) { return ApiError{422, error_body(kInvalid, message)}; }

ApiError not_found(std::string_view id) {
  return ApiError{404, error_body(kNotFound, "order not found for " + std::string(id))};
}

const std::set<std::string_view> kTerminal{"filled", "canceled", "expired", "replaced", "rejected"};

// A price or quantity sent as a JSON string or number; nullopt when absent or null; an
// ApiError when it is neither a number nor a string holding one.
std::variant<std::optional<Decimal>, ApiError> decimal_field(const boost::json::object& body,
                                                             std::string_view name) {
  const auto* found = body.if_contains(name);
  if (found == nullptr || found->is_null()) return std::optional<Decimal>{};
  try {
    if (found->is_string()) {
      const auto& text = found->get_string();
      return std::optional<Decimal>{Decimal::parse(std::string_view(text.data(), text.size()))};
    }
    if (found->is_int64()) return std::optional<Decimal>{Decimal::from_integer(found->get_int64())};
    if (found->is_uint64()) {
      return std::optional<Decimal>{
          Decimal::from_integer(static_cast<std::int64_t>(found->get_uint64()))};
    }
    if (found->is_double())
      return std::optional<Decimal>{Decimal::from_double(found->get_double())};
  } catch (const trader::Error&) {
    // falls through to the error below
  }
  return invalid("invalid " + std::string(name));
}

std::optional<std::string> string_field(const boost::json::object& body, std::string_view name) {
  const auto* found = body.if_contains(name);
  if (found == nullptr || !found->is_string()) return std::nullopt;
  return std::string(found->get_string().data(), found->get_string().size());
}

std::optional<boost::json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.get_object());
}

ApiError bad_body() {
  return ApiError{400, error_body(40010000, "request body format is invalid")};
}

// At most two decimals from $1.00 up, four below.
bool sub_penny(Decimal price) {
  const std::int64_t step = price >= Decimal::from_integer(1) ? 1'000'000 : 10'000;
  return price.units() % step != 0;
}

std::optional<ApiError> check_price(std::string_view name, Decimal price) {
  if (price <= Decimal{}) return invalid(std::string(name) + " must be > 0");
  if (sub_penny(price)) {
    return ApiError{422, error_body(kUnprocessable,
                                    "invalid " + std::string(name) + " " + price.to_string() +
                                        ". sub-penny increment does not fulfill minimum pricing "
                                        "criteria")};
  }
  return std::nullopt;
}

std::string asset_id_of(std::string_view symbol) {
  std::uint64_t hash = 1469598103934665603ULL;  // FNV-1a: the same symbol, the same asset id
  for (const char c : symbol) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", hash >> 32U, (hash >> 16U) & 0xffffU,
                     (hash >> 4U) & 0xfffU, hash & 0xfffU, hash & 0xffffffffffffULL);
}

bool is_open_status(std::string_view status) { return kTerminal.count(status) == 0; }

}  // namespace

bool VenueOrder::open() const { return is_open_status(status); }

OrderBook::OrderBook(BookOptions options) : options_(std::move(options)), cash_(options_.cash) {}

std::string OrderBook::next_id(std::uint64_t tag) {
  return fmt::format("{:08x}-0000-4000-8000-{:012x}", tag, ++ids_);
}

VenueOrder* OrderBook::find_mutable(std::string_view id) {
  for (auto& order : orders_) {
    if (order.id == id) return &order;
  }
  return nullptr;
}

const VenueOrder* OrderBook::find(std::string_view id) const {
  for (const auto& order : orders_) {
    if (order.id == id) return &order;
  }
  return nullptr;
}

const VenueOrder* OrderBook::find_by_client_id(std::string_view client_order_id) const {
  for (const auto& order : orders_) {
    if (order.client_order_id == client_order_id) return &order;
  }
  return nullptr;
}

std::vector<VenueOrder> OrderBook::orders() const { return orders_; }

std::optional<Decimal> OrderBook::reference_price(const VenueOrder& order) const {
  if (order.limit_price) return order.limit_price;
  if (order.stop_price) return order.stop_price;
  const auto last = last_close_.find(order.symbol);
  if (last != last_close_.end()) return last->second;
  return std::nullopt;
}

Decimal OrderBook::buying_power() const {
  Decimal reserved;
  for (const auto& order : orders_) {
    if (!order.open() || order.side != "buy") continue;
    if (const auto price = reference_price(order)) reserved += *price * order.remaining();
  }
  return cash_ - reserved;
}

Decimal OrderBook::held_for_orders(const std::string& symbol) const {
  Decimal held;
  for (const auto& order : orders_) {
    if (order.open() && order.side == "sell" && order.symbol == symbol) held += order.remaining();
  }
  return held;
}

std::optional<ApiError> OrderBook::check_business(const VenueOrder& order) {
  const auto position = positions_.find(order.symbol);
  const Decimal existing = position == positions_.end() ? Decimal{} : position->second.qty;
  const Decimal held = held_for_orders(order.symbol);
  const auto qty_error = [&] {
    const Decimal available = core::max(Decimal{}, existing - held);
    return ApiError{403,
                    JsonObject{}
                        .decimal("available", available)
                        .integer("code", kForbidden)
                        .decimal("existing_qty", existing)
                        .decimal("held_for_orders", held)
                        .string("message", "insufficient qty available for order (requested: " +
                                               order.qty.to_string() +
                                               ", available: " + available.to_string() + ")")
                        .string("symbol", order.symbol)
                        .str()};
  };
  const auto cost = [&] { return reference_price(order).value_or(Decimal{}) * order.qty; };
  const auto power_error = [&] {
    return ApiError{403, JsonObject{}
                             .decimal("buying_power", buying_power())
                             .integer("code", kForbidden)
                             .decimal("cost_basis", cost())
                             .string("message", "insufficient buying power")
                             .str()};
  };
  if (!scripted_rejections_.empty()) {
    const BusinessError error = scripted_rejections_.front();
    scripted_rejections_.erase(scripted_rejections_.begin());
    switch (error) {
      case BusinessError::insufficient_buying_power:
        return power_error();
      case BusinessError::insufficient_qty:
        return qty_error();
      case BusinessError::wash_trade:
        return ApiError{
            403, error_body(kForbidden, "potential wash trade detected. use complex orders")};
      case BusinessError::wash_trade_422:
        return ApiError{
            422, error_body(kUnprocessable, "potential wash trade detected. use complex orders")};
      case BusinessError::pattern_day_trader:
        return ApiError{403, error_body(kPatternDayTrader,
                                        "trade denied due to pattern day trading protection")};
    }
  }
  // What the paper account checks by itself: the cost of a buy against the buying power, and a
  // sell of a long position against the shares not held by other orders.
  if (options_.check_wash_trades) {
    for (const auto& resting : orders_) {
      if (!resting.open() || resting.symbol != order.symbol || resting.side == order.side) continue;
      const bool crosses = order.type != "limit" || resting.type != "limit" ||
                           (order.side == "buy" ? *order.limit_price >= *resting.limit_price
                                                : *order.limit_price <= *resting.limit_price);
      if (crosses) {
        return ApiError{
            403, error_body(kForbidden, "potential wash trade detected. use complex orders")};
      }
    }
  }
  if (order.side == "buy" && cost() > buying_power()) return power_error();
  if (order.side == "sell" && existing > Decimal{} && held > Decimal{} &&
      order.qty > existing - held) {
    return qty_error();
  }
  return std::nullopt;
}

VenueOrder& OrderBook::add_order(VenueOrder order, Timestamp now, std::vector<TradeUpdate>& out) {
  order.created_at = order.updated_at = order.submitted_at = now;
  order.asset_id = asset_id_of(order.symbol);
  if (options_.emit_pending_new) {
    order.status = "pending_new";
    out.push_back(TradeUpdate{"pending_new", order, {}, {}, {}, {}, {}});
  }
  const bool queued =
      options_.queue_outside_hours && !order.extended_hours && !calendar::is_open(now);
  order.status = queued ? "accepted" : "new";
  out.push_back(TradeUpdate{order.status, order, {}, {}, {}, {}, {}});
  orders_.push_back(std::move(order));
  return orders_.back();
}

OrderResult OrderBook::submit(std::string_view body, Timestamp now, std::vector<TradeUpdate>& out) {
  const auto request = parse_object(body);
  if (!request) return bad_body();
  VenueOrder order;
  const auto symbol = string_field(*request, "symbol");
  if (!symbol || symbol->empty()) return invalid("symbol is required");
  order.symbol = *symbol;
  if (request->contains("notional")) return invalid("notional orders are not supported here");
  const auto qty = decimal_field(*request, "qty");
  if (const auto* error = std::get_if<ApiError>(&qty)) return *error;
  const auto& qty_value = std::get<std::optional<Decimal>>(qty);
  if (!qty_value) return invalid("qty is required");
  if (*qty_value <= Decimal{}) return invalid("qty must be > 0");
  order.qty = *qty_value;
  order.side = string_field(*request, "side").value_or("");
  if (order.side != "buy" && order.side != "sell") return invalid("invalid side: " + order.side);
  order.type = string_field(*request, "type").value_or("");
  static const std::set<std::string> kTypes{"market", "limit", "stop", "stop_limit"};
  if (kTypes.count(order.type) == 0) return invalid("invalid order type: " + order.type);
  order.time_in_force = string_field(*request, "time_in_force").value_or("");
  static const std::set<std::string> kTifs{"day", "gtc", "opg", "cls", "ioc", "fok"};
  if (kTifs.count(order.time_in_force) == 0) {
    return invalid("invalid time_in_force: " + order.time_in_force);
  }
  const std::string order_class = string_field(*request, "order_class").value_or("simple");
  if (order_class != "simple" && !order_class.empty()) {
    return invalid("order_class " + order_class + " is not supported here");
  }
  for (const auto& [name, slot, needed] :
       {std::tuple{"limit_price", &order.limit_price,
                   order.type == "limit" || order.type == "stop_limit"},
        std::tuple{"stop_price", &order.stop_price,
                   order.type == "stop" || order.type == "stop_limit"}}) {
    const auto price = decimal_field(*request, name);
    if (const auto* error = std::get_if<ApiError>(&price)) return *error;
    const auto& value = std::get<std::optional<Decimal>>(price);
    if (needed && !value) return invalid(std::string(name) + " is required");
    if (!needed && value) return invalid(std::string(name) + " is not valid for " + order.type);
    if (value) {
      if (auto error = check_price(name, *value)) return *error;
      *slot = value;
    }
  }
  if (const auto* hours = request->if_contains("extended_hours"); hours && hours->is_bool()) {
    order.extended_hours = hours->get_bool();
  }
  const auto client_id = string_field(*request, "client_order_id");
  if (client_id && client_id->size() > kClientOrderIdLimit) {
    return invalid("client_order_id must be no more than 128 characters");
  }
  if (client_id && find_by_client_id(*client_id) != nullptr) {
    return invalid("client_order_id must be unique");
  }
  order.id = next_id(0x0ade0000);
  order.client_order_id = client_id.value_or(next_id(0xc1e00000));
  if (auto error = check_business(order)) return *error;
  return add_order(std::move(order), now, out);
}

std::optional<ApiError> OrderBook::cancel(std::string_view id, Timestamp now,
                                          std::vector<TradeUpdate>& out) {
  VenueOrder* order = find_mutable(id);
  if (order == nullptr) return not_found(id);
  if (!order->open()) return ApiError{422, error_body(kUnprocessable, "order is not cancelable")};
  order->updated_at = now;
  if (options_.emit_pending_cancel) {
    order->status = "pending_cancel";
    out.push_back(TradeUpdate{"pending_cancel", *order, {}, {}, {}, {}, {}});
  }
  order->status = "canceled";
  order->canceled_at = now;
  out.push_back(TradeUpdate{"canceled", *order, now, {}, {}, {}, {}});
  return std::nullopt;
}

OrderResult OrderBook::replace(std::string_view id, std::string_view body, Timestamp now,
                               std::vector<TradeUpdate>& out) {
  const VenueOrder* found = find(id);
  if (found == nullptr) return not_found(id);
  const auto request = parse_object(body);
  if (!request) return bad_body();
  if (!found->open()) return ApiError{422, error_body(kUnprocessable, "order is not replaceable")};
  VenueOrder next = *found;
  bool changed = false;
  const auto qty = decimal_field(*request, "qty");
  if (const auto* error = std::get_if<ApiError>(&qty)) return *error;
  if (const auto& value = std::get<std::optional<Decimal>>(qty)) {
    if (*value <= Decimal{} || value->units() % Decimal::kScale != 0) {
      return invalid("qty must be a positive whole number");
    }
    changed = changed || *value != found->remaining();
    next.qty = *value;
  } else {
    next.qty = found->remaining();
  }
  for (const auto& [name, slot, allowed] :
       {std::tuple{"limit_price", &next.limit_price,
                   next.type == "limit" || next.type == "stop_limit"},
        std::tuple{"stop_price", &next.stop_price,
                   next.type == "stop" || next.type == "stop_limit"}}) {
    const auto price = decimal_field(*request, name);
    if (const auto* error = std::get_if<ApiError>(&price)) return *error;
    const auto& value = std::get<std::optional<Decimal>>(price);
    if (!value) continue;
    if (!allowed) return invalid(std::string(name) + " is not valid for " + next.type);
    if (auto error = check_price(name, *value)) return *error;
    changed = changed || *slot != value;
    *slot = value;
  }
  if (const auto tif = string_field(*request, "time_in_force")) {
    changed = changed || *tif != next.time_in_force;
    next.time_in_force = *tif;
  }
  const auto client_id = string_field(*request, "client_order_id");
  if (client_id && find_by_client_id(*client_id) != nullptr) {
    return invalid("client_order_id must be unique");
  }
  if (!changed) {
    return ApiError{403, error_body(kForbidden, "order parameters are not changed")};
  }
  // The replacement is a new order: a new id, a new client order id unless one is given (the
  // old one stays with the replaced order), nothing filled yet.
  next.id = next_id(0x0ade0000);
  next.client_order_id = client_id.value_or(next_id(0xc1e00000));
  next.filled_qty = Decimal{};
  next.filled_avg_price.reset();
  next.stop_triggered = false;
  next.replaces = found->id;
  next.replaced_by.reset();
  VenueOrder* old = find_mutable(id);
  old->updated_at = now;
  if (options_.emit_pending_replace) {
    old->status = "pending_replace";
    out.push_back(TradeUpdate{"pending_replace", *old, {}, {}, {}, {}, {}});
  }
  old->status = "replaced";
  old->replaced_at = now;
  old->replaced_by = next.id;
  out.push_back(TradeUpdate{"replaced", *old, now, {}, {}, {}, {}});
  return add_order(std::move(next), now, out);
}

std::string OrderBook::cancel_all(Timestamp now, std::vector<TradeUpdate>& out) {
  std::string body = "[";
  std::vector<std::string> ids;
  for (const auto& order : orders_) {
    if (order.open()) ids.push_back(order.id);
  }
  for (const auto& id : ids) {
    const auto error = cancel(id, now, out);
    if (body.size() > 1) body += ',';
    JsonObject item;
    item.string("id", id).integer("status", error ? error->status : 200);
    if (error) item.raw("body", error->body);
    body += item.str();
  }
  return body + "]";
}

OrderResult OrderBook::market_close_order(const std::string& symbol, Timestamp now,
                                          std::vector<TradeUpdate>& out) {
  const auto position = positions_.find(symbol);
  if (position == positions_.end()) {
    return ApiError{404, error_body(kNotFound, "position does not exist")};
  }
  VenueOrder order;
  order.symbol = symbol;
  order.qty = core::abs(position->second.qty);
  order.side = position->second.qty > Decimal{} ? "sell" : "buy";
  order.type = "market";
  order.time_in_force = "day";
  if (order.side == "sell" && held_for_orders(symbol) > Decimal{}) {
    scripted_rejections_.insert(scripted_rejections_.begin(), BusinessError::insufficient_qty);
    if (auto error = check_business(order)) return *error;
  }
  order.id = next_id(0x0ade0000);
  order.client_order_id = next_id(0xc1e00000);
  return add_order(std::move(order), now, out);
}

std::string OrderBook::liquidate(bool cancel_orders, Timestamp now, std::vector<TradeUpdate>& out) {
  if (cancel_orders) static_cast<void>(cancel_all(now, out));
  std::vector<std::string> symbols;
  for (const auto& [symbol, position] : positions_) symbols.push_back(symbol);
  std::string body = "[";
  for (const auto& symbol : symbols) {
    const OrderResult result = market_close_order(symbol, now, out);
    if (body.size() > 1) body += ',';
    JsonObject item;
    item.string("symbol", symbol);
    if (const auto* order = std::get_if<VenueOrder>(&result)) {
      item.integer("status", 200).raw("body", order_json(*order));
    } else {
      const auto& error = std::get<ApiError>(result);
      item.integer("status", error.status).raw("body", error.body);
    }
    body += item.str();
  }
  return body + "]";
}

OrderResult OrderBook::close_position(std::string_view symbol, Timestamp now,
                                      std::vector<TradeUpdate>& out) {
  return market_close_order(std::string(symbol), now, out);
}

void OrderBook::fill(VenueOrder& order, Decimal qty, Decimal price, Timestamp now,
                     std::vector<TradeUpdate>& out) {
  const Decimal before = order.filled_qty;
  order.filled_qty += qty;
  order.filled_avg_price = core::div_round(
      order.filled_avg_price.value_or(Decimal{}) * before + price * qty, order.filled_qty);
  order.updated_at = now;
  const bool complete = order.filled_qty == order.qty;
  order.status = complete ? "filled" : "partially_filled";
  if (complete) order.filled_at = now;

  const Decimal delta = order.side == "buy" ? qty : -qty;
  if (order.side == "buy") {
    cash_ -= price * qty;
  } else {
    cash_ += price * qty;
  }
  auto [it, inserted] = positions_.try_emplace(order.symbol, VenuePosition{{}, {}, price, price});
  VenuePosition& position = it->second;
  const Decimal held = position.qty;
  if (held == Decimal{} || (held > Decimal{}) == (delta > Decimal{})) {
    position.avg_entry_price = core::div_round(
        position.avg_entry_price * core::abs(held) + price * qty, core::abs(held) + qty);
  } else if (core::abs(delta) > core::abs(held)) {
    position.avg_entry_price = price;  // flipped from long to short or back
  }
  position.qty = held + delta;
  position.current_price = price;
  const Decimal position_qty = position.qty;
  if (position.qty == Decimal{}) positions_.erase(it);
  out.push_back(TradeUpdate{complete ? "fill" : "partial_fill", order, now, price, qty,
                            position_qty, next_id(0xe0ec0000)});
}

void OrderBook::on_bar(const std::string& symbol, const VenueBar& bar, Timestamp now,
                       std::vector<TradeUpdate>& out) {
  last_close_[symbol] = bar.c;
  for (std::size_t i = 0; i < orders_.size(); ++i) {
    VenueOrder& order = orders_[i];
    if (order.symbol != symbol || !order.open()) continue;
    if (order.status == "accepted") {
      if (!calendar::is_open(bar.t)) continue;  // still queued for the session
      order.status = "new";
      order.updated_at = now;
      out.push_back(TradeUpdate{"new", order, {}, {}, {}, {}, {}});
    }
    const bool buy = order.side == "buy";
    std::optional<Decimal> price;
    const auto limit_fill = [&](Decimal limit) -> std::optional<Decimal> {
      if (buy && bar.l <= limit) return core::min(bar.o, limit);
      if (!buy && bar.h >= limit) return core::max(bar.o, limit);
      return std::nullopt;
    };
    const auto stop_trigger = [&](Decimal stop) -> std::optional<Decimal> {
      if (buy && bar.h >= stop) return core::max(bar.o, stop);
      if (!buy && bar.l <= stop) return core::min(bar.o, stop);
      return std::nullopt;
    };
    if (order.type == "market") {
      price = bar.o;
    } else if (order.type == "limit") {
      price = limit_fill(*order.limit_price);
    } else if (order.type == "stop") {
      price = stop_trigger(*order.stop_price);
    } else if (order.stop_triggered) {
      price = limit_fill(*order.limit_price);
    } else if (const auto triggered = stop_trigger(*order.stop_price)) {
      order.stop_triggered = true;
      const Decimal limit = *order.limit_price;
      if (buy ? *triggered <= limit : *triggered >= limit) price = triggered;
    }
    if (!price) continue;
    Decimal qty = order.remaining();
    if (!partial_limits_.empty()) {
      qty = core::min(qty, partial_limits_.front());
      partial_limits_.erase(partial_limits_.begin());
    }
    fill(order, qty, *price, now, out);
  }
  const auto position = positions_.find(symbol);
  if (position != positions_.end()) position->second.current_price = bar.c;
}

std::optional<ApiError> OrderBook::execute(std::string_view id, Decimal qty, Decimal price,
                                           Timestamp now, std::vector<TradeUpdate>& out) {
  VenueOrder* order = find_mutable(id);
  if (order == nullptr) return not_found(id);
  if (!order->open() || qty <= Decimal{} || qty > order->remaining()) {
    return ApiError{422, error_body(kUnprocessable, "order cannot fill " + qty.to_string())};
  }
  fill(*order, qty, price, now, out);
  return std::nullopt;
}

void OrderBook::expire_day_orders(Timestamp now, std::vector<TradeUpdate>& out) {
  for (auto& order : orders_) {
    if (!order.open() || order.time_in_force != "day") continue;
    order.status = "expired";
    order.expired_at = order.updated_at = now;
    out.push_back(TradeUpdate{"expired", order, now, {}, {}, {}, {}});
  }
}

std::optional<ApiError> OrderBook::reject(std::string_view id, Timestamp now,
                                          std::vector<TradeUpdate>& out) {
  VenueOrder* order = find_mutable(id);
  if (order == nullptr) return not_found(id);
  if (!order->open()) return ApiError{422, error_body(kUnprocessable, "order is not open")};
  order->status = "rejected";
  order->failed_at = order->updated_at = now;
  out.push_back(TradeUpdate{"rejected", *order, now, {}, {}, {}, {}});
  return std::nullopt;
}

std::optional<ApiError> OrderBook::announce(std::string_view id, std::string event, Timestamp now,
                                            std::vector<TradeUpdate>& out) {
  const VenueOrder* order = find(id);
  if (order == nullptr) return not_found(id);
  out.push_back(TradeUpdate{std::move(event), *order, now, {}, {}, {}, {}});
  return std::nullopt;
}

std::string OrderBook::order_json(const VenueOrder& order) {
  return JsonObject{}
      .string("id", order.id)
      .string("client_order_id", order.client_order_id)
      .time("created_at", order.created_at)
      .time("updated_at", order.updated_at)
      .time("submitted_at", order.submitted_at)
      .time("filled_at", order.filled_at)
      .time("expired_at", order.expired_at)
      .time("canceled_at", order.canceled_at)
      .time("failed_at", order.failed_at)
      .time("replaced_at", order.replaced_at)
      .string_or_null("replaced_by", order.replaced_by)
      .string_or_null("replaces", order.replaces)
      .string("asset_id", order.asset_id)
      .string("symbol", order.symbol)
      .string("asset_class", "us_equity")
      .null("notional")
      .decimal("qty", order.qty)
      .decimal("filled_qty", order.filled_qty)
      .decimal_or_null("filled_avg_price", order.filled_avg_price)
      .string("order_class", "simple")
      .string("order_type", order.type)
      .string("type", order.type)
      .string("side", order.side)
      .string("position_intent", order.side == "buy" ? "buy_to_open" : "sell_to_close")
      .string("time_in_force", order.time_in_force)
      .decimal_or_null("limit_price", order.limit_price)
      .decimal_or_null("stop_price", order.stop_price)
      .string("status", order.status)
      .boolean("extended_hours", order.extended_hours)
      .null("legs")
      .null("trail_percent")
      .null("trail_price")
      .null("hwm")
      .str();
}

std::string OrderBook::position_json(const std::string& symbol) const {
  const VenuePosition& position = positions_.at(symbol);
  const Decimal qty = position.qty;
  const Decimal cost_basis = position.avg_entry_price * qty;
  const Decimal market_value = position.current_price * qty;
  const Decimal unrealized = market_value - cost_basis;
  const auto fraction = [](Decimal part, Decimal whole) {
    return whole == Decimal{} ? Decimal{} : core::div_round(part, core::abs(whole));
  };
  return JsonObject{}
      .string("asset_id", asset_id_of(symbol))
      .string("symbol", symbol)
      .string("exchange", "NASDAQ")
      .string("asset_class", "us_equity")
      .boolean("asset_marginable", true)
      .decimal("qty", qty)
      .decimal("qty_available",
               qty > Decimal{} ? core::max(Decimal{}, qty - held_for_orders(symbol)) : qty)
      .decimal("avg_entry_price", position.avg_entry_price)
      .string("side", qty > Decimal{} ? "long" : "short")
      .decimal("market_value", market_value)
      .decimal("cost_basis", cost_basis)
      .decimal("unrealized_pl", unrealized)
      .decimal("unrealized_plpc", fraction(unrealized, cost_basis))
      .decimal("unrealized_intraday_pl", unrealized)
      .decimal("unrealized_intraday_plpc", fraction(unrealized, cost_basis))
      .decimal("current_price", position.current_price)
      .decimal("lastday_price", position.lastday_price)
      .decimal("change_today",
               fraction(position.current_price - position.lastday_price, position.lastday_price))
      .str();
}

std::string OrderBook::positions_json() const {
  std::string body = "[";
  for (const auto& [symbol, position] : positions_) {
    if (body.size() > 1) body += ',';
    body += position_json(symbol);
  }
  return body + "]";
}

std::string OrderBook::account_json() const {
  Decimal long_value;
  Decimal short_value;
  for (const auto& [symbol, position] : positions_) {
    const Decimal value = position.current_price * position.qty;
    if (value > Decimal{}) {
      long_value += value;
    } else {
      short_value += value;
    }
  }
  const Decimal equity = cash_ + long_value + short_value;
  const Decimal power = core::max(Decimal{}, buying_power());
  JsonObject account;
  account.string("id", "5e1f0000-0000-4000-8000-00000000a11c")
      .string("account_number", options_.account_number)
      .string("status", "ACTIVE")
      .string("crypto_status", "INACTIVE")
      .string("currency", "USD")
      .decimal("buying_power", power)
      .decimal("regt_buying_power", power)
      .decimal("non_marginable_buying_power", power)
      .decimal("options_buying_power", power)
      .decimal("cash", cash_)
      .decimal("accrued_fees", Decimal{})
      .decimal("portfolio_value", equity);
  if (options_.legacy_account_fields) {
    account.boolean("pattern_day_trader", false)
        .decimal("daytrading_buying_power", power)
        .integer("daytrade_count", 0);
  }
  return account.boolean("trading_blocked", false)
      .boolean("transfers_blocked", false)
      .boolean("account_blocked", false)
      .boolean("trade_suspended_by_user", false)
      .boolean("shorting_enabled", true)
      .string("created_at", "2024-01-02T15:04:05.123456Z")
      .string("multiplier", "1")
      .decimal("equity", equity)
      .decimal("last_equity", options_.cash)
      .decimal("long_market_value", long_value)
      .decimal("short_market_value", short_value)
      .decimal("position_market_value", long_value - short_value)
      .decimal("initial_margin", Decimal{})
      .decimal("maintenance_margin", Decimal{})
      .decimal("last_maintenance_margin", Decimal{})
      .decimal("sma", Decimal{})
      .str();
}

std::variant<std::string, ApiError> OrderBook::orders_json(const Query& query) const {
  const auto param = [&](const std::string& name, std::string fallback) {
    const auto found = query.find(name);
    return found == query.end() ? fallback : found->second;
  };
  const std::string status = param("status", "open");
  if (status != "open" && status != "closed" && status != "all") {
    return invalid("invalid status: " + status);
  }
  int limit = 50;
  try {
    limit = std::stoi(param("limit", "50"));
  } catch (const std::exception&) {
    return invalid("invalid limit");
  }
  if (limit < 1 || limit > 500) return invalid("invalid limit");
  std::optional<Timestamp> after;
  std::optional<Timestamp> until;
  for (const auto& [name, bound] : {std::pair{"after", &after}, std::pair{"until", &until}}) {
    const auto found = query.find(name);
    if (found == query.end()) continue;
    try {
      *bound = found->second.size() == 10 ? core::start_of_day(core::parse_date(found->second))
                                          : core::parse_timestamp(found->second);
    } catch (const trader::Error&) {
      return invalid(std::string("invalid ") + name);
    }
  }
  const std::string direction = param("direction", "desc");
  if (direction != "asc" && direction != "desc") return invalid("invalid direction");
  std::set<std::string> symbols;
  const std::string list = param("symbols", "");
  for (std::size_t from = 0; from < list.size();) {
    const std::size_t comma = std::min(list.find(',', from), list.size());
    symbols.insert(list.substr(from, comma - from));
    from = comma + 1;
  }
  const std::string side = param("side", "");
  std::vector<const VenueOrder*> selected;
  for (const auto& order : orders_) {
    if (status != "all" && order.open() != (status == "open")) continue;
    if (after && order.submitted_at <= *after) continue;
    if (until && order.submitted_at >= *until) continue;
    if (!symbols.empty() && symbols.count(order.symbol) == 0) continue;
    if (!side.empty() && order.side != side) continue;
    selected.push_back(&order);
  }
  if (direction == "desc") std::reverse(selected.begin(), selected.end());
  if (selected.size() > static_cast<std::size_t>(limit)) {
    selected.resize(static_cast<std::size_t>(limit));
  }
  std::string body = "[";
  for (const VenueOrder* order : selected) {
    if (body.size() > 1) body += ',';
    body += order_json(*order);
  }
  return body + "]";
}

}  // namespace trader::testing::venue
