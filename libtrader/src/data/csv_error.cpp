#include <trader/data/csv_error.hpp>

#include <algorithm>  // min
#include <utility>

#include <trader/core/text.hpp>

namespace trader::data {
namespace {

std::string describe(const std::string& file, const std::vector<CsvRowError>& errors,
                     std::size_t error_count) {
  if (error_count == 1 && errors.size() == 1) return errors.front().to_string();
  const std::size_t shown = std::min(errors.size(), DataError::kKeptErrors);
  std::string text = core::escape_for_message(file, core::kNoLimit) + ": " +
                     std::to_string(error_count) + (error_count == 1 ? " bad row" : " bad rows");
  if (shown < error_count) text += " (the first " + std::to_string(shown) + " below)";
  for (std::size_t i = 0; i < shown; ++i) {
    text += "\n  ";
    text += errors[i].to_string();
  }
  return text;
}

}  // namespace

// A file name may hold any bytes: it is escaped like any value from outside (issue 11 item 21).
// Messages are built escaped where they quote a value.
std::string CsvRowError::to_string() const {
  const std::string shown = core::escape_for_message(file, core::kNoLimit);
  if (line == 0) return shown + ": " + message;
  return shown + ':' + std::to_string(line) + ": " + message;
}

DataError::DataError(std::string file, std::vector<CsvRowError> errors, std::size_t error_count)
    : Error(describe(file, errors, error_count)),
      file_(std::move(file)),
      errors_(std::move(errors)),
      error_count_(error_count) {
  if (errors_.size() > kKeptErrors) errors_.resize(kKeptErrors);
}

DataError::DataError(const std::string& file, std::size_t line, std::string message)
    : DataError(file, {CsvRowError{file, line, std::move(message)}}, 1) {}

}  // namespace trader::data
