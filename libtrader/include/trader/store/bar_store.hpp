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
#include <string_view>
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
  std::int64_t bars_added = 0;     // minutes the store did not hold
  std::int64_t bars_replaced = 0;  // stored bars replaced by an incoming bar of the same minute
  std::int64_t bars_kept = 0;      // stored bars of merged sessions that no incoming bar touched
  std::int64_t bars_dropped = 0;   // stored bars of sessions replaced whole (see WritePolicy)
  std::int64_t sessions_written = 0;
  std::int64_t sessions_new = 0;          // sessions the store did not hold
  std::int64_t sessions_merged = 0;       // stored sessions the incoming bars were merged into
  std::int64_t sessions_replaced = 0;     // stored sessions replaced whole
  std::int64_t bars_outside_session = 0;  // not in a regular session: not stored

  // Incoming bars stored (added or replacing a stored minute).
  [[nodiscard]] std::int64_t bars_written() const noexcept { return bars_added + bars_replaced; }
};

// What happens when a session being written is already stored.
enum class WritePolicy : std::uint8_t {
  // Bars merge by minute: an incoming bar replaces the stored bar of the same minute, the other
  // stored bars stay. A synthetic session is replaced whole by real bars (real and synthetic
  // bars never share a session), and synthetic bars never touch a session of real bars
  // (ProvenanceError).
  merge,
  // Each session written replaces the stored one whole, whatever it held.
  replace_sessions,
};

// Synthetic bars were about to overwrite real ones; what() lists the sessions.
class ProvenanceError : public StoreError {
 public:
  using StoreError::StoreError;
};

// Whether a session's source label means generated bars ("synthetic", "synthetic:seed=42").
[[nodiscard]] bool is_synthetic_source(std::string_view source) noexcept;

// Where one symbol's stored bars in a date range came from.
struct SymbolProvenance {
  std::string symbol;
  std::vector<std::string> real_sources;       // csv:<file>, alpaca-iex, ...
  std::vector<std::string> synthetic_sources;  // synthetic:seed=N
  std::int64_t real_sessions = 0;
  std::int64_t synthetic_sessions = 0;
};

// One problem `verify` found.
struct DamagedSession {
  std::string symbol;
  Date date{};
  std::string problem;
};

struct VerifyReport {
  std::vector<std::string> integrity_problems;  // PRAGMA integrity_check lines (empty: ok)
  std::vector<DamagedSession> damaged;          // checksum, size or content problems
  std::int64_t sessions_checked = 0;
  std::int64_t bars_checked = 0;
  [[nodiscard]] bool ok() const noexcept { return integrity_problems.empty() && damaged.empty(); }
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
// symbols may interleave. A session already stored is merged or replaced as the WritePolicy
// says; every session written records its sources and a checksum of its bars.
class BarWriter {
 public:
  ~BarWriter();
  BarWriter(BarWriter&&) noexcept;
  BarWriter& operator=(BarWriter&&) = delete;
  BarWriter(const BarWriter&) = delete;

  // `source` labels every session written from these records ("csv:bars.csv", "alpaca-iex",
  // "synthetic:seed=42"); a merged session lists the sources of its bars ("a+b").
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

  [[nodiscard]] BarWriter writer(WritePolicy policy = WritePolicy::merge);

  // The bars of `symbols` (their ids from `table`) with first <= session date <= last, merged
  // in (timestamp, symbol) order when `table` was built with SymbolTable::sorted. Each session's
  // checksum is verified as it is read: a mismatch is a DatabaseCorruptError naming the symbol
  // and date.
  [[nodiscard]] std::unique_ptr<data::BarSource> read(const data::SymbolTable& table, Date first,
                                                      Date last);
  // Which optional columns (vwap, trade count) any stored session of these symbols in
  // [first, last] has, from the sessions' headers alone (no bar is decoded): what an export
  // asks before it writes its header line.
  struct OptionalColumns {
    bool vwap = false;
    bool trade_count = false;
  };
  [[nodiscard]] OptionalColumns optional_columns(const data::SymbolTable& table, Date first,
                                                 Date last);
  // The same with vwap and trade count, for exports.
  void read_records(const data::SymbolTable& table, Date first, Date last,
                    const std::function<void(std::span<const data::BarRecord>)>& sink);

  [[nodiscard]] std::vector<SymbolSummary> summary();
  [[nodiscard]] std::vector<StoredSession> sessions(const std::string& symbol, Date first,
                                                    Date last);
  // Sessions of the NYSE calendar in [first, last] that `symbol` lacks, as contiguous ranges;
  // with `real_only`, sessions of synthetic bars count as missing too.
  [[nodiscard]] std::vector<MissingRange> missing(const std::string& symbol, Date first, Date last,
                                                  bool real_only = false);
  // Per symbol, where the stored sessions in [first, last] came from (in `symbols` order).
  [[nodiscard]] std::vector<SymbolProvenance> provenance(const std::vector<std::string>& symbols,
                                                         Date first, Date last);
  // The stored sessions of real bars among `symbols` in [first, last] (what synthetic bars must
  // not overwrite).
  [[nodiscard]] std::vector<StoredSession> real_sessions(const std::vector<std::string>& symbols,
                                                         Date first, Date last);
  // SQLite's integrity_check, then every stored session: its checksum, size, count, first and
  // last times, and its bars (inside the session, whole minutes, increasing, consistent prices).
  // Reads only. `progress` is called with the sessions checked so far.
  [[nodiscard]] VerifyReport verify(const std::function<void(std::int64_t)>& progress = {});
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
