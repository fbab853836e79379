#pragma once
// Export of bars as CSV in the format CsvBarReader reads (see csv_reader.hpp), so that reading
// an exported file gives back exactly the records written: timestamps as ISO-8601 UTC
// ("2024-03-11T13:30:00Z"), decimals in their shortest exact text ("101.5"), whole volumes.
//
// Columns: timestamp,open,high,low,close,volume, then symbol, vwap and trade_count when chosen.
// Rows are formatted into a 1 MiB buffer and written in blocks.

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include <trader/data/bar_record.hpp>
#include <trader/data/csv_error.hpp>
#include <trader/data/csv_reader.hpp>  // the format, CsvColumns
#include <trader/data/symbol_table.hpp>

namespace trader::data {

struct CsvWriteOptions {
  // Without a symbol column every record must have the same symbol (else DataError), since the
  // file could not tell them apart.
  bool symbol_column = true;
  // nullopt: a column when any record of the first write() has a value for it. A later record
  // with a value but no column to hold it is a DataError, never a silent loss.
  std::optional<bool> vwap_column;
  std::optional<bool> trade_count_column;
};

class CsvBarWriter {
 public:
  // Creates (or truncates) `file`. `symbols` names the records' symbol ids and must outlive the
  // writer. Throws DataError when the file cannot be created.
  CsvBarWriter(const std::filesystem::path& file, const SymbolTable& symbols,
               CsvWriteOptions options = {});
  // Writes to `out` (not owned); `name` stands for it in messages.
  CsvBarWriter(std::ostream& out, std::string name, const SymbolTable& symbols,
               CsvWriteOptions options = {});

  CsvBarWriter(CsvBarWriter&&) noexcept;
  CsvBarWriter& operator=(CsvBarWriter&&) noexcept;
  // Flushes what finish() was not called for; errors are lost there, so call finish().
  ~CsvBarWriter();

  // The header goes out with the first call. Throws DataError (a write failure, a value with no
  // column, a second symbol without a symbol column).
  void write(std::span<const BarRecord> records);
  // Plain bars (no vwap, no trade count), e.g. from the synthetic generator.
  void write(std::span<const Bar> bars);
  // Writes the header if nothing was written (an empty export is a header-only file), flushes
  // and reports any write error as DataError. Nothing may be written after it.
  void finish();

  [[nodiscard]] std::size_t rows_written() const noexcept;
  // The columns chosen (known after the first write or finish).
  [[nodiscard]] const CsvColumns& columns() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The whole of `records` into `file` (tests, small exports).
void write_csv(const std::filesystem::path& file, std::span<const BarRecord> records,
               const SymbolTable& symbols, CsvWriteOptions options = {});

}  // namespace trader::data
