#pragma once
// The project's SQLite database through SOCI (F13): every connection gets journal_mode=WAL,
// busy_timeout from ALGO_DB_BUSY_TIMEOUT_MS and foreign_keys=ON; the parent directory is created
// when needed; a brand-new database is migrated on first use; an outdated one is refused with
// a message naming trader-migrate; one from a newer program is refused without touching it.
// SOCI stays behind this header (pimpl): includers pay nothing for it.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <trader/config/settings.hpp>
#include <trader/core/error.hpp>

namespace soci {
class session;
}

namespace trader::store {

// A database that cannot be opened, read or written as asked; what() names the file.
class StoreError : public Error {
 public:
  using Error::Error;
};

// The schema is older than this program: trader-migrate upgrade fixes it.
class SchemaBehindError : public StoreError {
 public:
  using StoreError::StoreError;
};

// Another process held the write lock for longer than busy_timeout: nothing was written; trying
// again later (or a larger ALGO_DB_BUSY_TIMEOUT_MS) may succeed.
class DatabaseBusyError : public StoreError {
 public:
  using StoreError::StoreError;
};

// The file or its directory cannot be written (or read) by this user.
class DatabasePermissionError : public StoreError {
 public:
  using StoreError::StoreError;
};

// SQLite or a session checksum found damaged data; what() names where.
class DatabaseCorruptError : public StoreError {
 public:
  using StoreError::StoreError;
};

// A read-only command was pointed at a database that does not exist (or holds no schema yet):
// nothing has been stored there, and reading must not create it.
class DatabaseMissingError : public StoreError {
 public:
  using StoreError::StoreError;
};

// When a commit reaches the disk (SQLite's `synchronous` in WAL mode).
enum class Synchronous : std::uint8_t {
  // The write-ahead log is flushed at checkpoints, not at every commit: a commit survives the
  // process being killed (it is in the operating system's cache) but the last ones can be lost
  // with the machine's power. A commit costs microseconds instead of a disk flush, which is what
  // lets the live runtime record an order before sending it without adding a millisecond to
  // every order (see docs/decisions.md, "the runtime's commits").
  normal,
  // Every commit is flushed to the disk before it returns: it survives a power loss.
  full,
};

struct DatabaseOptions {
  std::filesystem::path path = "data/trading.db";
  int busy_timeout_ms = 5000;
  Synchronous synchronous = Synchronous::normal;
  // Checkpoint the log from a background thread (every second) instead of on the writing
  // connection when a commit finds it past 1000 pages: that commit would wait for two disk
  // flushes. The live runtime asks for it; a tool that writes in bulk does not need it.
  bool background_checkpoints = false;
};

// The options ALGO_DB_PATH, ALGO_DB_BUSY_TIMEOUT_MS and ALGO_DB_SYNCHRONOUS give.
[[nodiscard]] DatabaseOptions database_options(const config::Settings& settings);

enum class OpenMode : std::uint8_t {
  // Programs that write: a new database is created and migrated to the latest schema (safe
  // when several processes do it at once: one migrates, the others wait); an older schema is
  // refused.
  use,
  // trader-migrate upgrade/downgrade: open whatever version the file has (but never a newer
  // one) and leave the schema alone, so that it can back up, upgrade or downgrade it.
  maintain,
  // Commands that only read (list, export, show, verify): the file is opened read-only, works
  // for a user who may not write it or its directory, and is never created or migrated. A
  // missing or empty database is a DatabaseMissingError; an older schema is refused.
  read,
  // trader-migrate current/history/status: read-only like `read`, any version up to the latest.
  inspect,
};

class Database {
 public:
  // Throws StoreError (or SchemaBehindError) with the path and what to do.
  [[nodiscard]] static Database open(const DatabaseOptions& options, OpenMode mode = OpenMode::use);

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  [[nodiscard]] const std::filesystem::path& path() const noexcept;
  [[nodiscard]] int busy_timeout_ms() const noexcept;
  [[nodiscard]] bool read_only() const noexcept;
  // The schema version recorded in the file (0 for an empty database).
  [[nodiscard]] int schema_version();

  // For the storage layer's own implementations (repositories, migrations): the SOCI session.
  [[nodiscard]] soci::session& session();

  // Called by the storage layer when SQLite reported damage or an I/O error: the next write
  // transaction first runs SQLite's quick_check and refuses to write into a damaged file.
  void mark_suspect() noexcept;

 private:
  friend class Transaction;  // runs the quick check of a suspect database before writing
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// BEGIN IMMEDIATE ... COMMIT: takes the write lock up front, so two writers queue on the busy
// timeout instead of deadlocking on a lock upgrade (past it: DatabaseBusyError). Rolls back
// unless commit() was called. On a database marked suspect, SQLite's quick_check runs first and
// a damaged file is refused (DatabaseCorruptError) before anything is written.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool open_ = true;
};

}  // namespace trader::store
