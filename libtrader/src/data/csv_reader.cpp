#include <trader/data/csv_reader.hpp>

#include <array>
#include <cerrno>
#include <charconv>  // from_chars: integers without locale or allocation
#include <cstdio>
#include <cstring>  // memchr, memmove, strerror
#include <utility>

#include <trader/calendar/new_york.hpp>
#include <trader/core/symbol.hpp>
#include <trader/core/timestamp.hpp>

namespace trader::data {
namespace {

using core::Decimal;
using core::Timestamp;

enum class Column : std::uint8_t {
  timestamp,
  open,
  high,
  low,
  close,
  volume,
  symbol,
  vwap,
  trade_count
};
constexpr std::size_t kColumnKinds = 9;
constexpr std::array<std::string_view, kColumnKinds> kColumnNames{
    "timestamp", "open", "high", "low", "close", "volume", "symbol", "vwap", "trade_count"};
constexpr std::string_view kColumnList =
    "timestamp, open, high, low, close, volume and optionally symbol, vwap, trade_count";
constexpr std::size_t kRequiredColumns = 6;

// One read() of the file; also the longest line accepted (a bar row is under 200 bytes, so a
// longer line means the file is not a bar CSV at all).
constexpr std::size_t kBlockSize = std::size_t{1} << 20;

// Epoch seconds of 1990..2099 have 9 or 10 digits, milliseconds 12 or 13.
constexpr std::size_t kMillisecondDigits = 11;
// More milliseconds than 15 digits would overflow microseconds in int64 (and be past year 30000).
constexpr std::size_t kMaxEpochDigits = 15;

constexpr std::size_t index(Column c) noexcept { return static_cast<std::size_t>(c); }

bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

std::string_view trimmed(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

struct FileCloser {
  void operator()(std::FILE* file) const noexcept { std::fclose(file); }
};

}  // namespace

NaiveTimeZone parse_naive_time_zone(std::string_view text) {
  if (equals_ignoring_case(text, "reject") || equals_ignoring_case(text, "none")) {
    return NaiveTimeZone::reject;
  }
  if (equals_ignoring_case(text, "utc")) return NaiveTimeZone::utc;
  if (equals_ignoring_case(text, "america/new_york")) return NaiveTimeZone::new_york;
  throw ParseError("a time zone for naive timestamps: UTC or America/New_York", std::string(text));
}

std::string_view to_string(NaiveTimeZone zone) noexcept {
  switch (zone) {
    case NaiveTimeZone::reject:
      return "reject";
    case NaiveTimeZone::utc:
      return "UTC";
    case NaiveTimeZone::new_york:
      return "America/New_York";
  }
  return "reject";
}

struct CsvBarReader::Impl {
  std::string name;
  CsvReadOptions options;
  SymbolTable* symbols = nullptr;

  // Input: a file read in blocks into `block`, or text held whole in `held_text`.
  std::unique_ptr<std::FILE, FileCloser> file;
  std::unique_ptr<char[]> block;
  std::string held_text;
  const char* data = nullptr;
  std::size_t begin = 0;  // the unread part is data[begin, end)
  std::size_t end = 0;
  bool at_eof = false;
  std::size_t line = 0;  // of the line last taken

  // Where each kind of column is in a row (npos when absent), and how many fields a row has.
  std::array<std::size_t, kColumnKinds> position{};
  std::size_t field_count = 0;
  CsvColumns columns;

  // The fixed symbol of a file without a symbol column; the last symbol seen otherwise, since
  // rows of one symbol come in runs and a text comparison is cheaper than the table's lookup.
  SymbolId fixed_symbol{};
  std::string last_symbol_text;
  SymbolId last_symbol{};
  bool has_last_symbol = false;
  std::vector<Timestamp> last_ts;  // by SymbolId: the previous good row's timestamp

  std::size_t rows_read = 0;
  std::size_t error_count = 0;
  std::vector<CsvRowError> errors;  // the first kKeptErrors
  std::string message;              // of the row being refused
  bool failing = false;             // a bad row without skip_bad_rows: the read ends in a throw

  [[noreturn]] void fail_file(std::size_t at_line, std::string problem) const {
    throw DataError(name, at_line, std::move(problem));
  }

