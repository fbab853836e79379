#include <trader/data/csv_reader.hpp>

#include <array>
#include <cerrno>
#include <charconv>  // from_chars: integers without locale or allocation
#include <cstdio>
#include <cstring>  // memchr, memmove, strerror
#include <utility>

#include <trader/calendar/new_york.hpp>
#include <trader/core/symbol.hpp>
#include <trader/core/text.hpp>
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
// Epoch milliseconds of 14 digits or more are past the year 2286, far outside the calendar (and
// past what the date types can show from 15 digits on).
constexpr std::size_t kMaxEpochDigits = 13;

// Bars are stamped with the start of their minute.
constexpr std::int64_t kMinuteMicros = 60'000'000;

// The instants the calendar (and so the store) covers: UTC dates of kFirstYear..kLastYear.
constexpr Timestamp kFirstInstant =
    core::start_of_day(std::chrono::year{calendar::kFirstYear} / 1 / 1);
constexpr Timestamp kEndInstant =
    core::start_of_day(std::chrono::year{calendar::kLastYear + 1} / 1 / 1);

__extension__ using Int128 = __int128;

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

constexpr bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

// Whether a byte can start or end a field that needs more than the plain path (a blank to trim,
// a quote): one comparison for the usual first and last bytes (digits, letters).
constexpr bool needs_care(char c) noexcept {
  return static_cast<unsigned char>(c) <= static_cast<unsigned char>(' ') || c == '"';
}

// numerator / denominator rounded half-even (both positive).
Int128 divide_half_even(Int128 numerator, Int128 denominator) noexcept {
  Int128 quotient = numerator / denominator;
  const Int128 twice = (numerator % denominator) * 2;
  if (twice > denominator || (twice == denominator && quotient % 2 != 0)) ++quotient;
  return quotient;
}

