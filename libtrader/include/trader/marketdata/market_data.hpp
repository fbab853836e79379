#pragma once
// Getting bars into the local store (F14) and out again: CSV import and export, fetching from
// Alpaca only what the store lacks, and synthetic bars. trader-data and trader-backtest both
// use these; each write is one transaction, so an interrupted import leaves nothing behind.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <trader/config/settings.hpp>
#include <trader/core/cancellation.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/csv_reader.hpp>
#include <trader/store/bar_store.hpp>

namespace trader::marketdata {

// Called now and then with the number of rows or bars handled so far (progress lines).
using Progress = std::function<void(std::int64_t done)>;

// Each long operation below polls `cancel` (when given) once per block of rows, page or session
// and right before it commits: once cancelled it throws Interrupted and, writes being one
// transaction, nothing is stored (issue 11 item 8).

struct ImportReport {
  std::string file_name;
  std::int64_t rows_read = 0;
  std::int64_t rows_skipped = 0;              // bad rows, with skip_bad_rows
  std::vector<std::string> skipped_examples;  // "bars.csv:17: ..." (the first few)
  store::WriteReport written;
  std::vector<std::string> symbols;
};

// Reads `file` (all of it is validated first) and stores its bars as source "csv:<file name>",
// merged into the stored sessions by minute (or replacing them whole, as `policy` says).
// Throws data::DataError listing bad rows (nothing stored) unless options.skip_bad_rows.
ImportReport import_csv(store::BarStore& store, const std::filesystem::path& file,
                        const data::CsvReadOptions& options,
                        store::WritePolicy policy = store::WritePolicy::merge,
                        const Progress& progress = {},
                        const core::CancellationToken* cancel = nullptr);

// Writes the stored bars of `symbols` in [first, last] as CSV (with a symbol column when there
// are several symbols, vwap/trade_count when stored). Returns the number of rows.
std::int64_t export_csv(store::BarStore& store, const std::vector<std::string>& symbols,
                        core::Date first, core::Date last, std::ostream& out,
                        const std::string& name, const core::CancellationToken* cancel = nullptr);

struct SyntheticReport {
  store::WriteReport written;
};

// Deterministic synthetic bars for each symbol over [first, last], stored with source
// "synthetic:seed=N" (so any result built from them says so). Sessions that hold real bars are
// refused (store::ProvenanceError listing them, nothing written) unless `policy` is
// replace_sessions.
SyntheticReport write_synthetic(store::BarStore& store, const std::vector<std::string>& symbols,
                                core::Date first, core::Date last, std::uint64_t seed,
                                store::WritePolicy policy = store::WritePolicy::merge,
                                const Progress& progress = {},
                                const core::CancellationToken* cancel = nullptr);

struct FetchReport {
  std::vector<store::MissingRange> requested;  // what the store lacked
  std::int64_t bars = 0;
  int pages = 0;
  int retries = 0;
  store::WriteReport written;
  std::vector<store::MissingRange> still_missing;  // sessions Alpaca had no bars for
};

// Fetches from Alpaca the sessions of [first, last] that the store lacks for each symbol and
// stores them (source "alpaca-iex" / "alpaca-sip"). Sessions of synthetic bars count as lacking:
// fetched bars replace them. Needs the broker keys; throws
// alpaca::AlpacaError subclasses for network and API failures (nothing stored then), Error when
// the program was built without the Alpaca adapters.
FetchReport fetch_missing(store::BarStore& store, const config::Settings& settings,
                          const std::vector<std::string>& symbols, core::Date first,
                          core::Date last, const Progress& progress = {},
                          const core::CancellationToken* cancel = nullptr);

// Whether this build can talk to Alpaca (-Dalpaca).
[[nodiscard]] bool alpaca_available() noexcept;

}  // namespace trader::marketdata
