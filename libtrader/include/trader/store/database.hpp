#pragma once
// The project's SQLite database through SOCI (F13): every connection gets journal_mode=WAL,
// busy_timeout from ALGO_DB_BUSY_TIMEOUT_MS and foreign_keys=ON; the parent directory is created
// when needed; a brand-new database is migrated on first use; an outdated one is refused with
// a message naming trader-migrate; one from a newer program is refused without touching it.
// SOCI stays behind this header (pimpl): includers pay nothing for it.

#include <filesystem>
#include <memory>
#include <string>

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

struct DatabaseOptions {
  std::filesystem::path path = "data/trading.db";
  int busy_timeout_ms = 5000;
};

enum class OpenMode : std::uint8_t {
  // Programs: a new database is migrated to the latest schema; an older one is refused.
  use,
  // trader-migrate: open whatever version the file has (but never a newer one) and leave the
  // schema alone, so that it can back up, upgrade or downgrade it.
  maintain,
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
  // The schema version recorded in the file (0 for an empty database).
  [[nodiscard]] int schema_version();

  // For the storage layer's own implementations (repositories, migrations): the SOCI session.
  [[nodiscard]] soci::session& session();

 private:
  struct Impl;
  explicit Database(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// BEGIN IMMEDIATE ... COMMIT: takes the write lock up front, so two writers queue on the busy
// timeout instead of deadlocking on a lock upgrade. Rolls back unless commit() was called.
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
