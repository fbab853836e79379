#include <trader/data/bar.hpp>

#include <doctest/doctest.h>

#include <trader/data/symbol_table.hpp>

using trader::core::Decimal;
using trader::data::Bar;
using trader::data::SymbolTable;

TEST_SUITE("data/bar") {
  TEST_CASE("a sorted symbol table orders ids alphabetically, so bars merge by (ts, symbol)") {
    const SymbolTable table = SymbolTable::sorted({"MSFT", "AAPL", "BRK.B", "AAPL"});
    CHECK(table.size() == 3);
    CHECK(table.name(*table.find("AAPL")) == "AAPL");
    Bar a{}, m{};
    a.symbol = *table.find("AAPL");
    m.symbol = *table.find("MSFT");
    CHECK(earlier(a, m));
    CHECK_FALSE(earlier(m, a));
    m.ts -= std::chrono::minutes{1};
    CHECK(earlier(m, a));
  }

  TEST_CASE("consistency: positive prices, low <= open/close <= high, volume >= 0") {
    Bar b{};
    b.open = Decimal::parse("100");
    b.high = Decimal::parse("101");
    b.low = Decimal::parse("99");
    b.close = Decimal::parse("100.5");
    b.volume = 10;
    CHECK(is_consistent(b));
    b.close = Decimal::parse("101.01");
    CHECK_FALSE(is_consistent(b));
    b.close = Decimal::parse("100");
    b.low = Decimal{};
    CHECK_FALSE(is_consistent(b));
  }
}
