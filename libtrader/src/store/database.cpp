#include <trader/store/database.hpp>

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <unistd.h>

#include <fmt/core.h>

#include <trader/log/log.hpp>
#include <trader/store/migrations.hpp>

#include "store/sqlite_handle.hpp"

namespace trader::store {

struct Database::Impl {
  std::filesystem::path path;
  int busy_timeout_ms = 5000;
  soci::session sql;
};

namespace {

std::string quoted_for_soci(const std::filesystem::path& path) {
  // SOCI's connection string takes a quoted value; a path with a double quote cannot be quoted.
  const std::string text = path.string();
  if (text.find('"') != std::string::npos) {
    throw StoreError("database path must not contain a double quote: " + text);
  }
  return "db=\"" + text + "\"";
}

void prepare_directory(const std::filesystem::path& path) {
  const std::filesystem::path parent =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    throw StoreError(fmt::format("cannot create directory {} for the database {}: {}",
                                 parent.string(), path.string(), ec.message()));
  }
  if (!std::filesystem::exists(path) && ::access(parent.c_str(), W_OK | X_OK) != 0) {
    throw StoreError(fmt::format("cannot create database {}: directory {} is not writable",
                                 path.string(), parent.string()));
  }
  if (std::filesystem::exists(path) && std::filesystem::is_directory(path)) {
    throw StoreError(fmt::format("cannot open database {}: it is a directory", path.string()));
  }
}

// The schema version recorded in the file: 0 for a database without tables; StoreError for a
// file that is not SQLite or not ours. Reads only.
int recorded_version(soci::session& sql, const std::filesystem::path& path) {
  int tables = 0;
  try {
    sql << "SELECT count(*) FROM sqlite_master WHERE type = 'table'", soci::into(tables);
  } catch (const soci::soci_error& e) {
    throw StoreError(
        fmt::format("{} is not a usable SQLite database: {}", path.string(), e.what()));
  }
  if (tables == 0) return 0;
  int has_table = 0;
  sql << "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migration'",
      soci::into(has_table);
  if (has_table == 0) {
    throw StoreError(
        fmt::format("{} is not a libtrader database (it has tables but no schema_migration table); "
                    "point ALGO_DB_PATH at another file",
                    path.string()));
  }
  soci::indicator ind = soci::i_ok;
  int version = 0;
  sql << "SELECT max(version) FROM schema_migration", soci::into(version, ind);
  return ind == soci::i_null ? 0 : version;
}

}  // namespace

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

const std::filesystem::path& Database::path() const noexcept { return impl_->path; }
int Database::busy_timeout_ms() const noexcept { return impl_->busy_timeout_ms; }
soci::session& Database::session() { return impl_->sql; }

int Database::schema_version() { return recorded_version(impl_->sql, impl_->path); }

Database Database::open(const DatabaseOptions& options, OpenMode mode) {
  prepare_directory(options.path);
  auto impl = std::make_unique<Impl>();
  impl->path = options.path;
  impl->busy_timeout_ms = options.busy_timeout_ms;
  try {
    impl->sql.open(*soci::factory_sqlite3(), quoted_for_soci(options.path));
    // Connection settings, not stored in the file (F13: on every connection).
    impl->sql << fmt::format("PRAGMA busy_timeout = {}", options.busy_timeout_ms);
    impl->sql << "PRAGMA foreign_keys = ON";
  } catch (const soci::soci_error& e) {
    throw StoreError(fmt::format("cannot open database {}: {}", options.path.string(), e.what()));
  }
  const int version = recorded_version(impl->sql, options.path);
  const int latest = latest_version();
  // Decide before anything is written: a newer or an outdated file is left exactly as it was.
  if (version > latest) {
    throw StoreError(
        fmt::format("{} has schema version {}, newer than this program's {}: use a newer libtrader "
                    "(the file was not changed)",
                    options.path.string(), version, latest));
  }
  if (mode == OpenMode::use && version > 0 && version < latest) {
    throw SchemaBehindError(
        fmt::format("{} has schema version {}; this program needs {}. Run `trader-migrate upgrade` "
                    "(it backs the file up first)",
                    options.path.string(), version, latest));
  }
  try {
    if (version == 0 && std::filesystem::file_size(options.path) == 0) {
      // Only possible before the first table: larger pages suit the bar store's session BLOBs.
      impl->sql << "PRAGMA page_size = 16384";
    }
    std::string journal_mode;
    impl->sql << "PRAGMA journal_mode = WAL", soci::into(journal_mode);
    if (journal_mode != "wal") {
      throw StoreError(fmt::format("{}: cannot switch to WAL journal mode (got {})",
                                   options.path.string(), journal_mode));
    }
  } catch (const soci::soci_error& e) {
    throw StoreError(fmt::format("cannot open database {}: {}", options.path.string(), e.what()));
  }
  Database db(std::move(impl));
  if (mode == OpenMode::use && version == 0) {
    // F13: a brand-new database is migrated on first use.
    const auto applied = upgrade(db);
    log::info("database_created", {{"path", options.path.string()},
                                   {"schema_version", std::to_string(latest_version())},
                                   {"steps", std::to_string(applied.size())}});
  }
  return db;
}

Transaction::Transaction(Database& db) : db_(db) {
  try {
    db_.session() << "BEGIN IMMEDIATE";
  } catch (const soci::soci_error& e) {
    throw StoreError(
        fmt::format("{}: cannot start a write transaction: {}", db_.path().string(), e.what()));
  }
}

Transaction::~Transaction() {
  if (!open_) return;
  try {
    db_.session() << "ROLLBACK";
  } catch (const soci::soci_error&) {
    // A failed statement may already have ended the transaction; nothing left to undo.
  }
}

void Transaction::commit() {
  try {
    db_.session() << "COMMIT";
    open_ = false;
  } catch (const soci::soci_error& e) {
    throw StoreError(fmt::format("{}: commit failed: {}", db_.path().string(), e.what()));
  }
}

}  // namespace trader::store
