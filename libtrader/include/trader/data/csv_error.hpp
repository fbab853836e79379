#pragma once
// Errors of the CSV bar reader and writer. A bad row is a CsvRowError (file, line, problem with
// the offending value); a file that cannot be used as a whole is a DataError listing the first
// row errors and how many there were, so one run shows a user everything to fix.

#include <cstddef>
#include <string>
#include <vector>

#include <trader/core/error.hpp>

namespace trader::data {

struct CsvRowError {
  std::string file;      // the path as the caller gave it
  std::size_t line = 0;  // 1-based physical line (the header is line 1); 0: the file as a whole
  std::string message;   // "low 101.5 above open 101.2"

  // "bars.csv:17: low 101.5 above open 101.2", or "bars.csv: empty file" for line 0; the file
  // name escaped as core::escape_for_message does (control characters, invalid UTF-8).
  [[nodiscard]] std::string to_string() const;
  friend bool operator==(const CsvRowError&, const CsvRowError&) = default;
};

// A data file that was refused as a whole: it could not be opened, read or written, its header
// is unusable, or it has bad rows and skipping them was not asked for. Whatever was already read
// from it must be discarded (the bar store imports inside one transaction).
class DataError : public Error {
 public:
  // How many row errors a DataError and a reader keep in full; the rest are only counted.
  static constexpr std::size_t kKeptErrors = 20;

  // `errors` holds the first errors (at most kKeptErrors are kept), `error_count` all of them.
  DataError(std::string file, std::vector<CsvRowError> errors, std::size_t error_count);
  // One problem with the file as a whole (line 0) or at one line.
  DataError(const std::string& file, std::size_t line, std::string message);

  [[nodiscard]] const std::string& file() const noexcept { return file_; }
  [[nodiscard]] const std::vector<CsvRowError>& errors() const noexcept { return errors_; }
  [[nodiscard]] std::size_t error_count() const noexcept { return error_count_; }

 private:
  std::string file_;
  std::vector<CsvRowError> errors_;
  std::size_t error_count_ = 0;
};

// A file without a symbol column read without a symbol for it (CsvReadOptions::symbol): the
// caller has to name one, e.g. trader-data import --symbol (a usage error, issue 11 item 21).
class MissingSymbolError : public DataError {
 public:
  using DataError::DataError;
};

}  // namespace trader::data
