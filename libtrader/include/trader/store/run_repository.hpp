#pragma once
// Stored backtest runs (the backtest_run and backtest_trade tables): everything needed to repeat
// a run (F5) and its closed trades. The records are plain data in the storage layer's own terms
// (the JSON columns are text the driver writes and reads), so storage never includes a driver;
// the backtest driver's run archive (trader/backtest/run_archive.hpp) builds and reads them.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/engine/trade.hpp>

namespace trader::store {

struct StoredRun {
  std::int64_t id = 0;
  std::string strategy;
  // The run's symbols in SymbolId order: a stored trade's symbol is symbols[index_of(id)].
  std::vector<std::string> symbols;
  core::Date start_date{};
  core::Date end_date{};
  core::Decimal initial_capital;
  std::string params_json;  // the reference's params object
  core::Decimal total_return;
  double win_rate = 0;
  double profit_factor = 0;
  double sharpe_ratio = 0;
  double max_drawdown = 0;
  std::int64_t total_trades = 0;
  std::string equity_curve_json;  // [{"date": "YYYY-MM-DD", "equity": "..."}, ...]
  core::Timestamp created_at;
  // F5: what it takes to repeat the run.
  std::string settings_json;  // the full effective strategy, risk and execution settings
  std::string data_source;    // store: ... | synthetic:seed=N
  std::string bars_fingerprint;
  std::string program_version;
  std::string metrics_json;  // every metric, exactly as computed
  std::int64_t bar_count = 0;
};

class RunRepository {
 public:
  virtual ~RunRepository() = default;
  // The run and its trades in one transaction; returns the new run id. Each trade's symbol id
  // indexes run.symbols.
  virtual std::int64_t insert(const StoredRun& run, std::span<const engine::Trade> trades) = 0;
  [[nodiscard]] virtual std::vector<StoredRun> list(int limit) = 0;  // newest first
  [[nodiscard]] virtual std::optional<StoredRun> find(std::int64_t id) = 0;
  // The run's trades in the order stored, symbol ids indexing the run's symbols. What the
  // backtest_trade table does not keep (the initial stop) comes back zero.
  [[nodiscard]] virtual std::vector<engine::Trade> trades(std::int64_t run_id) = 0;
};

}  // namespace trader::store
