#include <trader/store/database.hpp>

#include <pwd.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdlib>

#include <trader/log/log.hpp>
#include <trader/store/migrations.hpp>

#include "store/checkpointer.hpp"
#include "store/sqlite_handle.hpp"

namespace trader::store {

struct Database::Impl {
  std::filesystem::path path;
  int busy_timeout_ms = 5000;
  bool read_only = false;
  bool suspect = false;  // SQLite reported damage or an I/O error on this connection
  soci::session sql;
  // After sql: it closes first, so the writing connection is the last and tidies the log.
  std::unique_ptr<detail::Checkpointer> checkpointer;
  // BEGIN IMMEDIATE, COMMIT and ROLLBACK, each prepared once (on first use): every order the
  // runtime sends is written in a transaction first, and parsing the same words every time is
  // waste on that path. Finalized before sql closes (declared after it).
  struct Prepared {
    detail::sqlite::sqlite3_stmt* statement = nullptr;
    Prepared() = default;
    Prepared(const Prepared&) = delete;
    Prepared& operator=(const Prepared&) = delete;
    ~Prepared() { detail::sqlite::sqlite3_finalize(statement); }
  };
  Prepared begin, commit, rollback;
};

namespace {

namespace fs = std::filesystem;

// "user nobody (uid 65534)", for permission messages.
std::string current_user() {
  const uid_t uid = ::geteuid();
  const passwd* entry = ::getpwuid(uid);
  return entry != nullptr ? fmt::format("user {} (uid {})", entry->pw_name, uid)
                          : fmt::format("uid {}", uid);
}

// "owner root, mode 0644" of an existing path, for permission messages.
std::string ownership(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return "unknown owner";
  const passwd* entry = ::getpwuid(info.st_uid);
  const std::string owner =
      entry != nullptr ? std::string(entry->pw_name) : std::to_string(info.st_uid);
  return fmt::format("owner {}, mode {:04o}", owner, info.st_mode & 07777U);
}

bool can_access(const fs::path& path, int what) { return ::access(path.c_str(), what) == 0; }

fs::path parent_of(const fs::path& path) {
  return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

// The path is something a database can live in: not empty, not a directory or a device.
void check_path(const fs::path& path) {
  if (path.empty()) {
    throw StoreError(
        "the database path is empty: set ALGO_DB_PATH (or --db) to a file such as "
        "data/trading.db");
  }
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (status.type() == fs::file_type::directory) {
    throw StoreError(fmt::format("cannot open database {}: it is a directory", path.string()));
  }
  if (fs::exists(status) && status.type() != fs::file_type::regular) {
    throw StoreError(fmt::format(
        "cannot use {} as a database: it is not a regular file (a database is a file such as "
        "data/trading.db)",
        path.string()));
  }
  if (path.string().find('"') != std::string::npos) {
    // SOCI's connection string takes a quoted value; a path with a double quote cannot be quoted.
    throw StoreError("database path must not contain a double quote: " + path.string());
  }
}

// For commands that write: the directory exists (created when needed) and this user may write
// the file and the files SQLite keeps beside it (-wal, -shm).
void prepare_for_writing(const fs::path& path) {
  const fs::path parent = parent_of(path);
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) {
    throw StoreError(fmt::format("cannot create directory {} for the database {}: {}",
                                 parent.string(), path.string(), ec.message()));
  }
  const bool exists = fs::exists(path);
  if (!exists && !can_access(parent, W_OK | X_OK)) {
    throw DatabasePermissionError(
        fmt::format("cannot create database {}: directory {} is not writable by {} ({})",
                    path.string(), parent.string(), current_user(), ownership(parent)));
  }
  if (exists && !can_access(path, R_OK | W_OK)) {
    throw DatabasePermissionError(
        fmt::format("permission denied: {} cannot write the database {} ({}); commands that only "
                    "read it still work",
                    current_user(), path.string(), ownership(path)));
  }
  const fs::path wal = path.string() + "-wal";
  const fs::path shm = path.string() + "-shm";
  const bool side_files_usable = fs::exists(wal) && fs::exists(shm) &&
                                 can_access(wal, R_OK | W_OK) && can_access(shm, R_OK | W_OK);
  if (exists && !side_files_usable && !can_access(parent, W_OK | X_OK)) {
    throw DatabasePermissionError(fmt::format(
        "permission denied: {} cannot write the database {}: its directory {} is not writable "
        "({}) and SQLite keeps its write-ahead log beside the file; commands that only read it "
        "still work",
        current_user(), path.string(), parent.string(), ownership(parent)));
  }
}

// For commands that only read: the file must exist and be readable; nothing is created.
void check_readable(const fs::path& path) {
  if (!fs::exists(path)) {
    throw DatabaseMissingError(fmt::format(
        "no database at {}: nothing has been stored there yet (commands that store bars, runs "
        "or orders create it; check ALGO_DB_PATH or --db)",
        path.string()));
  }
  if (!can_access(path, R_OK)) {
    throw DatabasePermissionError(
        fmt::format("permission denied: {} cannot read the database {} ({})", current_user(),
                    path.string(), ownership(path)));
  }
}

// A file: URI for SQLite (the library is built with URI file names): '%', '?' and '#' escaped.
std::string file_uri(const fs::path& path, std::string_view query) {
  std::string uri = "file:";
  for (const char c : path.string()) {
    if (c == '%' || c == '?' || c == '#') {
      uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    } else {
      uri += c;
    }
  }
  return uri + "?" + std::string(query);
}

int sqlite_code(const soci::soci_error& e) {
  const auto* native = dynamic_cast<const soci::sqlite3_soci_error*>(&e);
  return native != nullptr ? native->result() : SQLITE_ERROR;
}

// The schema version recorded in the file: 0 for a database without tables; StoreError for a
// file that is not SQLite or not ours. Reads only.
int recorded_version(soci::session& sql, const fs::path& path) {
  int tables = 0;
  try {
    sql << "SELECT count(*) FROM sqlite_master WHERE type = 'table'", soci::into(tables);
  } catch (const soci::soci_error& e) {
    const int code = sqlite_code(e) & 0xff;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_READONLY ||
        code == SQLITE_CANTOPEN) {
      throw;  // not about the file's contents: the caller reports it
    }
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

// Opens the SOCI session: read-write, or read-only. A read-only connection to a WAL database
// needs the -shm file; when this user cannot create it (a directory they may not write) and
// no other process has the database open (no write-ahead log with content), the file is read
// as immutable instead.
void connect(soci::session& sql, const fs::path& path, bool read_only) {
  const std::string plain = fmt::format("db=\"{}\"", path.string());
  if (!read_only) {
    sql.open(*soci::factory_sqlite3(), plain);
    return;
  }
  sql.open(*soci::factory_sqlite3(), plain + " readonly=1");
  try {
    int tables = 0;
    sql << "SELECT count(*) FROM sqlite_master", soci::into(tables);
    return;
  } catch (const soci::soci_error& e) {
    const int code = sqlite_code(e) & 0xff;
    // Anything else is about the file's contents: the version check that follows reports it.
    if (code != SQLITE_READONLY && code != SQLITE_CANTOPEN) return;
  }
  sql.close();
  std::error_code ec;
  const fs::path wal = path.string() + "-wal";
  if (fs::exists(wal) && fs::file_size(wal, ec) > 0) {
    throw DatabasePermissionError(fmt::format(
        "{} cannot read the database {}: another process is writing it (its write-ahead log {} "
        "is in use) and {} cannot share the log in {} ({}); try again when it is done",
        current_user(), path.string(), wal.string(), current_user(), parent_of(path).string(),
        ownership(parent_of(path))));
  }
  sql.open(*soci::factory_sqlite3(),
           fmt::format("db=\"{}\" readonly=1", file_uri(path, "immutable=1")));
}

}  // namespace

namespace detail {

void raise_sqlite_error(Database& db, int code, std::string_view doing, std::string_view message) {
  const std::string path = db.path().string();
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw DatabaseBusyError(fmt::format(
          "{} is busy: another process is writing to it and kept it locked for longer than {} ms "
          "while this one was {}; nothing was written. Try again when the other process is done, "
          "or raise ALGO_DB_BUSY_TIMEOUT_MS",
          path, db.busy_timeout_ms(), doing));
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      if (db.read_only()) {
        throw DatabasePermissionError(fmt::format(
            "{}: this command opened the database read-only and cannot be {}", path, doing));
      }
      throw DatabasePermissionError(
          fmt::format("permission denied: {} cannot write {} while {} ({})", current_user(), path,
                      doing, ownership(path)));
    case SQLITE_CANTOPEN:
      throw DatabasePermissionError(
          fmt::format("{} cannot open {} while {}: {}", current_user(), path, doing, message));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      db.mark_suspect();
      throw DatabaseCorruptError(
          fmt::format("{} is damaged ({} while {}): run `trader-data verify`, and restore a copy "
                      "from the backups directory beside it if that fails",
                      path, message, doing));
    case SQLITE_FULL:
      throw StoreError(fmt::format(
          "{}: the disk is full while {}; nothing of this step was written", path, doing));
    case SQLITE_IOERR:
      db.mark_suspect();
      throw StoreError(fmt::format("{}: I/O error while {}: {}", path, doing, message));
    default:
      throw StoreError(fmt::format("{}: {} failed: {}", path, doing, message));
  }
}

void raise_soci_error(Database& db, const soci::soci_error& e, std::string_view doing) {
  raise_sqlite_error(db, sqlite_code(e), doing, e.what());
}

void raise_native_error(Database& db, std::string_view doing) {
  sqlite::sqlite3* handle = native_handle(db);
  raise_sqlite_error(db, sqlite::sqlite3_extended_errcode(handle), doing,
                     sqlite::sqlite3_errmsg(handle));
}

}  // namespace detail

Database::Database(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

const std::filesystem::path& Database::path() const noexcept { return impl_->path; }
int Database::busy_timeout_ms() const noexcept { return impl_->busy_timeout_ms; }
bool Database::read_only() const noexcept { return impl_->read_only; }
soci::session& Database::session() { return impl_->sql; }
void Database::mark_suspect() noexcept { impl_->suspect = true; }

int Database::schema_version() { return recorded_version(impl_->sql, impl_->path); }

DatabaseOptions database_options(const config::Settings& settings) {
  DatabaseOptions options;
  options.path = settings.db_path;
  options.busy_timeout_ms = settings.db_busy_timeout_ms;
  options.synchronous = settings.db_synchronous == "full" ? Synchronous::full : Synchronous::normal;
  return options;
}

Database Database::open(const DatabaseOptions& options, OpenMode mode) {
  check_path(options.path);
  const bool read_only = mode == OpenMode::read || mode == OpenMode::inspect;
  if (read_only) {
    check_readable(options.path);
  } else {
    prepare_for_writing(options.path);
  }
  auto impl = std::make_unique<Impl>();
  impl->path = options.path;
  impl->busy_timeout_ms = options.busy_timeout_ms;
  impl->read_only = read_only;
  Database db(std::move(impl));
  Impl& self = *db.impl_;
  int version = 0;
  try {
    connect(self.sql, self.path, self.read_only);
    // Connection settings, not stored in the file (F13: on every connection).
    self.sql << fmt::format("PRAGMA busy_timeout = {}", options.busy_timeout_ms);
    self.sql << "PRAGMA foreign_keys = ON";
    version = recorded_version(self.sql, options.path);
  } catch (const soci::soci_error& e) {
    detail::raise_soci_error(db, e, "opening it");
  }
  const int latest = latest_version();
  // Decide before anything is written: a newer or an outdated file is left exactly as it was.
  if (version > latest) {
    throw StoreError(
        fmt::format("{} has schema version {}, newer than this program's {}: use a newer libtrader "
                    "(the file was not changed)",
                    options.path.string(), version, latest));
  }
  if ((mode == OpenMode::use || mode == OpenMode::read) && version > 0 && version < latest) {
    throw SchemaBehindError(
        fmt::format("{} has schema version {}; this program needs {}. Run `trader-migrate upgrade` "
                    "(it backs the file up first)",
                    options.path.string(), version, latest));
  }
  if (mode == OpenMode::read && version == 0) {
    throw DatabaseMissingError(fmt::format(
        "{} holds no data yet (an empty database without a schema)", options.path.string()));
  }
  if (read_only) return db;
  try {
    std::string journal_mode;
    self.sql << "PRAGMA journal_mode", soci::into(journal_mode);
    // Switching a new file to WAL needs the file to itself for a moment, and SQLite does not
    // wait on the busy handler for it: several first users retry until busy_timeout.
    const auto give_up =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options.busy_timeout_ms);
    for (auto pause = std::chrono::milliseconds(1); journal_mode != "wal";) {
      try {
        self.sql << "PRAGMA journal_mode = WAL", soci::into(journal_mode);
        break;
      } catch (const soci::soci_error& e) {
        const int code = sqlite_code(e) & 0xff;
        if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) ||
            std::chrono::steady_clock::now() + pause > give_up) {
          throw;
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
      }
    }
    if (journal_mode != "wal") {
      throw StoreError(fmt::format("{}: cannot switch to WAL journal mode (got {})",
                                   options.path.string(), journal_mode));
    }
    // A connection setting like busy_timeout; only writers have commits to flush.
    self.sql << (options.synchronous == Synchronous::full ? "PRAGMA synchronous = FULL"
                                                          : "PRAGMA synchronous = NORMAL");
  } catch (const soci::soci_error& e) {
    detail::raise_soci_error(db, e, "switching it to WAL journal mode");
  }
  if (mode == OpenMode::use && version == 0) {
    // F13: a brand-new database is migrated on first use. Several processes may get here at
    // once: the write lock decides which one migrates (all steps in one transaction, so the
    // others see no schema or all of it); the rest wait for it and find the schema in place.
    Transaction tx(db);
    if (db.schema_version() == 0) {
      const auto applied = detail::create_schema(db);
      tx.commit();
      log::info("database_created", {{"path", options.path.string()},
                                     {"schema_version", std::to_string(latest)},
                                     {"steps", std::to_string(applied)}});
    }
  }
  if (options.background_checkpoints) {
    try {
      self.sql << "PRAGMA wal_autocheckpoint = 0";
    } catch (const soci::soci_error& e) {
      detail::raise_soci_error(db, e, "turning its automatic checkpoints off");
    }
    self.checkpointer =
        std::make_unique<detail::Checkpointer>(options.path, std::chrono::milliseconds(1000));
  }
  return db;
}

