#pragma once
// SOCI implementations of the domain's repository interfaces, over one Database. They keep
// their statements prepared for the life of the repository; the Database must outlive them.

#include <memory>

#include <trader/backtest/run_repository.hpp>
#include <trader/orders/order_repository.hpp>
#include <trader/store/database.hpp>

namespace trader::store {

[[nodiscard]] std::unique_ptr<orders::OrderRepository> make_order_repository(Database& db);
[[nodiscard]] std::unique_ptr<orders::TradeRepository> make_trade_repository(Database& db);
[[nodiscard]] std::unique_ptr<backtest::RunRepository> make_run_repository(Database& db);

}  // namespace trader::store
