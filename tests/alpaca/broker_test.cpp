// AlpacaBroker against the paper-venue double over real sockets, plain and TLS (issue 13):
// commands out, order events back on the io_context's thread.
#include <trader/alpaca/broker.hpp>

#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <trader/alpaca/error.hpp>
#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/net/timers.hpp>

#include "support/paper_venue.hpp"
#include "support/secret_canary.hpp"
#include "support/tls_material.hpp"

namespace trader::testing {
namespace {

using alpaca::AlpacaBroker;
using core::Decimal;
using orders::OrderEvent;
using orders::OrderEventType;
using namespace std::chrono_literals;

struct Recorder final : broker::OrderEventListener {
  std::vector<OrderEvent> events;
  void on_order_event(const OrderEvent& event) override { events.push_back(event); }

  [[nodiscard]] const OrderEvent* find(OrderEventType type, const std::string& client_id) const {
    const auto found = std::find_if(events.begin(), events.end(), [&](const OrderEvent& e) {
      return e.type == type && e.client_order_id == client_id;
    });
    return found == events.end() ? nullptr : &*found;
  }
  [[nodiscard]] int count(OrderEventType type, const std::string& client_id) const {
    return static_cast<int>(std::count_if(events.begin(), events.end(), [&](const OrderEvent& e) {
      return e.type == type && e.client_order_id == client_id;
    }));
  }
};

// A venue, a broker talking to it and the loop they share. Waits run the loop until a
// condition holds (a generous real-time guard only stops a hung test; nothing asserts on time).
class Harness {
 public:
  explicit Harness(bool tls, std::string api_key = {}) : venue_(venue_options(tls)) {
    timers_ = net::scaled_timers(io_, 20.0);  // retry waits and pings 20x faster
    alpaca::BrokerOptions options;
    options.trading_url = venue_.base_url();
    options.trade_stream_url = venue_.trade_stream_url();
    options.api_key = config::Secret(api_key.empty() ? venue_.options().api_key : api_key);
    options.secret_key = config::Secret(venue_.options().secret_key);
    options.ca_file = ca_file_;
    options.request_timeout = 5s;
    options.timers = timers_.get();
    broker_ = std::make_unique<AlpacaBroker>(io_, options);
    broker_->set_listener(&recorder_);
  }
  ~Harness() {
    broker_.reset();
    if (!ca_file_.empty()) std::remove(ca_file_.c_str());
  }
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  bool wait(const std::function<bool()>& done) {
    const auto guard = std::chrono::steady_clock::now() + 20s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > guard) return false;
      if (io_.stopped()) io_.restart();
      io_.run_for(5ms);
    }
    return true;
  }
  bool wait_for(OrderEventType type, const std::string& client_id) {
    return wait([&] { return recorder_.find(type, client_id) != nullptr; });
  }
  // Runs the loop a little longer: late duplicates would show up.
  void settle() {
    for (int i = 0; i < 40; ++i) {
      if (io_.stopped()) io_.restart();
      io_.run_for(5ms);
    }
  }

  boost::asio::io_context& io() { return io_; }
  PaperVenue& venue() { return venue_; }
  AlpacaBroker& broker() { return *broker_; }
  Recorder& recorder() { return recorder_; }

 private:
  PaperVenueOptions venue_options(bool tls) {
    PaperVenueOptions options;
    if (tls) {
      const TestCertificateAuthority authority("alpaca broker test CA");
      options.tls = authority.issue({"127.0.0.1"});
      static int files = 0;
      ca_file_ = "alpaca-broker-test-ca-" + std::to_string(++files) + ".pem";
      std::ofstream(ca_file_) << authority.certificate_pem();
    }
    return options;
  }

  boost::asio::io_context io_;
  std::string ca_file_;
  PaperVenue venue_;
  std::unique_ptr<net::TimerSource> timers_;
  Recorder recorder_;
  std::unique_ptr<AlpacaBroker> broker_;
};

