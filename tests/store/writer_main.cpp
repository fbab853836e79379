// A separate process that writes orders into a database, for the multi-process tests:
//   store-writer DB PREFIX COUNT           inserts COUNT orders, one transaction each
//   store-writer DB PREFIX COUNT --hang    inserts COUNT orders in ONE transaction, prints
//                                          "in-transaction", then waits to be killed
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <soci/soci.h>

#include <trader/store/database.hpp>
#include <trader/store/repositories.hpp>

namespace {

trader::orders::OrderRecord order(const std::string& id) {
  trader::orders::OrderRecord o;
  o.local_id = id;
  o.client_order_id = "c-" + id;
  o.correlation_id = "corr-" + id;
  o.symbol = "AAPL";
  o.qty_requested = trader::core::Decimal::from_integer(10);
  return o;
}

trader::orders::OrderEventRecord first_event(const std::string& id) {
  trader::orders::OrderEventRecord e;
  e.order_local_id = id;
  e.event_type = "created";
  return e;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc < 4) return 2;
  const std::string prefix = argv[2];
  const int count = std::stoi(argv[3]);
  const bool hang = argc > 4 && std::string(argv[4]) == "--hang";
  trader::store::DatabaseOptions options;
  options.path = argv[1];
  options.busy_timeout_ms = 20'000;
  auto db = trader::store::Database::open(options);
  if (hang) {
    trader::store::Transaction tx(db);
    for (int i = 0; i < count; ++i) {
      const std::string id = prefix + std::to_string(i);
      db.session() << "INSERT INTO order_event (order_local_id, event_type, new_state, "
                      "recorded_at) VALUES ('" +
                          id + "', 'created', 'pending_submit', 'now')";
    }
    std::printf("in-transaction\n");
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::minutes(5));
    return 3;  // never reached: the test kills us
  }
  auto orders = trader::store::make_order_repository(db);
  for (int i = 0; i < count; ++i) {
    const std::string id = prefix + std::to_string(i);
    orders->insert(order(id), first_event(id));
  }
  std::printf("done %d\n", count);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "store-writer: %s\n", e.what());
  return 1;
}
