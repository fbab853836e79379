// The scripted session of the write-ahead test (issue 12 item 2), as a process that can die:
//   engine-session DB KILL_AT
// runs the golden scenario through the engine with SQLite repositories on DB (client order ids
// s1-1, s1-2, ...), prints "write N <what>" after each stored transition (flushed), and with
// KILL_AT > 0 kills itself with SIGKILL right after transition KILL_AT is committed - before the
// engine's next action, as a crash at that point would. Exit 0 when the session ends.
#include <csignal>
#include <cstdio>
#include <string>

#include <trader/broker/sim_broker.hpp>
#include <trader/engine/engine.hpp>
#include <trader/store/database.hpp>
#include <trader/store/repositories.hpp>

#include "support/write_ahead.hpp"

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::fprintf(stderr, "usage: engine-session DB KILL_AT\n");
    return 2;
  }
  const int kill_at = std::stoi(argv[2]);
  trader::store::DatabaseOptions options;
  options.path = argv[1];
  auto db = trader::store::Database::open(options);
  auto stored_orders = trader::store::make_order_repository(db);
  auto stored_trades = trader::store::make_trade_repository(db);
  trader::testing::WriteCounter counter;
  counter.after = [kill_at](int n, const std::string& line) {
    std::printf("write %d %s\n", n, line.c_str());
    std::fflush(stdout);
    if (n == kill_at) std::raise(SIGKILL);
  };
  trader::testing::CountingOrderRepository orders(*stored_orders, counter);
  trader::testing::CountingTradeRepository trades(*stored_trades, counter);

  const trader::testing::ScriptedSession session;
  const trader::config::Settings& settings = session.velez.settings();
  trader::broker::SimBroker sim(trader::broker::SimulationSettings::from(settings.backtest));
  trader::engine::EngineOptions engine_options{.risk = settings.risk, .venue = &sim};
  engine_options.order_repository = &orders;
  engine_options.trade_repository = &trades;
  engine_options.order_ids = trader::orders::ClientOrderIds::deterministic("s1-");
  trader::engine::Engine engine(
      session.symbols, [&] { return session.velez.create(); }, sim, std::move(engine_options));
  for (const auto& bar : session.bars) engine.on_bar(bar);
  engine.finish();
  std::printf("done %d\n", counter.count);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "engine-session: %s\n", e.what());
  return 1;
}