bool all_digits(std::string_view text) noexcept {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

constexpr std::array<std::int64_t, 9> kPowersOfTen{
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};

// The usual price, "123.45": at most 10 integer digits (so the units fit in int64) and, after a
// point, 1 to Decimal::kFractionDigits digits. Read here without the general parser; anything
// else returns false and goes to Decimal::parse, which gives the same value or the error.
bool parse_plain_decimal(std::string_view text, Decimal& out) noexcept {
  constexpr int kMaxWholeDigits = 10;
  const char* p = text.data();
  const char* const end = p + text.size();
  std::int64_t whole = 0;
  int digits = 0;
  for (; p != end && is_digit(*p); ++p) {
    if (++digits > kMaxWholeDigits) return false;
    whole = whole * 10 + (*p - '0');
  }
  if (digits == 0) return false;
  std::int64_t fraction = 0;
  int fraction_digits = 0;
  if (p != end) {
    if (*p != '.') return false;
    for (++p; p != end && is_digit(*p); ++p) {
      if (++fraction_digits > Decimal::kFractionDigits) return false;
      fraction = fraction * 10 + (*p - '0');
    }
    if (p != end || fraction_digits == 0) return false;
  }
  out = Decimal::from_units(
      whole * Decimal::kScale +
      fraction *
          kPowersOfTen[static_cast<std::size_t>(Decimal::kFractionDigits - fraction_digits)]);
  return true;
}

// The usual timestamp, "2024-03-11T13:30:00Z" (or with a space for the T), read without the
// general ISO-8601 parser; anything else returns false and goes to core::parse_date_time, which
// gives the same instant or the error.
bool parse_plain_utc(std::string_view t, Timestamp& out) noexcept {
  if (t.size() != 20 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') ||
      t[13] != ':' || t[16] != ':' || t[19] != 'Z') {
    return false;
  }
  const auto two = [&](std::size_t at, int& value) {
    if (!is_digit(t[at]) || !is_digit(t[at + 1])) return false;
    value = (t[at] - '0') * 10 + (t[at + 1] - '0');
    return true;
  };
  int century = 0, year_of_century = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!two(0, century) || !two(2, year_of_century) || !two(5, month) || !two(8, day) ||
      !two(11, hour) || !two(14, minute) || !two(17, second)) {
    return false;
  }
  const std::chrono::year_month_day date{std::chrono::year{century * 100 + year_of_century},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return false;
  out = Timestamp{std::chrono::sys_days{date}} + std::chrono::hours{hour} +
        std::chrono::minutes{minute} + std::chrono::seconds{second};
  return true;
}

std::string quoted(std::string_view text) { return core::quote_for_message(text); }
// A value that passed a parser (digits, a sign, a point): shown as is, but never trusted.
std::string shown(std::string_view text) { return core::escape_for_message(text); }

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

  // Input: a file read in blocks into `block`, or text held whole in `held_text`. Lines are
  // handed out as writable memory: a quoted field is unescaped in place.
  std::unique_ptr<std::FILE, FileCloser> file;
  std::unique_ptr<char[]> block;
  std::string held_text;
  char* data = nullptr;
  std::size_t begin = 0;  // the unread part is data[begin, end)
  std::size_t end = 0;
  bool at_eof = false;
  bool input_done = false;  // next_line() returned false
  std::size_t line = 0;     // of the line last taken

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

  // resample_to_minute: the minute being aggregated for each symbol (by SymbolId).
  struct Minute {
    BarRecord record;  // its ts is the minute; vwap and trade_count are filled in by finish()
    bool open = false;
    bool all_vwap = true;
    bool all_trade_counts = true;
    Int128 vwap_volume = 0;  // sum of vwap units x volume
    Int128 vwap_sum = 0;     // sum of vwap units (a plain mean when the volume is 0)
    std::int64_t parts = 0;
  };
  std::vector<Minute> minutes;
  BarRecord completed;  // a minute that a row closed, for read() to deliver
  bool has_completed = false;
  std::size_t flush_from = 0;  // at the end of the input: the next symbol to deliver

  std::size_t rows_seen = 0;
  std::size_t delivered = 0;
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

  // The next line without its line ending, as [out, out + size); false at the end of the input.
  bool next_line(char*& out, std::size_t& size) {
    for (;;) {
      char* start = data + begin;
      const std::size_t available = end - begin;
      void* newline = available == 0 ? nullptr : std::memchr(start, '\n', available);
      if (newline != nullptr) {
        size = static_cast<std::size_t>(static_cast<char*>(newline) - start);
        begin += size + 1;
      } else if (at_eof) {
        if (available == 0) {
          input_done = true;
          return false;
        }
        size = available;
        begin = end;
      } else {
        refill();
        data = block.get();
        continue;
      }
      out = start;
      ++line;
      if (size > 0 && out[size - 1] == '\r') --size;
      return true;
    }
  }

  // Row checks: each returns false after setting `message`.
  bool refuse(std::string problem) {
    message = std::move(problem);
    return false;
  }

  // A field that starts with a quote (at `quote`): RFC 4180, "" for a quote inside. The content
  // is unescaped in place and trimmed of spaces and tabs.
  bool take_quoted(char* quote, char* stop, char*& cursor, std::string_view& field, bool& more,
                   std::size_t number) {
    char* const content = quote + 1;
    char* read = content;
    char* write = content;
    for (;;) {
      auto* next =
          static_cast<char*>(std::memchr(read, '"', static_cast<std::size_t>(stop - read)));
      if (next == nullptr) {
        return refuse("field " + std::to_string(number) +
                      ": a quoted field is not closed on its line (a field cannot span lines)");
      }
      const auto length = static_cast<std::size_t>(next - read);
      if (write != read) std::memmove(write, read, length);
      write += length;
      read = next + 1;
      if (read == stop || *read != '"') break;  // the closing quote
      *write++ = '"';                           // a doubled quote
      ++read;
    }
    while (read != stop && is_blank(*read)) ++read;
    if (read != stop && *read != ',') {
      const char* comma =
          static_cast<const char*>(std::memchr(read, ',', static_cast<std::size_t>(stop - read)));
      const char* after = comma != nullptr ? comma : stop;
      return refuse("field " + std::to_string(number) + ": " +
                    quoted(std::string_view(read, static_cast<std::size_t>(after - read))) +
                    " after the closing quote");
    }
    more = read != stop;
    cursor = more ? read + 1 : stop;
    char* first = content;
    while (first != write && is_blank(*first)) ++first;
    while (write != first && is_blank(write[-1])) --write;
    field = std::string_view(first, static_cast<std::size_t>(write - first));
    return true;
  }

  // The field at `cursor` (1-based `number`), trimmed; moves `cursor` past its comma and sets
  // `more` when another field follows. False (message set) for a badly quoted field.
  bool take_field(char*& cursor, char* stop, std::string_view& field, bool& more,
                  std::size_t number) {
    char* first = cursor;
    if (first != stop && needs_care(*first)) {
      while (first != stop && is_blank(*first)) ++first;
      if (first != stop && *first == '"') {
        return take_quoted(first, stop, cursor, field, more, number);
      }
    }
    auto* comma =
        static_cast<char*>(std::memchr(first, ',', static_cast<std::size_t>(stop - first)));
    const char* last = comma != nullptr ? comma : stop;
    more = comma != nullptr;
    cursor = more ? comma + 1 : stop;
    while (last != first && needs_care(last[-1]) && is_blank(last[-1])) --last;
    field = std::string_view(first, static_cast<std::size_t>(last - first));
    return true;
  }

  void read_header() {
    char* header = nullptr;
    std::size_t size = 0;
    if (!next_line(header, size)) {
      fail_file(0,
                "empty file: expected a header line with the columns " + std::string(kColumnList));
    }
    if (std::string_view(header, size).starts_with("\xEF\xBB\xBF")) {  // UTF-8 byte-order mark
      header += 3;
      size -= 3;
    }
    if (size > 0 && header[0] >= '0' && header[0] <= '9') {
      fail_file(1, "the first line is data, not a header; name the columns (" +
                       std::string(kColumnList) + ")");
    }
    position.fill(std::string_view::npos);
    std::size_t count = 0;
    char* cursor = header;
    char* const stop = header + size;
    for (bool more = true; more; ++count) {
      std::string_view field;
      if (!take_field(cursor, stop, field, more, count + 1)) fail_file(1, std::move(message));
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
    }
    field_count = count;
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
        throw MissingSymbolError(name, 1, "no symbol column, and no symbol was given for the file");
      }
      fixed_symbol = symbols->intern(*options.symbol);
    }
  }

  // "'1710163800' (2024-03-11T13:30:00Z)": the text and the instant it was read as.
  static std::string timestamp_shown(std::string_view text, Timestamp ts) {
    return shown(text) + " (" + core::format_timestamp(ts) + ")";
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
    if (parse_plain_utc(text, out)) return true;
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

  // The checks every bar's instant must pass (issue 11 items 14 and 15).
  bool check_instant(std::string_view text, Timestamp ts) {
    if (ts < kFirstInstant || ts >= kEndInstant) {
      return refuse("timestamp " + timestamp_shown(text, ts) + " is outside the calendar's years " +
                    std::to_string(calendar::kFirstYear) + ".." +
                    std::to_string(calendar::kLastYear));
    }
    if (!options.resample_to_minute && ts.time_since_epoch().count() % kMinuteMicros != 0) {
      return refuse("timestamp " + timestamp_shown(text, ts) +
                    " is not on a whole minute: one-minute bars start at :00 (aggregate shorter "
                    "bars into minutes with the resample option, trader-data import --resample "
                    "1min)");
    }
    return true;
  }

  bool parse_price(Column column, std::string_view text, Decimal& out) {
    if (!parse_plain_decimal(text, out)) {
      try {
        out = Decimal::parse(text);
      } catch (const ParseError& e) {
        return refuse(std::string(kColumnNames[index(column)]) + ": " + e.what());
      }
    }
    if (out.units() <= 0) {
      return refuse(std::string(kColumnNames[index(column)]) + " " + shown(text) +
                    " is not positive");
    }
    return true;
  }

  // A whole number >= 0; "1200.0" too, as tools that hold volumes as floats write it.
  bool parse_count(Column column, std::string_view text, std::int64_t& out) {
    const char* last = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), last, out);
    if (error == std::errc::result_out_of_range) {
      return refuse(std::string(kColumnNames[index(column)]) + " " + quoted(text) +
                    " is out of range");
    }
    if (error != std::errc{} || stop != last) {
      Decimal value;
      try {
        value = Decimal::parse(text);
      } catch (const ParseError&) {
        return refuse(std::string(kColumnNames[index(column)]) + " " + quoted(text) +
                      " is not a whole number");
      }
      if (value.units() % Decimal::kScale != 0) {
        return refuse(std::string(kColumnNames[index(column)]) + " " + shown(text) +
                      " is not a whole number");
      }
      out = value.truncated();
    }
    if (out < 0) {
      return refuse(std::string(kColumnNames[index(column)]) + " " + shown(text) + " is negative");
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

  // resample_to_minute: adds a good row to its symbol's minute; when the row starts a new minute,
  // the previous one goes to `completed`. False (message set) when the sums do not fit.
  bool fold(const BarRecord& row) {
    const std::size_t id = index_of(row.bar.symbol);
    if (id >= minutes.size()) minutes.resize(id + 1);
    Minute& m = minutes[id];
    const std::int64_t micros = row.bar.ts.time_since_epoch().count();
    const Timestamp minute = core::from_unix_micros(micros - micros % kMinuteMicros);
    const Int128 weighted = static_cast<Int128>(row.vwap.units()) * row.bar.volume;
    if (m.open && m.record.bar.ts == minute) {
      Bar& bar = m.record.bar;
      const auto too_large = [&](const char* what) {
        return refuse(std::string("the ") + what + " of the " + symbols->name(row.bar.symbol) +
                      " rows of minute " + core::format_timestamp(minute) +
                      " add up to more than fits (resampling)");
      };
      std::int64_t volume = 0;
      if (__builtin_add_overflow(bar.volume, row.bar.volume, &volume)) return too_large("volumes");
      std::int64_t trade_count = -1;
      const bool all_trade_counts = m.all_trade_counts && row.has_trade_count();
      if (all_trade_counts &&
          __builtin_add_overflow(m.record.trade_count, row.trade_count, &trade_count)) {
        return too_large("trade counts");
      }
      const bool all_vwap = m.all_vwap && row.has_vwap();
      Int128 vwap_volume = 0;
      Int128 vwap_sum = 0;
      if (all_vwap && (__builtin_add_overflow(m.vwap_volume, weighted, &vwap_volume) ||
                       __builtin_add_overflow(m.vwap_sum, Int128{row.vwap.units()}, &vwap_sum))) {
        return too_large("vwap x volume products");
      }
      bar.high = std::max(bar.high, row.bar.high);
      bar.low = std::min(bar.low, row.bar.low);
      bar.close = row.bar.close;
      bar.volume = volume;
      m.record.trade_count = trade_count;
      m.all_trade_counts = all_trade_counts;
      m.all_vwap = all_vwap;
      m.vwap_volume = vwap_volume;
      m.vwap_sum = vwap_sum;
      ++m.parts;
      return true;
    }
    if (m.open) {
      completed = finish(m);
      has_completed = true;
    }
    m.open = true;
    m.record = row;
    m.record.bar.ts = minute;
    m.all_trade_counts = row.has_trade_count();
    m.all_vwap = row.has_vwap();
    m.vwap_volume = weighted;
    m.vwap_sum = row.vwap.units();
    m.parts = 1;
    return true;
  }

  // The one-minute bar of an aggregated minute, which is then closed.
  static BarRecord finish(Minute& m) {
    BarRecord out = m.record;
    out.vwap = Decimal{};
    if (m.all_vwap) {
      // A mean of positive int64 values lies between them: it fits, and stays positive.
      const Int128 units = out.bar.volume > 0 ? divide_half_even(m.vwap_volume, out.bar.volume)
                                              : divide_half_even(m.vwap_sum, m.parts);
      out.vwap = Decimal::from_units(static_cast<std::int64_t>(units));
    }
    if (!m.all_trade_counts) out.trade_count = -1;
    m.open = false;
    return out;
  }

  bool parse_row(char* row, std::size_t size, BarRecord& out) {
    std::array<std::string_view, kColumnKinds> fields;
    std::size_t count = 0;
    char* cursor = row;
    char* const stop = row + size;
    for (bool more = true; more; ++count) {
      std::string_view text;
      if (!take_field(cursor, stop, text, more, count + 1)) return false;
      if (count < kColumnKinds) fields[count] = text;
    }
    if (count != field_count) {
      return refuse("expected " + std::to_string(field_count) + " fields, found " +
                    std::to_string(count));
    }
    const auto field = [&](Column c) { return fields[position[index(c)]]; };

    Bar& bar = out.bar;
    if (!parse_timestamp(field(Column::timestamp), bar.ts)) return false;
    if (!check_instant(field(Column::timestamp), bar.ts)) return false;
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
      return refuse(std::string(kColumnNames[index(a)]) + " " + shown(field(a)) + " above " +
                    std::string(kColumnNames[index(b)]) + " " + shown(field(b)));
    };
    if (bar.high < bar.low) return above(Column::low, Column::high);
    if (bar.open < bar.low) return above(Column::low, Column::open);
    if (bar.close < bar.low) return above(Column::low, Column::close);
    if (bar.high < bar.open) return above(Column::open, Column::high);
    if (bar.high < bar.close) return above(Column::close, Column::high);

    const std::size_t id = index_of(bar.symbol);
    if (id >= last_ts.size()) last_ts.resize(id + 1, Timestamp::min());
    if (bar.ts <= last_ts[id]) {
      return refuse("timestamp " + timestamp_shown(field(Column::timestamp), bar.ts) +
                    " is not after the previous " + symbols->name(bar.symbol) + " row's " +
                    core::format_timestamp(last_ts[id]));
    }
    if (options.resample_to_minute && !fold(out)) return false;
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

  static bool is_blank_line(const char* row, std::size_t size) noexcept {
    if (size == 0) return true;
    if (!is_blank(row[0])) return false;
    for (std::size_t i = 1; i < size; ++i) {
      if (!is_blank(row[i])) return false;
    }
    return true;
  }

  std::size_t read(std::span<BarRecord> out) {
    std::size_t filled = 0;
    const bool resampling = options.resample_to_minute;
    BarRecord scratch;  // rows validated after a failure, and rows being resampled
    char* row = nullptr;
    std::size_t size = 0;
    while ((failing || filled < out.size()) && !input_done && next_line(row, size)) {
      if (is_blank_line(row, size)) continue;
      ++rows_seen;
      BarRecord& slot = failing || resampling ? scratch : out[filled];
      if (parse_row(row, size, slot)) {
        if (failing) continue;
        if (!resampling) {
          ++filled;
        } else if (has_completed) {
          out[filled++] = completed;
          has_completed = false;
        }
      } else {
        record_error();
        if (!options.skip_bad_rows) failing = true;
      }
    }
    if (failing) throw DataError(name, errors, error_count);
    if (resampling && input_done) {  // the minutes still open are complete now
      for (; flush_from < minutes.size() && filled < out.size(); ++flush_from) {
        if (minutes[flush_from].open) out[filled++] = finish(minutes[flush_from]);
      }
    }
    delivered += filled;
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
std::size_t CsvBarReader::rows_read() const noexcept { return impl_->rows_seen; }
std::size_t CsvBarReader::good_rows() const noexcept {
  return impl_->rows_seen - impl_->error_count;
}
std::size_t CsvBarReader::bars_delivered() const noexcept { return impl_->delivered; }
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
