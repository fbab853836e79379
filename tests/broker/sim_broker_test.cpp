#include <trader/broker/sim_broker.hpp>

#include <doctest/doctest.h>

#include <memory>
#include <vector>

using trader::broker::SimBroker;
using trader::broker::SimulationSettings;
using trader::core::Decimal;
using trader::data::Bar;
using trader::data::SymbolId;
using trader::orders::OrderEvent;
using trader::orders::OrderEventType;
using trader::orders::OrderRequest;
using trader::orders::OrderRole;
using trader::orders::OrderType;
using trader::orders::Side;
using namespace std::chrono;

namespace {

Decimal d(const char* t) { return Decimal::parse(t); }

const auto kT0 = trader::core::parse_timestamp("2025-01-02T14:30:00Z");
constexpr SymbolId kAapl{0};
constexpr SymbolId kTsla{1};

// Keeps the order updates in `events` and the immediate answers to commands in `acks`.
struct Recorder final : trader::broker::OrderEventListener {
  void on_order_event(const OrderEvent& e) override {
    const bool ack = e.type == OrderEventType::submitted || e.type == OrderEventType::replaced;
    (ack ? acks : events).push_back(e);
  }
  std::vector<OrderEvent> fills() const {
    std::vector<OrderEvent> out;
    for (const auto& e : events) {
      if (e.type == OrderEventType::fill) out.push_back(e);
    }
    return out;
  }
  std::vector<OrderEvent> events;
  std::vector<OrderEvent> acks;
};

struct Sim {
  explicit Sim(const char* slippage = "0.01", const char* capital = "25000") {
    SimulationSettings s;
    s.slippage_per_share = d(slippage);
    s.initial_cash = d(capital);
    broker = std::make_unique<SimBroker>(s);
    broker->set_listener(&recorder);
  }
  explicit Sim(SimulationSettings s) {
    broker = std::make_unique<SimBroker>(s);
    broker->set_listener(&recorder);
  }
  int minute = 0;
  Bar bar(const char* o, const char* h, const char* l, const char* c, SymbolId s = kAapl,
          std::int64_t v = 1'000'000) {
    return Bar{kT0 + minutes{minute++}, d(o), d(h), d(l), d(c), v, s};
  }
  std::string submit(Side side, OrderType type, std::int64_t qty, std::optional<Decimal> stop = {},
                     std::optional<Decimal> limit = {}, SymbolId s = kAapl,
                     OrderRole role = OrderRole::entry) {
    OrderRequest r;
    r.client_order_id = "bt-" + std::to_string(++ids);
    r.symbol = s == kAapl ? "AAPL" : "TSLA";
    r.symbol_id = s;
    r.side = side;
    r.type = type;
    r.role = role;
    r.qty = qty;
    r.stop_price = stop;
    r.limit_price = limit;
    const auto result = broker->submit(r);
    REQUIRE(result.sent);
    REQUIRE_FALSE(recorder.acks.empty());
    CHECK(recorder.acks.back().type == OrderEventType::submitted);  // at once, inside submit
    return recorder.acks.back().broker_order_id;
  }
  // A position of `qty` bought at market on a bar at `price` (slippage applies).
  void buy_at_market(std::int64_t qty, const char* o, const char* h, const char* l, const char* c,
                     SymbolId s = kAapl) {
    submit(Side::buy, OrderType::market, qty, {}, {}, s);
    broker->on_market_bar(bar(o, h, l, c, s));
  }
  void sell_stop(std::int64_t qty, const char* stop, SymbolId s = kAapl) {
    submit(Side::sell, OrderType::stop, qty, d(stop), {}, s, OrderRole::stop_loss);
  }

  Recorder recorder;
  std::unique_ptr<SimBroker> broker;
  int ids = 0;
};

}  // namespace