  void refill() {
    const std::size_t kept = end - begin;
    if (kept == kBlockSize) {
      fail_file(line + 1, "line longer than " + std::to_string(kBlockSize) +
                              " bytes: not a CSV file of bars");
    }
    std::memmove(block.get(), block.get() + begin, kept);
    begin = 0;
    end = kept;
    const std::size_t got = std::fread(block.get() + end, 1, kBlockSize - end, file.get());
    end += got;
    if (got < kBlockSize - kept) {
      if (std::ferror(file.get()) != 0) {
        fail_file(0, std::string("read failed: ") + std::strerror(errno));
      }
      at_eof = true;
    }
  }

  // The next line without its line ending; false at the end of the input.
  bool next_line(std::string_view& out) {
    for (;;) {
      const char* start = data + begin;
      const std::size_t available = end - begin;
      const void* newline = available == 0 ? nullptr : std::memchr(start, '\n', available);
      if (newline != nullptr) {
        const auto length = static_cast<std::size_t>(static_cast<const char*>(newline) - start);
        out = std::string_view(start, length);
        begin += length + 1;
      } else if (at_eof) {
        if (available == 0) return false;
        out = std::string_view(start, available);
        begin = end;
      } else {
        refill();
        data = block.get();
        continue;
      }
      ++line;
      if (!out.empty() && out.back() == '\r') out.remove_suffix(1);
      return true;
    }
  }

  void read_header() {
    std::string_view header;
    if (!next_line(header)) {
      fail_file(0,
                "empty file: expected a header line with the columns " + std::string(kColumnList));
    }
    if (header.starts_with("\xEF\xBB\xBF")) header.remove_prefix(3);  // UTF-8 byte-order mark
    if (!header.empty() && header.front() >= '0' && header.front() <= '9') {
      fail_file(1, "the first line is data, not a header; name the columns (" +
                       std::string(kColumnList) + ")");
    }
    position.fill(std::string_view::npos);
    std::size_t count = 0;
    for (std::size_t from = 0;; ++count) {
      const std::size_t comma = header.find(',', from);
      const std::string_view field = trimmed(header.substr(from, comma - from));
      std::size_t kind = 0;
      while (kind < kColumnKinds && !equals_ignoring_case(field, kColumnNames[kind])) ++kind;
      if (kind == kColumnKinds) {
        fail_file(
            1, "unknown column " + quoted(field) + "; the columns are " + std::string(kColumnList));
      }
      if (position[kind] != std::string_view::npos) {
        fail_file(1, "column " + quoted(kColumnNames[kind]) + " appears twice");
      }
      position[kind] = count;
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
    field_count = count + 1;
    std::string missing;
    for (std::size_t kind = 0; kind < kRequiredColumns; ++kind) {
      if (position[kind] != std::string_view::npos) continue;
      missing += missing.empty() ? "" : ", ";
      missing += kColumnNames[kind];
    }
    if (!missing.empty()) fail_file(1, "missing column(s) " + missing);
    columns.symbol = position[index(Column::symbol)] != std::string_view::npos;
    columns.vwap = position[index(Column::vwap)] != std::string_view::npos;
    columns.trade_count = position[index(Column::trade_count)] != std::string_view::npos;
    if (!columns.symbol) {
      if (!options.symbol) {
        fail_file(1, "no symbol column, and no symbol was given for the file");
      }
      fixed_symbol = symbols->intern(*options.symbol);
    }
  }

  // Row checks: each returns false after setting `message`.
  bool refuse(std::string problem) {
    message = std::move(problem);
    return false;
  }

  bool parse_timestamp(std::string_view text, Timestamp& out) {
    if (all_digits(text)) {
      std::int64_t value = 0;
      const auto [end_of_number, error] =
          std::from_chars(text.data(), text.data() + text.size(), value);
      if (error != std::errc{} || end_of_number != text.data() + text.size() ||
          text.size() > kMaxEpochDigits) {
        return refuse("timestamp " + quoted(text) + " is out of range");
      }
      const std::int64_t micros_per_unit = text.size() >= kMillisecondDigits ? 1'000 : 1'000'000;
      out = core::from_unix_micros(value * micros_per_unit);
      return true;
    }
    core::DateTimeText parsed;
    try {
      parsed = core::parse_date_time(text);
    } catch (const ParseError& e) {
      return refuse(std::string("timestamp: ") + e.what());
    }
    if (parsed.utc_offset) {
      out = Timestamp{parsed.local.time_since_epoch() - *parsed.utc_offset};
      return true;
    }
    switch (options.naive) {
      case NaiveTimeZone::reject:
        return refuse("timestamp " + quoted(text) +
                      " has no zone (Z or an offset); say which zone naive timestamps are in "
                      "(UTC or America/New_York)");
      case NaiveTimeZone::utc:
        out = Timestamp{parsed.local.time_since_epoch()};
        return true;
      case NaiveTimeZone::new_york:
        try {
          out = calendar::from_new_york(parsed.local, calendar::LocalTimeChoice::reject);
        } catch (const calendar::CalendarError& e) {
          return refuse("timestamp " + quoted(text) + " in America/New_York: " + e.what());
        }
        return true;
    }
    return refuse("timestamp: unknown naive time zone option");
  }

  bool parse_price(Column column, std::string_view text, Decimal& out) {
    try {
      out = Decimal::parse(text);
    } catch (const ParseError& e) {
      return refuse(std::string(kColumnNames[index(column)]) + ": " + e.what());
    }
    if (out.units() <= 0) {
      return refuse(std::string(kColumnNames[index(column)]) + " " + std::string(text) +
                    " is not positive");
    }
    return true;
  }

  // A whole number >= 0; "1200.0" too, as tools that hold volumes as floats write it.
  bool parse_count(Column column, std::string_view text, std::int64_t& out) {
    const char* last = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), last, out);
    if (error != std::errc{} || stop != last) {
      Decimal value;
      try {
        value = Decimal::parse(text);
      } catch (const ParseError&) {
        return refuse(std::string(kColumnNames[index(column)]) + " " + quoted(text) +
                      " is not a whole number");
      }
      if (value.units() % Decimal::kScale != 0) {
        return refuse(std::string(kColumnNames[index(column)]) + " " + std::string(text) +
                      " is not a whole number");
      }
      out = value.truncated();
    }
    if (out < 0) {
      return refuse(std::string(kColumnNames[index(column)]) + " " + std::string(text) +
                    " is negative");
    }
    return true;
  }

