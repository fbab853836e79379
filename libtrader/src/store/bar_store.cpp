#include <trader/store/bar_store.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <trader/calendar/nyse.hpp>

#include "store/bar_blob.hpp"
#include "store/sqlite_statement.hpp"

namespace trader::store {
namespace {

using detail::Statement;
using std::chrono::minutes;

constexpr auto kMinute = std::chrono::duration_cast<core::Microseconds>(minutes{1});

std::string now_text() {
  return core::format_timestamp_micros(
      std::chrono::time_point_cast<core::Microseconds>(std::chrono::system_clock::now()));
}

// The stored id of a symbol, created on first use.
std::int64_t symbol_id(Database& db, const std::string& symbol) {
  Statement insert(db, "INSERT OR IGNORE INTO bar_symbol (symbol) VALUES (?1)");
  insert.bind(1, symbol).step();
  Statement select(db, "SELECT id FROM bar_symbol WHERE symbol = ?1");
  select.bind(1, symbol);
  select.step();
  return select.int64(0);
}

std::int64_t expected_minutes(const calendar::Session& session) {
  return std::chrono::duration_cast<minutes>(session.close - session.open).count();
}

// ---- reading: one cursor per symbol, a session at a time, merged by minute ----------------------

inline void decode(const detail::BlobView& view, data::SymbolId id, data::Bar* out) {
  detail::decode_bars(view, id, out);
}
inline void decode(const detail::BlobView& view, data::SymbolId id, data::BarRecord* out) {
  detail::decode_records(view, id, out);
}
inline Timestamp time_of(const data::Bar& b) { return b.ts; }
inline Timestamp time_of(const data::BarRecord& r) { return r.bar.ts; }

// Orders one session's bars by (timestamp, symbol). `in` holds each symbol's bars (increasing)
// one symbol after the other in id order, so a stable counting sort by minute gives the order
// directly; a session with sub-minute timestamps falls back to a stable sort.
template <class T>
void merge_session(const std::vector<T>& in, std::vector<T>& out,
                   std::vector<std::uint32_t>& counts, Timestamp day_start) {
  constexpr std::size_t kMinutesPerDay = std::size_t{24} * 60;
  counts.assign(kMinutesPerDay + 1, 0);
  bool aligned = true;
  for (const T& item : in) {
    const auto offset = (time_of(item) - day_start).count();
    aligned = aligned && offset % kMinute.count() == 0;
    ++counts[static_cast<std::size_t>(offset / kMinute.count()) + 1];
  }
  for (std::size_t i = 1; i < counts.size(); ++i) counts[i] += counts[i - 1];
  out.resize(in.size());
  for (const T& item : in) {
    const auto offset = (time_of(item) - day_start).count();
    out[counts[static_cast<std::size_t>(offset / kMinute.count())]++] = item;
  }
  if (!aligned) {
    std::stable_sort(out.begin(), out.end(),
                     [](const T& a, const T& b) { return time_of(a) < time_of(b); });
  }
}

template <class T>
class SessionMerger {
 public:
  SessionMerger(Database& db, const data::SymbolTable& table, Date first, Date last) {
    const std::string lo = core::format_date(first);
    const std::string hi = core::format_date(last);
    for (std::size_t i = 0; i < table.size(); ++i) {
      const auto id = data::SymbolId{static_cast<std::uint32_t>(i)};
      Cursor cursor{Statement(db,
                              "SELECT d.session_date, d.bars FROM bar_day d JOIN bar_symbol s ON "
                              "s.id = d.symbol_id WHERE s.symbol = ?1 AND d.session_date >= ?2 "
                              "AND d.session_date <= ?3 ORDER BY d.session_date"),
                    id, table.name(id)};
      cursor.stmt.bind(1, cursor.symbol).bind(2, lo).bind(3, hi);
      cursor.has_row = cursor.stmt.step();
      cursors_.push_back(std::move(cursor));
    }
  }

