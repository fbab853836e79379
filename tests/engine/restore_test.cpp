// Write-ahead persistence and restore (issue 12 items 2 and 3, F15, F18, F22). A scripted
// session (the golden scenario with SQLite repositories) runs in a child process that is
// SIGKILLed right after its K-th stored transition, for every K: the database must hold exactly
// the transitions before the kill, intact; and a new engine restored from that database - with
// the broker that survived the crash - must continue to the same trades as the uninterrupted run.
#include <trader/engine/engine.hpp>

#include <doctest/doctest.h>

#include <csignal>
#include <map>
#include <optional>
#include <sstream>

#include <soci/soci.h>

#include <trader/store/database.hpp>
#include <trader/store/repositories.hpp>

#include "support/delayed_broker.hpp"
#include "support/fake_broker.hpp"
#include "support/process.hpp"
#include "support/recording_observer.hpp"
#include "support/scripted_strategy.hpp"
#include "support/write_ahead.hpp"

using trader::core::Decimal;
using trader::orders::OrderEvent;
using trader::orders::OrderEventType;
using trader::orders::OrderRecord;
using trader::orders::OrderState;
using trader::testing::ScriptedSession;

namespace {

// What the child printed: "write N <line>" for each stored transition.
std::vector<std::string> writes_of(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("write ", 0) != 0) continue;
    lines.push_back(line.substr(line.find(' ', 6) + 1));
  }
  return lines;
}

struct Child {
  int exit_code = -1;
  std::vector<std::string> writes;
};

Child run_child(const std::filesystem::path& db, int kill_at) {
  const auto result =
      trader::testing::run_process({ENGINE_SESSION_BIN, db.string(), std::to_string(kill_at)});
  INFO(result.err);
  return Child{result.exit_code, writes_of(result.out)};
}

trader::store::Database open_db(const std::filesystem::path& path) {
  trader::store::DatabaseOptions options;
  options.path = path;
  return trader::store::Database::open(options);
}

// The database as the write lines it holds: order events and trades, each in insertion order.
struct Stored {
  std::vector<std::string> events;
  std::vector<std::string> trades;
  std::map<std::string, std::string> states;  // local id -> state
  std::string integrity;
};

Stored read_db(const std::filesystem::path& path) {
  auto db = open_db(path);
  Stored s;
  soci::session& sql = db.session();
  sql << "PRAGMA integrity_check", soci::into(s.integrity);
  soci::rowset<soci::row> events =
      (sql.prepare << "SELECT order_local_id, event_type, new_state FROM order_event ORDER BY id");
  for (const auto& r : events) {
    s.events.push_back("order " + r.get<std::string>(0) + " " + r.get<std::string>(1) + " " +
                       r.get<std::string>(2));
  }
  soci::rowset<soci::row> trades =
      (sql.prepare << "SELECT correlation_id, pnl FROM trade ORDER BY id");
  for (const auto& r : trades) {
    s.trades.push_back("trade " + r.get<std::string>(0) + " " + r.get<std::string>(1));
  }
  soci::rowset<soci::row> states = (sql.prepare << "SELECT local_id, state FROM order_state");
  for (const auto& r : states) s.states[r.get<std::string>(0)] = r.get<std::string>(1);
  return s;
}

// A trade row without its ids (a restored session names its new orders differently).
std::string trade_text(const trader::orders::TradeRecord& t) {
  return t.symbol + " " + t.qty.to_string() + " " + t.entry_price.to_string() + " -> " +
         t.exit_price.to_string() + " " + trader::core::format_timestamp(t.entry_at) + " -> " +
         trader::core::format_timestamp(t.exit_at) + " pnl " + t.pnl.to_string() + " (" +
         t.pnl_pct.to_string() + ") " + std::to_string(t.duration_seconds) + "s " + t.strategy;
}