orders::OrderRequest order(const std::string& id, orders::OrderType type,
                           orders::TimeInForce tif = orders::TimeInForce::day,
                           orders::Side side = orders::Side::buy, std::int64_t qty = 10) {
  orders::OrderRequest r;
  r.client_order_id = id;
  r.symbol = "AAPL";
  r.symbol_id = data::SymbolId{3};
  r.side = side;
  r.type = type;
  r.time_in_force = tif;
  r.qty = qty;
  if (type == orders::OrderType::limit || type == orders::OrderType::stop_limit) {
    r.limit_price = Decimal::parse("101.37");
  }
  if (type == orders::OrderType::stop || type == orders::OrderType::stop_limit) {
    r.stop_price = Decimal::parse("102.05");
  }
  return r;
}

std::vector<VenueBar> minutes(core::Timestamp from, int count, const char* open) {
  std::vector<VenueBar> bars;
  for (int i = 0; i < count; ++i) {
    const Decimal o = Decimal::parse(open);
    bars.push_back(VenueBar{from + std::chrono::minutes(i), o, o + Decimal::parse("0.5"),
                            o - Decimal::parse("0.5"), o, 100, 1});
  }
  return bars;
}

TEST_CASE("AlpacaBroker: every order type and time in force round-trips, plain and TLS") {
  for (const bool tls : {false, true}) {
    CAPTURE(tls);
    Harness h(tls);
    int n = 0;
    for (const auto type : {orders::OrderType::market, orders::OrderType::limit,
                            orders::OrderType::stop, orders::OrderType::stop_limit}) {
      for (const auto tif : {orders::TimeInForce::day, orders::TimeInForce::gtc}) {
        const std::string id = "rt-" + std::to_string(++n);
        CAPTURE(id);
        const orders::OrderRequest request = order(id, type, tif);
        REQUIRE(h.broker().submit(request).sent);
        REQUIRE(h.wait_for(OrderEventType::submitted, id));
        const OrderEvent& submitted = *h.recorder().find(OrderEventType::submitted, id);
        const auto placed = h.venue().order_by_client_id(id);
        REQUIRE(placed.has_value());
        CHECK(submitted.broker_order_id == placed->id);
        CHECK(submitted.symbol_id == data::SymbolId{3});
        CHECK(placed->type == orders::to_string(type));
        CHECK(placed->time_in_force == orders::to_string(tif));
        CHECK(placed->qty == Decimal::from_integer(10));
        CHECK(placed->limit_price == request.limit_price);
        CHECK(placed->stop_price == request.stop_price);
      }
    }
    CHECK(h.venue().orders().size() == 8);
  }
}

TEST_CASE("AlpacaBroker: an order refused locally is never sent") {
  Harness h(false);
  auto no_limit = order("bad-1", orders::OrderType::limit);
  no_limit.limit_price.reset();
  CHECK_FALSE(h.broker().submit(no_limit).sent);
  CHECK_FALSE(h.broker()
                  .submit(order("bad-2", orders::OrderType::market, orders::TimeInForce::day,
                                orders::Side::buy, 0))
                  .sent);
  CHECK_FALSE(h.broker().cancel(broker::OrderRef{"unknown", ""}).sent);
  h.settle();
  CHECK(h.venue().orders().empty());
  CHECK(h.recorder().events.empty());
}

TEST_CASE("alpaca::map_order_status: every Alpaca order status maps") {
  using alpaca::map_order_status;
  CHECK(map_order_status("new").event == OrderEventType::accepted);
  CHECK(map_order_status("partially_filled").event == OrderEventType::partial_fill);
  CHECK(map_order_status("filled").event == OrderEventType::fill);
  CHECK(map_order_status("filled").terminal);
  CHECK(map_order_status("canceled").event == OrderEventType::canceled);
  CHECK(map_order_status("expired").event == OrderEventType::expired);
  CHECK(map_order_status("replaced").event == OrderEventType::replaced);
  CHECK(map_order_status("rejected").event == OrderEventType::rejected);
  for (const char* terminal : {"filled", "canceled", "expired", "replaced", "rejected"}) {
    CAPTURE(terminal);
    CHECK(map_order_status(terminal).terminal);
  }
  for (const char* open : {"done_for_day", "pending_cancel", "pending_replace", "pending_new",
                           "accepted", "accepted_for_bidding", "stopped", "suspended", "calculated",
                           "held", "pending_review", "a_status_from_next_year"}) {
    CAPTURE(open);
    CHECK(map_order_status(open).event == OrderEventType::pending);
    CHECK_FALSE(map_order_status(open).terminal);
  }
  using alpaca::map_trade_event;
  CHECK(map_trade_event("new") == OrderEventType::accepted);
  CHECK(map_trade_event("fill") == OrderEventType::fill);
  CHECK(map_trade_event("partial_fill") == OrderEventType::partial_fill);
  CHECK(map_trade_event("order_cancel_rejected") == OrderEventType::cancel_rejected);
  CHECK(map_trade_event("order_replace_rejected") == OrderEventType::replace_rejected);
  CHECK(map_trade_event("restated") == OrderEventType::pending);
}

