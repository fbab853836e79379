#pragma once
// SOCI implementations of the domain's repository interfaces, over one Database. They keep
// their statements prepared for the life of the repository; the Database must outlive them.

#include <memory>

#include <trader/orders/order_repository.hpp>
#include <trader/store/database.hpp>
#include <trader/store/run_repository.hpp>

namespace trader::store {

[[nodiscard]] std::unique_ptr<orders::OrderRepository> make_order_repository(Database& db);
[[nodiscard]] std::unique_ptr<orders::TradeRepository> make_trade_repository(Database& db);
[[nodiscard]] std::unique_ptr<RunRepository> make_run_repository(Database& db);

}  // namespace trader::store
