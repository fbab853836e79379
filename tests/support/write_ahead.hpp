#pragma once
// The pieces of the write-ahead and restore tests (issue 12 items 2 and 3): repositories that
// count every stored transition and report it after its commit (the test session prints it, or
// dies right there, or throws), a repository that stores nothing (an in-process twin of a
// session that only needs the counting), and the scripted session itself - the golden
// scenario's bars with Velez through SimBroker - shared by the helper executable and the tests.

#include <functional>
#include <set>
#include <string>
#include <vector>

#include <trader/data/csv_reader.hpp>
#include <trader/orders/order_repository.hpp>
#include <trader/strategy/registry.hpp>

namespace trader::testing {

// Called after each stored transition with its number (from 1) and a line naming it:
// "order <local id> <event type> <new state>" or "trade <correlation id> <pnl>".
struct WriteCounter {
  int count = 0;
  std::function<void(int, const std::string&)> after;
  void wrote(const std::string& line) {
    ++count;
    if (after) after(count, line);
  }
};

[[nodiscard]] inline std::string write_line(const orders::OrderEventRecord& e) {
  return "order " + e.order_local_id + " " + e.event_type + " " +
         std::string(orders::to_string(e.new_state));
}
[[nodiscard]] inline std::string write_line(const orders::TradeRecord& t) {
  return "trade " + t.correlation_id + " " + t.pnl.to_string();
}

class CountingOrderRepository final : public orders::OrderRepository {
 public:
  CountingOrderRepository(orders::OrderRepository& inner, WriteCounter& counter)
      : inner_(inner), counter_(counter) {}
  void insert(const orders::OrderRecord& order, const orders::OrderEventRecord& event) override {
    inner_.insert(order, event);
    counter_.wrote(write_line(event));
  }
  void update(orders::OrderRecord& order, const orders::OrderEventRecord& event) override {
    inner_.update(order, event);
    counter_.wrote(write_line(event));
  }
  std::optional<orders::OrderRecord> find_by_local_id(std::string_view id) override {
    return inner_.find_by_local_id(id);
  }
  std::optional<orders::OrderRecord> find_by_broker_id(std::string_view id) override {
    return inner_.find_by_broker_id(id);
  }
  std::optional<orders::OrderRecord> find_by_client_order_id(std::string_view id) override {
    return inner_.find_by_client_order_id(id);
  }
  std::vector<orders::OrderRecord> non_terminal() override { return inner_.non_terminal(); }
  std::vector<orders::OrderRecord> open_round_trips() override { return inner_.open_round_trips(); }
  std::vector<orders::OrderEventRecord> events(std::string_view id) override {
    return inner_.events(id);
  }

 private:
  orders::OrderRepository& inner_;
  WriteCounter& counter_;
};

class CountingTradeRepository final : public orders::TradeRepository {
 public:
  CountingTradeRepository(orders::TradeRepository& inner, WriteCounter& counter)
      : inner_(inner), counter_(counter) {}
  bool insert(const orders::TradeRecord& trade) override {
    const bool stored = inner_.insert(trade);
    if (stored) counter_.wrote(write_line(trade));
    return stored;
  }
  std::vector<orders::TradeRecord> closed_between(core::Timestamp from,
                                                  core::Timestamp to) override {
    return inner_.closed_between(from, to);
  }

 private:
  orders::TradeRepository& inner_;
  WriteCounter& counter_;
};

// Stores nothing, answers like an empty store; keeps the versions and trade idempotence (F15).
class NullOrderRepository final : public orders::OrderRepository {
 public:
  void insert(const orders::OrderRecord&, const orders::OrderEventRecord&) override {}
  void update(orders::OrderRecord& order, const orders::OrderEventRecord&) override {
    ++order.version;
  }
  std::optional<orders::OrderRecord> find_by_local_id(std::string_view) override { return {}; }
  std::optional<orders::OrderRecord> find_by_broker_id(std::string_view) override { return {}; }
  std::optional<orders::OrderRecord> find_by_client_order_id(std::string_view) override {
    return {};
  }
  std::vector<orders::OrderRecord> non_terminal() override { return {}; }
  std::vector<orders::OrderRecord> open_round_trips() override { return {}; }
  std::vector<orders::OrderEventRecord> events(std::string_view) override { return {}; }
};

class NullTradeRepository final : public orders::TradeRepository {
 public:
  bool insert(const orders::TradeRecord& trade) override {
    return correlations_.insert(trade.correlation_id).second;
  }
  std::vector<orders::TradeRecord> closed_between(core::Timestamp, core::Timestamp) override {
    return {};
  }

 private:
  std::set<std::string> correlations_;
};

// The scripted session: the golden scenario (436 bars of AAPL over three sessions) with Velez
// and the default settings. Its client order ids are "s1-1", "s1-2", ...
struct ScriptedSession {
  ScriptedSession()
      : velez(strategy::StrategyRegistry::with_builtins().configure("velez", {}, {})) {
    data::CsvReadOptions options;
    options.symbol = "AAPL";
    auto table = symbols;
    for (const auto& record : data::read_csv(
             std::string(SOURCE_ROOT) + "/tests/fixtures/golden_scenario.csv", options, table)) {
      bars.push_back(record.bar);
    }
  }
  data::SymbolTable symbols = data::SymbolTable::sorted({"AAPL"});
  strategy::StrategyBlueprint velez;
  std::vector<data::Bar> bars;
};

}  // namespace trader::testing