namespace {

// Runs one of the connection's transaction statements, preparing it on first use; returns
// SQLite's result code, SQLITE_OK when done.
int run_prepared(Database& db, detail::sqlite::sqlite3_stmt*& statement, const char* sql) {
  namespace sqlite = detail::sqlite;
  if (statement == nullptr) {
    const int rc = sqlite::sqlite3_prepare_v3(detail::native_handle(db), sql, -1,
                                              SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  const int rc = sqlite::sqlite3_step(statement);
  sqlite::sqlite3_reset(statement);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

}  // namespace

Transaction::Transaction(Database& db) : db_(db) {
  if (db_.impl_->suspect) {
    // A write after SQLite reported damage: look first, never write into a damaged file.
    std::string result;
    try {
      db_.session() << "PRAGMA quick_check(1)", soci::into(result);
    } catch (const soci::soci_error& e) {
      result = e.what();
    }
    if (result != "ok") {
      throw DatabaseCorruptError(fmt::format(
          "{} is damaged (quick_check: {}); nothing was written. Run `trader-data verify`, and "
          "restore a copy from the backups directory beside it",
          db_.path().string(), result));
    }
    db_.impl_->suspect = false;
  }
  const int rc = run_prepared(db_, db_.impl_->begin.statement, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) {
    detail::raise_sqlite_error(db_, rc, "starting a write transaction",
                               detail::sqlite::sqlite3_errmsg(detail::native_handle(db_)));
  }
}

Transaction::~Transaction() {
  if (!open_) return;
  // A failed statement may already have ended the transaction: then there is nothing left to
  // undo and ROLLBACK's error says only that.
  static_cast<void>(run_prepared(db_, db_.impl_->rollback.statement, "ROLLBACK"));
}

void Transaction::commit() {
  const int rc = run_prepared(db_, db_.impl_->commit.statement, "COMMIT");
  if (rc != SQLITE_OK) {
    detail::raise_sqlite_error(db_, rc, "committing",
                               detail::sqlite::sqlite3_errmsg(detail::native_handle(db_)));
  }
  open_ = false;
}

}  // namespace trader::store
