#include <trader/store/migrations.hpp>

#include <fmt/core.h>

#include <chrono>

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
    throw StoreError(text);
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

std::vector<Migration> upgrade(Database& db, std::optional<int> target,
                               std::span<const Migration> migrations) {
  const int current = db.schema_version();
  const int latest = latest_version(migrations);
  const int goal = target.value_or(latest);
  if (goal > latest) {
    throw StoreError(fmt::format("no schema version {}: the latest is {}", goal, latest));
  }
  if (goal < current) {
    throw StoreError(fmt::format("{} is at version {}, above {}: use downgrade", db.path().string(),
                                 current, goal));
  }
  std::vector<Migration> applied;
  for (const Migration& m : migrations) {
    if (m.version <= current || m.version > goal) continue;
    try {
      Transaction tx(db);
      detail::execute_script(db, kHistoryTable);
      detail::execute_script(db, m.up_sql);
      const std::string when = now_text();
      db.session()
          << "INSERT INTO schema_migration (version, name, applied_at) VALUES (:v, :n, :a)",
          soci::use(m.version), soci::use(m.name), soci::use(when);
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

std::vector<Migration> downgrade(Database& db, int target, std::span<const Migration> migrations) {
  const int current = db.schema_version();
  if (target < 0 || target > current) {
    throw StoreError(fmt::format("{} is at version {}: cannot downgrade to {}", db.path().string(),
                                 current, target));
  }
  // Check every step first, so a refusal changes nothing.
  std::vector<const Migration*> steps;
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
    steps.push_back(&step);
  }
  std::vector<Migration> reversed;
  for (const Migration* m : steps) {
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

std::filesystem::path backup(Database& db, const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    throw StoreError(
        fmt::format("cannot create backup directory {}: {}", directory.string(), ec.message()));
  }
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string stamp = core::format_timestamp(now);  // 2026-02-11T14:44:00Z
  std::erase(stamp, '-');
  std::erase(stamp, ':');
  const std::string stem = db.path().stem().string();
  std::filesystem::path target =
      directory / fmt::format("{}-{}-v{}.db", stem, stamp, db.schema_version());
  for (int n = 2; std::filesystem::exists(target); ++n) {
    target = directory / fmt::format("{}-{}-v{}-{}.db", stem, stamp, db.schema_version(), n);
  }
  sqlite::sqlite3* destination = nullptr;
  if (sqlite::sqlite3_open(target.c_str(), &destination) != SQLITE_OK) {
    const std::string message = sqlite::sqlite3_errmsg(destination);
    sqlite::sqlite3_close(destination);
    throw StoreError(fmt::format("cannot create backup {}: {}", target.string(), message));
  }
  sqlite::sqlite3_backup* job =
      sqlite::sqlite3_backup_init(destination, "main", detail::native_handle(db), "main");
  int rc = SQLITE_ERROR;
  if (job != nullptr) {
    rc = sqlite::sqlite3_backup_step(job, -1);
    sqlite::sqlite3_backup_finish(job);
  }
  const std::string message = sqlite::sqlite3_errmsg(destination);
  sqlite::sqlite3_close(destination);
  if (rc != SQLITE_DONE) {
    std::filesystem::remove(target, ec);
    throw StoreError(
        fmt::format("backup of {} to {} failed: {}", db.path().string(), target.string(), message));
  }
  return target;
}

}  // namespace trader::store
