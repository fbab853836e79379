#include <trader/store/bar_store.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <trader/calendar/nyse.hpp>
#include <trader/data/merged_source.hpp>

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

// A stored session's bytes, after its checksum and header were found sound; otherwise a
// DatabaseCorruptError naming the symbol and date (and the database is marked suspect).
detail::BlobView checked_view(Database& db, const void* bytes, std::size_t size,
                              std::int64_t checksum, std::string_view symbol,
                              std::string_view date) {
  const std::string where = fmt::format("{} {}", symbol, date);
  if (bytes == nullptr || detail::stored_checksum(bytes, size) != checksum) {
    db.mark_suspect();
    throw DatabaseCorruptError(fmt::format(
        "the stored bars of {} on {} in {} are damaged (checksum mismatch); run `trader-data "
        "verify`, then import or fetch that session again (trader-data rm {} --start {} --end {} "
        "removes it)",
        symbol, date, db.path().string(), symbol, date, date));
  }
  try {
    return detail::view_blob(bytes, size, where);
  } catch (const StoreError&) {
    db.mark_suspect();
    throw;
  }
}

// ---- reading: one cursor per symbol, a session at a time, merged by data::DayMerger
// ---------------

inline void decode(const detail::BlobView& view, data::SymbolId id, data::Bar* out) {
  detail::decode_bars(view, id, out);
}
inline void decode(const detail::BlobView& view, data::SymbolId id, data::BarRecord* out) {
  detail::decode_records(view, id, out);
}

// One symbol's stored sessions in [first, last], oldest first, each checked as it is read and
// decoded straight into the reader's span (whole sessions while they fit).
template <class T>
class SymbolSessions {
 public:
  SymbolSessions(Database& db, data::SymbolId id, std::string symbol, const std::string& first,
                 const std::string& last)
      : db_(&db),
        stmt_(db,
              "SELECT d.session_date, d.bars, d.checksum FROM bar_day d JOIN bar_symbol s ON s.id "
              "= d.symbol_id WHERE s.symbol = ?1 AND d.session_date >= ?2 AND d.session_date <= "
              "?3 ORDER BY d.session_date"),
        id_(id),
        symbol_(std::move(symbol)) {
    stmt_.bind(1, symbol_).bind(2, first).bind(3, last);
    has_row_ = stmt_.step();
  }

  // The time of the next bar read() gives: the first of the next session's blob, checked as
  // read() would check it; nullopt after the last session.
  std::optional<Timestamp> next_time() {
    if (left_ < pending_.size()) return data::time_of(pending_[left_]);
    while (has_row_) {
      if (const auto& view = row_view(); view.count > 0) return detail::first_time(view);
      next_row();
    }
    return std::nullopt;
  }

  std::size_t read(std::span<T> out) {
    if (left_ < pending_.size()) {  // the rest of a session larger than the last span
      const std::size_t n = std::min(out.size(), pending_.size() - left_);
      std::copy_n(pending_.begin() + static_cast<std::ptrdiff_t>(left_), n, out.begin());
      left_ += n;
      return n;
    }
    std::size_t written = 0;
    while (has_row_) {
      const std::size_t count = row_view().count;
      if (count > out.size() - written) {
        if (written > 0) break;
        pending_.resize(count);
        decode(*view_, id_, pending_.data());
        left_ = out.size();
        std::copy_n(pending_.begin(), left_, out.begin());
        written = left_;
      } else {
        decode(*view_, id_, out.data() + written);
        written += count;
      }
      next_row();
      if (written == out.size()) break;
    }
    return written;
  }

 private:
  // The current row's session, checked once (checksum, header) whichever of next_time() and
  // read() looks first.
  const detail::BlobView& row_view() {
    if (!view_) {
      view_ = checked_view(*db_, stmt_.blob(1), stmt_.blob_size(1), stmt_.int64(2), symbol_,
                           stmt_.text(0));
    }
    return *view_;
  }
  void next_row() {
    view_.reset();  // the row's bytes go away with the step
    has_row_ = stmt_.step();
  }

  Database* db_;
  Statement stmt_;
  data::SymbolId id_;
  std::string symbol_;
  bool has_row_ = false;
  std::optional<detail::BlobView> view_;
  std::vector<T> pending_;
  std::size_t left_ = 0;  // pending_[left_..] not delivered yet
};

