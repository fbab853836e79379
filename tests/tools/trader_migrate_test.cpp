// End-to-end: the built trader-migrate binary.
#include <doctest/doctest.h>

#include "support/process.hpp"

using trader::testing::read_file;
using trader::testing::run_process;
using trader::testing::TempDir;
using trader::testing::write_file;

namespace {
trader::testing::ProcessResult migrate(const TempDir& dir, std::vector<std::string> args,
                                       trader::testing::EnvironmentList env = {}) {
  args.insert(args.begin(), TRADER_MIGRATE_BIN);
  return run_process(args, env, dir.path());
}
bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}
}  // namespace

TEST_SUITE("tools/trader-migrate") {
  TEST_CASE("upgrade creates data/trading.db; a second upgrade is a no-op") {
    TempDir dir;
    const auto first = migrate(dir, {"upgrade"});
    CHECK(first.exit_code == 0);
    CHECK(contains(first.out, "applied   1"));
    CHECK(std::filesystem::exists(dir / "data/trading.db"));
    const auto second = migrate(dir, {"upgrade"});
    CHECK(second.exit_code == 0);
    CHECK(contains(second.out, "nothing to do"));
    CHECK_FALSE(std::filesystem::exists(dir / "data/backups"));  // nothing changed, no backup
  }

  TEST_CASE("status and history list the steps; current prints the version") {
    TempDir dir;
    CHECK(contains(migrate(dir, {"status"}).out, "pending:"));
    CHECK(migrate(dir, {"upgrade", "1"}).exit_code == 0);
    const auto status = migrate(dir, {"status"});
    CHECK(contains(status.out, "current version: 1"));
    CHECK(contains(status.out, "2  backtest run reproduction (F5)"));
    CHECK(migrate(dir, {"current"}).out == "1\n");
    const auto upgrade = migrate(dir, {"upgrade"});
    CHECK(contains(upgrade.out, "backup: data/backups/trading-"));
    CHECK(contains(migrate(dir, {"status"}).out, "up to date"));
    const auto history = migrate(dir, {"history"});
    CHECK(contains(history.out, "  1  "));
    CHECK(contains(history.out, "  2  "));
  }

  TEST_CASE("ALGO_DB_PATH and --db choose the file") {
    TempDir dir;
    CHECK(migrate(dir, {"upgrade"}, {{"ALGO_DB_PATH", "elsewhere/x.db"}}).exit_code == 0);
    CHECK(std::filesystem::exists(dir / "elsewhere/x.db"));
    CHECK(migrate(dir, {"--db", "other.db", "upgrade"}).exit_code == 0);
    CHECK(std::filesystem::exists(dir / "other.db"));
  }

  TEST_CASE("downgrade reverses only where no data is lost") {
    TempDir dir;
    CHECK(migrate(dir, {"upgrade"}).exit_code == 0);
    const auto down = migrate(dir, {"downgrade", "1"});
    CHECK(down.exit_code == 0);
    CHECK(contains(down.out, "reversed   2"));
    CHECK(migrate(dir, {"current"}).out == "1\n");
  }

  TEST_CASE("bad inputs: a clear message, a non-zero exit, the file unchanged") {
    TempDir dir;
    std::filesystem::create_directory(dir / "data");
    write_file(dir / "data/trading.db", "this is not a database, it is a text file\n");
    const auto r = migrate(dir, {"upgrade"});
    CHECK(r.exit_code == 1);
    CHECK(contains(r.err, "data/trading.db is not a usable SQLite database"));
    CHECK(read_file(dir / "data/trading.db") == "this is not a database, it is a text file\n");
    CHECK(migrate(dir, {"frobnicate"}).exit_code == 2);
    CHECK(migrate(dir, {"downgrade"}).exit_code == 2);
    CHECK(contains(migrate(dir, {"upgrade", "x"}).err, "VERSION must be a whole number"));
    CHECK(migrate(dir, {"--db", "fresh.db", "upgrade", "9"}).exit_code == 1);
  }
}