TEST_CASE("F22: a submit whose answer was lost is sent again with the same id: one order") {
  Harness h(false);
  h.venue().swallow_next_responses(1);
  REQUIRE(h.broker().submit(order("dup-1", orders::OrderType::market)).sent);
  REQUIRE(h.wait_for(OrderEventType::submitted, "dup-1"));
  h.settle();
  REQUIRE(h.venue().orders().size() == 1);
  CHECK(h.recorder().find(OrderEventType::submitted, "dup-1")->broker_order_id ==
        h.venue().orders().front().id);
  CHECK(h.recorder().count(OrderEventType::submitted, "dup-1") == 1);
  CHECK(h.recorder().count(OrderEventType::submit_failed, "dup-1") == 0);
  int posts = 0;
  for (const auto& request : h.venue().requests()) {
    if (request.method == "POST" && request.target == "/v2/orders") ++posts;
  }
  CHECK(posts == 2);
}

TEST_CASE("a submit answered 3 s late never blocks the io_context: a 10 ms timer keeps ticking") {
  Harness h(true);
  h.venue().delay_next_responses(1, 3'000ms);
  REQUIRE(h.broker().submit(order("slow-1", orders::OrderType::market)).sent);
  using Clock = std::chrono::steady_clock;
  boost::asio::steady_timer ticker(h.io());
  std::vector<double> lateness_ms;
  bool done = false;
  Clock::time_point due = Clock::now() + 10ms;
  std::function<void()> arm = [&] {
    ticker.expires_at(due);
    ticker.async_wait([&](const boost::system::error_code& ec) {
      if (ec || done) return;
      lateness_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - due).count());
      due += 10ms;
      if (due < Clock::now()) due = Clock::now();  // a late tick does not bunch the next ones
      arm();
    });
  };
  arm();
  REQUIRE(
      h.wait([&] { return h.recorder().find(OrderEventType::submitted, "slow-1") != nullptr; }));
  done = true;
  ticker.cancel();
  h.settle();
  REQUIRE(!lateness_ms.empty());
  std::sort(lateness_ms.begin(), lateness_ms.end());
  MESSAGE("ticks while the submit waited: " << lateness_ms.size() << ", timer lateness p50 "
                                            << lateness_ms[lateness_ms.size() / 2] << " ms, p99 "
                                            << lateness_ms[lateness_ms.size() * 99 / 100]
                                            << " ms, max " << lateness_ms.back() << " ms");
  // ~300 ticks on an idle machine; a loop blocked for the 3 s gives 0 or 1 and a 3,000 ms max.
  CHECK(lateness_ms.size() >= 30);
  CHECK(lateness_ms.back() < 1'000.0);
  CHECK(h.venue().orders().size() == 1);
}

TEST_CASE("F22: submitting the same client order id twice yields one order, both submitted") {
  Harness h(false);
  REQUIRE(h.broker().submit(order("twice-1", orders::OrderType::market)).sent);
  REQUIRE(h.wait_for(OrderEventType::submitted, "twice-1"));
  REQUIRE(h.broker().submit(order("twice-1", orders::OrderType::market)).sent);
  REQUIRE(h.wait([&] { return h.recorder().count(OrderEventType::submitted, "twice-1") == 2; }));
  CHECK(h.venue().orders().size() == 1);
}