// One input per symbol of `table`, in id order, for data::DayMerger; each tells the time of its
// next bar, so the merge never reads a session ahead to find where a day ends.
template <class T>
std::vector<typename data::DayMerger<T>::PeekingInput> symbol_inputs(Database& db,
                                                                     const data::SymbolTable& table,
                                                                     Date first, Date last) {
  const std::string lo = core::format_date(first);
  const std::string hi = core::format_date(last);
  std::vector<typename data::DayMerger<T>::PeekingInput> inputs;
  inputs.reserve(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) {
    const auto id = data::SymbolId{static_cast<std::uint32_t>(i)};
    auto sessions = std::make_shared<SymbolSessions<T>>(db, id, table.name(id), lo, hi);
    inputs.push_back({[sessions](std::span<T> out) { return sessions->read(out); },
                      [sessions] { return sessions->next_time(); }});
  }
  return inputs;
}

}  // namespace

// ---- writing
// -------------------------------------------------------------------------------------

struct BarWriter::Impl {
  Impl(Database& database, WritePolicy write_policy)
      : db(database),
        policy(write_policy),
        tx(database),
        stored(database,
               "SELECT source, bars, checksum FROM bar_day WHERE symbol_id = ?1 AND "
               "session_date = ?2"),
        upsert(database,
               "INSERT OR REPLACE INTO bar_day (symbol_id, session_date, source, bar_count, "
               "expected_bars, first_ts, last_ts, bars, written_at, checksum) VALUES (?1, ?2, "
               "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)") {}

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

  // Merges the incoming bars of `day` into the stored ones in `existing` (both increasing in
  // time) into `merged`: an incoming bar replaces the stored one of its minute.
  void merge_into(const SymbolDay& day) {
    merged.clear();
    merged.reserve(existing.size() + day.bars.size());
    std::size_t a = 0, b = 0;
    while (a < existing.size() || b < day.bars.size()) {
      if (b == day.bars.size() ||
          (a < existing.size() && existing[a].bar.ts < day.bars[b].bar.ts)) {
        merged.push_back(existing[a++]);
        ++report.bars_kept;
      } else if (a == existing.size() || day.bars[b].bar.ts < existing[a].bar.ts) {
        merged.push_back(day.bars[b++]);
        ++report.bars_added;
      } else {
        merged.push_back(day.bars[b++]);
        ++a;
        ++report.bars_replaced;
      }
    }
  }

  void flush(SymbolDay& day) {
    if (day.bars.empty()) return;
    const std::string date = core::format_date(day.session->date);
    std::string source = day.source;
    const std::vector<data::BarRecord>* to_write = &day.bars;
    stored.reset();
    stored.bind(1, day.stored_id).bind(2, date);
    if (!stored.step()) {
      ++report.sessions_new;
      report.bars_added += static_cast<std::int64_t>(day.bars.size());
    } else {
      const std::string stored_source(stored.text(0));
      const bool incoming_synthetic = is_synthetic_source(day.source);
      const bool stored_synthetic = is_synthetic_source(stored_source);
      const auto view =
          checked_view(db, stored.blob(1), stored.blob_size(1), stored.int64(2), day.symbol, date);
      if (policy == WritePolicy::merge && incoming_synthetic && !stored_synthetic) {
        throw ProvenanceError(fmt::format(
            "{} {} holds real bars ({}); synthetic bars never overwrite them unless whole "
            "sessions are replaced on purpose (--replace-sessions); nothing was written",
            day.symbol, date, stored_source));
      }
      if (policy == WritePolicy::replace_sessions || incoming_synthetic || stored_synthetic) {
        // A whole session goes: real and synthetic bars never share one.
        ++report.sessions_replaced;
        report.bars_dropped += view.count;
        report.bars_added += static_cast<std::int64_t>(day.bars.size());
      } else {
        existing.resize(view.count);
        detail::decode_records(view, data::SymbolId{}, existing.data());
        merge_into(day);
        to_write = &merged;
        ++report.sessions_merged;
        if (stored_source != day.source) source = merged_sources(stored_source, day.source);
      }
    }
    stored.reset();
    const auto& bars = *to_write;
    detail::encode_blob(bars, blob);
    upsert.reset();
    upsert.bind(1, day.stored_id)
        .bind(2, date)
        .bind(3, source)
        .bind(4, static_cast<std::int64_t>(bars.size()))
        .bind(5, expected_minutes(*day.session))
        .bind(6, core::to_unix_micros(bars.front().bar.ts))
        .bind(7, core::to_unix_micros(bars.back().bar.ts))
        .bind_blob(8, blob)
        .bind(9, written_at)
        .bind(10, detail::stored_checksum(blob.data(), blob.size()));
    upsert.step();
    ++report.sessions_written;
    day.bars.clear();
  }

  // "a" + "b" -> "a+b", each label once.
  static std::string merged_sources(const std::string& stored_source, const std::string& incoming) {
    std::string out = stored_source;
    std::size_t start = 0;
    while (start <= out.size()) {
      const std::size_t plus = out.find('+', start);
      const std::size_t end = plus == std::string::npos ? out.size() : plus;
      if (out.compare(start, end - start, incoming) == 0) return out;
      if (plus == std::string::npos) break;
      start = plus + 1;
    }
    return out + "+" + incoming;
  }

