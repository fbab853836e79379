#include <trader/store/database.hpp>

#include <doctest/doctest.h>
#include <soci/soci.h>

#include <csignal>
#include <set>

#include <trader/store/migrations.hpp>
#include <trader/store/repositories.hpp>

#include "support/process.hpp"

using trader::store::Database;
using trader::store::DatabaseOptions;
using trader::store::OpenMode;
using trader::store::StoreError;
using trader::testing::read_file;
using trader::testing::TempDir;
using trader::testing::write_file;

namespace {

DatabaseOptions at(const std::filesystem::path& path, int busy_ms = 5000) {
  DatabaseOptions o;
  o.path = path;
  o.busy_timeout_ms = busy_ms;
  return o;
}

std::set<std::string> names(Database& db, const std::string& type) {
  std::set<std::string> out;
  soci::rowset<std::string> rows =
      (db.session().prepare << "SELECT name FROM sqlite_master WHERE type = '" + type +
                                   "' AND name NOT LIKE 'sqlite_%'");
  for (const auto& n : rows) out.insert(n);
  return out;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_SUITE("store/database") {
  TEST_CASE("F13: a new file is migrated to the latest schema: every table, index and trigger") {
    TempDir dir;
    auto db = Database::open(at(dir / "data/trading.db"));  // the parent directory is created
    CHECK(db.schema_version() == trader::store::latest_version());
    CHECK(names(db, "table") == std::set<std::string>{"order_state", "order_event", "trade",
                                                      "trade_note", "backtest_run",
                                                      "backtest_trade", "settings_override",
                                                      "schema_migration", "bar_symbol", "bar_day"});
    const auto indexes = names(db, "index");
    for (const char* index :
         {"ix_order_state_broker_id", "ix_order_state_correlation_id", "ix_order_state_state",
          "ix_order_state_symbol_created", "ix_order_state_parent_id", "ix_order_event_local_id",
          "ix_order_event_recorded", "ix_trade_symbol_exit", "ix_trade_correlation",
          "ix_trade_strategy_exit", "ix_backtest_trade_run"}) {
      CAPTURE(index);
      CHECK(indexes.contains(index));
    }
    CHECK(names(db, "trigger") == std::set<std::string>{"no_update_order_event",
                                                        "no_delete_order_event", "no_update_trade",
                                                        "no_delete_trade"});
  }

  TEST_CASE("F13: WAL, busy_timeout and foreign keys are in effect on every connection") {
    TempDir dir;
    for (int connection = 0; connection < 2; ++connection) {
      auto db = Database::open(at(dir / "t.db", 1234 + connection));
      std::string mode;
      int fk = 0, busy = 0;
      db.session() << "PRAGMA journal_mode", soci::into(mode);
      db.session() << "PRAGMA foreign_keys", soci::into(fk);
      db.session() << "PRAGMA busy_timeout", soci::into(busy);
      CHECK(mode == "wal");
      CHECK(fk == 1);
      CHECK(busy == 1234 + connection);
    }
  }

  TEST_CASE("order_event and trade rows are append-only") {
    TempDir dir;
    auto db = Database::open(at(dir / "t.db"));
    auto& sql = db.session();
    sql << "INSERT INTO order_event (order_local_id, event_type, new_state, recorded_at) "
           "VALUES ('a', 'submitted', 'submitted', 'x')";
    sql << "INSERT INTO trade (trade_id, correlation_id, symbol, side, qty, entry_price, "
           "exit_price, entry_at, exit_at, pnl, pnl_pct, strategy, duration_seconds) VALUES "
           "('t1', 'c1', 'AAPL', 'long', '1', '1', '2', 'a', 'b', '1', '1', 'velez', 0)";
    for (const char* statement : {"UPDATE order_event SET detail = 'x'", "DELETE FROM order_event",
                                  "UPDATE trade SET pnl = '0'", "DELETE FROM trade"}) {
      CAPTURE(statement);
      const std::string e = error_of([&] { sql << statement; });
      CHECK(e.find("immutable") != std::string::npos);
    }
  }

  TEST_CASE("constraints: bad side, duplicate local id, dangling foreign keys") {
    TempDir dir;
    auto db = Database::open(at(dir / "t.db"));
    auto& sql = db.session();
    const auto insert = [&](const char* id, const char* side) {
      sql << std::string(
                 "INSERT INTO order_state (local_id, client_order_id, correlation_id, "
                 "symbol, side, order_type, qty_requested, created_at, updated_at) VALUES ('") +
                 id + "', 'c" + id + "', 'corr', 'AAPL', '" + side + "', 'stop', '1', 'a', 'a')";
    };
    CHECK(error_of([&] { insert("1", "buy"); }).empty());
    CHECK_FALSE(error_of([&] { insert("2", "long"); }).empty());
    CHECK_FALSE(error_of([&] { insert("1", "buy"); }).empty());
    CHECK_FALSE(error_of([&] {
                  sql << "INSERT INTO trade_note (trade_id, note, created_at, updated_at) "
                         "VALUES ('nope', 'x', 'a', 'a')";
                }).empty());
    CHECK_FALSE(error_of([&] {
                  sql << "INSERT INTO backtest_trade (run_id, symbol, side, qty, entry_price, "
                         "exit_price, entry_at, exit_at, pnl, duration_seconds) VALUES "
                         "(999, 'AAPL', 'buy', '1', '1', '1', 'a', 'b', '0', 0)";
                }).empty());
  }

  TEST_CASE("a file that is not SQLite gets a clear error and stays unchanged") {
    TempDir dir;
    const std::string junk(4096, 'x');
    write_file(dir / "junk.db", junk);
    const std::string e = error_of([&] { static_cast<void>(Database::open(at(dir / "junk.db"))); });
    CHECK(e.find("junk.db") != std::string::npos);
    CHECK(e.find("not a usable SQLite database") != std::string::npos);
    CHECK(read_file(dir / "junk.db") == junk);
  }

  TEST_CASE("a directory without write permission is a clear error") {
    TempDir dir;
    std::filesystem::create_directory(dir / "locked");
    std::filesystem::permissions(
        dir / "locked",
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec |
            std::filesystem::perms::group_read | std::filesystem::perms::group_exec |
            std::filesystem::perms::others_read | std::filesystem::perms::others_exec);
    const auto path = dir / "locked/trading.db";
    const std::string e = trader::testing::run_unprivileged(
        [&] { return error_of([&] { static_cast<void>(Database::open(at(path))); }); });
    CHECK(e.find("is not writable") != std::string::npos);
    CHECK(e.find("locked") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(path));
  }

  TEST_CASE("a parent path that is a file cannot hold the database") {
    TempDir dir;
    write_file(dir / "plain", "x");
    const std::string e =
        error_of([&] { static_cast<void>(Database::open(at(dir / "plain/trading.db"))); });
    CHECK(e.find("cannot create directory") != std::string::npos);
  }

  TEST_CASE("F13: a database from a newer program is refused without touching it") {
    TempDir dir;
    {
      auto db = Database::open(at(dir / "t.db"));
      db.session() << "INSERT INTO schema_migration (version, name, applied_at) VALUES (99, "
                      "'from the future', 'x')";
    }
    const std::string before = read_file(dir / "t.db");
    for (const OpenMode mode : {OpenMode::use, OpenMode::maintain}) {
      const std::string e =
          error_of([&] { static_cast<void>(Database::open(at(dir / "t.db"), mode)); });
      CHECK(e.find("schema version 99") != std::string::npos);
      CHECK(e.find("newer than this program") != std::string::npos);
    }
    CHECK(read_file(dir / "t.db") == before);
  }

  TEST_CASE("F13: an outdated database is refused with a message naming trader-migrate") {
    TempDir dir;
    {
      auto db = Database::open(at(dir / "t.db"), OpenMode::maintain);
      trader::store::upgrade(db, 1);
    }
    try {
      static_cast<void>(Database::open(at(dir / "t.db")));
      FAIL("opened an outdated database");
    } catch (const trader::store::SchemaBehindError& e) {
      CHECK(std::string(e.what()).find("trader-migrate upgrade") != std::string::npos);
    }
    auto db = Database::open(at(dir / "t.db"), OpenMode::maintain);
    CHECK(db.schema_version() == 1);
  }

  TEST_CASE("a database of another program is refused") {
    TempDir dir;
    {
      soci::session other("sqlite3", "db=" + (dir / "other.db").string());
      other << "CREATE TABLE alembic_version (version_num TEXT)";
    }
    const std::string e =
        error_of([&] { static_cast<void>(Database::open(at(dir / "other.db"))); });
    CHECK(e.find("not a libtrader database") != std::string::npos);
  }

  TEST_CASE("two processes writing at once both succeed (busy timeout)") {
    TempDir dir;
    const auto path = (dir / "shared.db").string();
    static_cast<void>(Database::open(at(path)));  // create it first: both writers then use it
    trader::testing::ChildProcess a({STORE_WRITER_BIN, path, "a", "300"});
    trader::testing::ChildProcess b({STORE_WRITER_BIN, path, "b", "300"});
    CHECK(a.wait() == 0);
    CHECK(b.wait() == 0);
    auto db = Database::open(at(path));
    int orders = 0, events = 0;
    db.session() << "SELECT count(*) FROM order_state", soci::into(orders);
    db.session() << "SELECT count(*) FROM order_event", soci::into(events);
    CHECK(orders == 600);
    CHECK(events == 600);
  }

  TEST_CASE("SIGKILL inside a write transaction leaves a sound database without that transaction") {
    TempDir dir;
    const auto path = (dir / "killed.db").string();
    {
      auto db = Database::open(at(path));
      db.session() << "INSERT INTO order_event (order_local_id, event_type, new_state, "
                      "recorded_at) VALUES ('before', 'created', 'pending_submit', 'x')";
    }
    trader::testing::ChildProcess writer({STORE_WRITER_BIN, path, "lost", "500", "--hang"});
    REQUIRE(writer.read_line() == "in-transaction");
    writer.kill(SIGKILL);
    CHECK(writer.wait() == 128 + SIGKILL);
    auto db = Database::open(at(path));
    std::string integrity;
    db.session() << "PRAGMA integrity_check", soci::into(integrity);
    CHECK(integrity == "ok");
    int lost = 0, kept = 0;
    db.session() << "SELECT count(*) FROM order_event WHERE order_local_id LIKE 'lost%'",
        soci::into(lost);
    db.session() << "SELECT count(*) FROM order_event WHERE order_local_id = 'before'",
        soci::into(kept);
    CHECK(lost == 0);
    CHECK(kept == 1);
  }
}
