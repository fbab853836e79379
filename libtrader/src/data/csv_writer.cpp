#include <trader/data/csv_writer.hpp>

#include <charconv>  // to_chars: integers without locale or allocation
#include <chrono>
#include <cstring>  // memcpy
#include <fstream>
#include <optional>
#include <utility>

#include <trader/core/timestamp.hpp>

namespace trader::data {
namespace {

using core::Decimal;
using core::Timestamp;

constexpr std::size_t kBufferSize = std::size_t{1} << 20;
// Room for one row apart from its symbol: a timestamp (27), five decimals and two integers of at
// most 21 characters each, and the commas.
constexpr std::size_t kRowRoom = 256;

char* write_digits(char* out, unsigned value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

// The text of core::format_timestamp, without a std::string per row.
char* write_timestamp(char* out, Timestamp ts) {
  using namespace std::chrono;
  const auto day_start = floor<days>(ts);
  const year_month_day date{day_start};
  const int y = static_cast<int>(date.year());
  if (y < 0 || y > 9999) {
    const std::string text = core::format_timestamp(ts);
    std::memcpy(out, text.data(), text.size());
    return out + text.size();
  }
  const hh_mm_ss<core::Microseconds> time{ts - day_start};
  out = write_digits(out, static_cast<unsigned>(y), 4);
  *out++ = '-';
  out = write_digits(out, static_cast<unsigned>(date.month()), 2);
  *out++ = '-';
  out = write_digits(out, static_cast<unsigned>(date.day()), 2);
  *out++ = 'T';
  out = write_digits(out, static_cast<unsigned>(time.hours().count()), 2);
  *out++ = ':';
  out = write_digits(out, static_cast<unsigned>(time.minutes().count()), 2);
  *out++ = ':';
  out = write_digits(out, static_cast<unsigned>(time.seconds().count()), 2);
  if (const auto micros = time.subseconds().count(); micros != 0) {
    *out++ = '.';
    out = write_digits(out, static_cast<unsigned>(micros), 6);
  }
  *out++ = 'Z';
  return out;
}

char* write_integer(char* out, std::int64_t value) {
  return std::to_chars(out, out + 21, value).ptr;
}

// The text of Decimal::to_string (shortest exact), without a std::string per field.
char* write_decimal(char* out, Decimal value) {
  const std::int64_t units = value.units();
  const std::uint64_t magnitude = units < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(units)
                                            : static_cast<std::uint64_t>(units);
  if (units < 0) *out++ = '-';
  constexpr auto kScale = static_cast<std::uint64_t>(Decimal::kScale);
  out = std::to_chars(out, out + 20, magnitude / kScale).ptr;
  auto fraction = static_cast<unsigned>(magnitude % kScale);
  if (fraction == 0) return out;
  int digits = Decimal::kFractionDigits;
  while (fraction % 10 == 0) {
    fraction /= 10;
    --digits;
  }
  *out++ = '.';
  return write_digits(out, fraction, digits);
}

}  // namespace

struct CsvBarWriter::Impl {
  std::string name;
  std::unique_ptr<std::ofstream> owned;
  std::ostream* out = nullptr;
  const SymbolTable* symbols = nullptr;
  CsvWriteOptions options;
  CsvColumns columns;
  bool started = false;
  bool finished = false;
  std::unique_ptr<char[]> buffer = std::make_unique_for_overwrite<char[]>(kBufferSize);
  std::size_t used = 0;
  std::size_t rows = 0;
  // The symbol of the last row and its text, so the table is asked once per run of a symbol.
  std::optional<SymbolId> last_symbol;
  std::string_view last_name;
  std::optional<SymbolId> only_symbol;  // without a symbol column: the one symbol allowed

  [[noreturn]] void fail(std::string problem) const {
    throw DataError(name, 0, std::move(problem));
  }

  void flush_buffer() {
    out->write(buffer.get(), static_cast<std::streamsize>(used));
    used = 0;
    if (!*out) fail("write failed");
  }

  void start(bool any_vwap, bool any_trade_count) {
    if (finished) fail("write after finish");
    if (started) return;
    started = true;
    columns.symbol = options.symbol_column;
    columns.vwap = options.vwap_column.value_or(any_vwap);
    columns.trade_count = options.trade_count_column.value_or(any_trade_count);
    std::string header = columns.symbol ? "symbol," : "";
    header += "timestamp,open,high,low,close,volume";
    if (columns.vwap) header += ",vwap";
    if (columns.trade_count) header += ",trade_count";
    header += '\n';
    std::memcpy(buffer.get() + used, header.data(), header.size());
    used += header.size();
  }

  std::string describe(const Bar& bar) const {
    const std::string symbol = index_of(bar.symbol) < symbols->size()
                                   ? symbols->name(bar.symbol)
                                   : "symbol id " + std::to_string(index_of(bar.symbol));
    return "the " + symbol + " bar at " + core::format_timestamp(bar.ts);
  }