TEST_SUITE("broker/sim_broker") {
  TEST_CASE("buy-stops: touch fills at the stop plus slippage; gaps at the open; none below") {
    Sim sim;
    sim.submit(Side::buy, OrderType::stop, 100, d("151"));
    sim.broker->on_market_bar(sim.bar("150", "152", "149", "151"));
    auto fills = sim.recorder.fills();
    REQUIRE(fills.size() == 1);
    CHECK(fills[0].fill_price == d("151.01"));
    CHECK(fills[0].fill_qty == 100);

    Sim none;
    none.submit(Side::buy, OrderType::stop, 100, d("155"));
    none.broker->on_market_bar(none.bar("150", "152", "149", "151"));
    CHECK(none.recorder.fills().empty());

    Sim gap("0.02");
    gap.submit(Side::buy, OrderType::stop, 100, d("100"));
    gap.broker->on_market_bar(gap.bar("105", "108", "104", "107"));
    CHECK(gap.recorder.fills().at(0).fill_price == d("105.02"));
  }

  TEST_CASE("stop-losses: touch, miss, gap down") {
    Sim sim;
    sim.buy_at_market(100, "150", "151", "149", "150");
    sim.sell_stop(100, "148");
    sim.broker->on_market_bar(sim.bar("149", "150", "147", "148"));
    auto fills = sim.recorder.fills();
    REQUIRE(fills.size() == 2);
    CHECK(fills[1].fill_price == d("147.99"));

    Sim miss;
    miss.buy_at_market(100, "150", "151", "149", "150");
    miss.sell_stop(100, "145");
    miss.broker->on_market_bar(miss.bar("149", "150", "147", "148"));
    CHECK(miss.recorder.fills().size() == 1);

    Sim gap("0.02");
    gap.buy_at_market(100, "150", "151", "149", "150");
    gap.sell_stop(100, "148");
    gap.broker->on_market_bar(gap.bar("145", "146", "143", "144"));
    CHECK(gap.recorder.fills().at(1).fill_price == d("144.98"));
  }

  TEST_CASE("market orders at the next open plus/minus slippage, clamped inside the bar") {
    Sim buy("0.05");
    buy.buy_at_market(100, "150", "152", "149", "151");
    CHECK(buy.recorder.fills().at(0).fill_price == d("150.05"));
    buy.submit(Side::sell, OrderType::market, 100, {}, {}, kAapl, OrderRole::exit_market);
    buy.broker->on_market_bar(buy.bar("151", "153", "150", "152"));
    CHECK(buy.recorder.fills().at(1).fill_price == d("150.95"));

    Sim big("5.00");
    big.buy_at_market(100, "150", "151", "149", "150.50");
    CHECK(big.recorder.fills().at(0).fill_price == d("151"));  // clamped to the high
    big.submit(Side::sell, OrderType::market, 100, {}, {}, kAapl, OrderRole::exit_market);
    big.broker->on_market_bar(big.bar("150", "151", "149", "150"));
    CHECK(big.recorder.fills().at(1).fill_price == d("149"));  // clamped to the low
  }

  TEST_CASE("a penny stock's fill never goes below $0.01") {
    Sim sim("0.50");
    sim.buy_at_market(1000, "0.05", "0.06", "0.05", "0.05");
    sim.sell_stop(1000, "0.05");
    sim.broker->on_market_bar(sim.bar("0.03", "0.04", "0.01", "0.02"));
    CHECK(sim.recorder.fills().at(1).fill_price == d("0.01"));
  }

  TEST_CASE("cash, positions, equity and marks") {
    Sim sim("0");
    sim.buy_at_market(100, "150", "151", "149", "150");
    CHECK(sim.broker->cash() == d("10000"));
    CHECK(sim.broker->positions().size() == 1);
    sim.broker->on_market_bar(sim.bar("150", "156", "149", "155"));
    CHECK(sim.broker->account().equity == d("25500"));
    const auto p = sim.broker->positions().at(0);
    CHECK(p.market_value == d("15500"));
    CHECK(p.unrealized_pl == d("500"));
    sim.submit(Side::sell, OrderType::market, 100, {}, {}, kAapl, OrderRole::exit_market);
    sim.broker->on_market_bar(sim.bar("155", "156", "154", "155"));
    CHECK(sim.broker->cash() == d("25500"));
    CHECK(sim.broker->account().equity == d("25500"));
    CHECK(sim.broker->positions().empty());

    Sim two("0", "50000");
    two.buy_at_market(100, "150", "151", "149", "150", kAapl);
    two.buy_at_market(50, "200", "201", "199", "200", kTsla);
    CHECK(two.broker->positions().size() == 2);
    CHECK(two.broker->cash() == d("25000"));
  }

  TEST_CASE("the entry's bar is not tested against a planned stop (no stop order yet)") {
    Sim sim;
    sim.submit(Side::buy, OrderType::stop, 100, d("151"));
    sim.broker->on_market_bar(sim.bar("150", "153", "147", "150"));
    CHECK(sim.recorder.fills().size() == 1);
  }

  TEST_CASE("cancelled orders never fill; cancelling twice is harmless") {
    Sim sim;
    const auto id = sim.submit(Side::buy, OrderType::stop, 100, d("151"));
    sim.broker->cancel({.client_order_id = id});
    sim.broker->cancel({.client_order_id = id});
    sim.broker->on_market_bar(sim.bar("150", "153", "149", "152"));
    CHECK(sim.recorder.fills().empty());
    CHECK(sim.recorder.events.size() == 1);
    CHECK(sim.recorder.events[0].type == OrderEventType::canceled);
  }

  TEST_CASE("replace moves a stop in place") {
    Sim sim("0");
    sim.buy_at_market(100, "150", "151", "149", "150");
    const auto id =
        sim.submit(Side::sell, OrderType::stop, 100, d("145"), {}, kAapl, OrderRole::stop_loss);
    trader::broker::ReplaceRequest change;
    change.stop_price = d("148");
    const auto result = sim.broker->replace({.client_order_id = id}, change);
    CHECK(result.sent);
    REQUIRE(sim.recorder.acks.back().type == OrderEventType::replaced);  // at once
    CHECK(sim.recorder.acks.back().new_broker_order_id == id);
    CHECK(sim.recorder.acks.back().stop_price == d("148"));
    CHECK(sim.recorder.acks.back().qty == 100);
    sim.broker->on_market_bar(sim.bar("149", "150", "147", "148"));
    CHECK(sim.recorder.fills().at(1).fill_price == d("148"));
  }

  TEST_CASE("a fill above 10 % of the bar's volume is warned about") {
    Sim sim;
    sim.submit(Side::buy, OrderType::market, 100);
    sim.broker->on_market_bar(sim.bar("150", "151", "149", "150", kAapl, 500));
    CHECK(sim.broker->volume_warnings() == 1);
    Sim small;
    small.submit(Side::buy, OrderType::market, 10);
    small.broker->on_market_bar(small.bar("150", "151", "149", "150", kAapl, 10000));
    CHECK(small.broker->volume_warnings() == 0);
  }

  TEST_CASE("a closing market sell cancels the stop (ghost-trade fix); an orphan stop is deleted") {
    Sim sim("0");
    sim.buy_at_market(6, "200", "201", "199", "200");
    sim.sell_stop(6, "195");
    sim.submit(Side::sell, OrderType::market, 6, {}, {}, kAapl, OrderRole::exit_market);
    sim.broker->on_market_bar(sim.bar("199", "200", "198", "199"));
    sim.broker->on_market_bar(sim.bar("194", "195", "193", "194"));
    const auto fills = sim.recorder.fills();
    REQUIRE(fills.size() == 2);  // the entry, then the market exit at 199; the stop never fills
    CHECK(fills[1].fill_price == d("199"));
    CHECK(sim.broker->cash() == d("24994"));
    CHECK(sim.broker->account().equity == d("24994"));

    Sim orphan;
    orphan.sell_stop(10, "195");  // no position
    orphan.broker->on_market_bar(orphan.bar("194", "195", "190", "191"));
    CHECK(orphan.recorder.fills().empty());
    CHECK(orphan.broker->pending_orders() == 0);
  }

  TEST_CASE("a fresh broker: equity is cash, nothing open, ids as submitted") {
    Sim sim;
    CHECK(sim.broker->account().equity == d("25000"));
    CHECK(sim.broker->account().buying_power == d("25000"));
    CHECK(sim.broker->positions().empty());
    CHECK(sim.submit(Side::buy, OrderType::stop, 1, d("10")).rfind("bt-", 0) == 0);
  }

  TEST_CASE("F2: a stop-loss and a pending market exit on one bar: one fill, no crash") {
    Sim sim("0");
    sim.buy_at_market(10, "100", "100", "100", "100");
    sim.sell_stop(10, "99");
    sim.submit(Side::sell, OrderType::market, 10, {}, {}, kAapl, OrderRole::exit_market);
    CHECK_NOTHROW(sim.broker->on_market_bar(sim.bar("99.5", "99.5", "98", "98.5")));
    const auto fills = sim.recorder.fills();
    REQUIRE(fills.size() == 2);
    CHECK(fills[1].fill_price == d("99"));  // the stop, first; the market exit was removed
    CHECK(sim.broker->pending_orders() == 0);
    CHECK(sim.broker->cash() == d("25000") - d("1000") + d("990"));
  }

  TEST_CASE("F3: a sub-penny price is refused, as Alpaca does") {
    Sim sim;
    OrderRequest r;
    r.symbol = "AAPL";
    r.side = Side::sell;
    r.type = OrderType::stop;
    r.qty = 1;
    r.stop_price = d("101.11878");
    const auto result = sim.broker->submit(r);
    CHECK_FALSE(result.sent);  // refused locally, nothing acknowledged
    CHECK(result.reason.find("sub-penny") != std::string::npos);
    CHECK(sim.recorder.acks.empty());
    r.stop_price = d("0.1234");  // below $1 the tick is $0.0001
    CHECK(sim.broker->submit(r).sent);
  }

  TEST_CASE("F4: limit orders never fill worse than the limit, gaps included") {
    Sim buy;
    buy.submit(Side::buy, OrderType::limit, 10, {}, d("100"));
    buy.broker->on_market_bar(buy.bar("101", "102", "100.50", "101"));
    CHECK(buy.recorder.fills().empty());  // low above the limit
    buy.broker->on_market_bar(buy.bar("101", "101", "99.50", "100"));
    CHECK(buy.recorder.fills().at(0).fill_price == d("100"));  // min(open, limit) + slip, capped
    Sim gap;
    gap.submit(Side::buy, OrderType::limit, 10, {}, d("100"));
    gap.broker->on_market_bar(gap.bar("98", "99", "97", "98.5"));
    CHECK(gap.recorder.fills().at(0).fill_price == d("98.01"));  // gapped below: the open
    Sim sell;
    sell.buy_at_market(10, "100", "100", "100", "100");
    sell.submit(Side::sell, OrderType::limit, 10, {}, d("105"), kAapl, OrderRole::exit_market);
    sell.broker->on_market_bar(sell.bar("104", "105", "103", "104"));
    CHECK(sell.recorder.fills().at(1).fill_price == d("105"));
    Sim sell_gap;
    sell_gap.buy_at_market(10, "100", "100", "100", "100");
    sell_gap.submit(Side::sell, OrderType::limit, 10, {}, d("105"), kAapl, OrderRole::exit_market);
    sell_gap.broker->on_market_bar(sell_gap.bar("107", "108", "106", "107"));
    CHECK(sell_gap.recorder.fills().at(1).fill_price == d("106.99"));
  }

  TEST_CASE("F4: stop-limit orders trigger at the stop and then act as limits") {
    Sim buy;
    buy.submit(Side::buy, OrderType::stop_limit, 10, d("100"), d("100.50"));
    buy.broker->on_market_bar(buy.bar("99", "99.90", "98", "99"));
    CHECK(buy.recorder.fills().empty());  // not triggered
    buy.broker->on_market_bar(buy.bar("99.5", "101", "99", "100.8"));
    CHECK(buy.recorder.fills().at(0).fill_price == d("100.01"));  // stop + slip, under the limit

    Sim gap;
    gap.submit(Side::buy, OrderType::stop_limit, 10, d("100"), d("100.50"));
    gap.broker->on_market_bar(gap.bar("102", "103", "101", "102"));
    CHECK(gap.recorder.fills().empty());  // triggered above the limit: waits as a limit
    gap.broker->on_market_bar(gap.bar("101", "101", "100", "100.5"));
    CHECK(gap.recorder.fills().at(0).fill_price == d("100.50"));  // min(open, limit)+slip, capped

    Sim sell;
    sell.buy_at_market(10, "100", "100", "100", "100");
    sell.submit(Side::sell, OrderType::stop_limit, 10, d("95"), d("94.50"), kAapl,
                OrderRole::stop_loss);
    sell.broker->on_market_bar(sell.bar("96", "96", "94.80", "95"));
    CHECK(sell.recorder.fills().at(1).fill_price == d("94.99"));
    Sim sell_gap;
    sell_gap.buy_at_market(10, "100", "100", "100", "100");
    sell_gap.submit(Side::sell, OrderType::stop_limit, 10, d("95"), d("94.50"), kAapl,
                    OrderRole::stop_loss);
    sell_gap.broker->on_market_bar(sell_gap.bar("93", "94", "92", "93"));
    CHECK(sell_gap.recorder.fills().size() == 1);  // gapped below the limit: no fill
    sell_gap.broker->on_market_bar(sell_gap.bar("94", "95", "93.5", "94.8"));
    CHECK(sell_gap.recorder.fills().at(1).fill_price == d("94.50"));
  }

  TEST_CASE("F6: a buy that needs more than the cash is rejected, and cash stays positive") {
    Sim sim("0", "1000");
    sim.submit(Side::buy, OrderType::market, 20);  // $2000 > $1000
    sim.broker->on_market_bar(sim.bar("100", "100", "100", "100"));
    REQUIRE(sim.recorder.events.size() == 1);
    CHECK(sim.recorder.events[0].type == OrderEventType::rejected);
    CHECK(sim.recorder.events[0].reason.find("insufficient cash") != std::string::npos);
    CHECK(sim.broker->cash() == d("1000"));
  }

  TEST_CASE("F10: commissions and sell fees on a known trade") {
    SimulationSettings s;
    s.slippage_per_share = Decimal{};
    trader::config::BacktestSettings costs;
    costs.commission_per_share = d("0.005");
    costs.commission_min = d("1.00");
    costs.sec_fee_rate = d("0.0000278");
    costs.finra_taf_per_share = d("0.000166");
    costs.finra_taf_max = d("8.30");
    s.costs = trader::broker::CostModel(costs);
    Sim sim(s);
    sim.buy_at_market(100, "150", "150", "150", "150");
    CHECK(sim.recorder.fills().at(0).costs == d("1.00"));  // 0.50 commission, minimum 1.00
    CHECK(sim.broker->cash() == d("25000") - d("15000") - d("1"));
    sim.submit(Side::sell, OrderType::market, 100, {}, {}, kAapl, OrderRole::exit_market);
    sim.broker->on_market_bar(sim.bar("155", "155", "155", "155"));
    // 1.00 commission + SEC ceil(15500 x 0.0000278 = 0.4309) 0.44 + TAF ceil(0.0166) 0.02
    CHECK(sim.recorder.fills().at(1).costs == d("1.46"));
    CHECK(sim.broker->cash() == d("25000") + d("500") - d("2.46"));
  }

  TEST_CASE(
      "session close: market sells at max(last close - slippage, last low); the rest cancelled") {
    Sim sim;
    sim.buy_at_market(12, "101.70", "101.80", "101.60", "101.75");
    sim.sell_stop(12, "101.17");
    sim.submit(Side::sell, OrderType::market, 12, {}, {}, kAapl, OrderRole::exit_market);
    sim.submit(Side::buy, OrderType::stop, 5, d("120"), {}, kTsla);
    sim.broker->on_session_close(trader::calendar::session(year{2025} / 1 / 2));
    const auto fills = sim.recorder.fills();
    REQUIRE(fills.size() == 2);
    CHECK(fills[1].fill_price == d("101.74"));
    CHECK(fills[1].ts == kT0);  // stamped with the last bar
    CHECK(sim.broker->pending_orders() == 0);
  }
}
