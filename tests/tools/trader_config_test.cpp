// End-to-end: the built trader-config binary.
#include <doctest/doctest.h>

#include "support/process.hpp"

using trader::testing::run_process;
using trader::testing::TempDir;
using trader::testing::write_file;

namespace {
trader::testing::ProcessResult config(const TempDir& dir, trader::testing::EnvironmentList env,
                                      std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{TRADER_CONFIG_BIN};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_process(argv, env, dir.path());
}
}  // namespace

TEST_SUITE("tools/trader-config") {
  TEST_CASE("defaults print with source default and Paper: True") {
    TempDir dir;
    const auto r = config(dir, {});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Paper:        True") != std::string::npos);
    CHECK(r.out.find("[Risk]") != std::string::npos);
    CHECK(r.out.find("ALGO_RISK__MAX_OPEN_POSITIONS") != std::string::npos);
    CHECK(r.out.find("AAPL, TSLA, AMD, NVDA, META") != std::string::npos);
  }

  TEST_CASE("a .env value shows source .env, an exported one env") {
    TempDir dir;
    write_file(dir / ".env", "ALGO_LOG_LEVEL=DEBUG\nALGO_RISK__MAX_OPEN_POSITIONS=4\n");
    const auto r = config(dir, {{"ALGO_RISK__MAX_OPEN_POSITIONS", "6"}}, {"--json"});
    REQUIRE(r.exit_code == 0);
    CHECK(
        r.out.find(
            R"("variable": "ALGO_LOG_LEVEL", "group": "General", "value": "DEBUG", "source": ".env")") !=
        std::string::npos);
    CHECK(
        r.out.find(
            R"("variable": "ALGO_RISK__MAX_OPEN_POSITIONS", "group": "Risk", "value": "6", "source": "env")") !=
        std::string::npos);
    const auto text = config(dir, {});
    CHECK(text.out.find("DEBUG") != std::string::npos);
    CHECK(text.out.find(".env") != std::string::npos);
  }

  TEST_CASE("TRADER_DOTENV points at a .env elsewhere (the container's read-only project mount)") {
    TempDir dir;
    std::filesystem::create_directory(dir / "project");
    write_file(dir / "project/.env", "ALGO_LOG_LEVEL=WARNING\n");
    const auto r = config(dir,
                          {{"TRADER_DOTENV", (dir / "project/.env").string()},
                           {"ALGO_LOG_LEVEL", "WARNING"}},  // as Compose's env_file passes it
                          {"--json"});
    REQUIRE(r.exit_code == 0);
    CHECK(
        r.out.find(
            R"("variable": "ALGO_LOG_LEVEL", "group": "General", "value": "WARNING", "source": ".env")") !=
        std::string::npos);
    const auto missing = config(dir, {{"TRADER_DOTENV", (dir / "nowhere/.env").string()}});
    CHECK(missing.exit_code == 0);
    CHECK(missing.out.find("(none") != std::string::npos);
  }

  TEST_CASE("F12: a misspelled variable fails and suggests the right name") {
    TempDir dir;
    const auto r = config(dir, {{"ALGO_RISK__MAX_DAILY_LOS_PCT", "0.05"}});
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("ALGO_RISK__MAX_DAILY_LOS_PCT") != std::string::npos);
    CHECK(r.err.find("ALGO_RISK__MAX_DAILY_LOSS_PCT") != std::string::npos);
  }

  TEST_CASE("an out-of-range value fails naming the range; all errors are listed") {
    TempDir dir;
    const auto r =
        config(dir, {{"ALGO_RISK__MAX_OPEN_POSITIONS", "50"}, {"ALGO_LOG_FORMAT", "xml"}});
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("ALGO_RISK__MAX_OPEN_POSITIONS=50") != std::string::npos);
    CHECK(r.err.find("1..20") != std::string::npos);
    CHECK(r.err.find("ALGO_LOG_FORMAT=xml") != std::string::npos);
  }

  TEST_CASE("F12: the API key prints masked in text and JSON") {
    TempDir dir;
    const std::string key = "PKTESTKEY0000WXYZ";
    for (const auto& extra : {std::vector<std::string>{}, std::vector<std::string>{"--json"}}) {
      const auto r = config(
          dir, {{"ALGO_BROKER__API_KEY", key}, {"ALGO_BROKER__SECRET_KEY", "topsecret42"}}, extra);
      CHECK(r.exit_code == 0);
      CHECK(r.out.find(key) == std::string::npos);
      CHECK(r.out.find("topsecret") == std::string::npos);
      CHECK(r.out.find("****WXYZ") != std::string::npos);
    }
  }

  TEST_CASE("live mode is shown loudly") {
    TempDir dir;
    const auto r = config(dir, {{"ALGO_BROKER__PAPER", "false"}});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("LIVE TRADING") != std::string::npos);
  }

  TEST_CASE("a malformed .env fails naming the file and line") {
    TempDir dir;
    write_file(dir / ".env", "ALGO_LOG_LEVEL=INFO\nthis is not valid\n");
    const auto r = config(dir, {});
    CHECK(r.exit_code != 0);
    CHECK(r.err.find(".env:2") != std::string::npos);
  }
}

