#include <trader/data/csv_reader.hpp>

#include <doctest/doctest.h>

#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <trader/data/csv_writer.hpp>
#include <trader/data/synthetic.hpp>

#include "support/process.hpp"

using trader::ParseError;
using trader::core::Decimal;
using trader::core::from_unix_micros;
using trader::core::parse_timestamp;
using trader::core::Timestamp;
using trader::data::Bar;
using trader::data::BarRecord;
using trader::data::CsvBarReader;
using trader::data::CsvBarWriter;
using trader::data::CsvReadOptions;
using trader::data::CsvRowError;
using trader::data::CsvWriteOptions;
using trader::data::DataError;
using trader::data::NaiveTimeZone;
using trader::data::SymbolTable;
using trader::testing::TempDir;

namespace {

constexpr const char* kHeader = "timestamp,open,high,low,close,volume\n";

CsvReadOptions for_symbol(const char* symbol) {
  CsvReadOptions options;
  options.symbol = symbol;
  return options;
}

// Reads all of `text` in batches of 3, so that batch boundaries fall inside the data.
std::vector<BarRecord> parse(std::string text, CsvReadOptions options, SymbolTable& table,
                             std::size_t* skipped = nullptr,
                             std::vector<CsvRowError>* errors = nullptr) {
  CsvBarReader reader =
      CsvBarReader::from_text(std::move(text), "bars.csv", std::move(options), table);
  std::vector<BarRecord> records;
  std::vector<BarRecord> batch(3);
  while (const std::size_t n = reader.read(batch)) {
    records.insert(records.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
  }
  CHECK(reader.rows_read() == records.size());
  if (skipped != nullptr) *skipped = reader.skipped_rows();
  if (errors != nullptr) errors->assign(reader.skipped().begin(), reader.skipped().end());
  return records;
}

std::vector<BarRecord> parse(std::string text, CsvReadOptions options = for_symbol("AAPL")) {
  SymbolTable table;
  return parse(std::move(text), std::move(options), table);
}

// The DataError that reading `text` throws (construction or read), if any.
std::optional<DataError> error_of(std::string text, CsvReadOptions options = for_symbol("AAPL")) {
  try {
    static_cast<void>(parse(std::move(text), std::move(options)));
  } catch (const DataError& e) {
    return e;
  }
  return std::nullopt;
}

Decimal d(const char* text) { return Decimal::parse(text); }
Timestamp ts(const char* text) { return parse_timestamp(text); }

}  // namespace

TEST_SUITE("data/csv") {
  TEST_CASE("ISO-8601 timestamps with Z; decimals exact; the given symbol") {
    SymbolTable table;
    const auto records = parse(std::string(kHeader) +
                                   "2024-03-11T13:30:00Z,100.5,101,100,100.75,1200\n"
                                   "2024-03-11T13:31:00Z,100.75,100.9,100.01,100.02,0\n",
                               for_symbol("AAPL"), table);
    REQUIRE(records.size() == 2);
    const Bar& bar = records[0].bar;
    CHECK(bar.ts == ts("2024-03-11T13:30:00Z"));
    CHECK(bar.open == d("100.5"));
    CHECK(bar.high == d("101"));
    CHECK(bar.low == d("100"));
    CHECK(bar.close == d("100.75"));
    CHECK(bar.volume == 1200);
    CHECK(table.name(bar.symbol) == "AAPL");
    CHECK_FALSE(records[0].has_vwap());
    CHECK_FALSE(records[0].has_trade_count());
    CHECK(records[1].bar.volume == 0);
  }

  TEST_CASE("ISO-8601 timestamps with an offset are converted to UTC") {
    const auto records = parse(std::string(kHeader) +
                               "2024-03-11T09:30:00-04:00,1,1,1,1,1\n"
                               "2024-03-11T14:31:00+01:00,1,1,1,1,1\n"
                               "2024-03-11T13:32:00+0000,1,1,1,1,1\n"
                               "2024-03-11 13:33:00.5Z,1,1,1,1,1\n");
    REQUIRE(records.size() == 4);
    CHECK(records[0].bar.ts == ts("2024-03-11T13:30:00Z"));
    CHECK(records[1].bar.ts == ts("2024-03-11T13:31:00Z"));
    CHECK(records[2].bar.ts == ts("2024-03-11T13:32:00Z"));
    CHECK(records[3].bar.ts == ts("2024-03-11T13:33:00.500Z"));
  }

  TEST_CASE("epoch seconds and epoch milliseconds (11 digits or more)") {
    const auto records = parse(std::string(kHeader) +
                               "1710163800,1,1,1,1,1\n"       // 2024-03-11T13:30:00Z
                               "1710163860000,1,1,1,1,1\n"    // 13:31 in milliseconds
                               "1710163920500,1,1,1,1,1\n");  // 13:32:00.5
    REQUIRE(records.size() == 3);
    CHECK(records[0].bar.ts == ts("2024-03-11T13:30:00Z"));
    CHECK(records[1].bar.ts == ts("2024-03-11T13:31:00Z"));
    CHECK(records[2].bar.ts == ts("2024-03-11T13:32:00.5Z"));
  }

  TEST_CASE("naive timestamps need a zone: rejected by default, read as UTC when asked") {
    const std::string text = std::string(kHeader) + "2024-03-11 13:30:00,1,1,1,1,1\n";
    const auto error = error_of(text);
    REQUIRE(error);
    CHECK(error->errors().at(0).line == 2);
    CHECK(error->errors().at(0).message.find("no zone") != std::string::npos);
    CHECK(std::string(error->what()).find("'2024-03-11 13:30:00'") != std::string::npos);

    auto options = for_symbol("AAPL");
    options.naive = NaiveTimeZone::utc;
    const auto records = parse(text, options);
    REQUIRE(records.size() == 1);
    CHECK(records[0].bar.ts == ts("2024-03-11T13:30:00Z"));
  }

  TEST_CASE("naive New York timestamps follow DST across the March switch") {
    auto options = for_symbol("AAPL");
    options.naive = NaiveTimeZone::new_york;
    const auto records = parse(std::string(kHeader) +
                                   "2024-03-08 09:30:00,1,1,1,1,1\n"  // EST: UTC-5
                                   "2024-03-08 15:59:00,1,1,1,1,1\n"
                                   "2024-03-11 09:30:00,1,1,1,1,1\n",  // EDT: UTC-4
                               options);
    REQUIRE(records.size() == 3);
    CHECK(records[0].bar.ts == ts("2024-03-08T14:30:00Z"));
    CHECK(records[1].bar.ts == ts("2024-03-08T20:59:00Z"));
    CHECK(records[2].bar.ts == ts("2024-03-11T13:30:00Z"));
  }

  TEST_CASE("a New York time skipped or repeated at a DST switch is a row error, not a guess") {
    auto options = for_symbol("AAPL");
    options.naive = NaiveTimeZone::new_york;
    const auto skipped =
        error_of(std::string(kHeader) + "2024-03-10 02:30:00,1,1,1,1,1\n", options);
    REQUIRE(skipped);
    CHECK(skipped->errors().at(0).message.find("nonexistent") != std::string::npos);
    const auto repeated =
        error_of(std::string(kHeader) + "2024-11-03 01:30:00,1,1,1,1,1\n", options);
    REQUIRE(repeated);
    CHECK(repeated->errors().at(0).message.find("ambiguous") != std::string::npos);
  }

  TEST_CASE("an explicit zone wins over the naive-time option") {
    auto options = for_symbol("AAPL");
    options.naive = NaiveTimeZone::new_york;
    const auto records = parse(std::string(kHeader) + "2024-03-11T13:30:00Z,1,1,1,1,1\n", options);
    REQUIRE(records.size() == 1);
    CHECK(records[0].bar.ts == ts("2024-03-11T13:30:00Z"));
  }

  TEST_CASE("a symbol column: several symbols, timestamps increase per symbol only") {
    SymbolTable table;
    const auto records = parse(
        "symbol,timestamp,open,high,low,close,volume\n"
        "MSFT,2024-03-11T13:30:00Z,400,401,399,400.5,10\n"
        "AAPL,2024-03-11T13:30:00Z,170,171,169,170.5,20\n"
        "BRK.B,2024-03-11T13:30:00Z,410,410,410,410,30\n"
        "AAPL,2024-03-11T13:31:00Z,170.5,171,170,171,40\n"
        "MSFT,2024-03-11T13:31:00Z,400.5,401,400,401,50\n",
        CsvReadOptions{}, table);
    REQUIRE(records.size() == 5);
    CHECK(table.size() == 3);
    CHECK(table.name(records[0].bar.symbol) == "MSFT");
    CHECK(table.name(records[1].bar.symbol) == "AAPL");
    CHECK(table.name(records[2].bar.symbol) == "BRK.B");
    CHECK(records[3].bar.symbol == records[1].bar.symbol);
    CHECK(records[4].bar.volume == 50);
  }

  TEST_CASE("a symbol column and a given symbol: other symbols are row errors") {
    const auto error = error_of(
        "symbol,timestamp,open,high,low,close,volume\n"
        "AAPL,2024-03-11T13:30:00Z,1,1,1,1,1\n"
        "MSFT,2024-03-11T13:30:00Z,1,1,1,1,1\n",
        for_symbol("AAPL"));
    REQUIRE(error);
    CHECK(error->errors().at(0).to_string() ==
          "bars.csv:3: symbol MSFT differs from the file's symbol AAPL");
  }

  TEST_CASE("vwap and trade_count columns; an empty field means absent") {
    const auto records = parse(
        "timestamp,open,high,low,close,volume,vwap,trade_count\n"
        "2024-03-11T13:30:00Z,100,101,99,100.5,1000,100.2345,17\n"
        "2024-03-11T13:31:00Z,100,101,99,100.5,1000,,\n"
        "2024-03-11T13:32:00Z,100,101,99,100.5,1000,,0\n");
    REQUIRE(records.size() == 3);
    CHECK(records[0].vwap == d("100.2345"));
    CHECK(records[0].trade_count == 17);
    CHECK_FALSE(records[1].has_vwap());
    CHECK_FALSE(records[1].has_trade_count());
    CHECK(records[2].has_trade_count());
    CHECK(records[2].trade_count == 0);
  }

  TEST_CASE("columns in another order; header names in any case, blanks around them") {
    SymbolTable table;
    CsvBarReader reader = CsvBarReader::from_text(
        "Trade_Count, Volume ,CLOSE,Low,vwap,High,Open,Symbol,TimeStamp\n"
        "5,300,10.5,10,10.2,11,10.1,AAPL,2024-03-11T13:30:00Z\n",
        "bars.csv", {}, table);
    CHECK(reader.columns().symbol);
    CHECK(reader.columns().vwap);
    CHECK(reader.columns().trade_count);
    std::vector<BarRecord> out(4);
    REQUIRE(reader.read(out) == 1);
    CHECK(out[0].bar.open == d("10.1"));
    CHECK(out[0].bar.high == d("11"));
    CHECK(out[0].bar.low == d("10"));
    CHECK(out[0].bar.close == d("10.5"));
    CHECK(out[0].bar.volume == 300);
    CHECK(out[0].vwap == d("10.2"));
    CHECK(out[0].trade_count == 5);
    CHECK(table.name(out[0].bar.symbol) == "AAPL");
    CHECK(reader.read(out) == 0);
  }

  TEST_CASE("CRLF line endings, a missing final newline, blank lines and a byte-order mark") {
    const std::string rows = "2024-03-11T13:30:00Z,1,2,1,2,5\r\n\r\n2024-03-11T13:31:00Z,2,2,1,1,6";
    const auto crlf = parse("\xEF\xBB\xBFtimestamp,open,high,low,close,volume\r\n" + rows);
    REQUIRE(crlf.size() == 2);
    CHECK(crlf[1].bar.volume == 6);
    const auto lf = parse(std::string(kHeader) + "2024-03-11T13:30:00Z,1,2,1,2,5\n\n");
    REQUIRE(lf.size() == 1);
    CHECK(lf[0].bar.volume == 5);
  }

  TEST_CASE("volumes written as whole decimals (1200.0) are read; fractions are not") {
    const auto records = parse(std::string(kHeader) + "2024-03-11T13:30:00Z,1,1,1,1,1200.0\n");
    REQUIRE(records.size() == 1);
    CHECK(records[0].bar.volume == 1200);
    const auto error = error_of(std::string(kHeader) + "2024-03-11T13:30:00Z,1,1,1,1,12.5\n");
    REQUIRE(error);
    CHECK(error->errors().at(0).message == "volume 12.5 is not a whole number");
  }

  TEST_CASE("every validation error names the line and the offending value") {
    struct Case {
      const char* row;
      const char* message;
    };
    const Case cases[] = {
        {"2024-03-11T13:31:00Z,1,1,1,1", "expected 6 fields, found 5"},
        {"2024-03-11T13:31:00Z,1,1,1,1,1,1", "expected 6 fields, found 7"},
        {"2024-03-11T13:31:00Z,abc,1,1,1,1",
         "open: expected a decimal number (no digits), got 'abc'"},
        {"2024-03-11T13:31:00Z,1.123456789,2,1,1,1",
         "open: expected a decimal number (more than 8 fractional digits), got '1.123456789'"},
        {"2024-03-11T13:31:00Z,1,1,,1,1", "low: expected a decimal number (no digits), got ''"},
        {"2024-03-11T13:31:00Z,0,1,0,1,1", "open 0 is not positive"},
        {"2024-03-11T13:31:00Z,1,1,1,-1,1", "close -1 is not positive"},
        {"2024-03-11T13:31:00Z,101.2,102,101.5,101.6,1", "low 101.5 above open 101.2"},
        {"2024-03-11T13:31:00Z,101.6,102,101.5,101.4,1", "low 101.5 above close 101.4"},
        {"2024-03-11T13:31:00Z,102.1,102,101.5,101.6,1", "open 102.1 above high 102"},
        {"2024-03-11T13:31:00Z,101.6,102,101.5,102.01,1", "close 102.01 above high 102"},
        {"2024-03-11T13:31:00Z,101,100,102,101,1", "low 102 above high 100"},
        {"2024-03-11T13:31:00Z,1,1,1,1,-5", "volume -5 is negative"},
        {"2024-03-11T13:31:00Z,1,1,1,1,many", "volume 'many' is not a whole number"},
        {"2024-03-11T13:30:00Z,1,1,1,1,1",
         "timestamp 2024-03-11T13:30:00Z (2024-03-11T13:30:00Z) is not after the previous AAPL "
         "row's 2024-03-11T13:30:00Z"},
        {"2024-03-11T13:29:00Z,1,1,1,1,1",
         "timestamp 2024-03-11T13:29:00Z (2024-03-11T13:29:00Z) is not after the previous AAPL "
         "row's 2024-03-11T13:30:00Z"},
        {"2024-03-11T25:00:00Z,1,1,1,1,1",
         "timestamp: expected a valid time of day, got '2024-03-11T25:00:00Z'"},
        {"yesterday,1,1,1,1,1", "timestamp: expected a date YYYY-MM-DD, got 'yesterday'"},
        {"12345678901234567890,1,1,1,1,1", "timestamp '12345678901234567890' is out of range"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.row);
      const auto error = error_of(std::string(kHeader) + "2024-03-11T13:30:00Z,1,1,1,1,1\n" +
                                  c.row + "\n2024-03-11T13:40:00Z,1,1,1,1,1\n");
      REQUIRE(error);
      CHECK(error->error_count() == 1);
      REQUIRE(error->errors().size() == 1);
      CHECK(error->errors()[0].file == "bars.csv");
      CHECK(error->errors()[0].line == 3);
      CHECK(error->errors()[0].message == c.message);
      CHECK(std::string(error->what()) == std::string("bars.csv:3: ") + c.message);
    }
  }

  TEST_CASE("optional columns are validated too: vwap positive, trade_count whole and >= 0") {
    const std::string header = "symbol,timestamp,open,high,low,close,volume,vwap,trade_count\n";
    const auto vwap = error_of(header + "AAPL,2024-03-11T13:30:00Z,1,1,1,1,1,-1,2\n", {});
    REQUIRE(vwap);
    CHECK(vwap->errors().at(0).message == "vwap -1 is not positive");
    const auto count = error_of(header + "AAPL,2024-03-11T13:30:00Z,1,1,1,1,1,1,-2\n", {});
    REQUIRE(count);
    CHECK(count->errors().at(0).message == "trade_count -2 is negative");
    const auto symbol = error_of(header + "aapl,2024-03-11T13:30:00Z,1,1,1,1,1,1,2\n", {});
    REQUIRE(symbol);
    CHECK(symbol->errors().at(0).message == "symbol 'aapl' is not a ticker like AAPL or BRK.B");
  }

  TEST_CASE("all or nothing: bad rows make the read throw, listing each with its line") {
    const std::string text = std::string(kHeader) +
                             "2024-03-11T13:30:00Z,1,1,1,1,1\n"
                             "2024-03-11T13:31:00Z,1,1,2,1,1\n"  // line 3: low above high
                             "2024-03-11T13:32:00Z,1,1,1,1,1\n"
                             "2024-03-11T13:33:00Z,1,1,1,1\n"  // line 5: 5 fields
                             "2024-03-11T13:34:00Z,1,1,1,1,1\n";
    SymbolTable table;
    CsvBarReader reader = CsvBarReader::from_text(text, "bars.csv", for_symbol("AAPL"), table);
    std::vector<BarRecord> big(100);
    try {
      static_cast<void>(reader.read(big));
      FAIL("expected a DataError");
    } catch (const DataError& e) {
      CHECK(e.file() == "bars.csv");
      CHECK(e.error_count() == 2);
      REQUIRE(e.errors().size() == 2);
      CHECK(e.errors()[0].line == 3);
      CHECK(e.errors()[1].line == 5);
      CHECK(std::string(e.what()) ==
            "bars.csv: 2 bad rows\n"
            "  bars.csv:3: low 2 above high 1\n"
            "  bars.csv:5: expected 6 fields, found 5");
    }
    CHECK(reader.rows_read() == 0);
  }

  TEST_CASE("all or nothing: many bad rows are counted, the first ones listed") {
    std::string text = kHeader;
    for (int i = 0; i < 50; ++i) text += "2024-03-11T13:30:00Z,1,1,1,1,-1\n";
    const auto error = error_of(text);
    REQUIRE(error);
    CHECK(error->error_count() == 50);
    CHECK(error->errors().size() == DataError::kKeptErrors);
    CHECK(std::string(error->what()).starts_with("bars.csv: 50 bad rows (the first 20 below)\n"));
  }

  TEST_CASE("skip_bad_rows: good rows are read, bad ones counted and kept with their lines") {
    auto options = for_symbol("AAPL");
    options.skip_bad_rows = true;
    SymbolTable table;
    std::size_t skipped = 0;
    std::vector<CsvRowError> errors;
    const auto records = parse(std::string(kHeader) +
                                   "2024-03-11T13:30:00Z,1,1,1,1,1\n"
                                   "2024-03-11T13:31:00Z,1,1,2,1,1\n"  // line 3
                                   "2024-03-11T13:32:00Z,1,1,1,1,1\n"
                                   "2024-03-11T13:32:00Z,1,1,1,1,2\n"  // line 5: repeated minute
                                   "2024-03-11T13:33:00Z,1,1,1,1,1\n",
                               options, table, &skipped, &errors);
    CHECK(records.size() == 3);
    CHECK(skipped == 2);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].line == 3);
    CHECK(errors[1].line == 5);
    CHECK(records[2].bar.ts == ts("2024-03-11T13:33:00Z"));
  }

  TEST_CASE("the file as a whole: empty, header only, missing, unknown or repeated column") {
    const auto empty = error_of("");
    REQUIRE(empty);
    CHECK(empty->errors().at(0).line == 0);
    CHECK(std::string(empty->what()).starts_with("bars.csv: empty file"));

    CHECK(parse(kHeader).empty());
    CHECK(parse("timestamp,open,high,low,close,volume").empty());

    const auto missing = error_of("timestamp,open,low,close\n");
    REQUIRE(missing);
    CHECK(std::string(missing->what()) == "bars.csv:1: missing column(s) high, volume");

    const auto unknown = error_of("timestamp,open,high,low,close,volume,colour\n");
    REQUIRE(unknown);
    CHECK(std::string(unknown->what()).starts_with("bars.csv:1: unknown column 'colour'"));

    const auto twice = error_of("timestamp,open,high,low,close,volume,Open\n");
    REQUIRE(twice);
    CHECK(std::string(twice->what()) == "bars.csv:1: column 'open' appears twice");

    const auto no_header = error_of("2024-03-11T13:30:00Z,1,1,1,1,1\n");
    REQUIRE(no_header);
    CHECK(std::string(no_header->what()).find("not a header") != std::string::npos);

    const auto no_symbol = error_of(kHeader, CsvReadOptions{});
    REQUIRE(no_symbol);
    CHECK(std::string(no_symbol->what()) ==
          "bars.csv:1: no symbol column, and no symbol was given for the file");
  }

  TEST_CASE("a bad given symbol is a ParseError; a missing file a DataError") {
    SymbolTable table;
    CHECK_THROWS_AS(
        static_cast<void>(CsvBarReader::from_text(kHeader, "x", for_symbol("aapl"), table)),
        ParseError);
    const TempDir dir;
    try {
      CsvBarReader reader(dir / "absent.csv", for_symbol("AAPL"), table);
      FAIL("expected a DataError");
    } catch (const DataError& e) {
      CHECK(std::string(e.what()).find("absent.csv: cannot open") != std::string::npos);
    }
  }

  TEST_CASE("a file larger than one read block, with CRLF endings, is read in full") {
    const TempDir dir;
    std::string text = "timestamp,open,high,low,close,volume,trade_count\r\n";
    const std::int64_t start = 1'710'163'800;  // 2024-03-11T13:30:00Z
    constexpr int kRows = 40'000;              // ~2 MiB: rows straddle block boundaries
    for (int i = 0; i < kRows; ++i) {
      text += std::to_string(start + 60 * i) + ",100.25,100.5,100,100.125," + std::to_string(i) +
              "," + std::to_string(i % 7) + "\r\n";
    }
    trader::testing::write_file(dir / "big.csv", text);
    SymbolTable table;
    const auto records = trader::data::read_csv(dir / "big.csv", for_symbol("SPY"), table);
    REQUIRE(records.size() == kRows);
    for (int i = 0; i < kRows; ++i) {
      const auto& r = records[static_cast<std::size_t>(i)];
      if (r.bar.volume != i || r.trade_count != i % 7 ||
          r.bar.ts != from_unix_micros((start + 60 * i) * 1'000'000) ||
          r.bar.close != d("100.125")) {
        FAIL("record " << i << " differs");
      }
    }
  }

  TEST_CASE("naive time zone names") {
    CHECK(trader::data::parse_naive_time_zone("UTC") == NaiveTimeZone::utc);
    CHECK(trader::data::parse_naive_time_zone("america/new_york") == NaiveTimeZone::new_york);
    CHECK(trader::data::parse_naive_time_zone("reject") == NaiveTimeZone::reject);
    CHECK_THROWS_AS(static_cast<void>(trader::data::parse_naive_time_zone("Europe/Paris")),
                    ParseError);
    CHECK(to_string(NaiveTimeZone::new_york) == "America/New_York");
  }
}

