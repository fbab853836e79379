#pragma once
// A broker that answers late, for the engine's late-event tests (issue 12 item 1). It wraps a
// SimBroker, so orders match and fill exactly as in a backtest, but holds back every event the
// exchange emits and hands it to the engine some bars later: order updates (fills, cancels,
// expiries, rejections) after `update_delay` bars, the answers to commands (submitted,
// submit_failed, replaced, replace_rejected, cancel_rejected) after `ack_delay` bars. So a fill
// can overtake the answer to its own submit, as on Alpaca, where the stream is faster than the
// REST reply. Commands reach the exchange at once (a real broker has an order as soon as the
// request arrives); only the news travels slowly. At the session close everything held back is
// delivered: the end of the day is a point where the driver waits for the broker. With a delay of
// 0 the events pass through at once (SimBroker's own timing); either way every event the exchange
// emitted is kept in history(), the broker's memory that a reconciliation would ask.

#include <cstdint>
#include <deque>
#include <vector>

#include <trader/broker/broker.hpp>
#include <trader/broker/sim_broker.hpp>
#include <trader/broker/simulated_venue.hpp>

namespace trader::testing {

class DelayedBroker final : public broker::Broker,
                            public broker::SimulatedVenue,
                            private broker::OrderEventListener {
 public:
  DelayedBroker(const broker::SimulationSettings& settings, int update_delay, int ack_delay)
      : sim_(settings), update_delay_(update_delay), ack_delay_(ack_delay) {
    sim_.set_listener(this);
  }
  ~DelayedBroker() override { sim_.set_listener(nullptr); }
  DelayedBroker(const DelayedBroker&) = delete;
  DelayedBroker& operator=(const DelayedBroker&) = delete;

  void set_listener(broker::OrderEventListener* listener) override { listener_ = listener; }
  broker::CommandResult submit(const orders::OrderRequest& request) override {
    return sim_.submit(request);
  }
  broker::CommandResult cancel(const broker::OrderRef& order) override {
    return sim_.cancel(order);
  }
  broker::CommandResult replace(const broker::OrderRef& order,
                                const broker::ReplaceRequest& request) override {
    return sim_.replace(order, request);
  }
  std::vector<broker::BrokerPosition> positions() override { return sim_.positions(); }
  broker::AccountSnapshot account() override { return sim_.account(); }

  void on_market_bar(const data::Bar& bar) override {
    ++bar_;
    last_bar_ = bar.ts;
    deliver(bar_);  // what became due: the engine may send commands before the bar matches
    sim_.on_market_bar(bar);
  }
  void on_session_close(const calendar::Session& session) override {
    sim_.on_session_close(session);
    deliver(INT64_MAX);
  }

  [[nodiscard]] broker::SimBroker& exchange() noexcept { return sim_; }
  [[nodiscard]] const std::vector<orders::OrderEvent>& history() const noexcept { return history_; }
  // The time of the last bar the exchange was given (it may have been matching it when the
  // engine died).
  [[nodiscard]] core::Timestamp last_bar() const noexcept { return last_bar_; }
  [[nodiscard]] std::size_t held() const noexcept { return queue_.size(); }
  // How many events arrived after one the exchange emitted later (a fill before its ack, ...).
  [[nodiscard]] int overtakes() const noexcept { return overtakes_; }

 private:
  struct Held {
    orders::OrderEvent event;
    std::int64_t due;
    std::uint64_t sequence;  // emission order
  };
  static bool is_answer(orders::OrderEventType type) {
    using T = orders::OrderEventType;
    return type == T::submitted || type == T::submit_failed || type == T::replaced ||
           type == T::replace_rejected || type == T::cancel_rejected;
  }
  void on_order_event(const orders::OrderEvent& event) override {
    history_.push_back(event);
    const int delay = is_answer(event.type) ? ack_delay_ : update_delay_;
    if (delay == 0) {
      if (listener_ != nullptr) listener_->on_order_event(event);
      return;
    }
    queue_.push_back(Held{event, bar_ + delay, ++emitted_});
  }
  void deliver(std::int64_t now) {
    for (;;) {
      auto next = queue_.end();
      for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->due <= now && (next == queue_.end() || it->due < next->due)) next = it;
      }
      if (next == queue_.end()) return;
      const Held held = *next;
      queue_.erase(next);
      if (held.sequence < delivered_up_to_) ++overtakes_;
      delivered_up_to_ = std::max(delivered_up_to_, held.sequence);
      if (listener_ != nullptr) listener_->on_order_event(held.event);
    }
  }

  broker::SimBroker sim_;
  int update_delay_;
  int ack_delay_;
  broker::OrderEventListener* listener_ = nullptr;
  std::deque<Held> queue_;
  std::vector<orders::OrderEvent> history_;
  core::Timestamp last_bar_{};
  std::int64_t bar_ = 0;
  std::uint64_t emitted_ = 0;
  std::uint64_t delivered_up_to_ = 0;
  int overtakes_ = 0;
};

}  // namespace trader::testing