TEST_CASE("F15: a replace follows the new order id; a later cancel goes to the new order") {
  Harness h(false);
  auto request = order("rep-1", orders::OrderType::limit);
  REQUIRE(h.broker().submit(request).sent);
  REQUIRE(h.wait_for(OrderEventType::submitted, "rep-1"));
  const std::string old_id = h.recorder().find(OrderEventType::submitted, "rep-1")->broker_order_id;
  broker::ReplaceRequest change;
  change.limit_price = Decimal::parse("100.11");
  change.qty = 12;
  REQUIRE(h.broker().replace(broker::OrderRef{"rep-1", old_id}, change).sent);
  REQUIRE(h.wait_for(OrderEventType::replaced, "rep-1"));
  const OrderEvent& replaced = *h.recorder().find(OrderEventType::replaced, "rep-1");
  const auto orders = h.venue().orders();
  const auto newer = std::find_if(orders.begin(), orders.end(), [&](const VenueOrder& o) {
    return o.replaces && *o.replaces == old_id;
  });
  REQUIRE(newer != orders.end());
  CHECK(replaced.broker_order_id == old_id);
  CHECK(replaced.new_broker_order_id == newer->id);
  CHECK(replaced.limit_price == Decimal::parse("100.11"));
  CHECK(replaced.qty == 12);

  // The engine may still name the old id: the cancel reaches the order in force.
  REQUIRE(h.broker().cancel(broker::OrderRef{"rep-1", old_id}).sent);
  REQUIRE(h.wait([&] {
    const auto now = h.venue().order_by_client_id(newer->client_order_id);
    return now && now->status == "canceled";
  }));
  CHECK(h.recorder().count(OrderEventType::cancel_rejected, "rep-1") == 0);
}

TEST_CASE(
    "a refused replace and a refused cancel come back as replace_rejected and "
    "cancel_rejected") {
  Harness h(false);
  REQUIRE(h.broker().submit(order("ref-1", orders::OrderType::limit)).sent);
  REQUIRE(h.wait_for(OrderEventType::submitted, "ref-1"));
  const std::string id = h.recorder().find(OrderEventType::submitted, "ref-1")->broker_order_id;
  broker::ReplaceRequest same;
  same.limit_price = Decimal::parse("101.37");
  REQUIRE(h.broker().replace(broker::OrderRef{"ref-1", id}, same).sent);
  REQUIRE(h.wait_for(OrderEventType::replace_rejected, "ref-1"));
  CHECK_FALSE(h.recorder().find(OrderEventType::replace_rejected, "ref-1")->reason.empty());

  REQUIRE(h.broker().cancel(broker::OrderRef{"ref-1", id}).sent);
  REQUIRE(h.wait([&] { return h.venue().order_by_client_id("ref-1")->status == "canceled"; }));
  h.settle();
  // Canceling it again: Alpaca answers 422, the order is no longer open.
  REQUIRE(h.broker().cancel(broker::OrderRef{"ref-1", id}).sent);
  REQUIRE(h.wait_for(OrderEventType::cancel_rejected, "ref-1"));
}

TEST_CASE("each business rejection reaches the listener as a rejection with Alpaca's message") {
  struct Case {
    BusinessError error;
    const char* words;
  };
  Harness h(false);
  int n = 0;
  for (const Case& c : {Case{BusinessError::insufficient_buying_power, "buying power"},
                        Case{BusinessError::insufficient_qty, "insufficient qty"},
                        Case{BusinessError::wash_trade, "wash trade"},
                        Case{BusinessError::wash_trade_422, "wash trade"},
                        Case{BusinessError::pattern_day_trader, "pattern day trading"}}) {
    const std::string id = "biz-" + std::to_string(++n);
    CAPTURE(id);
    h.venue().reject_next_order(c.error);
    REQUIRE(h.broker().submit(order(id, orders::OrderType::market)).sent);
    REQUIRE(h.wait_for(OrderEventType::rejected, id));
    CHECK(h.recorder().find(OrderEventType::rejected, id)->reason.find(c.words) !=
          std::string::npos);
    CHECK(h.recorder().count(OrderEventType::submit_failed, id) == 0);
  }
  // Still usable afterwards: a rejection is about one order, not the keys.
  CHECK(h.broker().fatal_error().empty());
  REQUIRE(h.broker().submit(order("biz-ok", orders::OrderType::market)).sent);
  CHECK(h.wait_for(OrderEventType::submitted, "biz-ok"));
}