TEST_SUITE("data/csv export") {
  TEST_CASE("the written text: ISO-8601 Z, shortest decimals, optional columns when present") {
    SymbolTable table;
    const auto aapl = table.intern("AAPL");
    BarRecord a{};
    a.bar =
        Bar{ts("2024-03-11T13:30:00Z"), d("100.50"), d("101"), d("99.99"), d("100.75"), 1200, aapl};
    a.vwap = d("100.123");
    a.trade_count = 15;
    BarRecord b = a;
    b.bar.ts = ts("2024-03-11T13:31:00.25Z");
    b.bar.open = d("0.00000001");
    b.bar.low = d("0.00000001");
    b.vwap = Decimal{};
    b.trade_count = -1;
    std::ostringstream out;
    CsvBarWriter writer(out, "memory", table);
    const std::vector<BarRecord> records{a, b};
    writer.write(records);
    writer.finish();
    CHECK(writer.rows_written() == 2);
    CHECK(out.str() ==
          "symbol,timestamp,open,high,low,close,volume,vwap,trade_count\n"
          "AAPL,2024-03-11T13:30:00Z,100.5,101,99.99,100.75,1200,100.123,15\n"
          "AAPL,2024-03-11T13:31:00.250000Z,0.00000001,101,0.00000001,100.75,1200,,\n");
  }

  TEST_CASE("fields are written as Decimal::to_string and format_timestamp write them") {
    SymbolTable table;
    const auto spy = table.intern("SPY");
    const char* prices[] = {"0.1",        "1.10000001",           "100",  "12345.6789",
                            "0.00000001", "92233720368.54775807", "-3.5", "1000000000.00000010"};
    const char* times[] = {"1970-01-01T00:00:00Z", "1999-12-31T23:59:59.999999Z",
                           "2024-02-29T14:30:00.000001Z", "2099-12-31T23:59:00Z"};
    std::vector<Bar> bars;
    std::string expected = "symbol,timestamp,open,high,low,close,volume\n";
    for (const char* price : prices) {
      for (const char* time : times) {
        const Decimal p = d(price);
        bars.push_back(Bar{ts(time), p, p, p, p, INT64_MAX, spy});
        expected += "SPY," + trader::core::format_timestamp(ts(time)) + "," + p.to_string() + "," +
                    p.to_string() + "," + p.to_string() + "," + p.to_string() +
                    ",9223372036854775807\n";
      }
    }
    std::ostringstream out;
    CsvBarWriter writer(out, "memory", table);
    writer.write(std::span<const Bar>(bars));
    writer.finish();
    CHECK(out.str() == expected);
  }

  TEST_CASE("round trip: import(export(x)) == x exactly") {
    SymbolTable table;
    const auto aapl = table.intern("AAPL");
    const auto brk = table.intern("BRK.B");
    std::vector<BarRecord> records;
    const char* prices[] = {"1", "0.01", "123.456789", "99999999.99999999", "0.00000001", "5.4"};
    Timestamp t = ts("2024-03-11T13:30:00Z");
    for (int i = 0; i < 60; ++i) {
      BarRecord r{};
      const Decimal p = d(prices[i % 6]);
      r.bar = Bar{t,
                  p,
                  p + d("0.5"),
                  p,
                  p + d("0.25"),
                  std::int64_t{i} * 1'000'000'007,
                  i % 3 == 0 ? brk : aapl};
      if (i % 2 == 0) r.vwap = p + d("0.125");
      if (i % 5 != 0) r.trade_count = i;
      records.push_back(r);
      t += std::chrono::microseconds{i % 4 == 0 ? 60'000'000 : 1'250};
    }
    const TempDir dir;
    trader::data::write_csv(dir / "out.csv", records, table);
    SymbolTable again;
    const auto back = trader::data::read_csv(dir / "out.csv", {}, again);
    REQUIRE(back.size() == records.size());
    for (std::size_t i = 0; i < back.size(); ++i) {
      CAPTURE(i);
      CHECK(table.name(records[i].bar.symbol) == again.name(back[i].bar.symbol));
      BarRecord expected = records[i];
      expected.bar.symbol = back[i].bar.symbol;
      CHECK(back[i] == expected);
    }
  }

  TEST_CASE("round trip of synthetic bars without a symbol column") {
    SymbolTable table;
    trader::data::SyntheticSpec spec;
    spec.seed = 7;
    spec.symbol = "QQQ";
    spec.first = trader::core::parse_date("2024-11-25");
    spec.last = trader::core::parse_date("2024-12-03");
    trader::data::SyntheticBarGenerator generator(spec, table);
    std::vector<Bar> bars(5000);
    bars.resize(generator.read(bars));
    REQUIRE(bars.size() > 2000);
    const TempDir dir;
    {
      CsvWriteOptions options;
      options.symbol_column = false;
      CsvBarWriter writer(dir / "qqq.csv", table, options);
      writer.write(std::span<const Bar>(bars));
      writer.finish();
    }
    SymbolTable again;
    const auto back = trader::data::read_csv(dir / "qqq.csv", for_symbol("QQQ"), again);
    REQUIRE(back.size() == bars.size());
    for (std::size_t i = 0; i < bars.size(); ++i) {
      if (!(back[i].bar == bars[i]) || back[i].has_vwap() || back[i].has_trade_count()) {
        FAIL("bar " << i << " differs");
      }
    }
  }

  TEST_CASE("an empty export is a header-only file that imports as nothing") {
    SymbolTable table;
    std::ostringstream out;
    CsvBarWriter writer(out, "memory", table);
    writer.finish();
    CHECK(out.str() == "symbol,timestamp,open,high,low,close,volume\n");
    CHECK(parse(out.str(), {}).empty());
  }

  TEST_CASE("the writer refuses to lose data: a second symbol or a value without a column") {
    SymbolTable table;
    BarRecord a{};
    a.bar =
        Bar{ts("2024-03-11T13:30:00Z"), d("1"), d("1"), d("1"), d("1"), 1, table.intern("AAPL")};
    BarRecord m = a;
    m.bar.symbol = table.intern("MSFT");
    std::ostringstream out;
    CsvWriteOptions no_symbol;
    no_symbol.symbol_column = false;
    CsvBarWriter single(out, "memory", table, no_symbol);
    single.write(std::span<const BarRecord>(&a, 1));
    CHECK_THROWS_AS(single.write(std::span<const BarRecord>(&m, 1)), DataError);

    CsvBarWriter plain(out, "memory", table);
    plain.write(std::span<const BarRecord>(&a, 1));  // no vwap in the first batch: no column
    BarRecord with_vwap = a;
    with_vwap.bar.ts += std::chrono::minutes{1};
    with_vwap.vwap = d("1");
    CHECK_THROWS_AS(plain.write(std::span<const BarRecord>(&with_vwap, 1)), DataError);

    CsvWriteOptions with_columns;
    with_columns.vwap_column = true;
    std::ostringstream chosen;
    CsvBarWriter explicit_columns(chosen, "memory", table, with_columns);
    explicit_columns.write(std::span<const BarRecord>(&a, 1));
    explicit_columns.write(std::span<const BarRecord>(&with_vwap, 1));
    explicit_columns.finish();
    CHECK(chosen.str().find(",1,1\n") != std::string::npos);  // volume 1, vwap 1
  }
}
