#pragma once
// Stored backtest runs (spec backtest §9.6 plus F5: everything needed to repeat a run). The SOCI
// implementation lives in the storage layer (trader/store/repositories.hpp).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>

namespace trader::backtest {

using core::Decimal;
using core::Timestamp;

struct StoredTrade {
  std::string symbol;
  std::string side = "buy";
  std::int64_t qty = 0;
  Decimal entry_price;
  Decimal exit_price;
  Timestamp entry_at;
  Timestamp exit_at;
  Decimal pnl;
  std::int64_t duration_seconds = 0;
  std::string exit_reason;  // stop_loss | strategy_exit | session_close
  Decimal costs;

  friend bool operator==(const StoredTrade&, const StoredTrade&) = default;
};

struct StoredRun {
  std::int64_t id = 0;
  std::string strategy;
  std::vector<std::string> symbols;
  core::Date start_date{};
  core::Date end_date{};
  Decimal initial_capital;
  std::string params_json;  // the reference's params object
  Decimal total_return;
  double win_rate = 0;
  double profit_factor = 0;
  double sharpe_ratio = 0;
  double max_drawdown = 0;
  std::int64_t total_trades = 0;
  std::string equity_curve_json;  // [{"date": "YYYY-MM-DD", "equity": "..."}, ...]
  Timestamp created_at;
  // F5: what it takes to repeat the run.
  std::string settings_json;  // the full effective strategy, risk and execution settings
  std::string data_source;    // store | synthetic:<seed> | ...
  std::string bars_fingerprint;
  std::string program_version;
  std::string metrics_json;  // every metric, exactly as computed
  std::int64_t bar_count = 0;
};

class RunRepository {
 public:
  virtual ~RunRepository() = default;
  // The run and its trades in one transaction; returns the new run id.
  virtual std::int64_t insert(const StoredRun& run, std::span<const StoredTrade> trades) = 0;
  [[nodiscard]] virtual std::vector<StoredRun> list(int limit) = 0;  // newest first
  [[nodiscard]] virtual std::optional<StoredRun> find(std::int64_t id) = 0;
  [[nodiscard]] virtual std::vector<StoredTrade> trades(std::int64_t run_id) = 0;
};

}  // namespace trader::backtest
