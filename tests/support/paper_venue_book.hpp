#pragma once
// The paper venue's account, order book and positions, without any socket: it answers the
// trading REST calls (as status + JSON body), fills open orders against each bar it is shown and
// reports every change as a trade update (the events Alpaca's trade_updates stream carries).
//
// Fill rules (one bar at a time, orders in submission order): a market order fills at the open
// of the first bar after it was placed; a limit buy when the low reaches the limit, at the
// better of open and limit (a sell mirrors it); a stop buy when the high reaches the stop, at the
// worse of open and stop (a sell mirrors it); a stop-limit becomes a limit order when its stop is
// reached and fills on that bar only if the stop price is within its limit.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>

namespace trader::testing::venue {

// A minute bar as the venue streams it and fills against it.
struct VenueBar {
  core::Timestamp t;  // the minute's start (left-labelled, UTC)
  core::Decimal o, h, l, c;
  std::int64_t v = 100;
  std::int64_t n = 1;
};

// The business rejections the venue can be told to give the next order (Alpaca's codes).
enum class BusinessError : std::uint8_t {
  insufficient_buying_power,  // 403 40310000 "insufficient buying power"
  insufficient_qty,           // 403 40310000 "insufficient qty available for order (...)"
  wash_trade,                 // 403 40310000 "potential wash trade detected. use complex orders"
  wash_trade_422,             // 422 42210000, the same message (the variant seen in 2024)
  pattern_day_trader,         // 403 40310100 "trade denied due to pattern day trading protection"
};

struct ApiError {
  int status = 0;
  std::string body;  // JSON
};

struct VenueOrder {
  std::string id;
  std::string client_order_id;
  std::string asset_id;
  std::string symbol;
  std::string side;           // buy, sell
  std::string type;           // market, limit, stop, stop_limit
  std::string time_in_force;  // day, gtc, opg, cls, ioc, fok
  core::Decimal qty;
  core::Decimal filled_qty;
  std::optional<core::Decimal> filled_avg_price;
  std::optional<core::Decimal> limit_price;
  std::optional<core::Decimal> stop_price;
  std::string status = "new";
  bool extended_hours = false;
  bool stop_triggered = false;  // a stop-limit whose stop was reached
  core::Timestamp created_at{};
  core::Timestamp updated_at{};
  core::Timestamp submitted_at{};
  std::optional<core::Timestamp> filled_at, expired_at, canceled_at, failed_at, replaced_at;
  std::optional<std::string> replaced_by, replaces;

  [[nodiscard]] bool open() const;
  [[nodiscard]] core::Decimal remaining() const { return qty - filled_qty; }
};

// One trade_updates message's data: the event, the order as it is after it, and the fields of
// an execution (fills) or a timestamp (canceled, expired, replaced, rejected).
struct TradeUpdate {
  std::string event;
  VenueOrder order;
  std::optional<core::Timestamp> timestamp;
  std::optional<core::Decimal> price, qty, position_qty;
  std::optional<std::string> execution_id;
};

struct VenuePosition {
  core::Decimal qty;              // signed: negative is short
  core::Decimal avg_entry_price;  // of the shares held
  core::Decimal current_price;    // the last bar's close (the entry price before any bar)
  core::Decimal lastday_price;
};

struct BookOptions {
  core::Decimal cash = core::Decimal::from_integer(100'000);
  std::string account_number = "PA3VENUE0001";
  // The account's PDT fields (pattern_day_trader, daytrade_count, daytrading_buying_power) as
  // before Alpaca removed them; false: the fields are left out, as after the removal.
  bool legacy_account_fields = true;
  bool emit_pending_new = false;     // pending_new before new
  bool emit_pending_cancel = true;   // pending_cancel before canceled
  bool emit_pending_replace = true;  // pending_replace before replaced
  // An order placed outside the regular session (NYSE calendar, not extended_hours) is
  // `accepted` (event accepted) and becomes `new` with the first bar inside a session, where it
  // may fill; false: every order is new at once.
  bool queue_outside_hours = true;
  // Refuse an order that could trade against one's own resting opposite-side order of the same
  // symbol (403 40310000 "potential wash trade detected. use complex orders"): a market or stop
  // order against any of them, a limit order against a market or stop one or a limit it crosses.
  bool check_wash_trades = false;
};

using OrderResult = std::variant<VenueOrder, ApiError>;
using Query = std::map<std::string, std::string>;

class OrderBook {
 public:
  explicit OrderBook(BookOptions options);

