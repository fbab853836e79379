// The CSV reader parses rows in place: after the first batch (symbols interned, per-symbol state
// sized) reading allocates nothing per row, with quoted fields, blanks around fields and
// resampling too. Every allocation in this executable is counted.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <trader/data/csv_reader.hpp>

#include "support/counting_new.hpp"

namespace {

using trader::data::BarRecord;
using trader::data::CsvBarReader;
using trader::data::CsvReadOptions;
using trader::data::SymbolTable;

// Rows of two symbols, every `step` seconds from 2024-03-11T13:30:00Z, in the styles a vendor
// may use: plain, quoted (RFC 4180), with blanks around fields.
std::string rows(int count, int step) {
  std::string text = "symbol,timestamp,open,high,low,close,volume,vwap,trade_count\n";
  for (int i = 0; i < count; ++i) {
    const std::string t = std::to_string(1'710'163'800 + step * (i / 2));
    const char* symbol = i % 2 == 0 ? "AAPL" : "MSFT";
    switch (i % 3) {
      case 0:
        text += std::string(symbol) + "," + t + ",100.25,101,99.5,100.75,1200,100.5,12\n";
        break;
      case 1:
        text += "\"" + std::string(symbol) + "\",\"" + t +
                "\",\"100.25\",\"101\",\"99.5\",\"100.75\",\"1200\",\"\",\"\"\r\n";
        break;
      default:
        text += " " + std::string(symbol) + " ,\t" + t + " , 100.25 ,101 ,99.5,100.75, 1200 ,,7\n";
    }
  }
  return text;
}

long allocations_after_first_batch(const std::string& text, CsvReadOptions options) {
  SymbolTable table;
  const long at_start = trader::testing::allocations();
  CsvBarReader reader = CsvBarReader::from_text(text, "bars.csv", std::move(options), table);
  CHECK(trader::testing::allocations() > at_start);  // the counter counts (the text is copied)
  std::vector<BarRecord> batch(256);
  REQUIRE(reader.read(batch) == batch.size());
  const long before = trader::testing::allocations();
  std::size_t total = batch.size();
  while (const std::size_t n = reader.read(batch)) total += n;
  const long during = trader::testing::allocations() - before;
  CHECK(total == reader.bars_delivered());
  CHECK(reader.skipped_rows() == 0);
  return during;
}

}  // namespace

TEST_SUITE("data/csv allocation") {
  TEST_CASE("no heap allocation per row: plain, quoted and blank-padded fields") {
    CsvReadOptions options;
    CHECK(allocations_after_first_batch(rows(20'000, 60), options) == 0);
  }

  TEST_CASE("no heap allocation per row while resampling 10-second bars into minutes") {
    CsvReadOptions options;
    options.resample_to_minute = true;
    CHECK(allocations_after_first_batch(rows(20'000, 10), options) == 0);
  }
}
