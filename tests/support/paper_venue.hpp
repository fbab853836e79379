#pragma once
// A local stand-in for Alpaca's paper trading venue, for tests of the broker adapter and the
// streams: one server on 127.0.0.1 (ephemeral port, its own thread; plain or TLS) that speaks
//   - the trading REST API (/v2/account, /v2/clock, /v2/calendar, /v2/orders[...],
//     /v2/orders:by_client_order_id, /v2/positions[...]) with Alpaca's JSON shapes and errors;
//   - the market-data REST API's minute bars (/v2/stocks/bars, /v2/stocks/{symbol}/bars) from
//     the bars it has streamed so far (history up to its clock);
//   - the market-data WebSocket (/v2/iex, /v2/sip, /v2/test): connected, auth within the auth
//     timeout, subscribe (bars, updatedBars, ...), bars in batched arrays with varying key order,
//     the error messages 400..410;
//   - the trade_updates WebSocket (/stream): both auth forms, listen, the order's events in
//     binary (as paper does) or text frames.
// It keeps an order book and positions (support/paper_venue_book.hpp) and fills orders against
// the bars it streams. Time is the venue's own: a virtual clock that the streamed bars move (or
// an injected one); bars are published one minute at a time by the test (publish_next) or by a
// timer at any speed (play). Every misbehaviour a client must survive can be switched on.
//
// Thread safety: every member function may be called from any thread; they run on the server's
// thread and return when done.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/paper_venue_book.hpp"
#include "support/tls_material.hpp"

namespace trader::testing {

using venue::BusinessError;
using venue::VenueBar;
using venue::VenueOrder;
using venue::VenuePosition;

enum class Frames : std::uint8_t { binary, text };
enum class Stream : std::uint8_t { market_data, trade_updates };
// What happens to trade updates: sent at once, kept back until release_trade_updates(), or lost
// (the book changes all the same: a client must catch up over REST).
enum class UpdateDelivery : std::uint8_t { deliver, hold, drop };

struct PaperVenueOptions {
  // The port on 127.0.0.1; 0: an ephemeral one (tests). A fixed one serves a Compose setup.
  std::uint16_t port = 0;
  std::optional<TlsIdentity> tls;  // serve HTTPS/WSS with this certificate; plain without
  std::string api_key = "PKVENUE00000000000001";
  std::string secret_key = "venue-secret-00000000000000000000000001";
  venue::BookOptions book;  // cash, account number, PDT fields, pending_* events
  // The venue's clock starts here (a Monday, 09:30 New York) and moves with the bars published:
  // after the bar of minute t, it reads t + 1 minute.
  core::Timestamp start_time =
      core::Timestamp{std::chrono::sys_days{std::chrono::year{2026} / std::chrono::March / 2}} +
      std::chrono::hours(14) + std::chrono::minutes(30);
  // An injected clock replaces the virtual one (called on the server thread).
  std::function<core::Timestamp()> clock;
  Frames trade_frames = Frames::binary;
  // A market-data connection that has not authenticated after this long gets
  // [{"T":"error","code":404,"msg":"auth timeout"}] and is dropped (real time: the socket's).
  std::chrono::milliseconds data_auth_timeout{10'000};
  bool sip_permitted = true;     // false: auth on /v2/sip gets 409 insufficient subscription
  std::size_t symbol_limit = 0;  // symbols per connection before 405; 0: no limit
  // Serve the control endpoint /_control/... (no auth) that scripts the venue from another
  // process: the paper-venue executable's switch board (see paper_venue_control.cpp).
  bool control = false;
};

// Bars from CSV text "timestamp,open,high,low,close,volume" (a header line is skipped); throws
// std::invalid_argument naming the line that does not parse.
[[nodiscard]] std::vector<VenueBar> bars_from_csv(std::string_view text);

// A request as the venue received it (REST and WebSocket upgrades).
struct VenueRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  int status = 0;  // the answer; 0 when none was sent (swallowed)
  // When the whole request had been read (benchmarks: the far end of a bar-to-order span).
  std::chrono::steady_clock::time_point received{};
};

// A minute's bar frame handed to the market-data connections' sockets (benchmarks: the near
// end of a bar-to-order span).
struct BarFrameSent {
  core::Timestamp minute;
  std::chrono::steady_clock::time_point sent{};
};

class PaperVenue {
 public:
  explicit PaperVenue(PaperVenueOptions options = {});
  ~PaperVenue();  // closes every connection and stops the server thread
  PaperVenue(const PaperVenue&) = delete;
  PaperVenue& operator=(const PaperVenue&) = delete;

  [[nodiscard]] std::uint16_t port() const noexcept;
  // "http://127.0.0.1:PORT" ("https" with TLS): the trading REST base URL.
  [[nodiscard]] std::string base_url() const;
  // "ws://127.0.0.1:PORT/v2/iex" ("wss" with TLS); feed is iex, sip or test.
  [[nodiscard]] std::string data_stream_url(std::string_view feed = "iex") const;
  // "ws://127.0.0.1:PORT/stream".
  [[nodiscard]] std::string trade_stream_url() const;
  [[nodiscard]] const PaperVenueOptions& options() const noexcept;