TEST_CASE("a 401 stops the broker with a message naming ALGO_BROKER__API_KEY, the key masked") {
  Harness h(false, std::string(kCanaryKey));
  REQUIRE(h.broker().submit(order("auth-1", orders::OrderType::market)).sent);
  REQUIRE(h.wait_for(OrderEventType::submit_failed, "auth-1"));
  const std::string reason = h.recorder().find(OrderEventType::submit_failed, "auth-1")->reason;
  CHECK(reason.find("ALGO_BROKER__API_KEY") != std::string::npos);
  CHECK(reason.find(config::Secret(std::string(kCanaryKey)).masked()) != std::string::npos);
  CHECK(leaked_canary(reason).empty());
  CHECK(h.broker().fatal_error() == reason);
  // Stopped: later commands are refused at once with the same message.
  const auto again = h.broker().submit(order("auth-2", orders::OrderType::market));
  CHECK_FALSE(again.sent);
  CHECK(again.reason == reason);
  try {
    static_cast<void>(h.broker().account_info());
    FAIL("no AuthError");
  } catch (const alpaca::AuthError& e) {
    CHECK(std::string(e.what()).find("ALGO_BROKER__API_KEY") != std::string::npos);
    CHECK(leaked_canary(e.what()).empty());
  }
  CHECK(h.venue().orders().empty());
}

TEST_CASE("account, positions, clock and calendar: exact values from the venue") {
  Harness h(true);
  const alpaca::AccountInfo account = h.broker().account_info();
  CHECK(account.cash.value == Decimal::from_integer(100000));
  CHECK(account.cash.text == "100000");
  CHECK(account.account_number == "PA3VENUE0001");
  CHECK(account.is_paper);
  const broker::AccountSnapshot snapshot = h.broker().account();
  CHECK(snapshot.equity == Decimal::from_integer(100000));
  CHECK(h.broker().positions().empty());
  const alpaca::ClockInfo clock = h.broker().clock();
  CHECK(clock.timestamp == h.venue().now());
  CHECK(clock.is_open);
  const auto days = h.broker().calendar(core::Date{std::chrono::year{2026} / 3 / 2},
                                        core::Date{std::chrono::year{2026} / 3 / 6});
  REQUIRE(days.size() == 5);
  CHECK(days.front().open == "09:30");
}

TEST_CASE("trade updates in binary and in text frames become order events, each once") {
  for (const Frames frames : {Frames::binary, Frames::text}) {
    const bool text = frames == Frames::text;
    CAPTURE(text);
    Harness h(text);
    h.venue().set_trade_frames(frames);
    const core::Timestamp start = h.venue().now();
    h.venue().add_bars("AAPL", minutes(start, 3, "101.25"));
    h.broker().start_stream();
    REQUIRE(h.wait([&] { return h.broker().stream_listening(); }));
    REQUIRE(h.broker().submit(order("tu-1", orders::OrderType::market)).sent);
    REQUIRE(h.wait_for(OrderEventType::accepted, "tu-1"));
    REQUIRE(h.venue().publish_next().has_value());
    REQUIRE(h.wait_for(OrderEventType::fill, "tu-1"));
    const OrderEvent& fill = *h.recorder().find(OrderEventType::fill, "tu-1");
    CHECK(fill.fill_qty == 10);
    CHECK(fill.filled_qty == 10);
    CHECK(fill.fill_price == Decimal::parse("101.25"));
    CHECK(fill.symbol_id == data::SymbolId{3});
    h.settle();
    CHECK(h.recorder().count(OrderEventType::fill, "tu-1") == 1);
    CHECK(h.recorder().count(OrderEventType::accepted, "tu-1") == 1);
    // The position the fill made, exact.
    const auto positions = h.broker().position_infos();
    REQUIRE(positions.size() == 1);
    CHECK(positions.front().qty.value == Decimal::from_integer(10));
    CHECK(positions.front().avg_entry_price.value == Decimal::parse("101.25"));
  }
}

