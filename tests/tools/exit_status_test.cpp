// Issue 12 item 8: every tool chooses its exit status from the type of what went wrong, never
// from the text of a message, and the same kind of problem gets the same status in every tool:
// 2 for a bad command line (the caller fixes its arguments), 1 for anything else (a bad setting
// in .env or the environment, a missing file), 0 for success.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/process.hpp"

using trader::testing::EnvironmentList;
using trader::testing::ProcessResult;
using trader::testing::run_process;
using trader::testing::TempDir;
using trader::testing::write_file;

namespace {

bool has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

struct Command {
  std::string tool;  // for the usage hint: "(see trader-data --help)"
  std::vector<std::string> argv;
};

// One ordinary command of each tool that reads the settings (none of them needs data).
std::vector<Command> every_tool() {
  return {
      {"trader-config", {TRADER_CONFIG_BIN}},
      {"trader-data", {TRADER_DATA_BIN, "--db", "t.db", "list"}},
      {"trader-migrate", {TRADER_MIGRATE_BIN, "--db", "t.db", "status"}},
      {"trader-backtest",
       {TRADER_BACKTEST_BIN, "--db", "t.db", "--symbols", "AAPL", "--start-date", "2025-06-02",
        "--end-date", "2025-06-03", "--data", "synthetic"}},
  };
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) text += arg + " ";
  return text;
}

}  // namespace

TEST_SUITE("tools/exit-status") {
  TEST_CASE("issue 12 item 8: every tool's ordinary command succeeds with exit 0") {
    for (const auto& command : every_tool()) {
      TempDir dir;
      CAPTURE(command_line(command.argv));
      const ProcessResult r = run_process(command.argv, {}, dir.path());
      INFO(r.err);
      CHECK(r.exit_code == 0);
    }
  }

  TEST_CASE("issue 12 item 8: an unknown option exits 2 with the usage hint in every tool") {
    for (auto command : every_tool()) {
      TempDir dir;
      command.argv.emplace_back("--frobnicate");
      CAPTURE(command_line(command.argv));
      const ProcessResult r = run_process(command.argv, {}, dir.path());
      CHECK(r.exit_code == 2);
      CHECK(has(r.err, "(see " + command.tool + " --help)"));
    }
  }

  TEST_CASE("issue 12 item 8: a bad setting in the environment exits 1 in every tool") {
    const EnvironmentList env{{"ALGO_RISK__MAX_OPEN_POSITIONS", "0"}};
    for (const auto& command : every_tool()) {
      TempDir dir;
      CAPTURE(command_line(command.argv));
      const ProcessResult r = run_process(command.argv, env, dir.path());
      CHECK(r.exit_code == 1);
      CHECK(has(r.err, "ALGO_RISK__MAX_OPEN_POSITIONS=0: must be an integer in 1..20"));
    }
  }

  TEST_CASE("issue 12 item 8: a malformed .env exits 1 in every tool, naming file and line") {
    for (const auto& command : every_tool()) {
      TempDir dir;
      write_file(dir / ".env", "ALGO_LOG_LEVEL=INFO\nALGO_LOG_LEVEL_WITHOUT_VALUE\n");
      CAPTURE(command_line(command.argv));
      const ProcessResult r = run_process(command.argv, {}, dir.path());
      CHECK(r.exit_code == 1);
      CHECK(has(r.err, ".env:2: "));
    }
  }

  TEST_CASE(
      "issue 12 item 8: a value given as an option exits 2 naming the option; the same "
      "value from the environment exits 1 naming the variable") {
    TempDir dir;
    std::vector<std::string> argv = every_tool().back().argv;
    argv.insert(argv.end(), {"--capital", "500"});
    const ProcessResult option = run_process(argv, {}, dir.path());
    CHECK(option.exit_code == 2);
    CHECK(has(option.err, "--capital=500: must be between 1000..10000000"));

    const ProcessResult environment = run_process(
        every_tool().back().argv, {{"ALGO_BACKTEST__INITIAL_CAPITAL", "500"}}, dir.path());
    CHECK(environment.exit_code == 1);
    CHECK(has(environment.err, "ALGO_BACKTEST__INITIAL_CAPITAL=500: must be between"));
    // The user never typed --capital: the message must not say so.
    CHECK_FALSE(has(environment.err, "--capital"));
  }
}
