// End-to-end (issue 11 acceptance, items 3-5, 16): every built tool is run with a planted API key
// and secret in every malformed form of every secret-bearing setting (environment, .env, JSON
// sections, bad lines, unbalanced quotes, bad key values, URLs with user:password@, unknown and
// duplicate names), and no byte sequence of its output (stdout and stderr) may hold any
// 8-character piece of either. Tools are found in the build's tools/ directory, so a new
// trader-* tool is covered without editing this file.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/secret_canary.hpp"

using trader::testing::EnvironmentList;
using trader::testing::kCanaryKey;
using trader::testing::kCanarySecret;
using trader::testing::leaked_canary;
using trader::testing::run_process;
using trader::testing::TempDir;
using trader::testing::write_file;

namespace {

const std::string kKey(kCanaryKey);
const std::string kSecret(kCanarySecret);

// One bad setting: variables for the environment and/or the text of .env.
struct Case {
  std::string name;
  EnvironmentList env;
  std::string dotenv;  // empty: no .env file
};

std::string json_broker(const std::string& api_key, const std::string& secret_key) {
  return R"({"api_key":")" + api_key + R"(","secret_key":")" + secret_key + R"("})";
}

std::vector<Case> bad_settings() {
  const std::string unclosed = R"({"api_key":")" + kKey + R"(","secret_key":")" + kSecret + R"(")";
  const std::string both = "ALGO_BROKER__API_KEY=" + kKey + "\nALGO_BROKER__SECRET_KEY=" + kSecret;
  std::vector<Case> cases = {
      // Item 3: JSON sections that do not parse, from the environment and from .env.
      {"env: ALGO_BROKER JSON without its closing brace", {{"ALGO_BROKER", unclosed}}, ""},
      {".env: ALGO_BROKER JSON without its closing brace, quoted",
       {},
       "ALGO_BROKER='" + unclosed + "'\n"},
      {".env: ALGO_BROKER JSON without its closing brace, unquoted",
       {},
       "ALGO_BROKER=" + unclosed + "\n"},
      {".env and env: the same broken section (Compose env_file)",
       {{"ALGO_BROKER", unclosed}},
       "ALGO_BROKER='" + unclosed + "'\n"},
      {"env: ALGO_BROKER JSON missing ':'",
       {{"ALGO_BROKER", R"({"api_key" ")" + kKey + R"("})"}},
       ""},
      {"env: ALGO_BROKER JSON missing ','",
       {{"ALGO_BROKER", R"({"api_key":")" + kKey + R"(" "secret_key":")" + kSecret + R"("})"}},
       ""},
      {"env: ALGO_BROKER JSON with text after it",
       {{"ALGO_BROKER", json_broker(kKey, kSecret) + kSecret}},
       ""},
      {"env: ALGO_BROKER as a JSON array",
       {{"ALGO_BROKER", R"([")" + kKey + R"(",")" + kSecret + R"("])"}},
       ""},
      {"env: ALGO_BROKER not JSON at all", {{"ALGO_BROKER", kKey + ":" + kSecret}}, ""},
      {"env: ALGO_BROKER JSON with a nested object",
       {{"ALGO_BROKER", R"({"api_key":{"id":")" + kKey + R"("}})"}},
       ""},
      {"env: ALGO_BROKER JSON with a \\u escape",
       {{"ALGO_BROKER", R"({"api_key":")" + kKey + R"(\u0041"})"}},
       ""},
      {"env: ALGO_BROKER JSON with the key as a field name",
       {{"ALGO_BROKER", R"({")" + kKey + R"(":")" + kSecret + R"("})"}},
       ""},
      {"env: ALGO_RISK JSON holding the keys", {{"ALGO_RISK", json_broker(kKey, kSecret)}}, ""},
      // Item 21: duplicate keys in a section, the same variable twice in .env.
      {"env: ALGO_BROKER JSON with api_key twice",
       {{"ALGO_BROKER", R"({"api_key":")" + kKey + R"(","api_key":")" + kSecret + R"("})"}},
       ""},
      {".env: ALGO_BROKER__API_KEY twice",
       {},
       "ALGO_BROKER__API_KEY=" + kKey + "\nALGO_BROKER__API_KEY=" + kSecret + "\n"},
      // Item 3: bad values of the secret keys themselves, directly and inside a section.
      {"env: API key with a space", {{"ALGO_BROKER__API_KEY", kKey + " " + kSecret}}, ""},
      {"env: secret key with a quote", {{"ALGO_BROKER__SECRET_KEY", "\"" + kSecret + "\""}}, ""},
      {"env: secret key with a control character",
       {{"ALGO_BROKER__SECRET_KEY", kSecret + "\x1b[2J"}},
       ""},
      {"env: secret key too long",
       {{"ALGO_BROKER__SECRET_KEY", kSecret + std::string(300, 'Z')}},
       ""},
      {"env: secret key with a line break",
       {{"ALGO_BROKER__SECRET_KEY", kSecret + "\r\nX-Injected: 1"}},
       ""},
      {"env: ALGO_BROKER JSON with a bad secret_key",
       {{"ALGO_BROKER", json_broker(kKey, kSecret + " x")}},
       ""},
      {".env: quoted API key with a space",
       {},
       "ALGO_BROKER__API_KEY=\"" + kKey + " " + kSecret + "\"\n"},
      // Keys one line off: in the broker section's other settings.
      {"env: keys in FEED and PAPER",
       {{"ALGO_BROKER__FEED", kKey}, {"ALGO_BROKER__PAPER", kSecret}},
       ""},
      {"env: keys in PROVIDER", {{"ALGO_BROKER__PROVIDER", kKey + kSecret}}, ""},
      {".env: keys in FEED and PAPER",
       {},
       "ALGO_BROKER__FEED=" + kKey + "\nALGO_BROKER__PAPER=" + kSecret + "\n"},
      // Item 4: malformed .env lines.
      {".env: ':' instead of '='", {}, "ALGO_LOG_LEVEL=INFO\nALGO_BROKER__API_KEY: " + kKey + "\n"},
      {".env: a space instead of '='", {}, "ALGO_BROKER__SECRET_KEY " + kSecret + "\n"},
      {".env: a tab instead of '='", {}, "ALGO_BROKER__SECRET_KEY\t" + kSecret + "\n"},
      {".env: the key glued to the name", {}, "ALGO_BROKER__API_KEY" + kKey + "\n"},
      {".env: the key glued to the name, then '='", {}, "ALGO_BROKER__API_KEY" + kKey + "=x\n"},
      {".env: ':' and a padded secret", {}, "ALGO_BROKER__SECRET_KEY:" + kSecret + "==\n"},
      {".env: a line that is only the key", {}, both + "\n" + kKey + "\n"},
      {".env: key and secret on a line", {}, kKey + " " + kSecret + "\n"},
      {".env: BOM, then a bad line",
       {},
       "\xEF\xBB\xBF" + both + "\nALGO_BROKER__API_KEY " + kKey + "\n"},
      {".env: UTF-16", {}, std::string("\xFF\xFE", 2) + both},
      // Item 16: unbalanced quotes.
      {".env: a quote inside a double-quoted key",
       {},
       "ALGO_BROKER__API_KEY=\"PKLEAKCANARY\"0123456789\"\n"},
      {".env: single quote not closed", {}, "ALGO_BROKER__SECRET_KEY='" + kSecret + "\n"},
      {".env: double quote not closed", {}, "ALGO_BROKER__SECRET_KEY=\"" + kSecret + "\n"},
      {".env: closing quote without an opening one",
       {},
       "ALGO_BROKER__SECRET_KEY=" + kSecret + "\"\n"},
      {".env: escaped closing quote", {}, "ALGO_BROKER__SECRET_KEY=\"" + kSecret + "\\\"\n"},
      {".env: two quoted values on one line",
       {},
       "ALGO_BROKER__API_KEY='" + kKey + "' '" + kSecret + "'\n"},
      // Item 5: URLs that carry the keys.
      {"env: http:// data URL with user:password@",
       {{"ALGO_BROKER__DATA_URL", "http://" + kKey + ":" + kSecret + "@example.com"}},
       ""},
      {"env: https:// data URL with user:password@",
       {{"ALGO_BROKER__DATA_URL", "https://" + kKey + ":" + kSecret + "@data.alpaca.markets"}},
       ""},
      {"env: loopback data URL with user:password@",
       {{"ALGO_BROKER__DATA_URL", "http://" + kKey + ":" + kSecret + "@127.0.0.1:9"}},
       ""},
      {"env: data URL with the key in the query",
       {{"ALGO_BROKER__DATA_URL", "https://example.com/?key=" + kKey + "&secret=" + kSecret}},
       ""},
      {"env: data URL that is the key", {{"ALGO_BROKER__DATA_URL", kKey + kSecret}}, ""},
      {"env: plain http:// data URL",
       {{"ALGO_BROKER__DATA_URL", "http://data.alpaca.markets"}},
       ""},
      {"env: ALGO_BROKER JSON with user:password@ in data_url",
       {{"ALGO_BROKER", R"({"data_url":"http://)" + kKey + ":" + kSecret + R"(@example.com"})"}},
       ""},
      {".env: data URL with user:password@",
       {},
       "ALGO_BROKER__DATA_URL=https://" + kKey + ":" + kSecret + "@example.com\n"},
      // Unknown and misspelt names holding the keys.
      {"env: single underscore",
       {{"ALGO_BROKER_API_KEY", kKey}, {"ALGO_BROKER_SECRET_KEY", kSecret}},
       ""},
      {"env: misspelt", {{"ALGO_BROKER__API_KEYY", kKey}, {"ALGO_BROKER__SECRETKEY", kSecret}}, ""},
      {"env: unknown names", {{"ALGO_ALPACA_ID", kKey}, {"ALGO_ALPACA_SECRET", kSecret}}, ""},
      {"env: the key glued to the name", {{"ALGO_BROKER__API_KEY" + kKey, "1"}}, ""},
      {"env: a name with ':'", {{"ALGO_BROKER__SECRET_KEY:" + kSecret, "1"}}, ""},
      {".env: unknown names",
       {},
       "ALGO_ALPACA_ID=" + kKey + "\nALGO_BROKER_SECRET_KEY=" + kSecret + "\n"},
      // Valid keys with some other setting wrong: the keys must not appear either.
      {"env: valid keys, another setting invalid",
       {{"ALGO_BROKER__API_KEY", kKey},
        {"ALGO_BROKER__SECRET_KEY", kSecret},
        {"ALGO_RISK__MAX_OPEN_POSITIONS", "50"}},
       ""},
      {".env: valid keys, a bad line after them", {}, both + "\nnot a pair\n"},
  };
  return cases;
}

struct Command {
  std::string tool;  // file name under tools/
  std::vector<std::string> args;
};

// What each known tool runs; a tool not listed here runs with no arguments and with --help.
std::vector<Command> commands_for(const std::string& tool) {
  if (tool == "trader-config") return {{tool, {}}, {tool, {"--json"}}};
  if (tool == "trader-data") {
    return {{tool, {"list"}},
            {tool, {"fetch", "--symbols", "AAPL", "--start", "2024-01-02", "--end", "2024-01-03"}}};
  }
  if (tool == "trader-migrate") return {{tool, {"status"}}, {tool, {"upgrade"}}};
  if (tool == "trader-backtest") {
    return {{tool, {"--list"}},
            {tool,
             {"--symbols", "AAPL", "--start-date", "2024-01-02", "--end-date", "2024-01-05",
              "--data", "synthetic"}}};
  }
  return {{tool, {}}, {tool, {"--help"}}};
}

bool known_tool(const std::string& tool) {
  return tool == "trader-config" || tool == "trader-data" || tool == "trader-migrate" ||
         tool == "trader-backtest";
}

// Every trader-* executable beside trader-config in the build's tools/ directory.
std::vector<std::string> built_tools() {
  const std::filesystem::path dir = std::filesystem::path(TRADER_CONFIG_BIN).parent_path();
  std::vector<std::string> tools;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !name.starts_with("trader-")) continue;
    if ((entry.status().permissions() & std::filesystem::perms::owner_exec) ==
        std::filesystem::perms::none) {
      continue;
    }
    tools.push_back(name);
  }
  std::sort(tools.begin(), tools.end());
  return tools;
}

void check_no_leak(const Case& c, const Command& command) {
  TempDir dir;
  if (!c.dotenv.empty()) write_file(dir / ".env", c.dotenv);
  std::vector<std::string> argv{
      (std::filesystem::path(TRADER_CONFIG_BIN).parent_path() / command.tool).string()};
  argv.insert(argv.end(), command.args.begin(), command.args.end());
  const auto r = run_process(argv, c.env, dir.path());
  std::string shown = command.tool;
  for (const auto& a : command.args) shown += " " + a;
  INFO("case: ", c.name);
  INFO("command: ", shown);
  INFO("exit code: ", r.exit_code, "\nstdout:\n", r.out, "\nstderr:\n", r.err);
  CHECK(leaked_canary(r.out).empty());
  CHECK(leaked_canary(r.err).empty());
  CHECK(leaked_canary(r.out + r.err).empty());
  CHECK(r.exit_code < 128);  // no crash, no abort
  // A known tool refuses every one of these settings: a run that never read them would prove
  // nothing.
  if (known_tool(command.tool)) CHECK(r.exit_code != 0);
}

}  // namespace

