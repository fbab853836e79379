#pragma once
// The Alpaca trading adapter: broker::Broker over Alpaca's trading REST API and its
// trade_updates WebSocket, on an io_context the caller owns and runs (shared with the other
// network clients; net::HttpClient and net::WebSocketClient do the transport).
//
// Commands return at once; their outcome arrives later through the listener, always on the
// io_context's thread:
//   submit  -> POST /v2/orders with our client order id -> `submitted` (Alpaca's order id), or
//              `rejected` (a business refusal: buying power, wash trade, pattern day trader,
//              held quantity, invalid order; the reason is Alpaca's message), or
//              `submit_failed`. A retry after a timeout reuses the client order id; a 422
//              "client_order_id must be unique", or a failure after the retries, is resolved by
//              fetching the order by its client order id (F22): found, it counts as submitted.
//   cancel  -> DELETE /v2/orders/{id}: `canceled` follows on the stream; a refusal
//              (422: not cancelable, 404) is `cancel_rejected`.
//   replace -> PATCH /v2/orders/{id}: `replaced` with the new order's id, quantity and prices
//              (Alpaca replaces an order by a new one: F15); a refusal is `replace_rejected`.
// Fills, cancels, expiries and rejections come from the trade_updates stream (start_stream());
// after each (re)connect, a REST catch-up turns what changed meanwhile into events, each event
// once (F20). Events carry our client order id even after a replace gave the order a new one.
//
// Queries (account, positions, orders, clock, calendar) are blocking: they run the io_context
// until answered, so call them outside its handlers (at start-up, for reconciliation, in tools).
// They throw the AlpacaError subclasses of trader/alpaca/error.hpp; 401/403 is an AuthError
// whose message names ALGO_BROKER__API_KEY with the key masked. No key ever appears in a
// message or a log line.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <trader/broker/broker.hpp>
#include <trader/config/settings.hpp>
#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/bar.hpp>
#include <trader/orders/order.hpp>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace trader::net {
class TimerSource;
}  // namespace trader::net

