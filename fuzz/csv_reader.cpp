// Fuzz target: trader::data::CsvBarReader over CSV text held in memory.
// Normal outcomes: records, or DataError (bad header, bad rows). Each input is read twice: with
// a symbol column expected and naive times refused, and with a given symbol, naive times in New
// York, bad rows skipped and sub-minute bars resampled. Every delivered record must satisfy the
// documented row rules, and the counters must agree with what was delivered.

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include <trader/data/csv_reader.hpp>

#include "fuzz.hpp"

namespace {

using trader::data::BarRecord;
using trader::data::CsvBarReader;
using trader::data::CsvReadOptions;
using trader::data::DataError;
using trader::data::SymbolTable;
using trader::fuzz::expect;

void check(const BarRecord& r) {
  const auto& b = r.bar;
  constexpr std::int64_t kMinute = 60'000'000;
  expect(trader::core::to_unix_micros(b.ts) % kMinute == 0, "a bar not on a whole minute");
  const int year = static_cast<int>(trader::core::utc_date(b.ts).year());
  expect(year >= 1990 && year <= 2099, "a bar outside the calendar's years 1990..2099");
  expect(b.open.units() > 0 && b.high.units() > 0 && b.low.units() > 0 && b.close.units() > 0,
         "a price is not positive");
  expect(b.low <= b.open && b.open <= b.high, "open outside low..high");
  expect(b.low <= b.close && b.close <= b.high, "close outside low..high");
  expect(b.volume >= 0, "negative volume");
  expect(r.vwap.units() >= 0, "negative vwap");
  expect(r.trade_count >= -1, "trade count below -1 (the 'none' value)");
}

void read_all(const std::string& text, CsvReadOptions options) {
  SymbolTable symbols;
  const bool skipping = options.skip_bad_rows;
  const bool resampling = options.resample_to_minute;
  try {
    CsvBarReader reader = CsvBarReader::from_text(text, "fuzz.csv", std::move(options), symbols);
    std::array<BarRecord, 7> batch{};  // small, so batch boundaries fall inside the data
    std::map<std::uint32_t, trader::core::Timestamp> last;
    std::size_t delivered = 0;
    while (const std::size_t n = reader.read(batch)) {
      expect(n <= batch.size(), "read() returned more than the span holds");
      for (std::size_t i = 0; i < n; ++i) {
        check(batch[i]);
        const auto id = trader::data::index_of(batch[i].bar.symbol);
        expect(id < symbols.size(), "a record's symbol is not in the table");
        const auto [it, first] = last.try_emplace(id, batch[i].bar.ts);
        expect(first || it->second < batch[i].bar.ts, "timestamps do not increase per symbol");
        it->second = batch[i].bar.ts;
      }
      delivered += n;
    }
    expect(reader.bars_delivered() == delivered, "bars_delivered() differs from the bars read");
    expect(reader.good_rows() + reader.skipped_rows() == reader.rows_read(),
           "good and skipped rows do not add up to the rows read");
    expect(resampling ? delivered <= reader.good_rows() : delivered == reader.good_rows(),
           "more bars delivered than good rows (or fewer, without resampling)");
    expect(skipping || reader.skipped_rows() == 0, "rows skipped without skip_bad_rows");
    expect(reader.skipped().size() <= DataError::kKeptErrors, "more skipped rows kept than 20");
    expect(reader.skipped().size() <= reader.skipped_rows(), "more rows kept than skipped");
  } catch (const DataError& e) {
    expect(!e.file().empty(), "a DataError without a file name");
    expect(e.errors().size() <= DataError::kKeptErrors, "a DataError keeps more than 20 errors");
    expect(e.errors().size() <= e.error_count(), "a DataError keeps more errors than it counts");
  }
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  read_all(text, CsvReadOptions{});
  CsvReadOptions lenient;
  lenient.symbol = "AAPL";
  lenient.naive = trader::data::NaiveTimeZone::new_york;
  lenient.skip_bad_rows = true;
  lenient.resample_to_minute = true;
  read_all(text, lenient);
  return 0;
}
