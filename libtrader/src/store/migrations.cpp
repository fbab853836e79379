#include <trader/store/migrations.hpp>

#include <fmt/core.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <trader/core/timestamp.hpp>
#include <trader/log/log.hpp>

#include "store/schema.hpp"
#include "store/sqlite_handle.hpp"

namespace trader::store {

namespace detail {

void execute_script(Database& db, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite::sqlite3_exec(native_handle(db), sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string text = message != nullptr ? message : sqlite::sqlite3_errstr(rc);
    sqlite::sqlite3_free(message);
    const int code = rc & 0xff;
    if (code == SQLITE_ERROR || code == SQLITE_CONSTRAINT) throw StoreError(text);
    raise_sqlite_error(db, rc, "changing the schema", text);
  }
}

}  // namespace detail

namespace sqlite = ::sqlite_api;

namespace {

std::string now_text() {
  return core::format_timestamp_micros(
      std::chrono::time_point_cast<core::Microseconds>(std::chrono::system_clock::now()));
}

constexpr const char* kHistoryTable =
    "CREATE TABLE IF NOT EXISTS schema_migration ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at TEXT NOT NULL)";

}  // namespace

std::span<const Migration> builtin_migrations() { return detail::schema_migrations(); }

int latest_version(std::span<const Migration> migrations) {
  return migrations.empty() ? 0 : migrations.back().version;
}

std::vector<AppliedMigration> applied_migrations(Database& db) {
  std::vector<AppliedMigration> out;
  if (db.schema_version() == 0) return out;
  soci::rowset<soci::row> rows =
      (db.session().prepare << "SELECT version, name, applied_at FROM schema_migration "
                               "ORDER BY version");
  for (const auto& row : rows) {
    out.push_back(
        AppliedMigration{row.get<int>(0), row.get<std::string>(1), row.get<std::string>(2)});
  }
  return out;
}

std::vector<Migration> pending_migrations(Database& db, std::span<const Migration> migrations) {
  const int current = db.schema_version();
  std::vector<Migration> out;
  for (const Migration& m : migrations) {
    if (m.version > current) out.push_back(m);
  }
  return out;
}

namespace {

// One step's changes, inside the caller's transaction.
void apply_step(Database& db, const Migration& m) {
  detail::execute_script(db, kHistoryTable);
  detail::execute_script(db, m.up_sql);
  if (m.up_data) m.up_data(db);
  const std::string when = now_text();
  db.session() << "INSERT INTO schema_migration (version, name, applied_at) VALUES (:v, :n, :a)",
      soci::use(m.version), soci::use(m.name), soci::use(when);
}

}  // namespace

std::size_t detail::create_schema(Database& db) {
  const auto steps = builtin_migrations();
  for (const Migration& m : steps) apply_step(db, m);
  return steps.size();
}

std::vector<Migration> plan_upgrade(Database& db, std::optional<int> target,
                                    std::span<const Migration> migrations) {
  const int current = db.schema_version();
  const int latest = latest_version(migrations);
  const int goal = target.value_or(latest);
  if (goal > latest) {
    throw StoreError(
        fmt::format("no schema version {}: this program knows versions 0..{}", goal, latest));
  }
  if (goal < current) {
    throw StoreError(
        fmt::format("{} is at version {}, above {}: use downgrade {} (nothing was "
                    "changed)",
                    db.path().string(), current, goal, goal));
  }
  std::vector<Migration> steps;
  for (const Migration& m : migrations) {
    if (m.version > current && m.version <= goal) steps.push_back(m);
  }
  return steps;
}

std::vector<Migration> upgrade(Database& db, std::optional<int> target,
                               std::span<const Migration> migrations) {
  const int current = db.schema_version();
  std::vector<Migration> applied;
  for (const Migration& m : plan_upgrade(db, target, migrations)) {
    try {
      Transaction tx(db);
      apply_step(db, m);
      tx.commit();
    } catch (const std::exception& e) {
      throw StoreError(fmt::format(
          "{}: migration {} ({}) failed and was rolled back; the database stays at version {}: {}",
          db.path().string(), m.version, m.name, applied.empty() ? current : applied.back().version,
          e.what()));
    }
    log::info("migration_applied", {{"version", std::to_string(m.version)}, {"name", m.name}});
    applied.push_back(m);
  }
  return applied;
}

std::vector<Migration> plan_downgrade(Database& db, int target,
                                      std::span<const Migration> migrations) {
  const int current = db.schema_version();
  const int latest = latest_version(migrations);
  if (target < 0 || target > latest) {
    throw StoreError(
        fmt::format("no schema version {}: this program knows versions 0..{}", target, latest));
  }
  if (target > current) {
    throw StoreError(
        fmt::format("{} is at version {}, below {}: use upgrade {} (nothing was "
                    "changed)",
                    db.path().string(), current, target, target));
  }
  // Check every step first, so a refusal changes nothing.
  std::vector<Migration> steps;
  // Newest first, by index: std::views::reverse over a span trips clang-tidy 14's parser.
  for (std::size_t i = migrations.size(); i-- > 0;) {
    const Migration& step = migrations[i];
    if (step.version > current || step.version <= target) continue;
    if (step.down_sql.empty()) {
      throw StoreError(fmt::format(
          "migration {} ({}) cannot be reversed; restore a backup from data/backups instead",
          step.version, step.name));
    }
    for (const std::string& table : step.guarded_tables) {
      long long rows = 0;
      db.session() << "SELECT count(*) FROM " + table, soci::into(rows);
      if (rows > 0) {
        throw StoreError(fmt::format(
            "migration {} ({}) cannot be reversed: table {} holds {} row{} that would be lost "
            "(nothing was changed)",
            step.version, step.name, table, rows, rows == 1 ? "" : "s"));
      }
    }
    steps.push_back(step);
  }
  return steps;
}

std::vector<Migration> downgrade(Database& db, int target, std::span<const Migration> migrations) {
  std::vector<Migration> reversed;
  for (const Migration& step : plan_downgrade(db, target, migrations)) {
    const Migration* m = &step;
    try {
      Transaction tx(db);
      detail::execute_script(db, m->down_sql);
      db.session() << "DELETE FROM schema_migration WHERE version = :v", soci::use(m->version);
      tx.commit();
    } catch (const std::exception& e) {
      throw StoreError(fmt::format("{}: reversing migration {} ({}) failed and was rolled back: {}",
                                   db.path().string(), m->version, m->name, e.what()));
    }
    reversed.push_back(*m);
  }
  return reversed;
}

namespace {

constexpr std::string_view kPartial = ".partial";

// Removes what a killed backup left behind: *.partial copies (and their journals) that no
// running backup holds its lock on.
void remove_stale_partials(const std::filesystem::path& directory) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(kPartial)) continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    const bool abandoned = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (abandoned) {
      for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
        std::filesystem::remove(entry.path().string() + suffix, ec);
      }
      log::info("stale_backup_removed", {{"path", entry.path().string()}});
    }
    ::close(fd);
  }
}