  std::string_view symbol_name(const Bar& bar) {
    if (last_symbol != bar.symbol) {
      if (index_of(bar.symbol) >= symbols->size()) {
        fail(describe(bar) + ": its symbol id is not in the symbol table");
      }
      if (!columns.symbol) {
        if (only_symbol && *only_symbol != bar.symbol) {
          fail(describe(bar) + ": a second symbol (after " + symbols->name(*only_symbol) +
               ") needs the symbol column");
        }
        only_symbol = bar.symbol;
      }
      last_symbol = bar.symbol;
      last_name = symbols->name(bar.symbol);
      if (last_name.size() > kRowRoom) fail(describe(bar) + ": symbol too long");
    }
    return last_name;
  }

  void row(const Bar& bar, Decimal vwap, std::int64_t trade_count) {
    const std::string_view symbol = symbol_name(bar);
    if (!vwap.is_zero() && !columns.vwap) {
      fail(describe(bar) + " has a vwap but the file has no vwap column");
    }
    if (trade_count >= 0 && !columns.trade_count) {
      fail(describe(bar) + " has a trade count but the file has no trade_count column");
    }
    if (used + kRowRoom * 2 > kBufferSize) flush_buffer();
    char* p = buffer.get() + used;
    if (columns.symbol) {
      std::memcpy(p, symbol.data(), symbol.size());
      p += symbol.size();
      *p++ = ',';
    }
    p = write_timestamp(p, bar.ts);
    *p++ = ',';
    p = write_decimal(p, bar.open);
    *p++ = ',';
    p = write_decimal(p, bar.high);
    *p++ = ',';
    p = write_decimal(p, bar.low);
    *p++ = ',';
    p = write_decimal(p, bar.close);
    *p++ = ',';
    p = write_integer(p, bar.volume);
    if (columns.vwap) {
      *p++ = ',';
      if (!vwap.is_zero()) p = write_decimal(p, vwap);
    }
    if (columns.trade_count) {
      *p++ = ',';
      if (trade_count >= 0) p = write_integer(p, trade_count);
    }
    *p++ = '\n';
    used = static_cast<std::size_t>(p - buffer.get());
    ++rows;
  }
};

CsvBarWriter::CsvBarWriter(const std::filesystem::path& file, const SymbolTable& symbols,
                           CsvWriteOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->name = file.string();
  impl_->owned = std::make_unique<std::ofstream>(file, std::ios::binary | std::ios::trunc);
  if (!*impl_->owned) impl_->fail("cannot create the file");
  impl_->out = impl_->owned.get();
  impl_->symbols = &symbols;
  impl_->options = options;
}

CsvBarWriter::CsvBarWriter(std::ostream& out, std::string name, const SymbolTable& symbols,
                           CsvWriteOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->name = std::move(name);
  impl_->out = &out;
  impl_->symbols = &symbols;
  impl_->options = options;
}

CsvBarWriter::CsvBarWriter(CsvBarWriter&&) noexcept = default;
CsvBarWriter& CsvBarWriter::operator=(CsvBarWriter&&) noexcept = default;

CsvBarWriter::~CsvBarWriter() {
  // Best effort only: a destructor cannot report a failure, finish() does.
  if (!impl_ || impl_->finished) return;
  try {
    if (!impl_->started) impl_->start(false, false);
    impl_->out->write(impl_->buffer.get(), static_cast<std::streamsize>(impl_->used));
    impl_->out->flush();
  } catch (...) {  // NOLINT(bugprone-empty-catch): nothing can be reported from a destructor
  }
}

void CsvBarWriter::write(std::span<const BarRecord> records) {
  if (!impl_->started) {
    bool any_vwap = false;
    bool any_trade_count = false;
    for (const BarRecord& record : records) {
      any_vwap = any_vwap || record.has_vwap();
      any_trade_count = any_trade_count || record.has_trade_count();
    }
    impl_->start(any_vwap, any_trade_count);
  }
  if (impl_->finished) impl_->fail("write after finish");
  for (const BarRecord& record : records) impl_->row(record.bar, record.vwap, record.trade_count);
}

void CsvBarWriter::write(std::span<const Bar> bars) {
  impl_->start(false, false);
  for (const Bar& bar : bars) impl_->row(bar, Decimal{}, -1);
}

void CsvBarWriter::finish() {
  impl_->start(false, false);
  impl_->flush_buffer();
  impl_->out->flush();
  if (impl_->owned) impl_->owned->close();
  if (!*impl_->out) impl_->fail("write failed");
  impl_->finished = true;
}

std::size_t CsvBarWriter::rows_written() const noexcept { return impl_->rows; }
const CsvColumns& CsvBarWriter::columns() const noexcept { return impl_->columns; }

void write_csv(const std::filesystem::path& file, std::span<const BarRecord> records,
               const SymbolTable& symbols, CsvWriteOptions options) {
  CsvBarWriter writer(file, symbols, options);
  writer.write(records);
  writer.finish();
}

}  // namespace trader::data