TEST_CASE("F20: a dropped trade update is recovered by the REST catch-up after a reconnect, once") {
  Harness h(false);
  const core::Timestamp start = h.venue().now();
  h.venue().add_bars("AAPL", minutes(start, 3, "99.5"));
  h.broker().start_stream();
  REQUIRE(h.wait([&] { return h.broker().stream_listening(); }));
  REQUIRE(h.broker().submit(order("cu-1", orders::OrderType::market)).sent);
  REQUIRE(h.wait_for(OrderEventType::accepted, "cu-1"));
  h.venue().set_update_delivery(UpdateDelivery::drop);
  REQUIRE(h.venue().publish_next().has_value());
  h.settle();
  CHECK(h.recorder().find(OrderEventType::fill, "cu-1") == nullptr);
  REQUIRE(h.venue().order_by_client_id("cu-1")->status == "filled");

  h.venue().set_update_delivery(UpdateDelivery::deliver);
  const int catch_ups = h.broker().catch_ups();
  h.venue().drop_connections(Stream::trade_updates);
  REQUIRE(h.wait([&] { return h.broker().catch_ups() > catch_ups; }));
  REQUIRE(h.wait_for(OrderEventType::fill, "cu-1"));
  const OrderEvent& fill = *h.recorder().find(OrderEventType::fill, "cu-1");
  CHECK(fill.fill_qty == 10);
  CHECK(fill.fill_price == Decimal::parse("99.5"));
  CHECK(h.broker().stream_sessions() >= 2);
  // A second reconnect finds nothing new.
  h.venue().drop_connections(Stream::trade_updates);
  REQUIRE(h.wait([&] { return h.broker().catch_ups() > catch_ups + 1; }));
  h.settle();
  CHECK(h.recorder().count(OrderEventType::fill, "cu-1") == 1);
}

TEST_CASE("a cancel on the stream arrives as canceled; a partial fill before it is reported") {
  Harness h(false);
  const core::Timestamp start = h.venue().now();
  h.venue().add_bars("AAPL", minutes(start, 3, "100"));
  h.broker().start_stream();
  REQUIRE(h.wait([&] { return h.broker().stream_listening(); }));
  auto request = order("pc-1", orders::OrderType::limit);
  request.limit_price = Decimal::parse("100.2");
  REQUIRE(h.broker().submit(request).sent);
  REQUIRE(h.wait_for(OrderEventType::accepted, "pc-1"));
  h.venue().partial_fill_next(Decimal::from_integer(4));
  REQUIRE(h.venue().publish_next().has_value());
  REQUIRE(h.wait_for(OrderEventType::partial_fill, "pc-1"));
  CHECK(h.recorder().find(OrderEventType::partial_fill, "pc-1")->filled_qty == 4);
  REQUIRE(h.broker().cancel(broker::OrderRef{"pc-1", ""}).sent);
  REQUIRE(h.wait_for(OrderEventType::canceled, "pc-1"));
  h.settle();
  CHECK(h.recorder().count(OrderEventType::canceled, "pc-1") == 1);
}

TEST_CASE("every trade event of the stream maps to an order event: transient ones to pending") {
  Harness h(false);
  h.broker().start_stream();
  REQUIRE(h.wait([&] { return h.broker().stream_listening(); }));
  REQUIRE(h.broker().submit(order("ev-1", orders::OrderType::limit)).sent);
  REQUIRE(h.broker().submit(order("ev-2", orders::OrderType::limit)).sent);
  REQUIRE(h.wait_for(OrderEventType::accepted, "ev-1"));
  REQUIRE(h.wait_for(OrderEventType::accepted, "ev-2"));
  const std::string id = h.venue().order_by_client_id("ev-1")->id;
  for (const char* event : {"done_for_day", "stopped", "calculated", "suspended", "pending_new",
                            "restated", "held", "accepted_for_bidding"}) {
    CAPTURE(event);
    REQUIRE(h.venue().announce(id, event));
    REQUIRE(h.wait([&] {
      return std::any_of(h.recorder().events.begin(), h.recorder().events.end(),
                         [&](const OrderEvent& e) {
                           return e.type == OrderEventType::pending && e.reason == event;
                         });
    }));
  }
  REQUIRE(h.venue().announce(id, "order_cancel_rejected"));
  REQUIRE(h.wait_for(OrderEventType::cancel_rejected, "ev-1"));
  REQUIRE(h.venue().announce(id, "order_replace_rejected"));
  REQUIRE(h.wait_for(OrderEventType::replace_rejected, "ev-1"));
  REQUIRE(h.venue().reject_order(id));
  REQUIRE(h.wait_for(OrderEventType::rejected, "ev-1"));
  h.venue().end_session();  // the open day order expires
  REQUIRE(h.wait_for(OrderEventType::expired, "ev-2"));
  h.settle();
  CHECK(h.recorder().count(OrderEventType::rejected, "ev-1") == 1);
  CHECK(h.recorder().count(OrderEventType::expired, "ev-2") == 1);
}

}  // namespace
}  // namespace trader::testing
