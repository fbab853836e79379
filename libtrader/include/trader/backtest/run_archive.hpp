#pragma once
// The run archive: backtest results stored with everything needed to repeat them (F5), listed,
// shown, compared. It turns a BacktestResult into the storage layer's records
// (trader/store/run_repository.hpp: the JSON columns are written here, with Boost.JSON) and
// compares two runs field by field: settings, data, trades, metrics.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <trader/backtest/metrics.hpp>
#include <trader/backtest/runner.hpp>
#include <trader/engine/trade.hpp>
#include <trader/store/database.hpp>
#include <trader/store/run_repository.hpp>

namespace trader::backtest {

// What differs between two runs, by part; each line "what: first -> second".
struct RunDiff {
  std::vector<std::string> settings;  // strategy, symbols, dates, parameters, every setting
  std::vector<std::string> data;      // data source, bars, fingerprint
  std::vector<std::string> trades;    // count, then each trade that differs
  std::vector<std::string> metrics;   // each metric that differs
  std::vector<std::string> program;   // program version (shown, not a difference of results)

  [[nodiscard]] bool identical() const noexcept {
    return settings.empty() && data.empty() && trades.empty() && metrics.empty();
  }
};

// A run with its trades, as stored (or as it would be stored).
struct ArchivedRun {
  store::StoredRun run;
  std::vector<engine::Trade> trades;  // symbol ids index run.symbols
};

// Compares two runs; `first` and `second` name them in the lines ("run 1", "now").
[[nodiscard]] RunDiff compare_runs(const ArchivedRun& a, const ArchivedRun& b,
                                   const std::string& first, const std::string& second);

class RunArchive {
 public:
  explicit RunArchive(store::Database& db);  // `db` must outlive the archive
  ~RunArchive();
  RunArchive(const RunArchive&) = delete;
  RunArchive& operator=(const RunArchive&) = delete;

  // The run and its trades in one transaction; returns the new run id.
  std::int64_t save(const BacktestResult& result);
  [[nodiscard]] std::vector<store::StoredRun> list(int limit);  // newest first
  [[nodiscard]] std::optional<store::StoredRun> find(std::int64_t id);
  // The run and its trades; BacktestError "no backtest run N in PATH" when there is none.
  [[nodiscard]] ArchivedRun get(std::int64_t id);
  // What differs between two stored runs (BacktestError when one does not exist).
  [[nodiscard]] RunDiff diff(std::int64_t a, std::int64_t b);

 private:
  store::Database& db_;
  std::unique_ptr<store::RunRepository> runs_;
};

// The stored forms (the JSON columns exactly as written), for the archive, the tools and tests.
[[nodiscard]] ArchivedRun to_archived_run(const BacktestResult& result);
[[nodiscard]] std::string metrics_json(const Metrics& m);
// The settings of a stored run as (variable, value) pairs (what a rerun loads); BacktestError
// when the text is not a JSON object of strings.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> settings_from_json(
    const std::string& text);
// trader-backtest --json: the run id (null when not stored), the result, trades and metrics;
// trades one per line.
[[nodiscard]] std::string result_json(const BacktestResult& result,
                                      std::optional<std::int64_t> run_id);

}  // namespace trader::backtest