  // The next session's bars, merged; false when every cursor is done.
  bool next(std::vector<T>& out) {
    std::string_view day;
    for (const Cursor& c : cursors_) {
      if (c.has_row && (day.empty() || c.stmt.text(0) < day)) day = c.stmt.text(0);
    }
    if (day.empty()) return false;
    const std::string date(day);  // the cursors' text is invalidated by stepping
    scratch_.clear();
    for (Cursor& c : cursors_) {
      if (!c.has_row || c.stmt.text(0) != date) continue;
      const auto view =
          detail::view_blob(c.stmt.blob(1), c.stmt.blob_size(1), c.symbol + " " + date);
      const std::size_t at = scratch_.size();
      scratch_.resize(at + view.count);
      decode(view, c.id, scratch_.data() + at);
      c.has_row = c.stmt.step();
    }
    if (cursors_.size() == 1) {
      out.swap(scratch_);
    } else {
      merge_session(scratch_, out, counts_, core::start_of_day(core::parse_date(date)));
    }
    return true;
  }

 private:
  struct Cursor {
    Statement stmt;
    data::SymbolId id{};
    std::string symbol;
    bool has_row = false;
  };
  std::vector<Cursor> cursors_;
  std::vector<T> scratch_;
  std::vector<std::uint32_t> counts_;
};

class StoreBarSource final : public data::BarSource {
 public:
  StoreBarSource(Database& db, const data::SymbolTable& table, Date first, Date last)
      : merger_(db, table, first, last) {}

  std::size_t read(std::span<data::Bar> out) override {
    std::size_t written = 0;
    while (written < out.size()) {
      if (position_ == session_.size()) {
        position_ = 0;
        session_.clear();
        if (!merger_.next(session_)) break;
        continue;
      }
      const std::size_t n = std::min(out.size() - written, session_.size() - position_);
      std::copy_n(session_.data() + position_, n, out.data() + written);
      position_ += n;
      written += n;
    }
    return written;
  }

 private:
  SessionMerger<data::Bar> merger_;
  std::vector<data::Bar> session_;
  std::size_t position_ = 0;
};

}  // namespace

// ---- writing
// -------------------------------------------------------------------------------------

struct BarWriter::Impl {
  explicit Impl(Database& database)
      : db(database),
        tx(database),
        exists(database, "SELECT 1 FROM bar_day WHERE symbol_id = ?1 AND session_date = ?2"),
        upsert(database,
               "INSERT OR REPLACE INTO bar_day (symbol_id, session_date, source, bar_count, "
               "expected_bars, first_ts, last_ts, bars, written_at) VALUES (?1, ?2, ?3, ?4, ?5, "
               "?6, ?7, ?8, ?9)") {}

  struct SymbolDay {
    std::string symbol;
    std::int64_t stored_id = 0;
    std::optional<calendar::Session> session;
    std::string source;
    std::vector<data::BarRecord> bars;
    std::optional<Timestamp> last_ts;
  };

  SymbolDay& state_for(const std::string& symbol) {
    auto it = by_symbol.find(symbol);
    if (it == by_symbol.end()) {
      SymbolDay day;
      day.symbol = symbol;
      day.stored_id = symbol_id(db, symbol);
      it = by_symbol.emplace(symbol, std::move(day)).first;
    }
    return it->second;
  }

  const std::optional<calendar::Session>& session_of(Date date) {
    if (!cached_date || *cached_date != date) {
      cached_date = date;
      cached_session = calendar::find_session(date);
    }
    return cached_session;
  }

  void flush(SymbolDay& day) {
    if (day.bars.empty()) return;
    const std::string date = core::format_date(day.session->date);
    exists.reset();
    exists.bind(1, day.stored_id).bind(2, date);
    if (exists.step()) ++report.sessions_replaced;
    exists.reset();
    detail::encode_blob(day.bars, blob);
    upsert.reset();
    upsert.bind(1, day.stored_id)
        .bind(2, date)
        .bind(3, day.source)
        .bind(4, static_cast<std::int64_t>(day.bars.size()))
        .bind(5, expected_minutes(*day.session))
        .bind(6, core::to_unix_micros(day.bars.front().bar.ts))
        .bind(7, core::to_unix_micros(day.bars.back().bar.ts))
        .bind_blob(8, blob)
        .bind(9, written_at);
    upsert.step();
    report.bars_written += static_cast<std::int64_t>(day.bars.size());
    ++report.sessions_written;
    day.bars.clear();
  }

