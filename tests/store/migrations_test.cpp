#include <trader/store/migrations.hpp>

#include <doctest/doctest.h>
#include <soci/soci.h>

#include "support/process.hpp"

using trader::store::Database;
using trader::store::Migration;
using trader::store::OpenMode;
using trader::store::StoreError;
using trader::testing::TempDir;

namespace {

Database open_raw(const TempDir& dir, const char* name = "t.db") {
  trader::store::DatabaseOptions o;
  o.path = dir / name;
  return Database::open(o, OpenMode::maintain);
}

int count(Database& db, const std::string& sql) {
  int n = 0;
  db.session() << sql, soci::into(n);
  return n;
}

std::vector<Migration> test_steps() {
  return {
      Migration{1, "one", "CREATE TABLE a (x INTEGER);", "DROP TABLE a;", {"a"}},
      Migration{2,
                "two",
                "CREATE TABLE b (y INTEGER); CREATE INDEX ix_b ON b (y);",
                "DROP TABLE b;",
                {"b"}},
      // Fails half-way: its first statement works, the second does not.
      Migration{3, "broken", "CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);", "", {}},
  };
}

}  // namespace

TEST_SUITE("store/migrations") {
  TEST_CASE("each step is applied exactly once; a second upgrade is a no-op") {
    TempDir dir;
    auto db = open_raw(dir);
    CHECK(db.schema_version() == 0);
    CHECK(trader::store::pending_migrations(db).size() ==
          trader::store::builtin_migrations().size());
    const auto first = trader::store::upgrade(db);
    CHECK(first.size() == trader::store::builtin_migrations().size());
    CHECK(trader::store::upgrade(db).empty());
    CHECK(trader::store::pending_migrations(db).empty());
    const auto history = trader::store::applied_migrations(db);
    REQUIRE(history.size() == first.size());
    CHECK(history.front().version == 1);
    CHECK_FALSE(history.front().applied_at.empty());
  }

  TEST_CASE("a step that fails half-way is rolled back; earlier steps stay") {
    TempDir dir;
    auto db = open_raw(dir);
    const auto steps = test_steps();
    std::string message;
    try {
      trader::store::upgrade(db, std::nullopt, steps);
    } catch (const StoreError& e) {
      message = e.what();
    }
    CHECK(message.find("migration 3 (broken) failed and was rolled back") != std::string::npos);
    CHECK(message.find("stays at version 2") != std::string::npos);
    CHECK(db.schema_version() == 2);
    CHECK(count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'c'") == 0);
    CHECK(count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'ix_b'") == 1);
  }

  TEST_CASE("a failing first step leaves an empty file as it was") {
    TempDir dir;
    auto db = open_raw(dir);
    const std::vector<Migration> steps{
        Migration{1, "bad", "CREATE TABLE a (x); SELECT nope;", "", {}}};
    CHECK_THROWS_AS(trader::store::upgrade(db, std::nullopt, steps), StoreError);
    CHECK(db.schema_version() == 0);
    CHECK(count(db, "SELECT count(*) FROM sqlite_master") == 0);
  }

  TEST_CASE("upgrade to a chosen version, then downgrade where no data is lost") {
    TempDir dir;
    auto db = open_raw(dir);
    const auto steps = test_steps();
    CHECK(trader::store::upgrade(db, 1, steps).size() == 1);
    CHECK(trader::store::upgrade(db, 2, steps).size() == 1);
    CHECK(trader::store::downgrade(db, 1, steps).size() == 1);
    CHECK(db.schema_version() == 1);
    CHECK(count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'b'") == 0);
    CHECK_THROWS_AS(trader::store::upgrade(db, 7, steps), StoreError);
  }

  TEST_CASE("a downgrade that would lose rows is refused and changes nothing") {
    TempDir dir;
    auto db = open_raw(dir);
    const auto steps = test_steps();
    trader::store::upgrade(db, 2, steps);
    db.session() << "INSERT INTO a (x) VALUES (1)";
    std::string message;
    try {
      trader::store::downgrade(db, 0, steps);
    } catch (const StoreError& e) {
      message = e.what();
    }
    CHECK(message.find("table a holds 1 row that would be lost") != std::string::npos);
    CHECK(db.schema_version() == 2);
    CHECK(count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'b'") == 1);
  }

  TEST_CASE("an irreversible step is refused with an explanation") {
    TempDir dir;
    auto db = open_raw(dir);
    std::vector<Migration> steps{Migration{1, "forever", "CREATE TABLE a (x);", "", {}}};
    trader::store::upgrade(db, std::nullopt, steps);
    CHECK_THROWS_WITH_AS(trader::store::downgrade(db, 0, steps),
                         doctest::Contains("cannot be reversed; restore a backup"), StoreError);
  }

  TEST_CASE("the built-in schema downgrades on an empty database and upgrades again") {
    TempDir dir;
    auto db = open_raw(dir);
    trader::store::upgrade(db);
    trader::store::downgrade(db, 0);
    CHECK(db.schema_version() == 0);
    CHECK(count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'order_state'") == 0);
    trader::store::upgrade(db);
    CHECK(db.schema_version() == trader::store::latest_version());
  }

  TEST_CASE("backup writes a complete, openable copy") {
    TempDir dir;
    auto db = open_raw(dir);
    trader::store::upgrade(db);
    db.session() << "INSERT INTO settings_override (key, value, updated_at) VALUES ('k', 'v', 'x')";
    const auto copy = trader::store::backup(db, dir / "backups");
    CHECK(copy.parent_path() == dir / "backups");
    trader::store::DatabaseOptions o;
    o.path = copy;
    auto restored = Database::open(o);
    CHECK(restored.schema_version() == trader::store::latest_version());
    CHECK(count(restored, "SELECT count(*) FROM settings_override") == 1);
    CHECK(trader::store::backup(db, dir / "backups") != copy);  // never overwrites
  }
}