  Database& db;
  WritePolicy policy;
  Transaction tx;
  Statement stored;
  Statement upsert;
  std::map<std::string, SymbolDay> by_symbol;
  std::optional<Date> cached_date;
  std::optional<calendar::Session> cached_session;
  std::string blob;
  std::vector<data::BarRecord> existing;
  std::vector<data::BarRecord> merged;
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
    const std::optional<calendar::Session>* found = nullptr;
    try {
      found = &w.session_of(date);
    } catch (const calendar::CalendarError& e) {
      throw StoreError(fmt::format("{} {}: {}; nothing was written", day.symbol,
                                   core::format_timestamp_micros(ts), e.what()));
    }
    const auto& session = *found;
    if (!session || ts < session->open || ts >= session->close) {
      ++w.report.bars_outside_session;
      continue;
    }
    if ((ts - session->open).count() % kMinute.count() != 0) {
      throw StoreError(fmt::format(
          "{} {}: the store holds one-minute bars stamped at the start of their minute; this bar "
          "is not on a whole minute (resample the data to 1-minute bars first); nothing was "
          "written",
          day.symbol, core::format_timestamp_micros(ts)));
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

BarWriter BarStore::writer(WritePolicy policy) {
  return BarWriter(std::make_unique<BarWriter::Impl>(db_, policy));
}

std::unique_ptr<data::BarSource> BarStore::read(const data::SymbolTable& table, Date first,
                                                Date last) {
  return std::make_unique<data::MergedBarSource>(symbol_inputs<data::Bar>(db_, table, first, last));
}

void BarStore::read_records(const data::SymbolTable& table, Date first, Date last,
                            const std::function<void(std::span<const data::BarRecord>)>& sink) {
  data::DayMerger<data::BarRecord> merger(symbol_inputs<data::BarRecord>(db_, table, first, last));
  std::vector<data::BarRecord> day;
  while (merger.next(day)) sink(day);
}

BarStore::OptionalColumns BarStore::optional_columns(const data::SymbolTable& table, Date first,
                                                     Date last) {
  // The flags byte is the blob's fourth (bar_blob.hpp); a damaged header is found by the read.
  Statement query(db_,
                  "SELECT DISTINCT hex(substr(d.bars, 4, 1)) FROM bar_day d JOIN bar_symbol s ON "
                  "s.id = d.symbol_id WHERE s.symbol = ?1 AND d.session_date >= ?2 AND "
                  "d.session_date <= ?3");
  const std::string lo = core::format_date(first);
  const std::string hi = core::format_date(last);
  OptionalColumns columns;
  for (std::size_t i = 0; i < table.size(); ++i) {
    query.reset();
    query.bind(1, table.name(data::SymbolId{static_cast<std::uint32_t>(i)}))
        .bind(2, lo)
        .bind(3, hi);
    while (query.step()) {
      const std::string_view hex = query.text(0);  // "03"; "" for a blob too short
      unsigned flags = 0;
      for (const char c : hex) {
        flags = flags * 16 + static_cast<unsigned>(c <= '9' ? c - '0' : c - 'A' + 10);
      }
      columns.vwap = columns.vwap || (flags & detail::kHasVwap) != 0;
      columns.trade_count = columns.trade_count || (flags & detail::kHasTradeCount) != 0;
    }
  }
  return columns;
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

std::vector<MissingRange> BarStore::missing(const std::string& symbol, Date first, Date last,
                                            bool real_only) {
  std::set<std::string> stored;
  for (const auto& s : sessions(symbol, first, last)) {
    if (!real_only || !is_synthetic_source(s.source)) stored.insert(core::format_date(s.date));
  }
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

std::vector<SymbolProvenance> BarStore::provenance(const std::vector<std::string>& symbols,
                                                   Date first, Date last) {
  Statement query(db_,
                  "SELECT d.source, count(*) FROM bar_day d JOIN bar_symbol s ON s.id = "
                  "d.symbol_id WHERE s.symbol = ?1 AND d.session_date >= ?2 AND d.session_date "
                  "<= ?3 GROUP BY d.source ORDER BY d.source");
  std::vector<SymbolProvenance> out;
  for (const auto& symbol : symbols) {
    SymbolProvenance p;
    p.symbol = symbol;
    query.reset();
    query.bind(1, symbol).bind(2, core::format_date(first)).bind(3, core::format_date(last));
    while (query.step()) {
      const std::string source(query.text(0));
      if (is_synthetic_source(source)) {
        p.synthetic_sources.push_back(source);
        p.synthetic_sessions += query.int64(1);
      } else {
        p.real_sources.push_back(source);
        p.real_sessions += query.int64(1);
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<StoredSession> BarStore::real_sessions(const std::vector<std::string>& symbols,
                                                   Date first, Date last) {
  std::vector<StoredSession> out;
  for (const auto& symbol : symbols) {
    for (auto& session : sessions(symbol, first, last)) {
      if (!is_synthetic_source(session.source)) out.push_back(std::move(session));
    }
  }
  return out;
}

namespace {

// What is wrong with one decoded session, or "" (verify's content checks).
std::string session_problem(const std::vector<data::BarRecord>& bars, const calendar::Session& at,
                            std::int64_t bar_count, std::int64_t first_ts, std::int64_t last_ts) {
  if (static_cast<std::int64_t>(bars.size()) != bar_count) {
    return fmt::format("holds {} bars, its row says {}", bars.size(), bar_count);
  }
  if (bars.empty()) return "holds no bars";
  if (core::to_unix_micros(bars.front().bar.ts) != first_ts ||
      core::to_unix_micros(bars.back().bar.ts) != last_ts) {
    return "its first or last bar time differs from its row";
  }
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const data::Bar& b = bars[i].bar;
    if (b.ts < at.open || b.ts >= at.close) {
      return fmt::format("bar {} at {} is outside the session", i + 1,
                         core::format_timestamp(b.ts));
    }
    if ((b.ts - at.open).count() % kMinute.count() != 0) {
      return fmt::format("bar {} at {} is not on a whole minute", i + 1,
                         core::format_timestamp(b.ts));
    }
    if (i > 0 && !(bars[i - 1].bar.ts < b.ts)) {
      return fmt::format("bar {} at {} is not after the bar before it", i + 1,
                         core::format_timestamp(b.ts));
    }
    const core::Decimal zero{};
    if (!(zero < b.low) || b.high < b.open || b.high < b.close || b.open < b.low ||
        b.close < b.low || b.volume < 0) {
      return fmt::format("bar {} at {} has inconsistent prices or volume", i + 1,
                         core::format_timestamp(b.ts));
    }
  }
  return "";
}

}  // namespace

VerifyReport BarStore::verify(const std::function<void(std::int64_t)>& progress) {
  VerifyReport report;
  Statement integrity(db_, "PRAGMA integrity_check");
  while (integrity.step()) {
    const std::string line(integrity.text(0));
    if (line != "ok") report.integrity_problems.push_back(line);
  }
  Statement rows(db_,
                 "SELECT s.symbol, d.session_date, d.bars, d.checksum, d.bar_count, d.first_ts, "
                 "d.last_ts FROM bar_day d JOIN bar_symbol s ON s.id = d.symbol_id ORDER BY "
                 "s.symbol, d.session_date");
  std::vector<data::BarRecord> bars;
  while (rows.step()) {
    const std::string symbol(rows.text(0));
    const std::string date_text(rows.text(1));
    ++report.sessions_checked;
    if (progress && report.sessions_checked % 1000 == 0) progress(report.sessions_checked);
    std::optional<Date> date;
    try {
      date = core::parse_date(date_text);
    } catch (const ParseError&) {
    }
    const auto damaged = [&](std::string problem) {
      report.damaged.push_back(DamagedSession{symbol, date.value_or(Date{}), std::move(problem)});
    };
    std::optional<calendar::Session> session;
    try {
      if (date) session = calendar::find_session(*date);
    } catch (const Error&) {
      // outside the calendar's years: reported below like any other non-session
    }
    if (!session) {
      damaged(fmt::format("{} is not an NYSE session", date_text));
      continue;
    }
    const void* bytes = rows.blob(2);
    const std::size_t size = rows.blob_size(2);
    if (bytes == nullptr || detail::stored_checksum(bytes, size) != rows.int64(3)) {
      damaged("checksum mismatch: the stored bytes changed after they were written");
      continue;
    }
    detail::BlobView view;
    try {
      view = detail::view_blob(bytes, size, symbol + " " + date_text);
    } catch (const StoreError& e) {
      damaged(e.what());
      continue;
    }
    bars.resize(view.count);
    detail::decode_records(view, data::SymbolId{}, bars.data());
    report.bars_checked += view.count;
    std::string problem =
        session_problem(bars, *session, rows.int64(4), rows.int64(5), rows.int64(6));
    if (!problem.empty()) damaged(std::move(problem));
  }
  if (!report.ok()) db_.mark_suspect();
  return report;
}

bool is_synthetic_source(std::string_view source) noexcept {
  return source == "synthetic" || source.starts_with("synthetic:");
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
