// The .env reader (issue 11 items 4, 16 and the duplicate-variable part of item 21): a bad line
// is an error naming file:line and what is wrong, and quotes nothing of the line but a known
// setting name; a UTF-8 byte order mark is accepted; unbalanced quotes never truncate a value.
#include <trader/config/load.hpp>

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "support/secret_canary.hpp"

using trader::config::ConfigError;
using trader::config::parse_dotenv;
using trader::config::Variables;
using trader::testing::kCanaryKey;
using trader::testing::kCanarySecret;
using trader::testing::leaked_canary;

namespace {

const std::string kKey(kCanaryKey);
const std::string kSecret(kCanarySecret);

// The message of the error parse_dotenv throws for `text`, checked for the canaries.
std::string error_of(const std::string& text) {
  try {
    static_cast<void>(parse_dotenv(text, ".env"));
  } catch (const ConfigError& e) {
    INFO("error: ", e.what());
    CHECK(leaked_canary(e.what()).empty());
    CHECK_FALSE(e.value_shown());
    return e.what();
  }
  FAIL("no error for: ", text);
  return "";
}

std::string value_of(const std::string& line) {
  const Variables vars = parse_dotenv(line + "\n", ".env");
  REQUIRE(vars.size() == 1);
  return vars.front().second;
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("config/dotenv") {
  TEST_CASE(".env parsing: export, quotes, comments, blanks around '='") {
    const auto vars = parse_dotenv(
        "# comment\n\nexport ALGO_LOG_LEVEL=DEBUG\nALGO_DB_PATH=\"my data/t.db\"\n"
        "ALGO_WEB__HOST=0.0.0.0 # bind all\nALGO_BROKER__FEED='sip'\r\n"
        "  ALGO_WEB__PORT = 9000  \nOTHER.TOOL-KEY=x\n",
        ".env");
    REQUIRE(vars.size() == 6);
    CHECK(vars[0] == std::pair<std::string, std::string>{"ALGO_LOG_LEVEL", "DEBUG"});
    CHECK(vars[1].second == "my data/t.db");
    CHECK(vars[2].second == "0.0.0.0");
    CHECK(vars[3].second == "sip");
    CHECK(vars[4] == std::pair<std::string, std::string>{"ALGO_WEB__PORT", "9000"});
    CHECK(vars[5].first == "OTHER.TOOL-KEY");
    CHECK(value_of(R"(A="a\"b\\c\n" # note)") == "a\"b\\c\n");
    CHECK(value_of(R"(A='a\"b')") == R"(a\"b)");
    CHECK(value_of(R"(A={"api_key":"x"})") == R"({"api_key":"x"})");
    CHECK(value_of("A=") == "");
    CHECK(value_of("A=\"\"") == "");
  }

  TEST_CASE("issue 11 item 4: a line without '=' names file:line and never shows the line") {
    CHECK(error_of("ALGO_LOG_LEVEL=INFO\nALGO_BROKER__API_KEY: " + kKey + "\n") ==
          ".env:2: expected NAME=VALUE; ':' at character 21 after ALGO_BROKER__API_KEY where '=' "
          "belongs (the line is not shown: it may hold secrets)");
    CHECK(error_of("ALGO_BROKER__SECRET_KEY " + kSecret + "\n") ==
          ".env:1: expected NAME=VALUE; a space at character 24 after ALGO_BROKER__SECRET_KEY "
          "where '=' belongs (the line is not shown: it may hold secrets)");
    CHECK(error_of("algo_broker__secret_key\t" + kSecret) ==
          ".env:1: expected NAME=VALUE; a tab at character 24 after ALGO_BROKER__SECRET_KEY "
          "where '=' belongs (the line is not shown: it may hold secrets)");
    // A key glued to the name, or a line that is only a key: no name is shown.
    CHECK(error_of("ALGO_BROKER__API_KEY" + kKey + "\n") ==
          ".env:1: expected NAME=VALUE; no '=' after the name (the line is not shown: it may hold "
          "secrets)");
    CHECK(has(error_of("\n\n" + kKey + "\n"), ".env:3: expected NAME=VALUE; no '='"));
    CHECK(has(error_of(kKey + " " + kSecret), "a space at character 23 after the name"));
    CHECK(has(error_of(kKey + "\t" + kSecret + "=x"), "a tab at character 23 after the name"));
    // Other malformed forms of the secret-bearing lines.
    CHECK(has(error_of("ALGO_BROKER__API_KEY:" + kKey + "=x"), "':' at character 21"));
    CHECK(has(error_of("ALGO_BROKER__API_KEY " + kKey + "=="), "a space at character 21"));
    CHECK(has(error_of("ALGO_BROKER__API_KEY -" + kKey), "a space at character 21"));
    CHECK(has(error_of("=" + kKey), ".env:1: expected NAME=VALUE; the line does not start"));
    CHECK(has(error_of("\"ALGO_BROKER__API_KEY\"=" + kKey), "does not start with a variable"));
    CHECK(has(error_of("export" + kKey), "no '=' after the name"));
    CHECK(has(error_of("ALGO_BROKER__API_KEY\x01" + kKey), "the byte 0x01 at character 21"));
    CHECK(has(error_of("ALGO_BROKER__API_KEY\xC3\xA9" + kKey), "the byte 0xC3 at character 21"));
  }

  TEST_CASE("issue 11 item 16: a UTF-8 byte order mark is accepted; UTF-16 is an error") {
    const auto vars = parse_dotenv(
        "\xEF\xBB\xBF"
        "ALGO_LOG_LEVEL=DEBUG\nALGO_WEB__PORT=1\n",
        ".env");
    REQUIRE(vars.size() == 2);
    CHECK(vars[0].first == "ALGO_LOG_LEVEL");
    CHECK(vars[0].second == "DEBUG");
    CHECK(error_of(std::string("\xFF\xFE"
                               "A\0=\0",
                               6)) == ".env:1: the file is UTF-16; save it as UTF-8");
    // A mark anywhere else is an error, not a silent loss of the line.
    CHECK(has(error_of("A=1\n\xEF\xBB\xBF"
                       "ALGO_LOG_LEVEL=DEBUG\n"),
              ".env:2: expected NAME"));
  }

  TEST_CASE("issue 11 item 16: unbalanced quotes are errors with file:line, never truncation") {
    CHECK(error_of("A=1\nALGO_BROKER__API_KEY=\"PKLEAKCANARY\"0123456789\"\n") ==
          ".env:2: unbalanced quotes: text follows a double quote that closes the value (at "
          "character 36; quote the whole value once) (the line is not shown: it may hold "
          "secrets)");
    CHECK(error_of("ALGO_BROKER__SECRET_KEY='" + kSecret) ==
          ".env:1: unbalanced quotes: a single quote opened at character 25 is not closed on this "
          "line (the line is not shown: it may hold secrets)");
    CHECK(has(error_of("ALGO_BROKER__SECRET_KEY=\"" + kSecret + "\n"),
              "a double quote opened at character 25 is not closed"));
    CHECK(has(error_of("ALGO_BROKER__SECRET_KEY=" + kSecret + "\"\n"),
              "unbalanced quotes: the value ends with a double quote but does not start with one"));
    CHECK(has(error_of("ALGO_BROKER__SECRET_KEY=" + kSecret + "' # note\n"),
              "ends with a single quote"));
    CHECK(has(error_of("ALGO_BROKER__SECRET_KEY=\"" + kSecret + "\\\"\n"), "is not closed"));
    CHECK(has(error_of("ALGO_BROKER__API_KEY='" + kKey + "''" + kSecret + "'"),
              "text follows a single quote that closes"));
    CHECK(has(error_of("ALGO_BROKER='{\"api_key\":\"" + kKey + "\"}'x"),
              "text follows a single quote that closes"));
  }

  TEST_CASE("issue 11 item 21: an ALGO_ variable twice in one file is an error naming both lines") {
    CHECK(error_of("ALGO_BROKER__API_KEY=" + kKey + "\n# later\nalgo_broker__api_key=" + kSecret) ==
          ".env:3: ALGO_BROKER__API_KEY is set twice in this file (first on line 1); remove one");
    CHECK(has(error_of("ALGO_BROKER={}\nexport ALGO_BROKER={}\n"),
              ".env:2: ALGO_BROKER is set twice in this file (first on line 1)"));
    CHECK(has(error_of("ALGO_NOT_A_SETTING=1\nALGO_NOT_A_SETTING=2\n"),
              ".env:2: the same variable is set twice in this file (first on line 1)"));
    // Other programs' variables are theirs to repeat.
    CHECK(parse_dotenv("PATH=a\nPATH=b\n", ".env").size() == 2);
  }

  TEST_CASE("arbitrary bytes either parse or raise ConfigError without the planted secret") {
    // The fuzz target does this at scale; here a fixed seed keeps a quick check in every build.
    std::mt19937 random(11);
    const std::vector<std::string> pieces = {"ALGO_BROKER__API_KEY",
                                             "=",
                                             "\"",
                                             "'",
                                             "\n",
                                             "\r\n",
                                             " ",
                                             "\t",
                                             "#",
                                             "export ",
                                             "\\",
                                             kKey,
                                             kSecret,
                                             "ALGO_BROKER",
                                             "{",
                                             "}",
                                             ":",
                                             ",",
                                             "\xEF\xBB\xBF",
                                             std::string(1, '\0'),
                                             "ALGO_RISK__MAX_OPEN_POSITIONS",
                                             "\xFF"};
    for (int round = 0; round < 3000; ++round) {
      std::string text;
      const int count = static_cast<int>(random() % 12);
      for (int i = 0; i < count; ++i) text += pieces[random() % pieces.size()];
      try {
        static_cast<void>(parse_dotenv(text, ".env"));
      } catch (const ConfigError& e) {
        INFO("input #", round, ": ", e.what());
        CHECK(leaked_canary(e.what()).empty());
      }
    }
  }
}