  bool parse_symbol(std::string_view text, SymbolId& out) {
    if (has_last_symbol && text == last_symbol_text) {
      out = last_symbol;
      return true;
    }
    if (!core::is_valid_symbol(text)) {
      return refuse("symbol " + quoted(text) + " is not a ticker like AAPL or BRK.B");
    }
    if (options.symbol && text != *options.symbol) {
      return refuse("symbol " + std::string(text) + " differs from the file's symbol " +
                    *options.symbol);
    }
    out = symbols->intern(text);
    last_symbol_text.assign(text);
    last_symbol = out;
    has_last_symbol = true;
    return true;
  }

  bool parse_row(std::string_view row, BarRecord& out) {
    std::array<std::string_view, kColumnKinds> fields;
    std::size_t count = 0;
    const char* cursor = row.data();
    const char* const stop = row.data() + row.size();
    for (;;) {
      const auto* comma = static_cast<const char*>(
          std::memchr(cursor, ',', static_cast<std::size_t>(stop - cursor)));
      const char* field_end = comma != nullptr ? comma : stop;
      if (count < kColumnKinds) {
        fields[count] = std::string_view(cursor, static_cast<std::size_t>(field_end - cursor));
      }
      ++count;
      if (comma == nullptr) break;
      cursor = comma + 1;
    }
    if (count != field_count) {
      return refuse("expected " + std::to_string(field_count) + " fields, found " +
                    std::to_string(count));
    }
    const auto field = [&](Column c) { return fields[position[index(c)]]; };

    Bar& bar = out.bar;
    if (!parse_timestamp(field(Column::timestamp), bar.ts)) return false;
    if (!parse_price(Column::open, field(Column::open), bar.open)) return false;
    if (!parse_price(Column::high, field(Column::high), bar.high)) return false;
    if (!parse_price(Column::low, field(Column::low), bar.low)) return false;
    if (!parse_price(Column::close, field(Column::close), bar.close)) return false;
    if (!parse_count(Column::volume, field(Column::volume), bar.volume)) return false;
    out.vwap = Decimal{};
    if (columns.vwap && !field(Column::vwap).empty() &&
        !parse_price(Column::vwap, field(Column::vwap), out.vwap)) {
      return false;
    }
    out.trade_count = -1;
    if (columns.trade_count && !field(Column::trade_count).empty() &&
        !parse_count(Column::trade_count, field(Column::trade_count), out.trade_count)) {
      return false;
    }
    if (columns.symbol) {
      if (!parse_symbol(field(Column::symbol), bar.symbol)) return false;
    } else {
      bar.symbol = fixed_symbol;
    }

    const auto above = [&](Column a, Column b) {
      return refuse(std::string(kColumnNames[index(a)]) + " " + std::string(field(a)) + " above " +
                    std::string(kColumnNames[index(b)]) + " " + std::string(field(b)));
    };
    if (bar.high < bar.low) return above(Column::low, Column::high);
    if (bar.open < bar.low) return above(Column::low, Column::open);
    if (bar.close < bar.low) return above(Column::low, Column::close);
    if (bar.high < bar.open) return above(Column::open, Column::high);
    if (bar.high < bar.close) return above(Column::close, Column::high);

    const std::size_t id = index_of(bar.symbol);
    if (id >= last_ts.size()) last_ts.resize(id + 1, Timestamp::min());
    if (bar.ts <= last_ts[id]) {
      return refuse("timestamp " + std::string(field(Column::timestamp)) + " (" +
                    core::format_timestamp(bar.ts) + ") is not after the previous " +
                    symbols->name(bar.symbol) + " row's " + core::format_timestamp(last_ts[id]));
    }
    last_ts[id] = bar.ts;
    return true;
  }

