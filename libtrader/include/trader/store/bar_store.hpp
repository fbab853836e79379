#pragma once
// The local bar store (F14): one-minute bars per symbol and NYSE session, in the project's
// SQLite database. One row per (symbol, session) holds that session's bars as a packed BLOB, so
// a year of one symbol is ~250 rows, reads stream a session at a time (memory does not grow
// with the date range) and decode at memory speed. Each session records its source
// (alpaca-iex, alpaca-sip, csv:<file name>, synthetic); the rows present are the coverage.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <trader/core/timestamp.hpp>
#include <trader/data/bar_record.hpp>
#include <trader/data/bar_source.hpp>
#include <trader/data/symbol_table.hpp>
#include <trader/store/database.hpp>

namespace trader::store {

using core::Date;
using core::Timestamp;

// One stored session of one symbol.
struct StoredSession {
  std::string symbol;
  Date date{};
  std::string source;
  std::int64_t bars = 0;
  std::int64_t expected_bars = 0;  // minutes in the session (390, or 210 on an early close)
  Timestamp first;
  Timestamp last;
};

// Per symbol, what `trader-data list` shows.
struct SymbolSummary {
  std::string symbol;
  Timestamp first;
  Timestamp last;
  std::int64_t bars = 0;
  std::int64_t sessions = 0;
  std::int64_t missing_minutes = 0;  // inside the stored sessions
  std::vector<std::string> sources;
};

struct WriteReport {
  std::int64_t bars_written = 0;
  std::int64_t sessions_written = 0;
  std::int64_t sessions_replaced = 0;     // sessions that were already stored (now replaced)
  std::int64_t bars_outside_session = 0;  // not in a regular session: not stored
};

// A range of sessions a symbol lacks (for messages and for fetching what is missing).
struct MissingRange {
  std::string symbol;
  Date first;
  Date last;
  std::int64_t sessions = 0;
};

// Writes bars inside one transaction: all of it lands on commit(), none of it otherwise (an
// exception, or destruction without commit). Each symbol's bars must arrive in increasing time;
// symbols may interleave. A session written here replaces the stored one.
class BarWriter {
 public:
  ~BarWriter();
  BarWriter(BarWriter&&) noexcept;
  BarWriter& operator=(BarWriter&&) = delete;
  BarWriter(const BarWriter&) = delete;

  // `source` labels every session written from these records.
  void add(std::span<const data::BarRecord> records, const data::SymbolTable& symbols,
           const std::string& source);
  WriteReport commit();

 private:
  friend class BarStore;
  struct Impl;
  explicit BarWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class BarStore {
 public:
  explicit BarStore(Database& db);  // `db` must outlive the store and its readers

  [[nodiscard]] BarWriter writer();

  // The bars of `symbols` (their ids from `table`) with first <= session date <= last, merged
  // in (timestamp, symbol) order when `table` was built with SymbolTable::sorted.
  [[nodiscard]] std::unique_ptr<data::BarSource> read(const data::SymbolTable& table, Date first,
                                                      Date last);
  // The same with vwap and trade count, for exports.
  void read_records(const data::SymbolTable& table, Date first, Date last,
                    const std::function<void(std::span<const data::BarRecord>)>& sink);

  [[nodiscard]] std::vector<SymbolSummary> summary();
  [[nodiscard]] std::vector<StoredSession> sessions(const std::string& symbol, Date first,
                                                    Date last);
  // Sessions of the NYSE calendar in [first, last] that `symbol` lacks, as contiguous ranges.
  [[nodiscard]] std::vector<MissingRange> missing(const std::string& symbol, Date first, Date last);
  // Sources used by the stored sessions of these symbols in the range ("synthetic" among them
  // means the data is not real).
  [[nodiscard]] std::vector<std::string> sources(const std::vector<std::string>& symbols,
                                                 Date first, Date last);
  // Deletes a symbol's sessions in [first, last] (all of them without a range); returns how many.
  std::int64_t remove(const std::string& symbol, std::optional<Date> first = std::nullopt,
                      std::optional<Date> last = std::nullopt);

 private:
  Database& db_;
};

}  // namespace trader::store
