#pragma once
// The paper venue's inside, shared by its files: paper_venue.cpp (the protocol: REST routes,
// the two streams, the public API), paper_venue_net.cpp (Beast sessions on the sockets) and
// paper_venue_control.cpp (the control endpoint). Everything here runs on the server thread.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/paper_venue.hpp"
#include "support/paper_venue_book.hpp"

namespace trader::testing {

// A REST request with its query decoded, and the answer the venue gives.
struct RestRequest {
  std::string method;
  std::string target;
  std::string path;
  std::map<std::string, std::string> query;    // percent-decoded
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  [[nodiscard]] std::string param(const std::string& name, std::string fallback = {}) const;
  [[nodiscard]] std::string header(const std::string& lower_name) const;
};

struct RestReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};
  bool swallow = false;  // close without answering
};

// One WebSocket connection as the protocol sees it; paper_venue_net.cpp implements it.
class StreamConnection {
 public:
  StreamConnection(Stream kind_of, std::string feed_of) : kind(kind_of), feed(std::move(feed_of)) {}
  virtual ~StreamConnection() = default;
  StreamConnection(const StreamConnection&) = delete;
  StreamConnection& operator=(const StreamConnection&) = delete;

  virtual void send(std::string payload, Frames frames) = 0;
  // Closes the socket without a close frame once what is queued has been written (at once
  // when `flush` is false).
  virtual void drop(bool flush) = 0;

  const Stream kind;
  const std::string feed;  // iex, sip, test; empty for the trade stream
  bool authenticated = false;
  bool listening = false;  // trade_updates
  bool closed = false;
  std::map<std::string, std::set<std::string>> channels;  // market data: channel -> symbols
};

struct PaperVenue::Impl {
  explicit Impl(PaperVenueOptions opts);

  // Runs `fn` on the server thread and returns its result.
  template <class Fn>
  auto call(Fn fn) -> decltype(fn()) {
    if (std::this_thread::get_id() == io_thread.load()) return fn();
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    boost::asio::post(io, [&task] { task(); });
    return result.get();
  }

  // paper_venue_net.cpp
  void accept();
  void shutdown();

  // paper_venue.cpp: the protocol
  RestReply rest(const RestRequest& request);
  RestReply trading(const RestRequest& request);
  RestReply historical_bars(const RestRequest& request);  // paper_venue_bars.cpp
  // nullopt: upgrade to a WebSocket of that kind and feed; otherwise the HTTP refusal.
  std::optional<RestReply> upgrade(const RestRequest& request, Stream& kind, std::string& feed);
  void opened(const std::shared_ptr<StreamConnection>& connection);
  void received(const std::shared_ptr<StreamConnection>& connection, const std::string& text);
  void closed(StreamConnection* connection);
  void auth_timeout(const std::shared_ptr<StreamConnection>& connection);
  void data_message(StreamConnection& connection, const std::string& text);
  void trade_message(StreamConnection& connection, const std::string& text);
  void send_data(StreamConnection& connection, const std::string& payload);
  void send_trade(StreamConnection& connection, const std::string& payload);
  void broadcast(std::vector<venue::TradeUpdate>& updates);
  void deliver(const std::string& payload);
  std::optional<core::Timestamp> publish_next();
  void tick();
  [[nodiscard]] core::Timestamp now() const;
  core::Timestamp stamp();  // now(), strictly later than the last stamp (order timestamps)

  // paper_venue_control.cpp
  RestReply control(const RestRequest& request);

  PaperVenueOptions options;
  PaperVenue* owner = nullptr;  // the control endpoint scripts through the public API
  // Declared first, destroyed last: the sessions that pending handlers own go with it.
  boost::asio::io_context io{1};
  boost::asio::ip::tcp::acceptor acceptor{io};
  std::optional<boost::asio::ssl::context> tls;
  std::uint16_t port = 0;
  std::thread thread;
  std::atomic<std::thread::id> io_thread;  // set by the server thread itself
  bool stopping = false;

  venue::OrderBook book;
  std::map<std::string, std::map<core::Timestamp, VenueBar>> market;  // symbol -> t -> bar
  std::optional<core::Timestamp> published;                           // the last minute sent
  core::Timestamp virtual_now;
  core::Timestamp last_stamp{};
  boost::asio::steady_timer play_timer{io};
  std::chrono::milliseconds play_interval{0};
  bool playing = false;
  int messages = 0;  // data messages sent, for the key order

  std::vector<std::shared_ptr<StreamConnection>> connections;
  std::vector<VenueRequest> recorded;
  std::vector<BarFrameSent> bar_frames;
  int accepted = 0;
  int served = 0;
  int fail_count = 0;
  int fail_status = 0;
  std::optional<int> fail_retry_after;
  int delay_count = 0;
  std::chrono::milliseconds delay{0};
  int swallow_count = 0;
  bool forbidden = false;
  int refuse_count = 0;
  int refuse_status = 0;
  bool data_silent = false;
  bool trade_silent = false;
  bool data_slot_taken = false;
  std::chrono::milliseconds ghost_hold{0};
  std::chrono::steady_clock::time_point ghost_until{};
  Frames trade_frames = Frames::binary;
  UpdateDelivery delivery = UpdateDelivery::deliver;
  std::deque<std::string> held_updates;
  int updates_sent = 0;
};

}  // namespace trader::testing
