#pragma once
// Streaming import of one-minute bars from CSV files.
//
// Format. The first line is a header naming the columns, in any order and any letter case:
// timestamp, open, high, low, close, volume (required) and symbol, vwap, trade_count (optional).
// Any other column name is an error. Fields are separated by commas; spaces and tabs around a
// field are ignored. A field may be quoted as in RFC 4180 ("1.5", "timestamp", a doubled "" for
// a quote inside; spaces inside the quotes are ignored too); a quoted field cannot span lines.
// Lines may end in LF or CRLF, the last one may lack its newline, blank lines (or lines of
// spaces) are ignored and a UTF-8 byte-order mark is skipped.
//   timestamp    ISO-8601 with Z or an offset ("2024-03-11T13:30:00Z", "...09:30:00-04:00"),
//                or epoch seconds ("1710163800") or milliseconds ("1710163800000"): a number of
//                11 digits or more is milliseconds (1990..2099 in seconds has 9 or 10 digits).
//                A timestamp without a zone needs CsvReadOptions::naive. A bar is stamped with
//                the start of its minute: a timestamp that is not on a whole minute
//                ("13:30:30Z", "13:30:00.500Z") is a row error unless resample_to_minute. The
//                instant must fall in the calendar's years 1990..2099 (UTC), like every stored
//                bar.
//   prices       decimals with at most 8 fractional digits, positive; low <= open, close <= high.
//   volume       a whole number >= 0 ("1200" or "1200.0").
//   vwap         positive decimal; trade_count whole number >= 0; an empty field means absent.
//   symbol       a ticker (AAPL, BRK.B). Without this column CsvReadOptions::symbol names it.
// Timestamps must increase strictly per symbol; one file may hold several symbols.
//
// Errors. Any row that breaks a rule is a row error with its line (CsvRowError), whatever is
// wrong with it (values out of any range included): with skip_bad_rows it is skipped and
// counted, otherwise the file is refused. Values quoted into messages are escaped and cut
// (core::quote_for_message). No input text makes the reader throw anything but DataError (and
// ParseError for a bad options.symbol), crash or take more than linear time.
//
// Speed: the file is read in 1 MiB blocks and fields are parsed in place from string views, with
// no allocation per row, so one core parses well over a million rows a second. Quoted fields
// take a slower path only when a field starts with a quote.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <trader/data/bar_record.hpp>
#include <trader/data/csv_error.hpp>
#include <trader/data/symbol_table.hpp>

namespace trader::data {

// How a timestamp without a zone ("2024-03-11 09:30:00") is read.
enum class NaiveTimeZone : std::uint8_t {
  reject,    // a row error: the instant is unknown
  utc,       // "UTC"
  new_york,  // "America/New_York": US DST rules from trader/calendar; a reading that is skipped
             // or repeated at a DST switch is a row error, never guessed
};

// "reject" (the spelling "none" too), "UTC", "America/New_York" (case-insensitive); anything
// else is a ParseError naming the accepted values.
[[nodiscard]] NaiveTimeZone parse_naive_time_zone(std::string_view text);
[[nodiscard]] std::string_view to_string(NaiveTimeZone zone) noexcept;

struct CsvReadOptions {
  // The symbol of every row of a file without a symbol column. With a symbol column, rows of
  // any other symbol are errors.
  std::optional<std::string> symbol;
  NaiveTimeZone naive = NaiveTimeZone::reject;
  // Skip bad rows (counted, the first DataError::kKeptErrors kept) instead of refusing the file.
  bool skip_bad_rows = false;
  // Aggregate bars shorter than a minute (30-second bars, ticks stamped "13:30:00.500Z") into
  // the one-minute bar of the minute that holds them: open of the first, highest high, lowest
  // low, close of the last, summed volume; vwap weighted by volume when every part has one (the
  // plain mean when the volume is 0), trade_count summed when every part has one, else absent.
  // Rows must still increase strictly per symbol. A row whose sums do not fit is a row error.
  // A minute is delivered when its symbol's next minute starts, or at the end of the file.
  // Without this option a timestamp that is not on a whole minute is a row error.
  bool resample_to_minute = false;
};

// Which optional columns a file has (the writer can write the same set back).
struct CsvColumns {
  bool symbol = false;
  bool vwap = false;
  bool trade_count = false;
};

// Reads bars in file order. The constructor opens the file and checks the header; read() then
// delivers validated rows in batches.
//
// All or nothing: without skip_bad_rows, the first bad row makes read() go on validating the
// rest of the file (so that the DataError lists every problem, up to kKeptErrors) and then
// throw. Records returned by earlier read() calls must then be discarded; the bar store imports
// inside one transaction and rolls back on the exception.
class CsvBarReader {
 public:
  // `symbols` interns the symbols read and must outlive the reader. Throws DataError when the
  // file cannot be opened or its header is unusable, ParseError for a bad options.symbol.
  CsvBarReader(const std::filesystem::path& file, CsvReadOptions options, SymbolTable& symbols);
  // CSV text held in memory; `name` stands for the file in messages. `text` may hold any bytes
  // (a fuzzer's entry point): the outcome is records, a DataError or, for a bad options.symbol,
  // a ParseError.
  [[nodiscard]] static CsvBarReader from_text(std::string text, std::string name,
                                              CsvReadOptions options, SymbolTable& symbols);

  CsvBarReader(CsvBarReader&&) noexcept;
  CsvBarReader& operator=(CsvBarReader&&) noexcept;
  ~CsvBarReader();

  // Fills `out` from the front; returns how many records it wrote, 0 at the end of the file.
  // Throws DataError (bad rows, read failure).
  [[nodiscard]] std::size_t read(std::span<BarRecord> out);

  // Data rows read so far, good and bad (the header and blank lines are not rows).
  [[nodiscard]] std::size_t rows_read() const noexcept;
  // Rows that passed every check (with skip_bad_rows: rows_read() - skipped_rows()).
  [[nodiscard]] std::size_t good_rows() const noexcept;
  // Records returned by read() so far: good_rows(), or fewer with resample_to_minute.
  [[nodiscard]] std::size_t bars_delivered() const noexcept;
  // Bad rows skipped so far (skip_bad_rows), and the first DataError::kKeptErrors of them.
  [[nodiscard]] std::size_t skipped_rows() const noexcept;
  [[nodiscard]] std::span<const CsvRowError> skipped() const noexcept;
  [[nodiscard]] const CsvColumns& columns() const noexcept;
  [[nodiscard]] const std::string& file_name() const noexcept;

 private:
  struct Impl;
  explicit CsvBarReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Every record of a file at once (tests, small files); use CsvBarReader for large ones.
[[nodiscard]] std::vector<BarRecord> read_csv(const std::filesystem::path& file,
                                              CsvReadOptions options, SymbolTable& symbols);

}  // namespace trader::data