  void record_error() {
    ++error_count;
    if (errors.size() < DataError::kKeptErrors) {
      errors.push_back(CsvRowError{name, line, std::move(message)});
    }
    message.clear();
  }

  std::size_t read(std::span<BarRecord> out) {
    std::size_t filled = 0;
    BarRecord scratch;  // rows validated after a failure are not delivered
    std::string_view row;
    while ((failing || filled < out.size()) && next_line(row)) {
      if (row.empty()) continue;
      BarRecord& slot = failing ? scratch : out[filled];
      if (parse_row(row, slot)) {
        if (!failing) ++filled;
      } else {
        record_error();
        if (!options.skip_bad_rows) failing = true;
      }
    }
    if (failing) throw DataError(name, errors, error_count);
    rows_read += filled;
    return filled;
  }
};

CsvBarReader::CsvBarReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->read_header();
}

CsvBarReader::CsvBarReader(const std::filesystem::path& file, CsvReadOptions options,
                           SymbolTable& symbols) {
  auto impl = std::make_unique<Impl>();
  impl->name = file.string();
  if (options.symbol) options.symbol = core::parse_symbol(*options.symbol);
  impl->options = std::move(options);
  impl->symbols = &symbols;
  impl->file.reset(std::fopen(impl->name.c_str(), "rb"));
  if (!impl->file) {
    impl->fail_file(0, std::string("cannot open: ") + std::strerror(errno));
  }
  impl->block = std::make_unique_for_overwrite<char[]>(kBlockSize);
  impl->data = impl->block.get();
  impl_ = std::move(impl);
  impl_->read_header();
}

CsvBarReader CsvBarReader::from_text(std::string text, std::string name, CsvReadOptions options,
                                     SymbolTable& symbols) {
  auto impl = std::make_unique<Impl>();
  impl->name = std::move(name);
  if (options.symbol) options.symbol = core::parse_symbol(*options.symbol);
  impl->options = std::move(options);
  impl->symbols = &symbols;
  impl->held_text = std::move(text);
  impl->data = impl->held_text.data();
  impl->end = impl->held_text.size();
  impl->at_eof = true;
  return CsvBarReader(std::move(impl));
}

CsvBarReader::CsvBarReader(CsvBarReader&&) noexcept = default;
CsvBarReader& CsvBarReader::operator=(CsvBarReader&&) noexcept = default;
CsvBarReader::~CsvBarReader() = default;

std::size_t CsvBarReader::read(std::span<BarRecord> out) { return impl_->read(out); }
std::size_t CsvBarReader::rows_read() const noexcept { return impl_->rows_read; }
std::size_t CsvBarReader::skipped_rows() const noexcept { return impl_->error_count; }
std::span<const CsvRowError> CsvBarReader::skipped() const noexcept { return impl_->errors; }
const CsvColumns& CsvBarReader::columns() const noexcept { return impl_->columns; }
const std::string& CsvBarReader::file_name() const noexcept { return impl_->name; }

std::vector<BarRecord> read_csv(const std::filesystem::path& file, CsvReadOptions options,
                                SymbolTable& symbols) {
  CsvBarReader reader(file, std::move(options), symbols);
  std::vector<BarRecord> records;
  std::vector<BarRecord> batch(4096);
  while (const std::size_t n = reader.read(batch)) {
    records.insert(records.end(), batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(n));
  }
  return records;
}

}  // namespace trader::data
