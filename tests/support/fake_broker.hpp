#pragma once
// A broker double that records the commands it is given and answers as configured; tests push
// the other events. By default it acknowledges a submit or a replace at once, from inside the
// command, as SimBroker does; with auto_ack = false the test pushes the answers (or never does).

#include <string>
#include <vector>

#include <trader/broker/broker.hpp>

namespace trader::testing {

class FakeBroker final : public broker::Broker {
 public:
  void set_listener(broker::OrderEventListener* listener) override { listener_ = listener; }
  broker::CommandResult submit(const orders::OrderRequest& request) override {
    submitted.push_back(request);
    if (!refuse_with.empty()) return broker::CommandResult::refused(refuse_with);
    if (auto_ack) {
      orders::OrderEvent ack = event_for(request, orders::OrderEventType::submitted);
      ack.broker_order_id = "broker-" + std::to_string(submitted.size());
      push(ack);
    }
    return broker::CommandResult::ok();
  }
  broker::CommandResult cancel(const broker::OrderRef& order) override {
    canceled.emplace_back(order.broker_order_id.empty() ? order.client_order_id
                                                        : order.broker_order_id);
    canceled_clients.emplace_back(order.client_order_id);
    if (!refuse_with.empty()) return broker::CommandResult::refused(refuse_with);
    return broker::CommandResult::ok();
  }
  broker::CommandResult replace(const broker::OrderRef& order,
                                const broker::ReplaceRequest& r) override {
    const std::string id(order.broker_order_id);
    replaced.push_back(id);
    replace_requests.push_back(r);
    if (r.stop_price) replaced_stops.push_back(*r.stop_price);
    if (!refuse_with.empty()) return broker::CommandResult::refused(refuse_with);
    if (auto_ack) {
      orders::OrderEvent ack;
      ack.type = orders::OrderEventType::replaced;
      ack.broker_order_id = id;
      ack.client_order_id = std::string(order.client_order_id);
      ack.new_broker_order_id = new_id_on_replace.empty() ? id : new_id_on_replace;
      ack.qty = r.qty;
      ack.stop_price = r.stop_price;
      ack.limit_price = r.limit_price;
      push(ack);
    }
    return broker::CommandResult::ok();
  }
  std::vector<broker::BrokerPosition> positions() override { return {}; }
  broker::AccountSnapshot account() override { return {equity, equity, equity}; }
  void push(const orders::OrderEvent& e) {
    if (listener_ != nullptr) listener_->on_order_event(e);
  }
  // An event about a submitted order, addressed by its client order id (and the broker id this
  // double gave it).
  [[nodiscard]] orders::OrderEvent event_for(const orders::OrderRequest& request,
                                             orders::OrderEventType type) const {
    orders::OrderEvent e;
    e.type = type;
    e.client_order_id = request.client_order_id;
    e.symbol_id = request.symbol_id;
    e.side = request.side;
    for (std::size_t i = 0; i < submitted.size(); ++i) {
      if (submitted[i].client_order_id == request.client_order_id) {
        e.broker_order_id = "broker-" + std::to_string(i + 1);
      }
    }
    return e;
  }

  std::vector<orders::OrderRequest> submitted;
  std::vector<std::string> canceled;  // the broker id when known, else the client id
  std::vector<std::string> canceled_clients;
  std::vector<std::string> replaced;
  std::vector<broker::ReplaceRequest> replace_requests;
  std::vector<core::Decimal> replaced_stops;
  std::string refuse_with;
  std::string new_id_on_replace;
  bool auto_ack = true;
  core::Decimal equity = core::Decimal::from_integer(100'000);

 private:
  broker::OrderEventListener* listener_ = nullptr;
};

}  // namespace trader::testing