std::vector<std::string> trades_in(const std::filesystem::path& path) {
  auto db = open_db(path);
  auto repo = trader::store::make_trade_repository(db);
  std::vector<std::string> out;
  for (const auto& t : repo->closed_between(
           trader::core::Timestamp{}, trader::core::parse_timestamp("2099-01-01T00:00:00Z"))) {
    out.push_back(trade_text(t));
  }
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

struct Crash {};

// The crashed session's twin in this process: the same session up to transition `k`, where the
// engine dies (an exception unwinds it) and the broker - the exchange, with its book, positions
// and memory of every event - lives on, as a real broker outlives our process.
struct Twin {
  Twin(const ScriptedSession& session, int k)
      : settings(session.velez.settings()),
        broker(trader::broker::SimulationSettings::from(settings.backtest), 0, 0) {
    trader::testing::WriteCounter counter;
    counter.after = [k](int n, const std::string&) {
      if (n == k) throw Crash{};
    };
    trader::testing::NullOrderRepository null_orders;
    trader::testing::NullTradeRepository null_trades;
    trader::testing::CountingOrderRepository orders(null_orders, counter);
    trader::testing::CountingTradeRepository trades(null_trades, counter);
    trader::engine::EngineOptions options{.risk = settings.risk, .venue = &broker};
    options.order_repository = &orders;
    options.trade_repository = &trades;
    options.order_ids = trader::orders::ClientOrderIds::deterministic("s1-");
    trader::engine::Engine engine(
        session.symbols, [&] { return session.velez.create(); }, broker, std::move(options));
    try {
      for (next = 0; next < session.bars.size(); ++next) engine.on_bar(session.bars[next]);
      engine.finish();
    } catch (const Crash&) {
      crashed = true;
    }
    const auto& last = session.bars[std::min(next, session.bars.size() - 1)];
    session_date = engine.session_in_progress().value_or(trader::core::utc_date(last.ts));
    start_of_day_equity = engine.circuit_breaker().start_of_day_equity();
    venue_saw_bar = next < session.bars.size() && broker.last_bar() == session.bars[next].ts;
  }

  const trader::config::Settings& settings;
  trader::testing::DelayedBroker broker;  // delays 0: SimBroker's own timing
  std::size_t next = 0;                   // the bar in progress at the crash
  bool crashed = false;
  bool venue_saw_bar = false;
  trader::core::Date session_date{};
  Decimal start_of_day_equity;
};

// The reconciliation a live driver does at start-up, for this test's broker: for each stored
// order, what the broker knows that the row does not show, as events in the broker's order.
std::vector<OrderEvent> reconcile(const std::vector<OrderRecord>& stored,
                                  trader::testing::DelayedBroker& broker) {
  std::vector<std::pair<std::size_t, OrderEvent>> missed;
  const auto& history = broker.history();
  for (const OrderRecord& r : stored) {
    std::optional<std::size_t> acked, filled, ended, moved;
    for (std::size_t i = 0; i < history.size(); ++i) {
      const OrderEvent& e = history[i];
      if (e.client_order_id != r.client_order_id) continue;
      switch (e.type) {
        case OrderEventType::submitted:
          acked = i;
          break;
        case OrderEventType::fill:
          filled = i;
          break;
        case OrderEventType::replaced:
          moved = i;
          break;
        case OrderEventType::canceled:
        case OrderEventType::rejected:
        case OrderEventType::expired:
          ended = i;
          break;
        default:
          break;
      }
    }
    if (!acked) continue;  // the broker never got it: restore sends it again (F22)
    if (r.state == OrderState::pending_submit) missed.emplace_back(*acked, history[*acked]);
    if (moved && (history[*moved].stop_price != r.stop_price)) {
      missed.emplace_back(*moved, history[*moved]);
    }
    if (filled && r.state != OrderState::filled) missed.emplace_back(*filled, history[*filled]);
    if (ended && trader::orders::is_terminal(r.state) == false) {
      missed.emplace_back(*ended, history[*ended]);
    }
    if (!filled && !ended && !trader::orders::is_terminal(r.state) &&
        !broker.exchange().has_open_order(r.client_order_id)) {
      // Gone from the book, and its end never reached anyone (the engine died while the
      // exchange was reporting it): cancelled - the only way an unfilled order leaves the book.
      OrderEvent gone = history[*acked];
      gone.type = OrderEventType::canceled;
      gone.reason = "gone (reconciliation)";
      missed.emplace_back(history.size(), gone);
    }
  }
  std::stable_sort(missed.begin(), missed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<OrderEvent> events;
  for (auto& m : missed) events.push_back(std::move(m.second));
  return events;
}

}  // namespace

TEST_SUITE("engine/restore") {
  TEST_CASE(
      "issue 12 items 2, 3: killed after each transition, the database holds exactly the "
      "transitions before the kill, and restore continues to the same trades") {
    const ScriptedSession session;
    trader::testing::TempDir dir;
    const Child full = run_child(dir / "full.db", 0);
    REQUIRE(full.exit_code == 0);
    const std::vector<std::string>& reference = full.writes;
    REQUIRE(reference.size() > 20);
    const auto reference_trades = trades_in(dir / "full.db");
    REQUIRE(reference_trades.size() == 3);  // the golden scenario's three trades
    MESSAGE("transitions in the session: ", reference.size());

    int stops_placed = 0, resubmitted = 0, completed = 0, applied = 0;
    for (int k = 1; k <= static_cast<int>(reference.size()); ++k) {
      CAPTURE(k);
      CAPTURE(reference[static_cast<std::size_t>(k - 1)]);
      const auto path = dir / ("kill-" + std::to_string(k) + ".db");
      const Child child = run_child(path, k);
      REQUIRE(child.exit_code == 128 + SIGKILL);
      REQUIRE(child.writes.size() == static_cast<std::size_t>(k));
      CHECK(std::equal(child.writes.begin(), child.writes.end(), reference.begin()));

      // Exactly the first k transitions, in order, and an intact file.
      const Stored stored = read_db(path);
      CHECK(stored.integrity == "ok");
      std::vector<std::string> events, trades;
      std::map<std::string, std::string> states;
      for (int i = 0; i < k; ++i) {
        const std::string& line = reference[static_cast<std::size_t>(i)];
        if (line.rfind("trade ", 0) == 0) {
          trades.push_back(line);
          continue;
        }
        events.push_back(line);
        std::istringstream words(line);
        std::string order, id, type, state;
        words >> order >> id >> type >> state;
        states[id] = state;
      }
      CHECK(stored.events == events);
      CHECK(stored.trades == trades);
      CHECK(stored.states == states);

      // Restore from it, with the broker that lived on, and run the session to its end.
      Twin twin(session, k);
      REQUIRE(twin.crashed);
      auto db = open_db(path);
      auto order_repo = trader::store::make_order_repository(db);
      auto trade_repo = trader::store::make_trade_repository(db);
      trader::engine::RestoreState state =
          trader::engine::stored_state(*order_repo, *trade_repo, twin.session_date);
      state.now = session.bars[std::min(twin.next, session.bars.size() - 1)].ts;
      state.start_of_day_equity = twin.start_of_day_equity;
      state.cash = twin.broker.account().cash;
      state.missed = reconcile(state.orders, twin.broker);
      trader::engine::EngineOptions options{.risk = twin.settings.risk, .venue = &twin.broker};
      options.order_repository = order_repo.get();
      options.trade_repository = trade_repo.get();
      options.order_ids = trader::orders::ClientOrderIds::unique_run();  // F22: a new run
      trader::engine::Engine engine(
          session.symbols, [&] { return session.velez.create(); }, twin.broker, std::move(options));
      const auto report = engine.restore(state);
      stops_placed += report.stops_placed;
      resubmitted += report.resubmitted;
      completed += report.trades_completed;
      applied += report.events_applied;
      // The bars up to the crash warm the strategy up; the one in progress is done if the
      // exchange had it already, else it comes again as the first live bar.
      const std::size_t resume = twin.venue_saw_bar ? twin.next + 1 : twin.next;
      for (std::size_t i = 0; i < resume && i < session.bars.size(); ++i) {
        engine.warm_up(session.bars[i]);
      }
      for (std::size_t i = resume; i < session.bars.size(); ++i) engine.on_bar(session.bars[i]);
      engine.finish();
      const auto restored_trades = trades_in(path);
      CAPTURE(joined(restored_trades));
      CHECK(restored_trades == reference_trades);
      CHECK(read_db(path).integrity == "ok");
    }
    // Each recovery path was taken at some kill point.
    CHECK(stops_placed > 0);  // F18: a filled entry whose stop was not yet stored
    CHECK(resubmitted > 0);   // F22: an order stored but never sent
    CHECK(completed > 0);     // a closing fill stored, its trade row not yet
    CHECK(applied > 0);       // the broker moved on while the engine was dead
  }
}

namespace {

Decimal d(const char* t) { return Decimal::parse(t); }

OrderRecord stored_order(const std::string& id, trader::orders::OrderRole role, OrderState state,
                         std::int64_t qty, std::int64_t filled, const char* price) {
  OrderRecord r;
  r.local_id = r.client_order_id = id;
  r.broker_id = "broker-" + id;
  r.correlation_id = "e1";
  r.symbol = "AAPL";
  r.role = role;
  r.side = role == trader::orders::OrderRole::entry ? trader::orders::Side::buy
                                                    : trader::orders::Side::sell;
  r.type = role == trader::orders::OrderRole::exit_market ? trader::orders::OrderType::market
                                                          : trader::orders::OrderType::stop;
  r.state = state;
  r.qty_requested = Decimal::from_integer(qty);
  r.qty_filled = Decimal::from_integer(filled);
  if (filled > 0) r.avg_fill_price = d(price);
  r.created_at = r.updated_at = trader::core::parse_timestamp("2026-02-10T14:31:00Z");
  return r;
}

trader::data::Bar flat_bar(const char* ts, const char* price = "100") {
  return trader::data::Bar{
      trader::core::parse_timestamp(ts), d(price), d(price), d(price), d(price), 1'000'000,
      trader::data::SymbolId{0}};
}

struct Restored {
  Restored() { broker.equity = d("25000"); }
  trader::data::SymbolTable symbols = trader::data::SymbolTable::sorted({"AAPL"});
  trader::testing::Script script;
  trader::testing::FakeBroker broker;
  trader::testing::RecordingObserver observer{d("25000")};
  trader::engine::Engine engine{
      symbols, [this] { return std::make_unique<trader::testing::ScriptedStrategy>(script); },
      broker, trader::engine::EngineOptions{}, &observer};
};

}  // namespace

TEST_SUITE("engine/restore") {
  TEST_CASE("F18: a position restored without its stop gets one at the planned stop at once") {
    Restored r;
    trader::engine::RestoreState state;
    state.session_date = std::chrono::year{2026} / 2 / 10;
    state.start_of_day_equity = state.cash = d("25000");
    OrderRecord entry =
        stored_order("e1", trader::orders::OrderRole::entry, OrderState::filled, 10, 10, "100.01");
    entry.planned_stop_price = d("99.12");
    state.orders = {entry};
    const auto report = r.engine.restore(state);
    CHECK(report.positions == 1);
    CHECK(report.stops_placed == 1);
    REQUIRE(r.broker.submitted.size() == 1);
    CHECK(r.broker.submitted[0].role == trader::orders::OrderRole::stop_loss);
    CHECK(r.broker.submitted[0].stop_price == d("99.12"));
    CHECK(r.broker.submitted[0].qty == 10);
    CHECK(r.broker.submitted[0].correlation_id == "e1");
    CHECK(r.engine.position_qty(trader::data::SymbolId{0}) == 10);
    CHECK(r.engine.equity() == d("26000.10"));  // the broker's cash + the position at cost
  }

  TEST_CASE("F18: without a planned stop, the emergency stop below the entry") {
    Restored r;
    trader::engine::RestoreState state;
    state.session_date = std::chrono::year{2026} / 2 / 10;
    state.orders = {
        stored_order("e1", trader::orders::OrderRole::entry, OrderState::filled, 10, 10, "150")};
    r.engine.restore(state);
    REQUIRE(r.broker.submitted.size() == 1);
    CHECK(r.broker.submitted[0].stop_price == d("147"));  // 2 % below, on the tick
  }

  TEST_CASE("F21: a restored stop that covers less than is held is brought to the position") {
    Restored r;
    trader::engine::RestoreState state;
    state.session_date = std::chrono::year{2026} / 2 / 10;
    OrderRecord entry = stored_order("e1", trader::orders::OrderRole::entry,
                                     OrderState::partially_filled, 10, 6, "100");
    entry.planned_stop_price = d("99");
    entry.stop_price = d("100");
    OrderRecord stop =
        stored_order("s1", trader::orders::OrderRole::stop_loss, OrderState::submitted, 4, 0, "0");
    stop.stop_price = d("99");
    state.orders = {entry, stop};
    const auto report = r.engine.restore(state);
    CHECK(report.stops_placed == 0);
    REQUIRE(r.broker.replace_requests.size() == 1);
    CHECK(r.broker.replace_requests[0].qty == 6);
    CHECK(r.broker.replace_requests[0].stop_price == d("99"));
  }

  TEST_CASE("a restored pending entry keeps its reservation and expires on its own schedule") {
    Restored r;
    r.script.expiry = 2;
    trader::engine::RestoreState state;
    state.session_date = std::chrono::year{2026} / 2 / 10;
    state.start_of_day_equity = state.cash = d("25000");
    OrderRecord entry =
        stored_order("e1", trader::orders::OrderRole::entry, OrderState::submitted, 10, 0, "0");
    entry.stop_price = d("100.50");
    entry.created_at = trader::core::parse_timestamp("2026-02-10T14:31:00Z");
    state.orders = {entry};
    state.missed = {};
    r.engine.restore(state);
    r.engine.warm_up(flat_bar("2026-02-10T14:30:00Z"));
    r.engine.warm_up(flat_bar("2026-02-10T14:31:00Z"));  // the entry's own candle
    r.engine.warm_up(flat_bar("2026-02-10T14:32:00Z"));  // one candle since: counted
    CHECK(r.broker.canceled.empty());
    r.engine.on_bar(flat_bar("2026-02-10T14:33:00Z"));  // the second: expired, as uninterrupted
    CHECK(r.broker.canceled == std::vector<std::string>{"broker-e1"});
  }

  TEST_CASE("restore needs a new engine") {
    Restored r;
    r.engine.on_bar(flat_bar("2026-02-10T14:30:00Z"));
    trader::engine::RestoreState state;
    state.session_date = std::chrono::year{2026} / 2 / 10;
    CHECK_THROWS_WITH_AS(r.engine.restore(state), doctest::Contains("new engine"), trader::Error);
  }
}
