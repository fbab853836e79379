#include <trader/core/symbol.hpp>

#include <doctest/doctest.h>

#include <trader/core/error.hpp>

TEST_SUITE("core/symbol") {
  TEST_CASE("F9: upper-case tickers with an optional class suffix") {
    using trader::core::is_valid_symbol;
    static_assert(is_valid_symbol("AAPL"));
    static_assert(is_valid_symbol("BRK.B"));
    CHECK(is_valid_symbol("F"));
    CHECK(is_valid_symbol("GOOGL"));
    CHECK(is_valid_symbol("BF.AB"));
    CHECK_FALSE(is_valid_symbol("aapl"));
    CHECK_FALSE(is_valid_symbol("TOOLONG"));
    CHECK_FALSE(is_valid_symbol(""));
    CHECK_FALSE(is_valid_symbol("BRK."));
    CHECK_FALSE(is_valid_symbol(".B"));
    CHECK_FALSE(is_valid_symbol("A1"));
    CHECK_FALSE(is_valid_symbol("BRK.B.C"));
  }

  TEST_CASE("normalize trims and upper-cases; parse does not") {
    CHECK(trader::core::normalize_symbol(" brk.b ") == "BRK.B");
    CHECK_THROWS_AS(static_cast<void>(trader::core::parse_symbol("aapl")), trader::ParseError);
    CHECK_THROWS_AS(static_cast<void>(trader::core::normalize_symbol("AA PL")), trader::ParseError);
  }
}
