#include <trader/config/load.hpp>

#include <doctest/doctest.h>

#include <algorithm>

using trader::config::ConfigErrors;
using trader::config::inspect;
using trader::config::load;
using trader::config::LoadResult;
using trader::config::Source;
using trader::config::Sources;
using trader::core::Decimal;

namespace {

Sources env(trader::config::Variables environment, trader::config::Variables dotenv = {}) {
  Sources s;
  s.environment = std::move(environment);
  s.dotenv = std::move(dotenv);
  return s;
}

const trader::config::KeyReport& key(const LoadResult& r, std::string_view variable) {
  const auto it = std::find_if(r.keys.begin(), r.keys.end(),
                               [&](const auto& k) { return k.variable == variable; });
  REQUIRE(it != r.keys.end());
  return *it;
}

std::string only_error(const Sources& s) {
  const LoadResult r = inspect(s);
  REQUIRE(r.errors.size() == 1);
  return r.errors.front().what();
}

}  // namespace

TEST_SUITE("config/load") {
  TEST_CASE("no environment gives every default, paper true") {
    const auto s = load(env({}));
    CHECK(s.log.level == trader::config::LogLevel::info);
    CHECK(s.log.format == trader::config::LogFormat::console);
    CHECK(s.db_path == "data/trading.db");
    CHECK(s.db_busy_timeout_ms == 5000);
    CHECK(s.db_synchronous == "normal");
    CHECK(s.watchlist == std::vector<std::string>{"AAPL", "TSLA", "AMD", "NVDA", "META"});
    CHECK(s.broker.paper);
    CHECK(s.broker.feed == "iex");
    CHECK(s.risk.max_risk_per_trade_pct == Decimal::parse("0.01"));
    CHECK(s.risk.max_risk_per_trade_abs == Decimal::parse("500"));
    CHECK(s.risk.max_position_pct == Decimal::parse("0.05"));
    CHECK(s.risk.max_daily_loss_pct == Decimal::parse("0.03"));
    CHECK(s.risk.max_open_positions == 5);
    CHECK(s.risk.consecutive_loss_pause == 3);
    CHECK(s.risk.emergency_stop_pct == Decimal::parse("0.02"));
    CHECK(s.web.port == 8000);
    CHECK(s.backtest.initial_capital == Decimal::parse("25000"));
    CHECK(s.backtest.commission_per_share.is_zero());
    CHECK_FALSE(s.backtest.pessimistic_fills);
    for (const auto& k : inspect(env({})).keys) CHECK(k.source == Source::default_value);
  }

  TEST_CASE("inclusive bounds of the risk settings") {
    const auto ok = [](const char* name, const char* value) {
      return inspect(env({{name, value}})).errors.empty();
    };
    CHECK_FALSE(ok("ALGO_RISK__MAX_RISK_PER_TRADE_PCT", "0.1"));
    CHECK_FALSE(ok("ALGO_RISK__MAX_RISK_PER_TRADE_PCT", "0.0001"));
    CHECK(ok("ALGO_RISK__MAX_RISK_PER_TRADE_PCT", "0.05"));
    CHECK(ok("ALGO_RISK__MAX_RISK_PER_TRADE_PCT", "0.001"));
    CHECK_FALSE(ok("ALGO_RISK__MAX_DAILY_LOSS_PCT", "0.15"));
    CHECK_FALSE(ok("ALGO_RISK__MAX_OPEN_POSITIONS", "25"));
    CHECK_FALSE(ok("ALGO_RISK__MAX_OPEN_POSITIONS", "0"));
    CHECK_FALSE(ok("ALGO_RISK__CONSECUTIVE_LOSS_PAUSE", "1"));
    CHECK_FALSE(ok("ALGO_RISK__CONSECUTIVE_LOSS_PAUSE", "11"));
    CHECK_FALSE(ok("ALGO_RISK__EMERGENCY_STOP_PCT", "0.001"));
    CHECK_FALSE(ok("ALGO_RISK__EMERGENCY_STOP_PCT", "0.15"));
    CHECK(ok("ALGO_RISK__EMERGENCY_STOP_PCT", "0.005"));
    CHECK(ok("ALGO_RISK__EMERGENCY_STOP_PCT", "0.10"));
  }

  TEST_CASE("the runtime's settings: F17 flatten time, order audit, simulated clock") {
    const auto s = load(env({}));
    CHECK(s.engine.eod_flatten_seconds == 60);
    CHECK(s.engine.order_audit_seconds == 30);
    CHECK(s.engine.clock_start.empty());
    CHECK(s.engine.clock_speed == 1);
    const auto ok = [](const char* name, const char* value) {
      return inspect(env({{name, value}})).errors.empty();
    };
    CHECK(ok("ALGO_ENGINE__EOD_FLATTEN_SECONDS", "10"));
    CHECK(ok("ALGO_ENGINE__EOD_FLATTEN_SECONDS", "900"));
    CHECK_FALSE(ok("ALGO_ENGINE__EOD_FLATTEN_SECONDS", "9"));
    CHECK_FALSE(ok("ALGO_ENGINE__EOD_FLATTEN_SECONDS", "901"));
    CHECK_FALSE(ok("ALGO_ENGINE__ORDER_AUDIT_SECONDS", "0"));
    CHECK_FALSE(ok("ALGO_ENGINE__CLOCK_SPEED", "0"));
    CHECK(only_error(env({{"ALGO_ENGINE__EOD_FLATTEN_SECONDS", "5"}})).find("10..900") !=
          std::string::npos);
    // The clock's start is an instant with its zone, normalised to UTC.
    const auto started = load(env({{"ALGO_ENGINE__CLOCK_START", "2024-03-04T09:25:00-05:00"},
                                   {"ALGO_ENGINE__CLOCK_SPEED", "60"}}));
    CHECK(started.engine.clock_start == "2024-03-04T14:25:00Z");
    CHECK(started.engine.clock_speed == 60);
    const std::string e = only_error(env({{"ALGO_ENGINE__CLOCK_START", "2024-03-04 09:25"}}));
    CHECK(e.find("ALGO_ENGINE__CLOCK_START") != std::string::npos);
    CHECK(e.find("UTC instant") != std::string::npos);
  }

  TEST_CASE("ALGO_DB_SYNCHRONOUS is normal or full, and nothing else") {
    CHECK(load(env({{"ALGO_DB_SYNCHRONOUS", "FULL"}})).db_synchronous == "full");
    const std::string e = only_error(env({{"ALGO_DB_SYNCHRONOUS", "off"}}));
    CHECK(e.find("ALGO_DB_SYNCHRONOUS") != std::string::npos);
    CHECK(e.find("normal") != std::string::npos);
    CHECK(e.find("full") != std::string::npos);
  }

  TEST_CASE("log and watchlist validation") {
    const auto ok = [](const char* name, const char* value) {
      return inspect(env({{name, value}})).errors.empty();
    };
    CHECK_FALSE(ok("ALGO_LOG_LEVEL", "TRACE"));
    CHECK_FALSE(ok("ALGO_LOG_FORMAT", "xml"));
    CHECK_FALSE(ok("ALGO_WATCHLIST", "[\"aapl\"]"));
    CHECK_FALSE(ok("ALGO_WATCHLIST", "[\"TOOLONG\"]"));
    CHECK_FALSE(ok("ALGO_WATCHLIST", "[]"));
    CHECK(ok("ALGO_WATCHLIST", "[\"F\"]"));
    CHECK(ok("ALGO_WATCHLIST", "[\"GOOGL\"]"));
    CHECK(ok("ALGO_WATCHLIST", "BRK.B, SPY"));
  }

  TEST_CASE("values from the environment are applied, case-insensitively") {
    const auto s = load(env({{"ALGO_LOG_LEVEL", "debug"},
                             {"ALGO_BROKER__PAPER", "false"},
                             {"ALGO_RISK__MAX_DAILY_LOSS_PCT", "0.05"},
                             {"ALGO_WATCHLIST", "[\"SPY\",\"QQQ\"]"},
                             {"algo_web__port", "9000"}}));
    CHECK(s.log.level == trader::config::LogLevel::debug);
    CHECK_FALSE(s.broker.paper);
    CHECK(s.risk.max_daily_loss_pct == Decimal::parse("0.05"));
    CHECK(s.watchlist == std::vector<std::string>{"SPY", "QQQ"});
    CHECK(s.web.port == 9000);
  }

  TEST_CASE("every boolean spelling") {
    for (const char* yes : {"true", "True", "1", "yes", "on", "t", "Y"}) {
      CHECK(load(env({{"ALGO_BROKER__PAPER", yes}})).broker.paper);
    }
    for (const char* no : {"false", "FALSE", "0", "no", "off", "f", "n"}) {
      CHECK_FALSE(load(env({{"ALGO_BROKER__PAPER", no}})).broker.paper);
    }
    CHECK_FALSE(inspect(env({{"ALGO_BROKER__PAPER", "maybe"}})).errors.empty());
  }

  TEST_CASE("F12: an unknown ALGO_ name is an error suggesting the nearest valid name") {
    const std::string e = only_error(env({{"ALGO_RISK__MAX_DAILY_LOS_PCT", "0.05"}}));
    CHECK(e.find("ALGO_RISK__MAX_DAILY_LOS_PCT") != std::string::npos);
    CHECK(e.find("did you mean ALGO_RISK__MAX_DAILY_LOSS_PCT?") != std::string::npos);
    // Other tools' variables are none of our business.
    CHECK(inspect(env({{"PATH", "/bin"}, {"ALGORITHM", "x"}})).errors.empty());
  }

  TEST_CASE("F12: a validation error names the variable, the value and the range") {
    const std::string e = only_error(env({{"ALGO_RISK__MAX_OPEN_POSITIONS", "50"}}));
    CHECK(e == "ALGO_RISK__MAX_OPEN_POSITIONS=50: must be an integer in 1..20");
    const std::string d = only_error(env({{"ALGO_RISK__MAX_RISK_PER_TRADE_PCT", "0.5"}}));
    CHECK(d == "ALGO_RISK__MAX_RISK_PER_TRADE_PCT=0.5: must be between 0.001..0.05");
  }

  TEST_CASE("every error is reported at once") {
    const auto r = inspect(env({{"ALGO_RISK__MAX_OPEN_POSITIONS", "50"},
                                {"ALGO_LOG_LEVEL", "TRACE"},
                                {"ALGO_NOPE", "1"}}));
    CHECK(r.errors.size() == 3);
    CHECK_THROWS_AS(static_cast<void>(load(env({{"ALGO_LOG_LEVEL", "TRACE"}}))), ConfigErrors);
  }

  TEST_CASE("precedence: defaults < .env < environment, with the source of each value") {
    const auto r =
        inspect(env({{"ALGO_RISK__MAX_OPEN_POSITIONS", "7"}},
                    {{"ALGO_RISK__MAX_OPEN_POSITIONS", "3"}, {"ALGO_LOG_LEVEL", "ERROR"}}));
    REQUIRE(r.errors.empty());
    CHECK(r.settings.risk.max_open_positions == 7);
    CHECK(key(r, "ALGO_RISK__MAX_OPEN_POSITIONS").source == Source::environment);
    CHECK(r.settings.log.level == trader::config::LogLevel::error);
    CHECK(key(r, "ALGO_LOG_LEVEL").source == Source::dotenv);
    CHECK(key(r, "ALGO_DB_PATH").source == Source::default_value);
  }

  TEST_CASE("an environment variable holding its .env value is reported as from .env") {
    const auto r =
        inspect(env({{"ALGO_LOG_LEVEL", "ERROR"}, {"ALGO_RISK__MAX_OPEN_POSITIONS", "9"}},
                    {{"ALGO_LOG_LEVEL", "ERROR"}, {"ALGO_RISK__MAX_OPEN_POSITIONS", "3"}}));
    CHECK(key(r, "ALGO_LOG_LEVEL").source == Source::dotenv);  // e.g. Compose's env_file
    CHECK(key(r, "ALGO_RISK__MAX_OPEN_POSITIONS").source == Source::environment);
    CHECK(r.settings.risk.max_open_positions == 9);
  }

  TEST_CASE("a whole section as a JSON object; the single variable wins") {
    const auto r =
        inspect(env({{"ALGO_RISK", R"({"max_open_positions": 3, "max_position_pct": 0.10})"},
                     {"ALGO_RISK__MAX_POSITION_PCT", "0.2"}}));
    REQUIRE(r.errors.empty());
    CHECK(r.settings.risk.max_open_positions == 3);
    CHECK(r.settings.risk.max_position_pct == Decimal::parse("0.2"));
    CHECK(inspect(env({{"ALGO_RISK", R"({"max_opne_positions": 3})"}})).errors.size() == 1);
    CHECK(inspect(env({{"ALGO_RISK", "not json"}})).errors.size() == 1);
  }

  TEST_CASE("F12: secrets are masked in reports and errors") {
    const auto r = inspect(env({{"ALGO_BROKER__API_KEY", "PKABCDEFGH1234"},
                                {"ALGO_BROKER__SECRET_KEY", "s3cr3tvalue9876"}}));
    CHECK(key(r, "ALGO_BROKER__API_KEY").shown_value == "****1234");
    CHECK(key(r, "ALGO_BROKER__SECRET_KEY").shown_value == "****9876");
    CHECK(r.settings.broker.api_key.reveal() == "PKABCDEFGH1234");
    // An unknown name's value is not shown at all (issue 11 item 3).
    const std::string e = only_error(env({{"ALGO_BROKER__API_KEYY", "PKABCDEFGH1234"}}));
    CHECK(e == "ALGO_BROKER__API_KEYY: unknown setting; did you mean ALGO_BROKER__API_KEY?");
  }

  TEST_CASE(".env parsing: export, quotes, comments; a bad line names file and line") {
    const auto vars = trader::config::parse_dotenv(
        "# comment\n\nexport ALGO_LOG_LEVEL=DEBUG\nALGO_DB_PATH=\"my data/t.db\"\n"
        "ALGO_WEB__HOST=0.0.0.0 # bind all\nALGO_BROKER__FEED='sip'\n",
        ".env");
    REQUIRE(vars.size() == 4);
    CHECK(vars[0] == std::pair<std::string, std::string>{"ALGO_LOG_LEVEL", "DEBUG"});
    CHECK(vars[1].second == "my data/t.db");
    CHECK(vars[2].second == "0.0.0.0");
    CHECK(vars[3].second == "sip");
    CHECK_THROWS_WITH_AS(
        static_cast<void>(trader::config::parse_dotenv("A=1\nnot a pair\n", ".env")),
        ".env:2: expected NAME=VALUE; a space at character 4 after the name where '=' belongs "
        "(the line is not shown: it may hold secrets)",
        trader::config::ConfigError);
  }
}
