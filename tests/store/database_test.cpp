#include <trader/store/database.hpp>

#include <doctest/doctest.h>
#include <soci/soci.h>

#include <chrono>
#include <csignal>
#include <set>
#include <thread>

#include <unistd.h>

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
    CHECK(names(db, "table") ==
          std::set<std::string>{"order_state", "order_event", "trade", "trade_note", "backtest_run",
                                "backtest_trade", "settings_override", "schema_migration",
                                "bar_symbol", "bar_day", "sweep", "sweep_result"});
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

  TEST_CASE("commits are flushed at checkpoints by default, at every commit when asked") {
    TempDir dir;
    // SQLite's numbers: 1 = NORMAL, 2 = FULL.
    for (const auto& [sync, expected] : {std::pair{trader::store::Synchronous::normal, 1},
                                         std::pair{trader::store::Synchronous::full, 2}}) {
      DatabaseOptions o = at(dir / "t.db");
      o.synchronous = sync;
      auto db = Database::open(o);
      int level = 0;
      db.session() << "PRAGMA synchronous", soci::into(level);
      CHECK(level == expected);
    }
    trader::config::Settings settings;
    settings.db_path = (dir / "s.db").string();
    settings.db_busy_timeout_ms = 777;
    CHECK(trader::store::database_options(settings).synchronous ==
          trader::store::Synchronous::normal);
    CHECK(trader::store::database_options(settings).busy_timeout_ms == 777);
    CHECK(trader::store::database_options(settings).path == dir / "s.db");
    settings.db_synchronous = "full";
    CHECK(trader::store::database_options(settings).synchronous ==
          trader::store::Synchronous::full);
  }

  TEST_CASE("background checkpoints copy the log into the file without the writer's help") {
    TempDir dir;
    DatabaseOptions o = at(dir / "t.db");
    o.background_checkpoints = true;
    auto db = Database::open(o);
    int automatic = -1;
    db.session() << "PRAGMA wal_autocheckpoint", soci::into(automatic);
    CHECK(automatic == 0);  // the writer never checkpoints
    const auto size = [&] { return std::filesystem::file_size(dir / "t.db"); };
    const auto before = size();
    {
      trader::store::Transaction tx(db);
      for (int i = 0; i < 2000; ++i) {
        db.session() << "INSERT INTO order_event (order_local_id, event_type, new_state, "
                        "recorded_at) VALUES ('a', 'submitted', 'submitted', 'x')";
      }
      tx.commit();
    }
    // The rows are in the log; only a checkpoint copies them into the file. Nothing here asks
    // for one, so the file grows only if the background thread does it.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (size() == before && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(size() > before);
    int rows = 0;
    db.session() << "SELECT COUNT(*) FROM order_event", soci::into(rows);
    CHECK(rows == 2000);
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

  // issue 11 item 9: 9 of 10 concurrent first users failed ("table order_state already exists",
  // "has schema version 1; this program needs 3").
  TEST_CASE("F13: many processes opening one new database at once all succeed") {
    for (int round = 0; round < 3; ++round) {
      TempDir dir;
      const auto path = (dir / "data/new.db").string();
      std::vector<std::unique_ptr<trader::testing::ChildProcess>> writers;
      for (int i = 0; i < 10; ++i) {
        writers.push_back(std::make_unique<trader::testing::ChildProcess>(
            std::vector<std::string>{STORE_WRITER_BIN, path, "w" + std::to_string(i) + "-", "1"}));
      }
      for (auto& w : writers) {
        CAPTURE(round);
        CHECK(w->read_line() == "done 1");
        CHECK(w->wait() == 0);
      }
      auto db = Database::open(at(path));
      CHECK(db.schema_version() == trader::store::latest_version());
      CHECK(trader::store::applied_migrations(db).size() ==
            trader::store::builtin_migrations().size());
      int orders = 0;
      db.session() << "SELECT count(*) FROM order_state", soci::into(orders);
      CHECK(orders == 10);
    }
  }

  // issue 11 item 10: SOCI's raw "database is locked while executing BEGIN IMMEDIATE".
  TEST_CASE("a writer held up past busy_timeout gets a DatabaseBusyError that says what to do") {
    TempDir dir;
    const auto path = (dir / "busy.db").string();
    static_cast<void>(Database::open(at(path)));
    trader::testing::ChildProcess holder({STORE_WRITER_BIN, path, "held", "1", "--hang"});
    REQUIRE(holder.read_line() == "in-transaction");
    auto db = Database::open(at(path, 100));
    try {
      trader::store::Transaction tx(db);
      FAIL("took the write lock held by another process");
    } catch (const trader::store::DatabaseBusyError& e) {
      const std::string text = e.what();
      CHECK(text.find(path) != std::string::npos);
      CHECK(text.find("another process is writing") != std::string::npos);
      CHECK(text.find("100 ms") != std::string::npos);
      CHECK(text.find("ALGO_DB_BUSY_TIMEOUT_MS") != std::string::npos);
      CHECK(text.find("BEGIN IMMEDIATE") == std::string::npos);
    }
    holder.kill(SIGKILL);
    static_cast<void>(holder.wait());
    trader::store::Transaction tx(db);  // free again
    tx.commit();
  }

  // issue 11 item 11: read-only users got "not a usable SQLite database ... readonly".
  TEST_CASE("a database in a directory the user may not write: reads work, writes are refused") {
    TempDir dir;
    const auto folder = dir / "owned";
    const auto path = folder / "trading.db";
    {
      auto db = Database::open(at(path));
      db.session() << "INSERT INTO settings_override (key, value, updated_at) VALUES ('k', 'v', "
                      "'x')";
    }
    namespace fs = std::filesystem;
    const auto read_exec = fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                           fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec;
    fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    fs::permissions(folder, read_exec);
    const std::string seen = trader::testing::run_unprivileged([&] {
      std::string out;
      try {
        auto db = Database::open(at(path), OpenMode::read);
        int rows = 0;
        db.session() << "SELECT count(*) FROM settings_override", soci::into(rows);
        out += "read " + std::to_string(rows) + ";";
        auto inspect = Database::open(at(path), OpenMode::inspect);
        out += "inspect " + std::to_string(inspect.schema_version()) + ";";
      } catch (const std::exception& e) {
        out += std::string("read failed: ") + e.what() + ";";
      }
      try {
        static_cast<void>(Database::open(at(path)));
        out += "write opened;";
      } catch (const trader::store::DatabasePermissionError& e) {
        out += std::string("refused: ") + e.what();
      }
      return out;
    });
    CHECK(seen.find("read 1;") != std::string::npos);
    CHECK(seen.find("inspect " + std::to_string(trader::store::latest_version())) !=
          std::string::npos);
    CHECK(seen.find("refused: permission denied") != std::string::npos);
    CHECK(seen.find(path.string()) != std::string::npos);
    // run_unprivileged drops root to nobody (65534); a user who is not root stays who it is
    // (the test image runs as uid 1000).
    const auto uid = ::geteuid() == 0 ? 65534U : ::geteuid();
    CHECK(seen.find("uid " + std::to_string(uid)) != std::string::npos);
    CHECK(fs::directory_iterator(folder) != fs::directory_iterator());  // only the file itself
    CHECK(std::distance(fs::directory_iterator(folder), fs::directory_iterator()) == 1);
    fs::permissions(folder, fs::perms::owner_all, fs::perm_options::add);
  }

  TEST_CASE("a read-only open never creates a directory or a database") {
    TempDir dir;
    const auto path = dir / "nonexistent/dir/x.db";
    CHECK_THROWS_WITH_AS(static_cast<void>(Database::open(at(path), OpenMode::read)),
                         doctest::Contains("no database at"), trader::store::DatabaseMissingError);
    CHECK_FALSE(std::filesystem::exists(dir / "nonexistent"));
    write_file(dir / "empty.db", "");
    CHECK_THROWS_AS(static_cast<void>(Database::open(at(dir / "empty.db"), OpenMode::read)),
                    trader::store::DatabaseMissingError);
    CHECK(read_file(dir / "empty.db").empty());
  }

  // issue 11 item 21: `--db ''` and `--db /dev/null` gave a filesystem exception's text.
  TEST_CASE("paths that cannot hold a database get a plain message") {
    for (const auto mode : {OpenMode::use, OpenMode::read}) {
      CHECK_THROWS_WITH_AS(static_cast<void>(Database::open(at(""), mode)),
                           doctest::Contains("the database path is empty"), StoreError);
      CHECK_THROWS_WITH_AS(static_cast<void>(Database::open(at("/dev/null"), mode)),
                           doctest::Contains("/dev/null as a database: it is not a regular file"),
                           StoreError);
    }
    TempDir dir;
    std::filesystem::create_directory(dir / "folder.db");
    CHECK_THROWS_WITH_AS(static_cast<void>(Database::open(at(dir / "folder.db"))),
                         doctest::Contains("it is a directory"), StoreError);
  }

  // issue 11 item 19: after SQLite reported damage, a write first checks the file.
  TEST_CASE("a write after an error runs quick_check first and refuses a damaged file") {
    TempDir dir;
    const auto path = dir / "damaged.db";
    std::vector<int> leaves;
    std::size_t page_size = 0;
    {
      auto db = Database::open(at(path));
      db.session() << "PRAGMA page_size", soci::into(page_size);
      for (int i = 0; i < 400; ++i) {
        db.session() << "INSERT INTO settings_override (key, value, updated_at) VALUES ('k" +
                            std::to_string(i) + "', '" + std::string(200, 'v') + "', 'x')";
      }
      db.session() << "PRAGMA wal_checkpoint(TRUNCATE)";
      soci::rowset<int> pages = (db.session().prepare << "SELECT pageno FROM dbstat WHERE name = "
                                                         "'settings_override' AND pagetype = "
                                                         "'leaf'");
      for (const int page : pages) leaves.push_back(page);
    }
    {
      auto db = Database::open(at(path));
      db.mark_suspect();  // a healthy file: the check passes and the write goes ahead
      trader::store::Transaction tx(db);
      tx.commit();
    }
    // Bytes over the table's leaf pages, as a failing disk might leave them; the schema and the
    // migration history stay readable, so the file still opens.
    std::string bytes = read_file(path);
    REQUIRE(leaves.size() > 2);
    for (const int page : leaves) {
      const std::size_t start = page_size * static_cast<std::size_t>(page - 1);
      REQUIRE(start + page_size <= bytes.size());
      for (std::size_t i = start; i < start + page_size; ++i) {
        bytes[i] = static_cast<char>((i * 131) & 0xff);
      }
    }
    write_file(path, bytes);
    auto db = Database::open(at(path));
    db.mark_suspect();
    CHECK_THROWS_WITH_AS(trader::store::Transaction{db}, doctest::Contains("quick_check"),
                         trader::store::DatabaseCorruptError);
  }
}