// Opens `path` (the temporary, only ever read here) and checks it is a sound copy at `version`;
// returns the problem, or "".
std::string check_copy(const std::filesystem::path& path, int version) {
  sqlite::sqlite3* copy = nullptr;
  std::string problem;
  if (sqlite::sqlite3_open_v2(path.c_str(), &copy, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    problem = sqlite::sqlite3_errmsg(copy);
  } else {
    const auto scalar = [&](const char* sql) {
      sqlite::sqlite3_stmt* stmt = nullptr;
      std::string value;
      if (sqlite::sqlite3_prepare_v2(copy, sql, -1, &stmt, nullptr) == SQLITE_OK &&
          sqlite::sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* text = sqlite::sqlite3_column_text(stmt, 0);
        value = text != nullptr ? reinterpret_cast<const char*>(text) : "";
      } else {
        value = std::string("error: ") + sqlite::sqlite3_errmsg(copy);
      }
      sqlite::sqlite3_finalize(stmt);
      return value;
    };
    const std::string integrity = scalar("PRAGMA integrity_check(1)");
    if (integrity != "ok") {
      problem = "integrity_check: " + integrity;
    } else if (version > 0) {
      const std::string recorded = scalar("SELECT max(version) FROM schema_migration");
      if (recorded != std::to_string(version)) {
        problem = fmt::format("the copy has schema version {}, expected {}", recorded, version);
      }
    }
  }
  sqlite::sqlite3_close(copy);
  return problem;
}

}  // namespace

std::filesystem::path backup(Database& db, const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    throw StoreError(
        fmt::format("cannot create backup directory {}: {}", directory.string(), ec.message()));
  }
  remove_stale_partials(directory);
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string stamp = core::format_timestamp(now);  // 2026-02-11T14:44:00Z
  std::erase(stamp, '-');
  std::erase(stamp, ':');
  const std::string stem = db.path().stem().string();
  const int version = db.schema_version();
  std::filesystem::path target = directory / fmt::format("{}-{}-v{}.db", stem, stamp, version);
  for (int n = 2; std::filesystem::exists(target); ++n) {
    target = directory / fmt::format("{}-{}-v{}-{}.db", stem, stamp, version, n);
  }
  const std::filesystem::path partial = target.string() + std::string(kPartial);
  const auto discard = [&] {
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      std::filesystem::remove(partial.string() + suffix, ec);
    }
  };
  // The lock tells a later backup that this temporary is still being written.
  const int lock = ::open(partial.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (lock < 0) {
    throw StoreError(
        fmt::format("cannot create backup {}: {}", partial.string(), std::strerror(errno)));
  }
  ::flock(lock, LOCK_EX);
  std::string problem;
  sqlite::sqlite3* destination = nullptr;
  if (sqlite::sqlite3_open(partial.c_str(), &destination) != SQLITE_OK) {
    problem = sqlite::sqlite3_errmsg(destination);
  } else {
    sqlite::sqlite3_backup* job =
        sqlite::sqlite3_backup_init(destination, "main", detail::native_handle(db), "main");
    int rc = SQLITE_ERROR;
    if (job != nullptr) {
      rc = sqlite::sqlite3_backup_step(job, -1);
      sqlite::sqlite3_backup_finish(job);
    }
    if (rc != SQLITE_DONE) problem = sqlite::sqlite3_errmsg(destination);
  }
  sqlite::sqlite3_close(destination);
  if (problem.empty()) problem = check_copy(partial, version);
  if (problem.empty() && ::fsync(lock) != 0) problem = std::strerror(errno);
  if (problem.empty()) {
    std::filesystem::rename(partial, target, ec);
    if (ec) problem = ec.message();
  }
  ::close(lock);
  if (!problem.empty()) {
    discard();
    throw StoreError(fmt::format("backup of {} to {} failed (nothing was changed): {}",
                                 db.path().string(), target.string(), problem));
  }
  discard();  // the journal files of the check, if any
  // The rename itself must survive a crash before the schema changes.
  const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return target;
}

}  // namespace trader::store
