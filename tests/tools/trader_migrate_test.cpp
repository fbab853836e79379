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

TEST_SUITE("tools/trader-migrate") {
  TEST_CASE("issue 11 item 6: status, history and current to a full device exit 1") {
    TempDir dir;
    REQUIRE(migrate(dir, {"upgrade"}).exit_code == 0);
    for (const char* command : {"status", "history", "current", "--help"}) {
      CAPTURE(command);
      const auto r = run_process(
          {"/bin/sh", "-c", "exec \"$0\" \"$1\" > /dev/full", TRADER_MIGRATE_BIN, command}, {},
          dir.path());
      CHECK(r.exit_code == 1);
      CHECK(
          contains(r.err, "trader-migrate: cannot write standard output: No space left on device"));
    }
  }

  // issue 11 item 13: refused and no-op commands wrote a full backup first.
  TEST_CASE("refused or no-op commands change nothing and write no backup") {
    TempDir dir;
    CHECK(migrate(dir, {"upgrade"}).exit_code == 0);
    // Data that a downgrade to 0 would lose.
    const auto synth = run_process({TRADER_DATA_BIN, "synth", "--symbols", "AAPL", "--start",
                                    "2025-06-02", "--end", "2025-06-02"},
                                   {}, dir.path());
    REQUIRE(synth.exit_code == 0);
    const std::string before = read_file(dir / "data/trading.db");
    const auto latest = migrate(dir, {"current"}).out;
    const std::vector<std::vector<std::string>> refused{
        {"downgrade", "0"}, {"upgrade", "1"}, {"upgrade", "99"}, {"downgrade", "99"}};
    for (const auto& args : refused) {
      CAPTURE(args[0] + " " + args[1]);
      const auto r = migrate(dir, args);
      CHECK(r.exit_code == 1);
      const bool explained =
          contains(r.err, "nothing was changed") || contains(r.err, "no schema version 99");
      CHECK(explained);
      CHECK_FALSE(contains(r.err, "version 4 that"));
    }
    CHECK(contains(migrate(dir, {"downgrade", "99"}).err, "this program knows versions 0.."));
    const auto noop = migrate(dir, {"upgrade", latest.substr(0, latest.size() - 1)});
    CHECK(noop.exit_code == 0);
    CHECK(contains(noop.out, "nothing to do"));
    CHECK_FALSE(std::filesystem::exists(dir / "data/backups"));
    CHECK(read_file(dir / "data/trading.db") == before);
  }

  // issue 11 item 11: looking at a database never creates one.
  TEST_CASE("current, history and status of a missing database create nothing") {
    TempDir dir;
    CHECK(migrate(dir, {"current"}).out == "0\n");
    const auto status = migrate(dir, {"--db", "nowhere/x.db", "status"});
    CHECK(status.exit_code == 0);
    CHECK(contains(status.out, "does not exist yet"));
    CHECK(contains(status.out, "pending:"));
    CHECK(migrate(dir, {"history"}).exit_code == 0);
    CHECK_FALSE(std::filesystem::exists(dir / "data"));
    CHECK_FALSE(std::filesystem::exists(dir / "nowhere"));
  }

  // issue 11 item 12: a backup killed half-way used to stay behind as a *.db file that opened as
  // an empty database.
  TEST_CASE("an upgrade killed during its backup leaves no backup; the next run cleans up") {
    TempDir dir;
    CHECK(migrate(dir, {"upgrade", "2"}).exit_code == 0);
    std::filesystem::create_directories(dir / "data/backups");
    write_file(dir / "data/backups/trading-20250101T000000Z-v2.db.partial", "");
    write_file(dir / "data/backups/trading-20250101T000000Z-v2.db.partial-journal", "x");
    const auto r = migrate(dir, {"upgrade"});
    CHECK(r.exit_code == 0);
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir / "data/backups")) {
      files.push_back(e.path().filename().string());
    }
    REQUIRE(files.size() == 1);
    CHECK(files[0].find(".partial") == std::string::npos);
    CHECK(files[0].find("-v2.db") != std::string::npos);
  }
}
