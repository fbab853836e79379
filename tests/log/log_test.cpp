#include <trader/log/log.hpp>

#include <doctest/doctest.h>

using trader::config::LogFormat;
using trader::log::format_record;
using trader::log::Level;

TEST_SUITE("log/log") {
  TEST_CASE("console records are key=value on one line") {
    const std::string line =
        format_record(LogFormat::console, "2026-02-11T14:44:00.000000Z", Level::info,
                      "order_filled", {{"symbol", "AAPL"}, {"detail", "two words"}});
    CHECK(line ==
          "2026-02-11T14:44:00.000000Z INFO    order_filled symbol=AAPL detail=\"two words\"");
  }

  TEST_CASE("json records are one object per line with escaped values") {
    const std::string line = format_record(LogFormat::json, "2026-02-11T14:44:00.000000Z",
                                           Level::warning, "odd", {{"text", "a\"b\nc"}});
    CHECK(
        line ==
        R"({"timestamp":"2026-02-11T14:44:00.000000Z","level":"warning","event":"odd","text":"a\"b\nc"})");
    CHECK(line.find('\n') == std::string::npos);
  }

  TEST_CASE("logging is off until init") { CHECK_FALSE(trader::log::enabled(Level::critical)); }
}