TEST_SUITE("tools/trader-config") {
  TEST_CASE("the committed .env.example lists every key, as --env-example prints it") {
    TempDir dir;
    const auto r = run_process({TRADER_CONFIG_BIN, "--env-example"}, {}, dir.path());
    CHECK(r.exit_code == 0);
    CHECK(r.out == trader::testing::read_file(std::string(SOURCE_ROOT) + "/.env.example"));
  }
}

TEST_SUITE("tools/trader-config") {
  // Issue 11 item 6: a full standard output is an error naming it, whatever was printed.
  TEST_CASE("issue 11 item 6: every output to a full device exits 1 naming standard output") {
    TempDir dir;
    for (const char* options : {"", "--json", "--env-example", "--help"}) {
      CAPTURE(options);
      const auto r =
          run_process({"/bin/sh", "-c", std::string("exec \"$0\" ") + options + " > /dev/full",
                       TRADER_CONFIG_BIN},
                      {}, dir.path());
      CHECK(r.exit_code == 1);
      CHECK(r.err.find("trader-config: cannot write standard output: No space left on device") !=
            std::string::npos);
    }
  }

  TEST_CASE("issue 11 item 21: extra arguments and two actions at once exit 2") {
    TempDir dir;
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{TRADER_CONFIG_BIN, "extra"},
          {TRADER_CONFIG_BIN, "--json", "--env-example"}}) {
      const auto r = run_process(args, {}, dir.path());
      CHECK(r.exit_code == 2);
      CHECK(r.err.find("(see trader-config --help)") != std::string::npos);
      CHECK(r.out.empty());
    }
  }
}

TEST_SUITE("tools/trader-config") {
  // Issue 12 item 7: the strategies' parameters are their own key tables now; trader-config
  // still lists and checks them, with their sources, like libtrader's settings.
  TEST_CASE("issue 12 item 7: strategy parameters are listed and checked with their sources") {
    TempDir dir;
    write_file(dir / ".env", "ALGO_VELEZ__SMA_FAST=15\nALGO_SMA_CROSSOVER__ATR_PERIOD=20\n");
    const auto r = config(dir, {{"ALGO_SMA_CROSSOVER__ATR_PERIOD", "21"}}, {"--json"});
    REQUIRE(r.exit_code == 0);
    CHECK(
        r.out.find(
            R"("variable": "ALGO_VELEZ__SMA_FAST", "group": "Velez", "value": "15", "source": ".env", "allowed": "5..50")") !=
        std::string::npos);
    CHECK(
        r.out.find(
            R"("variable": "ALGO_SMA_CROSSOVER__ATR_PERIOD", "group": "SMA Crossover", "value": "21", "source": "env")") !=
        std::string::npos);
    CHECK(
        r.out.find(
            R"("variable": "ALGO_VELEZ__SMA_SLOW", "group": "Velez", "value": "200", "source": "default")") !=
        std::string::npos);
    const auto text = config(dir, {});
    CHECK(text.out.find("[Velez]") != std::string::npos);
    CHECK(text.out.find("[SMA Crossover]") != std::string::npos);

    const auto bad = config(dir, {{"ALGO_VELEZ__SMA_FAST", "4"}, {"ALGO_VELEZ__SMA_FATS", "10"}});
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("ALGO_VELEZ__SMA_FAST=4: must be an integer in 5..50") != std::string::npos);
    CHECK(
        bad.err.find("ALGO_VELEZ__SMA_FATS: unknown setting; did you mean ALGO_VELEZ__SMA_FAST?") !=
        std::string::npos);
    // A malformed .env line names a strategy's variable as it names libtrader's own.
    write_file(dir / ".env", "ALGO_VELEZ__SMA_FAST 15\n");
    const auto line = config(dir, {});
    CHECK(line.exit_code == 1);
    CHECK(line.err.find(".env:1: expected NAME=VALUE; a space at character 21 after "
                        "ALGO_VELEZ__SMA_FAST") != std::string::npos);
  }

  TEST_CASE("issue 12 item 7: every tool accepts and checks a strategy's parameters in .env") {
    TempDir dir;
    write_file(dir / ".env", "ALGO_VELEZ__SMA_FAST=15\nALGO_SMA_CROSSOVER__FAST=12\n");
    const std::vector<std::vector<std::string>> commands{{TRADER_MIGRATE_BIN, "upgrade"},
                                                         {TRADER_DATA_BIN, "list"},
                                                         {TRADER_BACKTEST_BIN, "--list"},
                                                         {TRADER_CONFIG_BIN}};
    for (const auto& command : commands) {
      CAPTURE(command.front());
      const auto r = run_process(command, {}, dir.path());
      CHECK(r.exit_code == 0);
      CHECK(r.err.find("ALGO_VELEZ") == std::string::npos);
      // Out of its range, the same parameter is refused by every tool, naming the range.
      const auto bad = run_process(command, {{"ALGO_VELEZ__SMA_FAST", "4"}}, dir.path());
      CHECK(bad.exit_code != 0);
      CHECK(bad.err.find("ALGO_VELEZ__SMA_FAST=4: must be an integer in 5..50") !=
            std::string::npos);
    }
  }
}