TEST_SUITE("tools/secret-leak") {
  TEST_CASE("every tool is found, the four known ones included") {
    const auto tools = built_tools();
    for (const char* known :
         {"trader-config", "trader-data", "trader-migrate", "trader-backtest"}) {
      CHECK_MESSAGE(std::find(tools.begin(), tools.end(), known) != tools.end(), known);
    }
  }

  TEST_CASE("issue 11 items 3-5, 16: no tool prints a planted key or secret for a bad setting") {
    const auto tools = built_tools();
    for (const Case& c : bad_settings()) {
      for (const std::string& tool : tools) {
        for (const Command& command : commands_for(tool)) check_no_leak(c, command);
      }
    }
  }

  TEST_CASE("valid keys are shown masked, and every command that works does not print them") {
    TempDir dir;
    const EnvironmentList env{{"ALGO_BROKER__API_KEY", kKey},
                              {"ALGO_BROKER__SECRET_KEY", kSecret},
                              {"ALGO_BROKER__DATA_URL", "http://127.0.0.1:1"},  // loopback: fine
                              {"ALGO_LOG_LEVEL", "DEBUG"}};
    for (const std::string& tool : built_tools()) {
      for (const Command& command : commands_for(tool)) {
        if (command.args.size() > 1 && command.args[0] == "fetch") continue;  // would retry 15 s
        std::vector<std::string> argv{
            (std::filesystem::path(TRADER_CONFIG_BIN).parent_path() / command.tool).string()};
        argv.insert(argv.end(), command.args.begin(), command.args.end());
        const auto r = run_process(argv, env, dir.path());
        INFO(tool, " ", command.args.size(), " args, exit ", r.exit_code, "\nstdout:\n", r.out,
             "\nstderr:\n", r.err);
        CHECK(leaked_canary(r.out + r.err).empty());
        CHECK(r.exit_code < 128);
      }
    }
    const auto shown = run_process({TRADER_CONFIG_BIN}, env, dir.path());
    CHECK(shown.exit_code == 0);
    CHECK(shown.out.find("****6789") != std::string::npos);
    CHECK(shown.out.find("****3210") != std::string::npos);
  }
}