  // --- the market and the clock ---
  // Bars of `symbol` to stream later (kept in time order, added to any given before).
  void add_bars(const std::string& symbol, std::vector<VenueBar> bars);
  // Publishes the next minute that has bars: fills what those bars reach (trade updates first),
  // then sends them in one array frame to every subscriber. nullopt when no bar is left.
  std::optional<core::Timestamp> publish_next();
  // Publishes every minute before `end`; returns how many.
  int publish_until(core::Timestamp end);
  // Publishes one minute every `interval` of real time (accelerated time) until the bars run
  // out or pause() is called.
  void play(std::chrono::milliseconds interval);
  void pause();
  [[nodiscard]] std::size_t minutes_left() const;
  [[nodiscard]] core::Timestamp now() const;
  void set_now(core::Timestamp now);  // the virtual clock (no effect with an injected clock)
  // An updatedBars message (T "u") for a minute already sent, to subscribers of updatedBars.
  void send_updated_bar(const std::string& symbol, const VenueBar& bar);
  // The close: open day orders expire (event expired).
  void end_session();

  // --- orders ---
  [[nodiscard]] std::vector<VenueOrder> orders() const;
  [[nodiscard]] std::optional<VenueOrder> order_by_client_id(const std::string& id) const;
  [[nodiscard]] std::map<std::string, VenuePosition> positions() const;
  // The next order submitted is refused with this error (one per call, in order).
  void reject_next_order(BusinessError error);
  // The next execution fills at most `qty` (partial_fill); the rest fills on later bars.
  void partial_fill_next(core::Decimal qty);
  // An execution of `qty` at `price` now, whatever the bars say. false when the order is
  // unknown or cannot fill that much.
  bool execute(const std::string& order_id, core::Decimal qty, core::Decimal price);
  // The venue rejects an accepted order (event rejected).
  bool reject_order(const std::string& order_id);
  // Any other event for an order, its state unchanged (done_for_day, stopped, calculated,
  // suspended, order_cancel_rejected, order_replace_rejected, restated, ...).
  bool announce(const std::string& order_id, const std::string& event);

  // --- REST misbehaviour ---
  // The next `count` REST requests get `status` (429 with X-RateLimit-Remaining: 0 and, when
  // given, Retry-After; 5xx with an error body) and are not carried out.
  void fail_next_requests(int count, int status, std::optional<int> retry_after_seconds = {});
  // The next `count` REST responses are sent `delay` late (the request is carried out at once).
  void delay_next_responses(int count, std::chrono::milliseconds delay);
  // The next `count` REST requests are carried out but never answered: the connection closes
  // (a client sees its request time out or fail, while the order exists).
  void swallow_next_responses(int count);
  // 401 {"message":"unauthorized."} for a wrong key is the default; this makes every request
  // 403 {"code":40110000,"message":"request is not authorized"} (keys of another account).
  void set_forbidden(bool forbidden);
  [[nodiscard]] std::vector<VenueRequest> requests() const;
  // Every minute whose bars went out on a market-data connection, in order.
  [[nodiscard]] std::vector<BarFrameSent> bar_frames() const;

  // --- stream misbehaviour ---
  // The next `count` WebSocket upgrades (either stream) get this HTTP status instead of 101.
  void refuse_next_upgrades(int count, int status);
  // Closes the stream's connections without a close frame (the client sees EOF or a reset).
  void drop_connections(Stream stream);
  // No data on the stream's connections (bars, updates, acks), pings still answered.
  void set_silent(Stream stream, bool silent);
  // Another session holds the market-data slot: every auth gets 406 connection limit exceeded.
  void set_data_slot_taken(bool taken);
  // After drop_connections(Stream::market_data), the dropped session keeps the slot for this
  // long (real time), as Alpaca keeps a session that went away uncleanly: auth gets 406 until
  // then. Zero (the default): the slot is free at once.
  void set_ghost_after_drop(std::chrono::milliseconds hold);
  // [{"T":"error","code":code,"msg":...}] to every market-data connection.
  void send_data_error(int code);
  // A frame that is not JSON to every connection of the stream.
  void send_malformed(Stream stream);
  // {"action":"error","data":{"error_message":...}} to every trade connection, then closes it.
  void send_trade_stream_error(const std::string& message);
  void set_trade_frames(Frames frames);
  void set_update_delivery(UpdateDelivery delivery);
  // Sends what `hold` kept back, in order.
  void release_trade_updates();

  // --- what happened ---
  [[nodiscard]] int data_connections() const;      // open market-data connections
  [[nodiscard]] int data_subscribers() const;      // authenticated, subscribed to some bars
  [[nodiscard]] int trade_listeners() const;       // authenticated and listening
  [[nodiscard]] int trade_updates_sent() const;    // trade_updates messages sent so far
  [[nodiscard]] int connections_accepted() const;  // TCP connections so far

  struct Impl;  // the inside (support/paper_venue_impl.hpp), named by the venue's own files

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trader::testing
