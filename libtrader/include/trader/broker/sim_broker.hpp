#pragma once
// The simulated exchange and account (F2, F3, F4, F6, F10, F11; docs/architecture.md): a book
// of pending orders per symbol matched against each 1-minute bar, fills in the reference's order
// (stop-losses, then entries, then market orders), slippage against the trader, clamped inside
// the bar and at $0.01. Its time is the bars' time. Cash never goes negative: a buy that needs
// more than the cash is rejected (F6).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <trader/broker/broker.hpp>
#include <trader/broker/cost_model.hpp>
#include <trader/broker/simulated_venue.hpp>

namespace trader::broker {

struct SimulationSettings {
  Decimal initial_cash = Decimal::from_integer(25'000);
  Decimal slippage_per_share = Decimal::from_units(1'000'000);  // $0.01
  CostModel costs;
  // F11: a stop placed for an entry filled on this bar is taken on the same bar when the bar's
  // low reaches it. Off by default (the reference never tests the entry bar against the stop).
  bool pessimistic_fills = false;

  [[nodiscard]] static SimulationSettings from(const config::BacktestSettings& s) {
    return SimulationSettings{s.initial_capital, s.slippage_per_share, CostModel(s),
                              s.pessimistic_fills};
  }
};

struct SimPosition {
  std::int64_t qty = 0;
  Decimal avg_entry_price;
  Decimal market_value;
  core::Timestamp opened_at;
};

class SimBroker final : public Broker, public SimulatedVenue {
 public:
  explicit SimBroker(SimulationSettings settings);

  void set_listener(OrderEventListener* listener) override { listener_ = listener; }
  // Acknowledged at once: `submitted` / `replaced` arrive from inside the call; an invalid
  // request (F3 sub-penny price, no quantity) is refused locally. The exchange's order id is the
  // client order id. Cancelling an order that is already gone does nothing (its end was reported).
  CommandResult submit(const orders::OrderRequest& request) override;
  CommandResult cancel(const OrderRef& ref) override;
  CommandResult replace(const OrderRef& ref, const ReplaceRequest& request) override;
  [[nodiscard]] std::vector<BrokerPosition> positions() override;
  [[nodiscard]] AccountSnapshot account() override;
  void on_market_bar(const data::Bar& bar) override;
  void on_session_close(const calendar::Session& session) override;

  [[nodiscard]] Decimal cash() const noexcept { return cash_; }
  [[nodiscard]] std::optional<SimPosition> position(data::SymbolId symbol) const;
  [[nodiscard]] std::size_t pending_orders() const noexcept;
  // Whether the order is still on the book (reconciliation of a replay, tests).
  [[nodiscard]] bool has_open_order(std::string_view client_order_id) const noexcept;
  // Fills larger than 10 % of their bar's volume (warned about, still filled: no partial fills).
  [[nodiscard]] std::size_t volume_warnings() const noexcept { return volume_warnings_; }

 private:
  struct Pending {
    orders::OrderRequest request;
    std::string id;
    std::uint64_t sequence = 0;  // submission order; the matching passes refer to it
    bool triggered = false;      // a stop-limit whose stop was reached: now a limit order
  };
  struct Book {
    std::vector<Pending> orders;  // insertion order
    std::optional<SimPosition> position;
    data::Bar last_bar{};  // when has_bar (a plain copy per bar, no optional's test)
    bool has_bar = false;
    std::string symbol;
    std::uint64_t opened_sequence = 0;

    [[nodiscard]] core::Timestamp last_ts() const noexcept {
      return has_bar ? last_bar.ts : core::Timestamp{};
    }
  };

  Book& book(data::SymbolId symbol) {
    const auto index = data::index_of(symbol);
    if (index < books_.size()) [[likely]]
      return books_[index];
    return grow_books(index);
  }
  Book& grow_books(std::uint32_t index);
  static Pending* find(Book& book, std::uint64_t sequence);
  // The open order `ref` names (its client order id, else the exchange's id), with its book.
  std::pair<Book*, Pending*> find(const OrderRef& ref);
  // An acknowledgement, delivered at once (not queued behind the bar's events).
  void acknowledge(const orders::OrderEvent& event);
  static void remove(Book& book, std::uint64_t sequence);
  // Fills the order at `price` on `bar` (F6 cash check, F10 costs, ghost fix on a closing sell).
  void execute(Book& book, std::uint64_t sequence, Decimal price, const data::Bar& bar);
  [[nodiscard]] static orders::OrderEvent event_for(const Pending& order,
                                                    orders::OrderEventType type,
                                                    core::Timestamp ts);
  void emit_cancel(const Pending& order, std::string reason, core::Timestamp ts);
  void dispatch();
  // The bar against a book with orders (on_market_bar's slow path).
  void match_bar(Book& book, const data::Bar& bar);
  void match(Book& book, const data::Bar& bar);
  void pessimistic_pass(Book& book, const data::Bar& bar, std::size_t first_new);

  SimulationSettings settings_;
  Decimal cash_;
  std::vector<Book> books_;  // by SymbolId
  std::uint64_t order_counter_ = 0;
  std::uint64_t open_counter_ = 0;
  OrderEventListener* listener_ = nullptr;
  std::vector<orders::OrderEvent> events_;  // of the bar being matched, dispatched after
  std::vector<std::uint64_t> pass_orders_;  // reused: no allocation per bar
  bool entry_filled_this_bar_ = false;
  std::size_t volume_warnings_ = 0;
};

}  // namespace trader::broker
