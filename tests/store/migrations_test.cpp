#include <trader/store/migrations.hpp>

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <soci/soci.h>

#include <trader/store/bar_store.hpp>

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
      Migration{1, "one", "CREATE TABLE a (x INTEGER);", "DROP TABLE a;", {"a"}, {}},
      Migration{2,
                "two",
                "CREATE TABLE b (y INTEGER); CREATE INDEX ix_b ON b (y);",
                "DROP TABLE b;",
                {"b"},
                {}},
      // Fails half-way: its first statement works, the second does not.
      Migration{
          3, "broken", "CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);", "", {}, {}},
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
        Migration{1, "bad", "CREATE TABLE a (x); SELECT nope;", "", {}, {}}};
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
    std::vector<Migration> steps{Migration{1, "forever", "CREATE TABLE a (x);", "", {}, {}}};
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

  // issue 11 item 12: a killed backup left a partial copy that opened as an empty database.
  TEST_CASE("a backup appears under its name only when complete; stale temporaries go") {
    TempDir dir;
    auto db = open_raw(dir);
    trader::store::upgrade(db);
    const auto backups = dir / "backups";
    std::filesystem::create_directories(backups);
    // What a backup killed half-way leaves behind: a temporary and its journal.
    trader::testing::write_file(backups / "t-20260101T000000Z-v4.db.partial", "half a copy");
    trader::testing::write_file(backups / "t-20260101T000000Z-v4.db.partial-journal", "x");
    // A temporary still being written by a running backup (it holds the lock) is left alone.
    const auto running = backups / "t-20260101T000001Z-v4.db.partial";
    trader::testing::write_file(running, "in progress");
    const int lock = ::open(running.c_str(), O_RDONLY);
    REQUIRE(::flock(lock, LOCK_EX) == 0);
    const auto copy = trader::store::backup(db, backups);
    ::close(lock);
    CHECK_FALSE(std::filesystem::exists(backups / "t-20260101T000000Z-v4.db.partial"));
    CHECK_FALSE(std::filesystem::exists(backups / "t-20260101T000000Z-v4.db.partial-journal"));
    CHECK(std::filesystem::exists(running));
    CHECK(std::filesystem::exists(copy));
    CHECK_FALSE(std::filesystem::exists(copy.string() + ".partial"));
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(backups)) {
      names.push_back(e.path().filename().string());
    }
    CHECK(names.size() == 2);  // the finished copy and the running temporary, nothing else
    trader::store::DatabaseOptions o;
    o.path = copy;
    auto restored = Database::open(o, OpenMode::inspect);
    CHECK(restored.schema_version() == trader::store::latest_version());
  }

  // issue 11 item 13: refused or no-op commands wrote a full backup first.
  TEST_CASE("plans validate before anything is written") {
    TempDir dir;
    auto db = open_raw(dir);
    trader::store::upgrade(db);
    const int latest = trader::store::latest_version();
    CHECK(trader::store::plan_upgrade(db).empty());
    CHECK(trader::store::plan_downgrade(db, latest).empty());
    CHECK_THROWS_WITH_AS(static_cast<void>(trader::store::plan_upgrade(db, 99)),
                         doctest::Contains("no schema version 99"), StoreError);
    CHECK_THROWS_WITH_AS(static_cast<void>(trader::store::plan_upgrade(db, 1)),
                         doctest::Contains("use downgrade 1"), StoreError);
    CHECK_THROWS_WITH_AS(static_cast<void>(trader::store::plan_downgrade(db, latest + 1)),
                         doctest::Contains("no schema version"), StoreError);
    db.session() << "INSERT INTO settings_override (key, value, updated_at) VALUES ('k', 'v', 'x')";
    CHECK_THROWS_WITH_AS(static_cast<void>(trader::store::plan_downgrade(db, 0)),
                         doctest::Contains("would be lost"), StoreError);
    CHECK(trader::store::plan_downgrade(db, latest - 1).size() == 1);
  }

  TEST_CASE("version 4 gives the sessions stored before it their checksums") {
    TempDir dir;
    auto db = open_raw(dir);
    trader::store::upgrade(db);
    {
      trader::store::BarStore store(db);
      auto writer = store.writer();
      trader::data::SymbolTable table;
      trader::data::BarRecord r;
      r.bar.symbol = table.intern("AAPL");
      r.bar.ts = trader::core::parse_timestamp("2026-02-10T14:30:00Z");
      r.bar.open = r.bar.high = r.bar.low = r.bar.close = trader::core::Decimal::parse("10");
      writer.add(std::span(&r, 1), table, "csv:a.csv");
      writer.commit();
    }
    trader::store::downgrade(db, 3);  // as a database written by an older program
    trader::store::upgrade(db);
    trader::store::BarStore store(db);
    CHECK(store.verify().ok());
    const auto all = trader::data::SymbolTable::sorted({"AAPL"});
    const auto day = std::chrono::year{2026} / std::chrono::February / 10;
    auto source = store.read(all, day, day);
    trader::data::Bar bar;
    CHECK(source->read(std::span(&bar, 1)) == 1);
  }
}