  // POST /v2/orders with its JSON body: the new order (status new) or the error Alpaca gives.
  [[nodiscard]] OrderResult submit(std::string_view body, core::Timestamp now,
                                   std::vector<TradeUpdate>& out);
  // DELETE /v2/orders/{id}: nullopt when the cancel is accepted (204).
  [[nodiscard]] std::optional<ApiError> cancel(std::string_view id, core::Timestamp now,
                                               std::vector<TradeUpdate>& out);
  // PATCH /v2/orders/{id}: the new order (the old one is replaced).
  [[nodiscard]] OrderResult replace(std::string_view id, std::string_view body, core::Timestamp now,
                                    std::vector<TradeUpdate>& out);
  // DELETE /v2/orders: the 207 body.
  [[nodiscard]] std::string cancel_all(core::Timestamp now, std::vector<TradeUpdate>& out);
  // DELETE /v2/positions[?cancel_orders=true]: market orders that close every position; the
  // 207 body.
  [[nodiscard]] std::string liquidate(bool cancel_orders, core::Timestamp now,
                                      std::vector<TradeUpdate>& out);
  // DELETE /v2/positions/{symbol}: the closing order.
  [[nodiscard]] OrderResult close_position(std::string_view symbol, core::Timestamp now,
                                           std::vector<TradeUpdate>& out);

  [[nodiscard]] const VenueOrder* find(std::string_view id) const;
  [[nodiscard]] const VenueOrder* find_by_client_id(std::string_view client_order_id) const;
  [[nodiscard]] std::vector<VenueOrder> orders() const;
  [[nodiscard]] std::map<std::string, VenuePosition> positions() const { return positions_; }
  [[nodiscard]] core::Decimal cash() const { return cash_; }

  // Response bodies.
  [[nodiscard]] std::string account_json() const;
  [[nodiscard]] static std::string order_json(const VenueOrder& order);
  [[nodiscard]] std::string position_json(const std::string& symbol) const;
  [[nodiscard]] std::string positions_json() const;
  // GET /v2/orders with its query (status, limit, after, until, direction, symbols, side);
  // an ApiError for a bad parameter.
  [[nodiscard]] std::variant<std::string, ApiError> orders_json(const Query& query) const;

  // The market moved: fill what this bar reaches.
  void on_bar(const std::string& symbol, const VenueBar& bar, core::Timestamp now,
              std::vector<TradeUpdate>& out);
  // An execution as the test wants it (quantity and price), whatever the bars say.
  [[nodiscard]] std::optional<ApiError> execute(std::string_view id, core::Decimal qty,
                                                core::Decimal price, core::Timestamp now,
                                                std::vector<TradeUpdate>& out);
  // The close: open day orders expire.
  void expire_day_orders(core::Timestamp now, std::vector<TradeUpdate>& out);
  // The venue rejects an order it had accepted (event rejected).
  [[nodiscard]] std::optional<ApiError> reject(std::string_view id, core::Timestamp now,
                                               std::vector<TradeUpdate>& out);
  // An event without a change of state (done_for_day, stopped, calculated, suspended,
  // order_cancel_rejected, order_replace_rejected, restated, ...): the order as it is.
  [[nodiscard]] std::optional<ApiError> announce(std::string_view id, std::string event,
                                                 core::Timestamp now,
                                                 std::vector<TradeUpdate>& out);

  // The next order is refused with this error (queued: one per call).
  void script_rejection(BusinessError error) { scripted_rejections_.push_back(error); }
  // The next execution of any order fills at most `qty`; the rest fills on later bars.
  void limit_next_fill(core::Decimal qty) { partial_limits_.push_back(qty); }

 private:
  VenueOrder& add_order(VenueOrder order, core::Timestamp now, std::vector<TradeUpdate>& out);
  [[nodiscard]] std::optional<ApiError> check_business(const VenueOrder& order);
  [[nodiscard]] core::Decimal buying_power() const;
  [[nodiscard]] core::Decimal held_for_orders(const std::string& symbol) const;
  [[nodiscard]] std::optional<core::Decimal> reference_price(const VenueOrder& order) const;
  void fill(VenueOrder& order, core::Decimal qty, core::Decimal price, core::Timestamp now,
            std::vector<TradeUpdate>& out);
  VenueOrder* find_mutable(std::string_view id);
  [[nodiscard]] std::string next_id(std::uint64_t tag);
  [[nodiscard]] OrderResult market_close_order(const std::string& symbol, core::Timestamp now,
                                               std::vector<TradeUpdate>& out);

  BookOptions options_;
  core::Decimal cash_;
  std::vector<VenueOrder> orders_;  // in submission order
  std::map<std::string, VenuePosition> positions_;
  std::map<std::string, core::Decimal> last_close_;
  std::vector<BusinessError> scripted_rejections_;
  std::vector<core::Decimal> partial_limits_;
  std::uint64_t ids_ = 0;
};

}  // namespace trader::testing::venue
