#pragma once
// Versioned schema migrations compiled into the library. Each step runs in one transaction
// (tables and their triggers together, F13), is applied exactly once, and is recorded in the
// schema_migration table. A step can be reversed only where no data would be lost.

#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <trader/store/database.hpp>

namespace trader::store {

struct Migration {
  int version = 0;
  std::string name;
  std::string up_sql;
  // Empty when the step can never be reversed.
  std::string down_sql;
  // Tables whose rows would be lost by down_sql: a downgrade is refused while any holds data.
  std::vector<std::string> guarded_tables;
  // Work SQL cannot do (e.g. checksums of rows already stored), run after up_sql in the same
  // transaction; empty when there is none.
  std::function<void(Database&)> up_data;
};

// The program's migrations, in version order (1, 2, ...).
[[nodiscard]] std::span<const Migration> builtin_migrations();
[[nodiscard]] int latest_version(std::span<const Migration> migrations = builtin_migrations());

struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string applied_at;  // UTC ISO-8601
};

[[nodiscard]] std::vector<AppliedMigration> applied_migrations(Database& db);
[[nodiscard]] std::vector<Migration> pending_migrations(
    Database& db, std::span<const Migration> migrations = builtin_migrations());

// The steps an upgrade to `target` (default: the latest) would apply, in order; empty when the
// database is already there. Throws StoreError, changing nothing, for a version that does not
// exist or is below the current one: tools call this before they back the file up.
[[nodiscard]] std::vector<Migration> plan_upgrade(
    Database& db, std::optional<int> target = std::nullopt,
    std::span<const Migration> migrations = builtin_migrations());

// The steps a downgrade to `target` would reverse, newest first; empty when the database is
// already there. Throws StoreError, changing nothing, when a step is irreversible, would lose
// data, or `target` is not a version below the current one.
[[nodiscard]] std::vector<Migration> plan_downgrade(
    Database& db, int target, std::span<const Migration> migrations = builtin_migrations());

// Applies the pending steps up to `target` (default: the latest), each in its own transaction.
// A failing step is rolled back and reported as a StoreError naming the step; steps before it
// stay applied. Returns the steps applied.
std::vector<Migration> upgrade(Database& db, std::optional<int> target = std::nullopt,
                               std::span<const Migration> migrations = builtin_migrations());

// Reverses applied steps down to `target`; refuses (StoreError explaining why, nothing changed)
// when a step is irreversible or would lose data.
std::vector<Migration> downgrade(Database& db, int target,
                                 std::span<const Migration> migrations = builtin_migrations());

// An online backup (SQLite's backup API) into `directory`, named after the file, the time and
// the schema version; returns the backup's path. The copy is written under a temporary name
// (*.partial), checked (integrity_check and schema version) and only then renamed, so a backup
// with the final name is always complete; temporaries left by a killed backup are removed
// first.

std::filesystem::path backup(Database& db, const std::filesystem::path& directory);

}  // namespace trader::store
