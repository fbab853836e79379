#pragma once
// Stored parameter sweeps (the sweep and sweep_result tables, schema version 5): a sweep with
// everything needed to repeat any of its combinations, and one row per combination. Plain records
// in the storage layer's own terms: the JSON columns are text the sweep driver writes and reads
// (trader/sweep/archive.hpp), so storage never includes a driver.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <trader/core/timestamp.hpp>
#include <trader/store/database.hpp>

namespace trader::store {

struct StoredSweep {
  std::int64_t id = 0;
  core::Timestamp created_at;
  std::string strategy;
  std::string symbols_json;  // ["AAPL", "MSFT"]
  core::Date start_date{};
  core::Date end_date{};
  std::string objective;
  std::string axes_json;      // the swept parameters, in order
  std::string settings_json;  // every effective setting except secrets and the swept ones
  std::string data_source;
  std::string bars_fingerprint;
  std::string fingerprint;
  std::int64_t bar_count = 0;
  std::int64_t combinations = 0;
  std::string program_version;
};

struct StoredSweepResult {
  std::int64_t combination = 0;  // 1-based
  std::string params_json;
  std::string metrics_json;
  std::optional<double> objective_value;  // none when not a number
  std::int64_t total_trades = 0;
};

class SweepRepository {
 public:
  virtual ~SweepRepository() = default;
  // The sweep and its results in one transaction; returns the new sweep id.
  virtual std::int64_t insert(const StoredSweep& sweep,
                              std::span<const StoredSweepResult> results) = 0;
  [[nodiscard]] virtual std::vector<StoredSweep> list(int limit) = 0;  // newest first
  [[nodiscard]] virtual std::optional<StoredSweep> find(std::int64_t id) = 0;
  // In combination order.
  [[nodiscard]] virtual std::vector<StoredSweepResult> results(std::int64_t sweep_id) = 0;
};

[[nodiscard]] std::unique_ptr<SweepRepository> make_sweep_repository(Database& db);

}  // namespace trader::store
