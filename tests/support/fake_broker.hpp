#pragma once
// A broker double that records what it is asked and answers as configured; tests push events.

#include <string>
#include <vector>

#include <trader/broker/broker.hpp>

namespace trader::testing {

class FakeBroker final : public broker::Broker {
 public:
  void set_listener(broker::OrderEventListener* listener) override { listener_ = listener; }
  broker::SubmitResult submit(const orders::OrderRequest& request) override {
    submitted.push_back(request);
    if (!refuse_with.empty()) return {false, {}, refuse_with};
    return {true, "broker-" + std::to_string(submitted.size()), {}};
  }
  void cancel(std::string_view id) override { canceled.emplace_back(id); }
  broker::SubmitResult replace(std::string_view id, const broker::ReplaceRequest& r) override {
    replaced.emplace_back(id);
    if (r.stop_price) replaced_stops.push_back(*r.stop_price);
    return {true, new_id_on_replace.empty() ? std::string(id) : new_id_on_replace, {}};
  }
  std::vector<broker::BrokerPosition> positions() override { return {}; }
  broker::AccountSnapshot account() override { return {equity, equity, equity}; }
  void push(const orders::OrderEvent& e) {
    if (listener_ != nullptr) listener_->on_order_event(e);
  }

  std::vector<orders::OrderRequest> submitted;
  std::vector<std::string> canceled;
  std::vector<std::string> replaced;
  std::vector<core::Decimal> replaced_stops;
  std::string refuse_with;
  std::string new_id_on_replace;
  core::Decimal equity = core::Decimal::from_integer(100'000);

 private:
  broker::OrderEventListener* listener_ = nullptr;
};

}  // namespace trader::testing