namespace trader::alpaca {

inline constexpr std::string_view kPaperTradingUrl = "https://paper-api.alpaca.markets";
inline constexpr std::string_view kLiveTradingUrl = "https://api.alpaca.markets";

struct BrokerOptions {
  std::string trading_url = std::string(kPaperTradingUrl);
  // The trade_updates WebSocket; empty: the trading URL's host with wss:// (ws:// for http://)
  // and the path /stream.
  std::string trade_stream_url;
  config::Secret api_key;
  config::Secret secret_key;
  std::string ca_file;  // PEM of CAs trusted besides the system store (tests)
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds request_timeout{30'000};
  // Retry waits and stream reconnects; nullptr: real time. Must outlive the broker.
  net::TimerSource* timers = nullptr;
  // Names a symbol's id in the events; empty: SymbolId{} for orders not submitted here.
  std::function<data::SymbolId(std::string_view symbol)> symbol_id;
};

// The options of `settings.broker`: trading URL (paper or live by ALGO_BROKER__PAPER unless
// ALGO_BROKER__TRADING_URL is set), the trade stream URL and both keys.
[[nodiscard]] BrokerOptions broker_options(const config::Settings& settings);

// A money amount or quantity exactly as Alpaca sent it: the text, and its exact value.
struct Amount {
  core::Decimal value;
  std::string text;
};

struct AccountInfo {
  std::string id;
  std::string account_number;
  std::string status;
  std::string currency;
  Amount cash;
  Amount equity;
  Amount buying_power;
  Amount portfolio_value;
  Amount long_market_value;
  Amount short_market_value;
  bool pattern_day_trader = false;
  bool trading_blocked = false;
  // A paper account: reached through a paper endpoint, or its number starts with "PA".
  bool is_paper = true;
};

struct PositionInfo {
  std::string symbol;
  std::string side;  // long, short
  Amount qty;        // negative for a short
  Amount avg_entry_price;
  Amount market_value;
  Amount cost_basis;
  Amount unrealized_pl;
  Amount current_price;
};

struct OrderInfo {
  std::string id;
  std::string client_order_id;
  std::string symbol;
  std::string side;
  std::string type;
  std::string time_in_force;
  std::string status;
  Amount qty;
  Amount filled_qty;
  std::optional<Amount> filled_avg_price;
  std::optional<Amount> limit_price;
  std::optional<Amount> stop_price;
  std::string replaced_by;
  std::string replaces;
  core::Timestamp created_at;
  core::Timestamp updated_at;
};

struct ClockInfo {
  core::Timestamp timestamp;
  bool is_open = false;
  core::Timestamp next_open;
  core::Timestamp next_close;
  std::string timestamp_text;  // as sent
  std::string next_open_text;
  std::string next_close_text;
};

struct CalendarDay {
  core::Date date;
  std::string open;   // "09:30", New York
  std::string close;  // "16:00" (or an early close)
};

enum class OrderStatusFilter : std::uint8_t { open, closed, all };

// What one of Alpaca's order statuses means for us: the event it amounts to (pending for the
// transient ones: pending_new, accepted, accepted_for_bidding, pending_cancel, pending_replace,
// done_for_day, stopped, suspended, calculated, held, and any status not known yet) and whether
// nothing changes the order any more.
struct StatusMeaning {
  orders::OrderEventType event = orders::OrderEventType::pending;
  bool terminal = false;
};
[[nodiscard]] StatusMeaning map_order_status(std::string_view status) noexcept;
// The event a trade update's "event" amounts to ("new" -> accepted, "order_cancel_rejected" ->
// cancel_rejected, unknown -> pending).
[[nodiscard]] orders::OrderEventType map_trade_event(std::string_view event) noexcept;

class AlpacaBroker final : public broker::Broker {
 public:
  // Throws ParseError for a bad URL, AuthError when a key is empty.
  AlpacaBroker(boost::asio::io_context& io, BrokerOptions options);
  ~AlpacaBroker() override;
  AlpacaBroker(const AlpacaBroker&) = delete;
  AlpacaBroker& operator=(const AlpacaBroker&) = delete;

  void set_listener(broker::OrderEventListener* listener) override;
  broker::CommandResult submit(const orders::OrderRequest& request) override;
  broker::CommandResult cancel(const broker::OrderRef& order) override;
  broker::CommandResult replace(const broker::OrderRef& order,
                                const broker::ReplaceRequest& request) override;
  // Blocking (see above).
  [[nodiscard]] std::vector<broker::BrokerPosition> positions() override;
  [[nodiscard]] broker::AccountSnapshot account() override;

  [[nodiscard]] AccountInfo account_info();
  [[nodiscard]] std::vector<PositionInfo> position_infos();
  [[nodiscard]] std::vector<OrderInfo> orders(OrderStatusFilter status = OrderStatusFilter::open,
                                              int limit = 500);
  [[nodiscard]] ClockInfo clock();
  [[nodiscard]] std::vector<CalendarDay> calendar(core::Date start, core::Date end);
  // DELETE /v2/orders: every open order; returns how many Alpaca accepted to cancel.
  int cancel_all_orders();
  // DELETE /v2/positions?cancel_orders=true: returns how many positions are being closed.
  int close_all_positions();

  // The trade_updates stream: connects, authenticates, listens, reconnects after a loss (with
  // backoff) and catches up over REST after each connect. Idempotent.
  void start_stream();
  void stop_stream();
  // Authenticated and listening.
  [[nodiscard]] bool stream_listening() const noexcept;
  // Connections that reached "listening", and REST catch-ups finished, since start_stream().
  [[nodiscard]] int stream_sessions() const noexcept;
  [[nodiscard]] int catch_ups() const noexcept;
  // A credential failure stopped the broker (every later command is refused with it); empty
  // while none did.
  [[nodiscard]] const std::string& fatal_error() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace trader::alpaca
