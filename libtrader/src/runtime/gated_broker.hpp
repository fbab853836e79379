#pragma once
// The broker as the runtime hands it to the engine: a decorator over the real one that
//  - holds new orders while the trade-update stream is not listening (a fill sent while nobody
//    listens is what a restart or the audit must catch later): a held order goes out as soon as
//    the stream listens again; after `max_wait` an entry fails safe (submit_failed, logged) while
//    a protective order (stop, exit) goes out anyway, because an unprotected position is worse;
//  - keeps what the stream said of every order still open, for the order audit, which compares
//    it with the broker's REST state and applies what the stream never delivered (stream_gap);
//  - with ExitOrder::cancel_stop_first (Alpaca, where a working stop holds the shares and a sell
//    for them is refused as insufficient quantity): a market exit of a position whose stop is
//    working cancels the stop first and goes out once the broker confirms the cancel; when the
//    stop fills first, the exit is not sent (it would open a short) and fails instead.
// Private to the runtime; everything runs on the io_context's thread.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <trader/broker/broker.hpp>
#include <trader/net/timers.hpp>
#include <trader/runtime/clock.hpp>
#include <trader/runtime/order_audit.hpp>

namespace trader::runtime {

enum class ExitOrder : std::uint8_t {
  with_stop_working,  // a simulated broker: the stop stays until the exit fills (as backtests)
  cancel_stop_first,  // Alpaca
};

class GatedBroker final : public broker::Broker, public broker::OrderEventListener {
 public:
  // `listening`: the trade-update stream is authorized and listening (always true for a
  // simulated broker).
  GatedBroker(broker::Broker& inner, Clock& clock, std::function<bool()> listening,
              std::chrono::milliseconds max_wait,
              ExitOrder exit_order = ExitOrder::with_stop_working);
  ~GatedBroker() override;
  GatedBroker(const GatedBroker&) = delete;
  GatedBroker& operator=(const GatedBroker&) = delete;

  void set_listener(broker::OrderEventListener* listener) override;
  broker::CommandResult submit(const orders::OrderRequest& request) override;
  broker::CommandResult cancel(const broker::OrderRef& order) override;
  broker::CommandResult replace(const broker::OrderRef& order,
                                const broker::ReplaceRequest& request) override;
  [[nodiscard]] std::vector<broker::BrokerPosition> positions() override;
  [[nodiscard]] broker::AccountSnapshot account() override;

  void on_order_event(const orders::OrderEvent& event) override;

  // An order that exists already (restored after a restart): followed by the audit.
  void follow(TrackedOrder order);
  // The orders still open as far as the events said, oldest first.
  [[nodiscard]] std::vector<TrackedOrder> open_orders() const;
  // An order has waited longer than expected: a market order not filled, or a submission not
  // answered, `patience` after it was sent.
  [[nodiscard]] bool overdue(std::chrono::milliseconds patience) const;
  // Delivers an event the stream never did (the audit's), as if it had.
  void deliver(const orders::OrderEvent& event);
  // Orders held now because the stream is not listening.
  [[nodiscard]] std::size_t held() const noexcept { return held_.size(); }
  // Shutdown: held entries fail now, held protective orders go out.
  void release_all();
  // Observers (metrics): every event that reaches the engine, every order that goes out.
  std::function<void(const orders::OrderEvent&)> on_event;
  std::function<void(const orders::OrderRequest&)> on_send;

 private:
  struct Held {
    enum class Kind : std::uint8_t { submit, replace } kind = Kind::submit;
    orders::OrderRequest request;  // submit
    std::string client_order_id;   // replace
    std::string broker_order_id;
    broker::ReplaceRequest change;
    core::Timestamp deadline;
  };
  void arm();
  void poll();
  void send_held(Held& h, bool expired);
  void note_event(const orders::OrderEvent& event);
  broker::CommandResult submit_now(const orders::OrderRequest& request);
  // An exit waiting for its position's stop to be cancelled: sent, or failed when the stop
  // filled.
  void after_stop_ended(const orders::OrderEvent& event);

  broker::Broker& inner_;
  Clock& clock_;
  std::function<bool()> listening_;
  std::chrono::milliseconds max_wait_;
  ExitOrder exit_order_;
  std::map<std::string, orders::OrderRequest> exits_after_stop_;  // by the stop's client id
  broker::OrderEventListener* listener_ = nullptr;
  std::deque<Held> held_;
  net::TimerHandle poll_timer_;
  std::map<std::string, TrackedOrder> open_;  // by client order id
};

}  // namespace trader::runtime
