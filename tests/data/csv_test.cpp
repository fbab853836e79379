#include <trader/data/csv_reader.hpp>

#include <doctest/doctest.h>

#include <map>
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
  const bool resampling = options.resample_to_minute;
  CsvBarReader reader =
      CsvBarReader::from_text(std::move(text), "bars.csv", std::move(options), table);
  std::vector<BarRecord> records;
  std::vector<BarRecord> batch(3);
  while (const std::size_t n = reader.read(batch)) {
    records.insert(records.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
  }
  CHECK(reader.bars_delivered() == records.size());
  CHECK(reader.rows_read() == reader.good_rows() + reader.skipped_rows());
  if (!resampling) CHECK(reader.good_rows() == records.size());
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
                               "2024-03-11 13:33:00.000Z,1,1,1,1,1\n");
    REQUIRE(records.size() == 4);
    CHECK(records[0].bar.ts == ts("2024-03-11T13:30:00Z"));
    CHECK(records[1].bar.ts == ts("2024-03-11T13:31:00Z"));
    CHECK(records[2].bar.ts == ts("2024-03-11T13:32:00Z"));
    CHECK(records[3].bar.ts == ts("2024-03-11T13:33:00Z"));
  }

  TEST_CASE("epoch seconds and epoch milliseconds (11 digits or more)") {
    const auto records = parse(std::string(kHeader) +
                               "1710163800,1,1,1,1,1\n"       // 2024-03-11T13:30:00Z
                               "1710163860000,1,1,1,1,1\n"    // 13:31 in milliseconds
                               "1710163920000,1,1,1,1,1\n");  // 13:32
    REQUIRE(records.size() == 3);
    CHECK(records[0].bar.ts == ts("2024-03-11T13:30:00Z"));
    CHECK(records[1].bar.ts == ts("2024-03-11T13:31:00Z"));
    CHECK(records[2].bar.ts == ts("2024-03-11T13:32:00Z"));
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
      CAPTURE(std::string(c.row));
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
    CHECK(reader.bars_delivered() == 0);
    CHECK(reader.rows_read() == 5);  // every data row was read and checked
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

  // ---- issue 11 item 14: bars on whole minutes, or resampled when asked

  TEST_CASE("issue 11 item 14: a timestamp not on a whole minute is a row error with its line") {
    const char* rows[] = {
        "2024-03-11T13:31:30Z,1,1,1,1,1",         // a 30-second bar
        "2024-03-11T13:31:00.500Z,1,1,1,1,1",     // half a second
        "2024-03-11T13:31:00.000001Z,1,1,1,1,1",  // a microsecond
        "2024-03-11T09:31:00.9-04:00,1,1,1,1,1",  // with an offset
        "1710163890,1,1,1,1,1",                   // epoch seconds 13:31:30
        "1710163860500,1,1,1,1,1",                // epoch milliseconds 13:31:00.5
    };
    for (const char* row : rows) {
      CAPTURE(std::string(row));
      const auto error = error_of(std::string(kHeader) + "2024-03-11T13:30:00Z,1,1,1,1,1\n" + row +
                                  "\n2024-03-11T13:40:00Z,1,1,1,1,1\n");
      REQUIRE(error);
      CHECK(error->error_count() == 1);
      REQUIRE(error->errors().size() == 1);
      CHECK(error->errors()[0].line == 3);
      CHECK(error->errors()[0].message.find("is not on a whole minute") != std::string::npos);
      CHECK(error->errors()[0].message.find("resample") != std::string::npos);
    }
    const auto error = error_of(std::string(kHeader) + "2024-03-11T13:30:30Z,1,1,1,1,1\n");
    REQUIRE(error);
    CHECK(std::string(error->what()) ==
          "bars.csv:2: timestamp 2024-03-11T13:30:30Z (2024-03-11T13:30:30Z) is not on a whole "
          "minute: one-minute bars start at :00 (aggregate shorter bars into minutes with the "
          "resample option, trader-data import --resample 1min)");

    // 30-second bars over a whole session: every second row skipped, none stored as a minute.
    std::string text = kHeader;
    for (int i = 0; i < 780; ++i) {
      text += std::to_string(1'710'163'800 + 30 * i) + ",1,1,1,1,1\n";
    }
    auto options = for_symbol("AAPL");
    options.skip_bad_rows = true;
    SymbolTable table;
    std::size_t skipped = 0;
    const auto records = parse(text, options, table, &skipped);
    CHECK(records.size() == 390);
    CHECK(skipped == 390);
  }

  TEST_CASE("issue 11 item 14: resample_to_minute aggregates sub-minute bars into their minute") {
    auto options = for_symbol("AAPL");
    options.resample_to_minute = true;
    SymbolTable table;
    const std::string header = "timestamp,open,high,low,close,volume,vwap,trade_count\n";
    const auto records = parse(header +
                                   "2024-03-11T13:30:00Z,10,12,9,11,100,10.5,3\n"
                                   "2024-03-11T13:30:30Z,11,13,10,12,300,12.5,5\n"
                                   // one minute of three parts, the first not at :00
                                   "2024-03-11T13:31:15Z,20,21,19,20,10,20,1\n"
                                   "2024-03-11T13:31:30.5Z,20,22,20,21,0,21,0\n"
                                   "2024-03-11T13:31:59.999999Z,21,21,18,19,30,19,2\n"
                                   // a whole-minute bar alone stays as it is
                                   "2024-03-11T13:35:00Z,5,6,4,5.5,7,5.25,\n"
                                   // a part without vwap or trade count: both absent
                                   "2024-03-11T13:36:00Z,5,6,4,5.5,7,5.25,1\n"
                                   "2024-03-11T13:36:10Z,5,6,4,5.5,7,,\n"
                                   // volume 0 in every part: the plain mean of the vwaps
                                   "2024-03-11T13:37:00Z,5,5,5,5,0,5.00000001,0\n"
                                   "2024-03-11T13:37:20Z,5,5,5,5,0,5.00000002,0\n",
                               options, table);
    REQUIRE(records.size() == 5);
    const auto& a = records[0];
    CHECK(a.bar.ts == ts("2024-03-11T13:30:00Z"));
    CHECK(a.bar.open == d("10"));
    CHECK(a.bar.high == d("13"));
    CHECK(a.bar.low == d("9"));
    CHECK(a.bar.close == d("12"));
    CHECK(a.bar.volume == 400);
    CHECK(a.vwap == d("12"));  // (10.5 x 100 + 12.5 x 300) / 400
    CHECK(a.trade_count == 8);
    const auto& b = records[1];
    CHECK(b.bar.ts == ts("2024-03-11T13:31:00Z"));
    CHECK(b.bar.open == d("20"));
    CHECK(b.bar.high == d("22"));
    CHECK(b.bar.low == d("18"));
    CHECK(b.bar.close == d("19"));
    CHECK(b.bar.volume == 40);
    CHECK(b.vwap == d("19.25"));  // (20 x 10 + 21 x 0 + 19 x 30) / 40
    CHECK(b.trade_count == 3);
    CHECK(records[2].bar == Bar{ts("2024-03-11T13:35:00Z"), d("5"), d("6"), d("4"), d("5.5"), 7,
                                records[2].bar.symbol});
    CHECK(records[2].vwap == d("5.25"));
    CHECK_FALSE(records[2].has_trade_count());
    CHECK(records[3].bar.volume == 14);
    CHECK_FALSE(records[3].has_vwap());
    CHECK_FALSE(records[3].has_trade_count());
    CHECK(records[4].vwap == d("5.00000002"));  // 5.000000015 rounded half to even
    CHECK(records[4].trade_count == 0);
  }

  TEST_CASE("issue 11 item 14: resampling keeps symbols apart, and whole-minute files unchanged") {
    CsvReadOptions options;
    options.resample_to_minute = true;
    SymbolTable table;
    const auto records = parse(
        "symbol,timestamp,open,high,low,close,volume\n"
        "AAPL,2024-03-11T13:30:00Z,10,10,10,10,1\n"
        "MSFT,2024-03-11T13:30:00Z,50,50,50,50,1\n"
        "AAPL,2024-03-11T13:30:30Z,11,11,11,11,1\n"
        "MSFT,2024-03-11T13:30:30Z,51,51,51,51,1\n"
        "AAPL,2024-03-11T13:31:00Z,12,12,12,12,1\n"
        "MSFT,2024-03-11T13:32:00Z,52,52,52,52,1\n",
        options, table);
    REQUIRE(records.size() == 4);
    std::map<std::string, std::vector<BarRecord>> by_symbol;
    for (const auto& r : records) by_symbol[table.name(r.bar.symbol)].push_back(r);
    REQUIRE(by_symbol["AAPL"].size() == 2);
    REQUIRE(by_symbol["MSFT"].size() == 2);
    CHECK(by_symbol["AAPL"][0].bar.close == d("11"));
    CHECK(by_symbol["AAPL"][0].bar.volume == 2);
    CHECK(by_symbol["AAPL"][1].bar.ts == ts("2024-03-11T13:31:00Z"));
    CHECK(by_symbol["MSFT"][0].bar.high == d("51"));
    CHECK(by_symbol["MSFT"][1].bar.ts == ts("2024-03-11T13:32:00Z"));

    // A file of whole-minute bars reads the same with and without resampling.
    std::string text = "timestamp,open,high,low,close,volume,vwap,trade_count\n";
    for (int i = 0; i < 50; ++i) {
      text += std::to_string(1'710'163'800 + 60 * i) + ",100." + std::to_string(i) +
              ",101,99,100," + std::to_string(i * 13) + "," + (i % 3 ? "100.5" : "") + "," +
              (i % 4 ? std::to_string(i) : "") + "\n";
    }
    auto resampled = for_symbol("SPY");
    resampled.resample_to_minute = true;
    CHECK(parse(text, resampled) == parse(text, for_symbol("SPY")));
  }

  TEST_CASE(
      "issue 11 item 14: resampled rows must still increase; sums that do not fit are errors") {
    auto options = for_symbol("AAPL");
    options.resample_to_minute = true;
    const auto repeated = error_of(std::string(kHeader) +
                                       "2024-03-11T13:30:30Z,1,1,1,1,1\n"
                                       "2024-03-11T13:30:30Z,1,1,1,1,1\n",
                                   options);
    REQUIRE(repeated);
    CHECK(repeated->errors().at(0).line == 3);
    CHECK(repeated->errors().at(0).message.find("is not after the previous AAPL row's "
                                                "2024-03-11T13:30:30Z") != std::string::npos);
    const auto volumes = error_of(std::string(kHeader) +
                                      "2024-03-11T13:30:00Z,1,1,1,1,9000000000000000000\n"
                                      "2024-03-11T13:30:30Z,1,1,1,1,9000000000000000000\n",
                                  options);
    REQUIRE(volumes);
    CHECK(volumes->errors().at(0).line == 3);
    CHECK(volumes->errors().at(0).message ==
          "the volumes of the AAPL rows of minute 2024-03-11T13:30:00Z add up to more than fits "
          "(resampling)");
    // With skip_bad_rows the minute keeps the parts that fit.
    options.skip_bad_rows = true;
    SymbolTable table;
    std::size_t skipped = 0;
    const std::string big = "92233720368.54775807";
    const auto records = parse(
        "timestamp,open,high,low,close,volume,vwap,trade_count\n"
        "2024-03-11T13:30:00Z,1,1,1,1,9000000000000000000," +
            big + ",9000000000000000000\n" + "2024-03-11T13:30:10Z,1,1,1,1,5," + big +
            ",9000000000000000000\n" +  // the trade counts do not fit
            "2024-03-11T13:30:20Z,1,1,1,1,9000000000000000000," + big +
            ",1\n" +  // the volumes do not fit
            "2024-03-11T13:30:30Z,2,2,1,2,1," + big + ",1\n",
        options, table, &skipped);
    CHECK(skipped == 2);
    REQUIRE(records.size() == 1);
    CHECK(records[0].bar.volume == 9'000'000'000'000'000'001);
    CHECK(records[0].bar.close == d("2"));
    CHECK(records[0].vwap == d(big.c_str()));  // the largest vwap x the largest volume fits
    CHECK(records[0].trade_count == 9'000'000'000'000'000'001);
  }

  TEST_CASE("issue 11 item 14: resampled minutes are delivered in batches of any size") {
    std::string text = kHeader;
    for (int i = 0; i < 600; ++i) {  // 10-second bars, 100 minutes
      text += std::to_string(1'710'163'800 + 10 * i) + ",1,2,1,1," + std::to_string(i) + "\n";
    }
    auto options = for_symbol("AAPL");
    options.resample_to_minute = true;
    SymbolTable table;
    CsvBarReader reader = CsvBarReader::from_text(text, "bars.csv", options, table);
    std::vector<BarRecord> all;
    std::vector<BarRecord> one(1);
    while (reader.read(one) == 1) all.push_back(one[0]);
    REQUIRE(all.size() == 100);
    for (std::size_t m = 0; m < all.size(); ++m) {
      const auto first = static_cast<std::int64_t>(6 * m);
      if (all[m].bar.volume != 6 * first + 15 ||
          all[m].bar.ts != from_unix_micros((1'710'163'800 + 60 * first / 6) * 1'000'000)) {
        FAIL("minute " << m << " differs");
      }
    }
    CHECK(reader.rows_read() == 600);
    CHECK(reader.good_rows() == 600);
    CHECK(reader.bars_delivered() == 100);
    CHECK(reader.read(one) == 0);
  }

  TEST_CASE("plain prices and UTC timestamps read on the fast path equal the general parsers") {
    const char* prices[] = {"1",
                            "1.5",
                            "0001.50000000",
                            "9999999999.99999999",
                            "10000000000",
                            "0.00000001",
                            "1.",
                            ".5",
                            "+1.5",
                            "1e2",
                            "12.5E-1",
                            "92233720368.54775807",
                            "4294967296",
                            "2147483648.1",
                            "0.10"};
    for (const char* price : prices) {
      CAPTURE(std::string(price));
      const auto records = parse(std::string(kHeader) + "2024-03-11T13:30:00Z," + price + "," +
                                 price + "," + price + "," + price + ",1\n");
      REQUIRE(records.size() == 1);
      CHECK(records[0].bar.open == d(price));
      CHECK(records[0].bar.close == d(price));
    }
    const char* times[] = {"2024-02-29T13:30:00Z", "2024-03-11 13:30:00Z", "2024-03-11T13:30:00z",
                           "2024-12-31T23:59:00Z", "1990-01-01T00:00:00Z", "2099-12-31T23:59:00Z"};
    for (const char* time : times) {
      CAPTURE(std::string(time));
      const auto records = parse(std::string(kHeader) + time + ",1,1,1,1,1\n");
      REQUIRE(records.size() == 1);
      CHECK(records[0].bar.ts == trader::core::parse_timestamp(time));
    }
    const char* bad_times[] = {"2023-02-29T13:30:00Z", "2024-03-11T24:00:00Z",
                               "2024-03-11T13:60:00Z", "2024-03-11T13:30:60Z",
                               "2024-13-11T13:30:00Z", "2024-03-00T13:30:00Z",
                               "2024-03-11X13:30:00Z", "2024-0a-11T13:30:00Z"};
    for (const char* time : bad_times) {
      CAPTURE(std::string(time));
      const auto error = error_of(std::string(kHeader) + time + ",1,1,1,1,1\n");
      REQUIRE(error);
      CHECK(error->errors().at(0).message.starts_with("timestamp: expected "));
    }
  }

  // ---- issue 11 item 15: any value out of range is a row error

  TEST_CASE("issue 11 item 15: a year outside the calendar's 1990..2099 is a row error") {
    struct Case {
      const char* timestamp;
      const char* shown;
    };
    const Case cases[] = {
        {"1985-03-11T14:30:00Z", "1985-03-11T14:30:00Z"},
        {"2150-03-11T14:30:00Z", "2150-03-11T14:30:00Z"},
        {"0", "1970-01-01T00:00:00Z"},
        {"0000000000000", "1970-01-01T00:00:00Z"},
        {"631152000", "1990-01-01T00:00:00Z"},  // in range: the first accepted
        {"631151940", "1989-12-31T23:59:00Z"},
        {"1989-12-31T23:59:00Z", "1989-12-31T23:59:00Z"},
        {"1990-01-01T00:00:00+00:01", "1989-12-31T23:59:00Z"},
        {"2100-01-01T00:00:00Z", "2100-01-01T00:00:00Z"},
        {"2099-12-31T23:00:00-01:00", "2100-01-01T00:00:00Z"},
        {"9999-12-31T23:59:00-23:59", "10000-01-01T23:58:00Z"},
        {"0000-01-01T00:00:00+23:59", "-001-12-31T00:01:00Z"},
        {"9999999999999", "2286-11-20T17:46:39.999000Z"},  // the largest epoch milliseconds
    };
    for (const Case& c : cases) {
      CAPTURE(std::string(c.timestamp));
      const std::string text =
          std::string(kHeader) + "2024-03-11T13:30:00Z,1,1,1,1,1\n" + c.timestamp + ",1,1,1,1,1\n";
      if (std::string_view(c.timestamp) == "631152000") {
        CHECK_FALSE(error_of(std::string(kHeader) + c.timestamp + ",1,1,1,1,1\n"));
        continue;
      }
      const auto error = error_of(text);
      REQUIRE(error);
      REQUIRE(error->errors().size() == 1);
      CHECK(error->errors()[0].line == 3);
      CHECK(error->errors()[0].message.find("is outside the calendar's years 1990..2099") !=
            std::string::npos);
      CHECK_MESSAGE(error->errors()[0].message.find(c.shown) != std::string::npos,
                    error->errors()[0].message);
    }
    CHECK_FALSE(error_of(std::string(kHeader) + "2099-12-31T23:59:00Z,1,1,1,1,1\n"));
    // Naive New York times past the calendar's range: a row error as well.
    auto new_york = for_symbol("AAPL");
    new_york.naive = NaiveTimeZone::new_york;
    const auto naive = error_of(std::string(kHeader) + "1985-03-11 09:30:00,1,1,1,1,1\n", new_york);
    REQUIRE(naive);
    CHECK(naive->errors().at(0).line == 2);
  }

  TEST_CASE("issue 11 item 15: numbers of any size in any column are row errors, never a throw") {
    const char* rows[] = {
        "2024-03-11T13:31:00Z,1e400,1,1,1,1",
        "2024-03-11T13:31:00Z,99999999999999999999,1,1,1,1",
        "2024-03-11T13:31:00Z,92233720368.54775808,1,1,1,1",  // one unit past Decimal
        "2024-03-11T13:31:00Z,1,1,1,1e-400,1",
        "2024-03-11T13:31:00Z,1,1,1,1,99999999999999999999",
        "2024-03-11T13:31:00Z,1,1,1,1,9223372036854775808",
        "2024-03-11T13:31:00Z,1,1,1,1,1e30",
        "2024-03-11T13:31:00Z,1,1,1,1,-9223372036854775809",
        "12345678901234567,1,1,1,1,1",
        "99999999999999999999999999999999999999999,1,1,1,1,1",
        "2024-03-11T13:31:00+99:99,1,1,1,1,1",
        "2024-13-45T13:31:00Z,1,1,1,1,1",
        "2024-03-11T13:31:00Z,1,1,1,1,1e99999999999999999999",
    };
    for (const char* row : rows) {
      CAPTURE(std::string(row));
      auto options = for_symbol("AAPL");
      options.skip_bad_rows = true;
      SymbolTable table;
      std::size_t skipped = 0;
      std::vector<CsvRowError> errors;
      const auto records = parse(std::string(kHeader) + "2024-03-11T13:30:00Z,1,1,1,1,1\n" + row +
                                     "\n2024-03-11T13:40:00Z,1,1,1,1,1\n",
                                 options, table, &skipped, &errors);
      CHECK(records.size() == 2);
      CHECK(skipped == 1);
      REQUIRE(errors.size() == 1);
      CHECK(errors[0].line == 3);
    }
    // "0.5e1" is the whole number 5.
    CHECK(parse(std::string(kHeader) + "2024-03-11T13:31:00Z,1,1,1,1,0.5e1\n").at(0).bar.volume ==
          5);
    const auto huge =
        error_of(std::string(kHeader) + "2024-03-11T13:31:00Z,1,1,1,1," + "99999999999999999999\n");
    REQUIRE(huge);
    CHECK(huge->errors().at(0).message == "volume '99999999999999999999' is out of range");
  }

  // ---- issue 11 item 21: messages, quoting, blanks, counting

  TEST_CASE("issue 11 item 21: bytes and escape sequences from the file are escaped and cut") {
    const auto esc =
        error_of(std::string(kHeader) + "2024-03-11T13:30:00Z,\x1b[2J\x1b]0;x\x07,1,1,1,1\n");
    REQUIRE(esc);
    const std::string what = esc->what();
    CHECK(what.find('\x1b') == std::string::npos);
    CHECK(what.find('\x07') == std::string::npos);
    CHECK(esc->errors().at(0).message ==
          "open: expected a decimal number (no digits), got '\\x1b[2J\\x1b]0;x\\x07'");

    const auto symbol = error_of(
        "symbol,timestamp,open,high,low,close,volume\n"
        "\x1b[31mAAPL\xFF,2024-03-11T13:30:00Z,1,1,1,1,1\n",
        {});
    REQUIRE(symbol);
    CHECK(symbol->errors().at(0).message ==
          "symbol '\\x1b[31mAAPL\\xff' is not a ticker like AAPL or BRK.B");

    const auto header = error_of("timestamp,open,high,low,close,volume,\x1b[1mcolour\r\x1b[K\n");
    REQUIRE(header);
    CHECK(std::string(header->what())
              .starts_with("bars.csv:1: unknown column '\\x1b[1mcolour\\r\\x1b[K'"));

    const std::string long_value(5'000, '7');
    const auto cut =
        error_of(std::string(kHeader) + "2024-03-11T13:30:00Z," + long_value + "x,1,1,1,1\n");
    REQUIRE(cut);
    CHECK(cut->errors().at(0).message ==
          "open: expected a decimal number (unexpected character), got '" + std::string(40, '7') +
              "...'");

    const auto timestamp = error_of(std::string(kHeader) + "\x1b[A2024-03-11,1,1,1,1,1\n");
    REQUIRE(timestamp);
    CHECK(timestamp->errors().at(0).message ==
          "timestamp: expected a date YYYY-MM-DD, got '\\x1b[A2024-03-11'");

    // The file name is escaped where a message shows it (not where a caller reads it).
    const CsvRowError row{"bad\x1b[2J\xC3.csv", 7, "x"};
    CHECK(row.to_string() == "bad\\x1b[2J\\xc3.csv:7: x");
    const DataError both("\x1b.csv", {row, row}, 2);
    CHECK(std::string(both.what()).starts_with("\\x1b.csv: 2 bad rows\n"));
  }

  TEST_CASE("issue 11 item 21: RFC 4180 quoted headers and fields are read") {
    auto options = for_symbol("AAPL");
    const auto records = parse(
        "\"timestamp\",\"open\",\"high\",\"low\",\"close\",\"volume\",\"vwap\",\"trade_count\"\r\n"
        "\"2024-03-11T13:30:00Z\",\"1.5\",\"2\",\"1\",\"1.75\",\"100\",\"\",\"3\"\r\n"
        "2024-03-11T13:31:00Z,1.5,\"2\",1,1.75,100,\" 1.6 \",\r\n"
        " \"2024-03-11T13:32:00Z\" ,\t\"1.5\"\t,2,1,1.75,100,,\"\"\r\n",
        options);
    REQUIRE(records.size() == 3);
    CHECK(records[0].bar.ts == ts("2024-03-11T13:30:00Z"));
    CHECK(records[0].bar.open == d("1.5"));
    CHECK(records[0].bar.close == d("1.75"));
    CHECK(records[0].bar.volume == 100);
    CHECK_FALSE(records[0].has_vwap());
    CHECK(records[0].trade_count == 3);
    CHECK(records[1].vwap == d("1.6"));
    CHECK(records[2].bar.open == d("1.5"));
    CHECK_FALSE(records[2].has_trade_count());

    const auto symbols = parse(
        "\"Symbol\",\"Timestamp\",\"Open\",\"High\",\"Low\",\"Close\",\"Volume\"\n"
        "\"BRK.B\",\"2024-03-11T13:30:00Z\",\"1\",\"1\",\"1\",\"1\",\"1\"\n",
        {});
    REQUIRE(symbols.size() == 1);

    // A doubled quote inside is one quote; a comma inside does not split the field.
    const auto doubled = error_of(std::string(kHeader) +
                                  "2024-03-11T13:30:00Z,\"1\"\"5\",1,1,1,1\n"
                                  "2024-03-11T13:31:00Z,\"1,5\",1,1,1,1\n"
                                  "2024-03-11T13:32:00Z,\"1,1,1,1,1\n"
                                  "2024-03-11T13:33:00Z,\"1\"x,1,1,1,1\n"
                                  "\"time\"\"stamp\",1,1,1,1,1\n");
    REQUIRE(doubled);
    REQUIRE(doubled->errors().size() == 5);
    CHECK(doubled->errors()[0].message ==
          "open: expected a decimal number (unexpected character), got '1\"5'");
    CHECK(doubled->errors()[1].message ==
          "open: expected a decimal number (unexpected character), got '1,5'");
    CHECK(doubled->errors()[2].message ==
          "field 2: a quoted field is not closed on its line (a field cannot span lines)");
    CHECK(doubled->errors()[3].message == "field 2: 'x' after the closing quote");
    CHECK(doubled->errors()[4].message ==
          "timestamp: expected a date YYYY-MM-DD, got 'time\"stamp'");

    const auto bad_header = error_of("\"timestamp\"x,open,high,low,close,volume\n");
    REQUIRE(bad_header);
    CHECK(std::string(bad_header->what()) == "bars.csv:1: field 1: 'x' after the closing quote");
    const auto open_header = error_of("timestamp,\"open,high,low,close,volume\n");
    REQUIRE(open_header);
    CHECK(open_header->errors().at(0).line == 1);
  }

  TEST_CASE("issue 11 item 21: spaces and tabs around any field are ignored, not inside") {
    const auto records = parse(
        " timestamp , open\t,high,low,close,volume,vwap,trade_count,symbol\n"
        "2024-03-11T13:30:00Z ,1.5 , 2,\t1\t,1.75 ,100 , 1.6 , 3 , AAPL \n"
        "\t1710163860\t,1.5,2,1,1.75,100, , ,AAPL\n"
        "   \n"
        " \t \n"
        "2024-03-11T13:32:00Z,1.5,2,1,1.75,1200.0 ,1.6,3,AAPL\n",
        {});
    REQUIRE(records.size() == 3);
    CHECK(records[0].bar.open == d("1.5"));
    CHECK(records[0].bar.high == d("2"));
    CHECK(records[0].bar.low == d("1"));
    CHECK(records[0].bar.volume == 100);
    CHECK(records[0].vwap == d("1.6"));
    CHECK(records[0].trade_count == 3);
    CHECK(records[1].bar.ts == ts("2024-03-11T13:31:00Z"));
    CHECK_FALSE(records[1].has_vwap());
    CHECK_FALSE(records[1].has_trade_count());
    CHECK(records[2].bar.volume == 1200);
    const auto inside = error_of(std::string(kHeader) + "2024-03-11T13:30:00Z,1 5,2,1,1,1\n");
    REQUIRE(inside);
    CHECK(inside->errors().at(0).message ==
          "open: expected a decimal number (unexpected character), got '1 5'");
  }

  TEST_CASE("issue 11 item 21: rows read counts every data row, good and skipped apart") {
    auto options = for_symbol("AAPL");
    options.skip_bad_rows = true;
    SymbolTable table;
    CsvBarReader reader = CsvBarReader::from_text(std::string(kHeader) +
                                                      "2024-03-11T13:30:00Z,1,1,1,1,1\n"
                                                      "\n"
                                                      "2024-03-11T13:31:00Z,1,1,2,1,1\n"
                                                      "2024-03-11T13:32:00Z,1,1,1,1,1\n"
                                                      "junk\n"
                                                      "2024-03-11T13:33:00Z,1,1,1,1,1\n",
                                                  "bars.csv", options, table);
    std::vector<BarRecord> batch(10);
    CHECK(reader.read(batch) == 3);
    CHECK(reader.read(batch) == 0);
    CHECK(reader.rows_read() == 5);
    CHECK(reader.good_rows() == 3);
    CHECK(reader.skipped_rows() == 2);
    CHECK(reader.bars_delivered() == 3);
    REQUIRE(reader.skipped().size() == 2);
    CHECK(reader.skipped()[0].line == 4);
    CHECK(reader.skipped()[1].line == 6);
  }

  TEST_CASE("from_text takes any bytes: records or a DataError, nothing else") {
    // A deterministic mutation run over a valid file (the fuzz target does this at scale):
    // every outcome is records or a DataError, and every record keeps the row rules.
    const std::string seed =
        "symbol,timestamp,open,high,low,close,volume,vwap,trade_count\n"
        "AAPL,2024-03-11T13:30:00Z,\"101.5\",102,101,101.75,1200,101.6,15\n"
        "MSFT,1710163860,400,401.5,399.99,400.01,0,,\n"
        "AAPL,2024-03-11 09:32:00-04:00,1,1,1,1,1.0,1,1\n";
    const char alphabet[] = {',', '"', '\n', '\r', ' ', '\t',   '0',    '9',    '.',  'e',
                             '-', ':', 'T',  'Z',  'A', '\x1b', '\xff', '\xc3', '\0', '+'};
    std::uint64_t state = 42;
    const auto next = [&] {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return state >> 33;
    };
    for (int round = 0; round < 3'000; ++round) {
      std::string text = seed;
      const auto edits = 1 + next() % 6;
      for (std::uint64_t e = 0; e < edits; ++e) {
        const std::size_t at = next() % (text.size() + 1);
        const char c = alphabet[next() % sizeof(alphabet)];
        switch (next() % 3) {
          case 0:
            text.insert(at, 1, c);
            break;
          case 1:
            if (at < text.size()) text[at] = c;
            break;
          default:
            if (at < text.size()) text.erase(at, 1 + next() % 8);
        }
      }
      for (const bool lenient : {false, true}) {
        CsvReadOptions options;
        options.skip_bad_rows = lenient;
        options.resample_to_minute = lenient;
        options.naive = lenient ? NaiveTimeZone::new_york : NaiveTimeZone::reject;
        SymbolTable table;
        try {
          CsvBarReader reader = CsvBarReader::from_text(text, "fuzz.csv", options, table);
          std::vector<BarRecord> batch(2);
          while (const std::size_t n = reader.read(batch)) {
            for (std::size_t i = 0; i < n; ++i) {
              const Bar& b = batch[i].bar;
              if (!(b.low <= b.open && b.open <= b.high && b.low <= b.close && b.close <= b.high &&
                    b.low.units() > 0 && b.volume >= 0 &&
                    b.ts.time_since_epoch().count() % 60'000'000 == 0)) {
                FAIL("a record breaks the rules: " << text);
              }
            }
          }
        } catch (const DataError&) {  // NOLINT(bugprone-empty-catch): an expected outcome
        }
      }
    }
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
      t += std::chrono::minutes{i % 4 == 0 ? 1 : 7};  // bars are whole minutes (issue 11 item 14)
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

TEST_SUITE("data/csv") {
  // Issue 11 item 21: a tool tells a missing --symbol (a usage error) from a bad file by type.
  TEST_CASE("issue 11 item 21: no symbol column and no symbol given is a MissingSymbolError") {
    CHECK_THROWS_AS(
        static_cast<void>(
            parse(std::string(kHeader) + "2024-03-11T13:30:00Z,1,1,1,1,1\n", CsvReadOptions{})),
        trader::data::MissingSymbolError);
    // Any other unusable header stays a plain DataError.
    try {
      static_cast<void>(parse("timestamp,open,high,low,close\n"));
      FAIL("accepted a header without volume");
    } catch (const trader::data::MissingSymbolError&) {
      FAIL("a missing column is not a missing symbol");
    } catch (const DataError&) {
    }
  }
}