  Database& db;
  Transaction tx;
  Statement exists;
  Statement upsert;
  std::map<std::string, SymbolDay> by_symbol;
  std::optional<Date> cached_date;
  std::optional<calendar::Session> cached_session;
  std::string blob;
  std::string written_at = now_text();
  WriteReport report;
  // Speeds up runs of one symbol: the last table/id looked up and its state.
  const data::SymbolTable* last_table = nullptr;
  data::SymbolId last_id{};
  SymbolDay* last_state = nullptr;
};

BarWriter::BarWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BarWriter::BarWriter(BarWriter&&) noexcept = default;
BarWriter::~BarWriter() = default;  // an uncommitted transaction rolls back

void BarWriter::add(std::span<const data::BarRecord> records, const data::SymbolTable& symbols,
                    const std::string& source) {
  Impl& w = *impl_;
  for (const data::BarRecord& record : records) {
    if (w.last_state == nullptr || w.last_table != &symbols || w.last_id != record.bar.symbol) {
      w.last_state = &w.state_for(symbols.name(record.bar.symbol));
      w.last_table = &symbols;
      w.last_id = record.bar.symbol;
    }
    Impl::SymbolDay& day = *w.last_state;
    const Timestamp ts = record.bar.ts;
    if (day.last_ts && ts <= *day.last_ts) {
      throw StoreError(fmt::format("bars of {} must arrive in increasing time: {} after {}",
                                   day.symbol, core::format_timestamp(ts),
                                   core::format_timestamp(*day.last_ts)));
    }
    day.last_ts = ts;
    const Date date = core::utc_date(ts);
    const auto& session = w.session_of(date);
    if (!session || ts < session->open || ts >= session->close) {
      ++w.report.bars_outside_session;
      continue;
    }
    if (!day.session || day.session->date != date) {
      w.flush(day);
      day.session = session;
    }
    day.source = source;
    day.bars.push_back(record);
  }
}

WriteReport BarWriter::commit() {
  for (auto& [symbol, day] : impl_->by_symbol) impl_->flush(day);
  impl_->tx.commit();
  return impl_->report;
}

// ---- the store
// -----------------------------------------------------------------------------------

BarStore::BarStore(Database& db) : db_(db) {}

BarWriter BarStore::writer() { return BarWriter(std::make_unique<BarWriter::Impl>(db_)); }

std::unique_ptr<data::BarSource> BarStore::read(const data::SymbolTable& table, Date first,
                                                Date last) {
  return std::make_unique<StoreBarSource>(db_, table, first, last);
}

void BarStore::read_records(const data::SymbolTable& table, Date first, Date last,
                            const std::function<void(std::span<const data::BarRecord>)>& sink) {
  SessionMerger<data::BarRecord> merger(db_, table, first, last);
  std::vector<data::BarRecord> session;
  while (merger.next(session)) sink(session);
}

std::vector<SymbolSummary> BarStore::summary() {
  Statement query(db_,
                  "SELECT s.symbol, min(d.first_ts), max(d.last_ts), sum(d.bar_count), count(*), "
                  "sum(d.expected_bars - d.bar_count) FROM bar_day d JOIN bar_symbol s ON s.id "
                  "= d.symbol_id GROUP BY s.symbol ORDER BY s.symbol");
  std::vector<SymbolSummary> out;
  while (query.step()) {
    SymbolSummary s;
    s.symbol = std::string(query.text(0));
    s.first = core::from_unix_micros(query.int64(1));
    s.last = core::from_unix_micros(query.int64(2));
    s.bars = query.int64(3);
    s.sessions = query.int64(4);
    s.missing_minutes = query.int64(5);
    out.push_back(std::move(s));
  }
  Statement sources(db_,
                    "SELECT DISTINCT d.source FROM bar_day d JOIN bar_symbol s ON s.id = "
                    "d.symbol_id WHERE s.symbol = ?1 ORDER BY d.source");
  for (auto& s : out) {
    sources.reset();
    sources.bind(1, s.symbol);
    while (sources.step()) s.sources.emplace_back(sources.text(0));
  }
  return out;
}

std::vector<StoredSession> BarStore::sessions(const std::string& symbol, Date first, Date last) {
  Statement query(db_,
                  "SELECT d.session_date, d.source, d.bar_count, d.expected_bars, d.first_ts, "
                  "d.last_ts FROM bar_day d JOIN bar_symbol s ON s.id = d.symbol_id WHERE "
                  "s.symbol = ?1 AND d.session_date >= ?2 AND d.session_date <= ?3 ORDER BY "
                  "d.session_date");
  query.bind(1, symbol).bind(2, core::format_date(first)).bind(3, core::format_date(last));
  std::vector<StoredSession> out;
  while (query.step()) {
    StoredSession s;
    s.symbol = symbol;
    s.date = core::parse_date(query.text(0));
    s.source = std::string(query.text(1));
    s.bars = query.int64(2);
    s.expected_bars = query.int64(3);
    s.first = core::from_unix_micros(query.int64(4));
    s.last = core::from_unix_micros(query.int64(5));
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<MissingRange> BarStore::missing(const std::string& symbol, Date first, Date last) {
  std::set<std::string> stored;
  for (const auto& s : sessions(symbol, first, last)) stored.insert(core::format_date(s.date));
  std::vector<MissingRange> out;
  for (const auto& session : calendar::sessions_between(first, last)) {
    if (stored.contains(core::format_date(session.date))) continue;
    if (!out.empty() && calendar::next_session(out.back().last) == session.date) {
      out.back().last = session.date;
      ++out.back().sessions;
    } else {
      out.push_back(MissingRange{symbol, session.date, session.date, 1});
    }
  }
  return out;
}

std::vector<std::string> BarStore::sources(const std::vector<std::string>& symbols, Date first,
                                           Date last) {
  std::set<std::string> found;
  Statement query(db_,
                  "SELECT DISTINCT d.source FROM bar_day d JOIN bar_symbol s ON s.id = "
                  "d.symbol_id WHERE s.symbol = ?1 AND d.session_date >= ?2 AND d.session_date "
                  "<= ?3");
  for (const auto& symbol : symbols) {
    query.reset();
    query.bind(1, symbol).bind(2, core::format_date(first)).bind(3, core::format_date(last));
    while (query.step()) found.emplace(query.text(0));
  }
  return {found.begin(), found.end()};
}

std::int64_t BarStore::remove(const std::string& symbol, std::optional<Date> first,
                              std::optional<Date> last) {
  Transaction tx(db_);
  Statement del(db_,
                "DELETE FROM bar_day WHERE symbol_id = (SELECT id FROM bar_symbol WHERE symbol = "
                "?1) AND session_date >= ?2 AND session_date <= ?3");
  del.bind(1, symbol)
      .bind(2, first ? core::format_date(*first) : std::string("0000-00-00"))
      .bind(3, last ? core::format_date(*last) : std::string("9999-99-99"));
  del.step();
  const auto removed =
      static_cast<std::int64_t>(detail::sqlite::sqlite3_changes(detail::native_handle(db_)));
  Statement cleanup(db_,
                    "DELETE FROM bar_symbol WHERE symbol = ?1 AND NOT EXISTS (SELECT 1 FROM "
                    "bar_day WHERE symbol_id = bar_symbol.id)");
  cleanup.bind(1, symbol).step();
  tx.commit();
  return removed;
}

}  // namespace trader::store