TEST_SUITE("tools/trader-config") {
  TEST_CASE(
      "issue 11 item 3: an unclosed ALGO_BROKER is named once, by position, in text and JSON") {
    TempDir dir;
    const std::string value = R"({"api_key":")" + kKey + R"(","secret_key":")" + kSecret + R"(")";
    const std::string message = "ALGO_BROKER: not a JSON object: expected '}' at character " +
                                std::to_string(value.size() + 1) +
                                " (the value is not shown: it may hold secrets)";
    const auto text = run_process({TRADER_CONFIG_BIN}, {{"ALGO_BROKER", value}}, dir.path());
    CHECK(text.exit_code == 1);
    CHECK(text.err == "trader-config: invalid configuration (1 error):\n  " + message + "\n");
    const auto json =
        run_process({TRADER_CONFIG_BIN, "--json"}, {{"ALGO_BROKER", value}}, dir.path());
    CHECK(json.exit_code == 1);
    CHECK(json.out.find(R"({"variable": "ALGO_BROKER", "value": null, "problem": "not a JSON)") !=
          std::string::npos);
    CHECK(leaked_canary(json.out + json.err).empty());
  }

  TEST_CASE("issue 11 item 4: a malformed .env line is named by file:line and what is wrong") {
    TempDir dir;
    write_file(dir / ".env", "ALGO_LOG_LEVEL=INFO\nALGO_BROKER__API_KEY: " + kKey + "\n");
    const auto r = run_process({TRADER_CONFIG_BIN}, {}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK(r.err ==
          "trader-config: .env:2: expected NAME=VALUE; ':' at character 21 after "
          "ALGO_BROKER__API_KEY where '=' belongs (the line is not shown: it may hold secrets)\n");
  }

  TEST_CASE("issue 11 item 16: a .env with a UTF-8 byte order mark keeps its first line") {
    TempDir dir;
    write_file(dir / ".env",
               "\xEF\xBB\xBF"
               "ALGO_LOG_LEVEL=WARNING\n");
    const auto r = run_process({TRADER_CONFIG_BIN, "--json"}, {}, dir.path());
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find(R"("variable": "ALGO_LOG_LEVEL", "group": "General", "value": "WARNING", )"
                     R"("source": ".env")") != std::string::npos);
  }

  TEST_CASE("issue 11 item 5: a plain http:// data URL is refused naming the variable") {
    TempDir dir;
    const auto r = run_process(
        {TRADER_CONFIG_BIN}, {{"ALGO_BROKER__DATA_URL", "http://data.alpaca.markets"}}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("ALGO_BROKER__DATA_URL: must use https://: http:// would send the API keys "
                     "in clear text") != std::string::npos);
    const auto local = run_process(
        {TRADER_CONFIG_BIN}, {{"ALGO_BROKER__DATA_URL", "http://127.0.0.1:8080/"}}, dir.path());
    CHECK(local.exit_code == 0);
    CHECK(local.out.find("http://127.0.0.1:8080 ") != std::string::npos);
  }

  TEST_CASE("issue 11 item 21: ALGO_FOO suggests nothing, and points at the list") {
    TempDir dir;
    const auto r = run_process({TRADER_CONFIG_BIN}, {{"ALGO_FOO", "1"}}, dir.path());
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("ALGO_FOO: unknown setting; `trader-config --env-example` lists every "
                     "setting") != std::string::npos);
    CHECK(r.err.find("did you mean") == std::string::npos);
  }
}
