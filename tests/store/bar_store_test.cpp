#include <trader/store/bar_store.hpp>

#include <doctest/doctest.h>
#include <soci/soci.h>

#include <trader/calendar/nyse.hpp>

#include "store/bar_blob.hpp"
#include "support/process.hpp"

using trader::core::Decimal;
using trader::core::parse_timestamp;
using trader::data::Bar;
using trader::data::BarRecord;
using trader::data::SymbolTable;
using trader::store::BarStore;
using trader::store::Database;
using trader::testing::TempDir;
using namespace std::chrono;

namespace {

Database open_db(const TempDir& dir) {
  trader::store::DatabaseOptions o;
  o.path = dir / "bars.db";
  return Database::open(o);
}

BarRecord record(SymbolTable& table, const char* symbol, const char* ts, const char* close,
                 std::int64_t volume = 100) {
  BarRecord r;
  r.bar.symbol = table.intern(symbol);
  r.bar.ts = parse_timestamp(ts);
  r.bar.open = r.bar.high = r.bar.low = r.bar.close = Decimal::parse(close);
  r.bar.volume = volume;
  return r;
}

// n minute bars of `symbol` from `start`, closes 100.00, 100.01, ...
std::vector<BarRecord> minutes_of(SymbolTable& table, const char* symbol, const char* start,
                                  int n) {
  std::vector<BarRecord> out;
  const auto t0 = parse_timestamp(start);
  for (int i = 0; i < n; ++i) {
    BarRecord r;
    r.bar.symbol = table.intern(symbol);
    r.bar.ts = t0 + minutes{i};
    r.bar.open = r.bar.high = r.bar.low = r.bar.close =
        Decimal::parse("100") + Decimal::from_units(1'000'000LL * i);
    r.bar.volume = 1000 + i;
    out.push_back(r);
  }
  return out;
}

std::vector<Bar> read_all(BarStore& store, const SymbolTable& table, trader::core::Date first,
                          trader::core::Date last) {
  auto source = store.read(table, first, last);
  std::vector<Bar> out;
  Bar buffer[7];  // a small buffer: sessions must continue across read() calls
  for (std::size_t n; (n = source->read(buffer)) > 0;) out.insert(out.end(), buffer, buffer + n);
  return out;
}

// Every bar after the one before it in (timestamp, symbol) order.
void check_merged_order(const std::vector<Bar>& bars) {
  for (std::size_t i = 1; i < bars.size(); ++i) {
    CAPTURE(i);
    CHECK(trader::data::earlier(bars[i - 1], bars[i]));
  }
}

constexpr auto kFeb10 = year{2026} / February / 10;
constexpr auto kFeb12 = year{2026} / February / 12;

}  // namespace

TEST_SUITE("store/bar_store") {
  TEST_CASE("bars of several symbols come back merged in (timestamp, symbol) order") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    auto writer = store.writer();
    // Interleaved input: a day of MSFT, then two days of AAPL, then MSFT's second day.
    writer.add(minutes_of(input, "MSFT", "2026-02-10T14:30:00Z", 390), input, "csv:test.csv");
    writer.add(minutes_of(input, "AAPL", "2026-02-10T14:30:00Z", 390), input, "csv:test.csv");
    writer.add(minutes_of(input, "AAPL", "2026-02-11T14:30:00Z", 10), input, "csv:test.csv");
    writer.add(minutes_of(input, "MSFT", "2026-02-11T14:35:00Z", 10), input, "csv:test.csv");
    const auto report = writer.commit();
    CHECK(report.bars_written() == 800);
    CHECK(report.sessions_written == 4);
    CHECK(report.sessions_replaced == 0);

    const SymbolTable table = SymbolTable::sorted({"MSFT", "AAPL"});
    const auto bars = read_all(store, table, kFeb10, kFeb12);
    REQUIRE(bars.size() == 800);
    check_merged_order(bars);
    CHECK(table.name(bars[0].symbol) == "AAPL");
    CHECK(table.name(bars[1].symbol) == "MSFT");
    CHECK(bars[1].volume == 1000);
    CHECK(bars.back().ts == parse_timestamp("2026-02-11T14:44:00Z"));
    // One symbol, one day.
    const auto aapl = read_all(store, SymbolTable::sorted({"AAPL"}), kFeb10, kFeb10);
    CHECK(aapl.size() == 390);
    CHECK(aapl[389].close == Decimal::parse("103.89"));
  }

  TEST_CASE("symbols with sessions on different days merge in order, a day at a time") {
    // Each cursor tells the merge when its next session starts, so days one symbol lacks are
    // skipped without reading ahead: AAPL trades the 10th and 12th, MSFT only the 11th, and
    // NVDA has no bars at all.
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    auto writer = store.writer();
    writer.add(minutes_of(input, "AAPL", "2026-02-10T14:30:00Z", 390), input, "csv:test.csv");
    writer.add(minutes_of(input, "AAPL", "2026-02-12T15:00:00Z", 20), input, "csv:test.csv");
    writer.add(minutes_of(input, "MSFT", "2026-02-11T14:30:00Z", 390), input, "csv:test.csv");
    static_cast<void>(writer.commit());

    const SymbolTable table = SymbolTable::sorted({"AAPL", "MSFT", "NVDA"});
    const auto bars = read_all(store, table, kFeb10, kFeb12);
    REQUIRE(bars.size() == 800);
    check_merged_order(bars);
    CHECK(table.name(bars[390].symbol) == "MSFT");
    CHECK(bars[390].ts == parse_timestamp("2026-02-11T14:30:00Z"));
    CHECK(table.name(bars[780].symbol) == "AAPL");
    CHECK(bars[780].ts == parse_timestamp("2026-02-12T15:00:00Z"));

    std::vector<std::size_t> days;
    store.read_records(table, kFeb10, kFeb12, [&](std::span<const BarRecord> day) {
      days.push_back(day.size());
      CHECK(trader::core::utc_date(day.front().bar.ts) ==
            trader::core::utc_date(day.back().bar.ts));
    });
    CHECK(days == std::vector<std::size_t>{390, 390, 20});
  }

  TEST_CASE("an import is all or nothing") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    {
      auto writer = store.writer();
      writer.add(minutes_of(input, "AAPL", "2026-02-10T14:30:00Z", 390), input, "csv:a.csv");
      // destroyed without commit: an interrupted import
    }
    CHECK(store.summary().empty());
    {
      auto writer = store.writer();
      writer.add(minutes_of(input, "AAPL", "2026-02-10T14:30:00Z", 20), input, "csv:a.csv");
      const auto backwards = minutes_of(input, "AAPL", "2026-02-10T14:40:00Z", 1);
      CHECK_THROWS_WITH_AS(writer.add(backwards, input, "csv:a.csv"),
                           doctest::Contains("increasing time"), trader::store::StoreError);
    }
    CHECK(store.summary().empty());
  }

  TEST_CASE("coverage: sessions, missing minutes, sources; replacing a session") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    {
      auto writer = store.writer();
      writer.add(minutes_of(input, "BRK.B", "2026-02-10T14:30:00Z", 390), input, "csv:a.csv");
      writer.add(minutes_of(input, "BRK.B", "2026-02-12T14:30:00Z", 300), input, "csv:a.csv");
      writer.commit();
    }
    {
      auto writer = store.writer(trader::store::WritePolicy::replace_sessions);
      writer.add(minutes_of(input, "BRK.B", "2026-02-12T14:30:00Z", 390), input, "synthetic");
      const auto report = writer.commit();
      CHECK(report.sessions_replaced == 1);
      CHECK(report.bars_dropped == 300);
    }
    const auto summary = store.summary();
    REQUIRE(summary.size() == 1);
    CHECK(summary[0].symbol == "BRK.B");
    CHECK(summary[0].bars == 780);
    CHECK(summary[0].sessions == 2);
    CHECK(summary[0].missing_minutes == 0);
    CHECK(summary[0].sources == std::vector<std::string>{"csv:a.csv", "synthetic"});
    CHECK(summary[0].first == parse_timestamp("2026-02-10T14:30:00Z"));
    const auto sessions = store.sessions("BRK.B", kFeb10, kFeb12);
    REQUIRE(sessions.size() == 2);
    CHECK(sessions[1].source == "synthetic");
    CHECK(sessions[0].expected_bars == 390);
    const auto missing = store.missing("BRK.B", kFeb10, year{2026} / February / 20);
    REQUIRE(missing.size() == 2);
    CHECK(missing[0].first == year{2026} / February / 11);
    CHECK(missing[0].sessions == 1);
    CHECK(missing[1].first == year{2026} / February / 13);  // then the 16th is Presidents' Day
    CHECK(missing[1].last == year{2026} / February / 20);
    CHECK(missing[1].sessions == 5);
    CHECK(store.sources({"BRK.B"}, kFeb12, kFeb12) == std::vector<std::string>{"synthetic"});
  }

  TEST_CASE(
      "bars outside regular sessions are not stored: pre-market, holidays, after an early close") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    std::vector<BarRecord> bars{
        record(input, "AAPL", "2025-11-28T14:29:00Z", "10"),  // pre-market
        record(input, "AAPL", "2025-11-28T14:30:00Z", "10"),
        record(input, "AAPL", "2025-11-28T17:59:00Z", "10"),
        record(input, "AAPL", "2025-11-28T18:00:00Z", "10"),  // after the 13:00 ET early close
        record(input, "AAPL", "2025-12-25T15:00:00Z", "10"),  // Christmas
    };
    auto writer = store.writer();
    writer.add(bars, input, "csv:x.csv");
    const auto report = writer.commit();
    CHECK(report.bars_written() == 2);
    CHECK(report.bars_outside_session == 3);
    const auto sessions =
        store.sessions("AAPL", year{2025} / November / 1, year{2025} / December / 31);
    REQUIRE(sessions.size() == 1);
    CHECK(sessions[0].expected_bars == 210);
  }

  TEST_CASE("records keep vwap and trade count") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    auto a = record(input, "AAPL", "2026-02-10T14:31:00Z", "10.5");
    a.vwap = Decimal::parse("10.4321");
    a.trade_count = 17;
    auto b = record(input, "MSFT", "2026-02-10T14:30:00Z", "20");
    auto writer = store.writer();
    writer.add(std::vector<BarRecord>{a}, input, "alpaca-iex");
    writer.add(std::vector<BarRecord>{b}, input, "alpaca-iex");
    writer.commit();
    const SymbolTable table = SymbolTable::sorted({"AAPL", "MSFT"});
    std::vector<BarRecord> records;
    store.read_records(table, kFeb10, kFeb10, [&](std::span<const BarRecord> session) {
      records.insert(records.end(), session.begin(), session.end());
    });
    REQUIRE(records.size() == 2);
    CHECK(table.name(records[0].bar.symbol) == "MSFT");  // 14:30 before 14:31
    CHECK(records[1].vwap == Decimal::parse("10.4321"));
    CHECK(records[1].trade_count == 17);
    CHECK_FALSE(records[0].has_vwap());
    CHECK_FALSE(records[0].has_trade_count());

    // What an export asks before its header line, from the sessions' headers alone.
    const auto both = store.optional_columns(table, kFeb10, kFeb10);
    CHECK(both.vwap);
    CHECK(both.trade_count);
    const auto msft = store.optional_columns(SymbolTable::sorted({"MSFT"}), kFeb10, kFeb10);
    CHECK_FALSE(msft.vwap);
    CHECK_FALSE(msft.trade_count);
    constexpr auto kFeb11 = year{2026} / February / 11;
    const auto none = store.optional_columns(table, kFeb11, kFeb11);
    CHECK_FALSE(none.vwap);
  }

  TEST_CASE("remove deletes a symbol's sessions") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    auto writer = store.writer();
    writer.add(minutes_of(input, "AAPL", "2026-02-10T14:30:00Z", 5), input, "synthetic");
    writer.add(minutes_of(input, "AAPL", "2026-02-11T14:30:00Z", 5), input, "synthetic");
    writer.commit();
    CHECK(store.remove("AAPL", kFeb10, kFeb10) == 1);
    CHECK(store.summary().at(0).sessions == 1);
    CHECK(store.remove("AAPL") == 1);
    CHECK(store.summary().empty());
    CHECK(store.remove("NOPE") == 0);
  }

  TEST_CASE("a reader of symbols without data yields nothing") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    CHECK(read_all(store, SymbolTable::sorted({"ZZZ"}), kFeb10, kFeb12).empty());
  }

  // issue 11 item 1: a second import of the same session used to replace it whole.
  TEST_CASE("a re-import merges by minute: added, replaced and kept bars are counted") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    {
      auto writer = store.writer();
      writer.add(minutes_of(input, "AAPL", "2026-02-10T14:30:00Z", 195), input, "csv:first.csv");
      const auto report = writer.commit();
      CHECK(report.sessions_new == 1);
      CHECK(report.bars_added == 195);
    }
    {
      auto writer = store.writer();  // the second half of the session, from another file
      writer.add(minutes_of(input, "AAPL", "2026-02-10T17:45:00Z", 195), input, "csv:second.csv");
      const auto report = writer.commit();
      CHECK(report.sessions_new == 0);
      CHECK(report.sessions_merged == 1);
      CHECK(report.sessions_replaced == 0);
      CHECK(report.bars_added == 195);
      CHECK(report.bars_replaced == 0);
      CHECK(report.bars_kept == 195);
    }
    auto bars = read_all(store, SymbolTable::sorted({"AAPL"}), kFeb10, kFeb10);
    REQUIRE(bars.size() == 390);
    CHECK(bars.front().ts == parse_timestamp("2026-02-10T14:30:00Z"));
    CHECK(bars.back().ts == parse_timestamp("2026-02-10T20:59:00Z"));
    CHECK(store.sessions("AAPL", kFeb10, kFeb10).at(0).source == "csv:first.csv+csv:second.csv");
    CHECK(store.summary().at(0).missing_minutes == 0);
    {
      // Overlapping minutes: the incoming bar wins, the others stay.
      auto writer = store.writer();
      std::vector<BarRecord> fix{record(input, "AAPL", "2026-02-10T14:31:00Z", "7.5"),
                                 record(input, "AAPL", "2026-02-10T14:32:00Z", "7.6")};
      writer.add(fix, input, "csv:first.csv");
      const auto report = writer.commit();
      CHECK(report.bars_replaced == 2);
      CHECK(report.bars_added == 0);
      CHECK(report.bars_kept == 388);
    }
    bars = read_all(store, SymbolTable::sorted({"AAPL"}), kFeb10, kFeb10);
    REQUIRE(bars.size() == 390);
    CHECK(bars[1].close == Decimal::parse("7.5"));
    CHECK(bars[2].close == Decimal::parse("7.6"));
    CHECK(bars[3].close == Decimal::parse("100.03"));
    CHECK(store.sessions("AAPL", kFeb10, kFeb10).at(0).source == "csv:first.csv+csv:second.csv");
    {
      // replace_sessions keeps the old behaviour for those who ask for it.
      auto writer = store.writer(trader::store::WritePolicy::replace_sessions);
      writer.add(minutes_of(input, "AAPL", "2026-02-10T14:30:00Z", 10), input, "csv:third.csv");
      const auto report = writer.commit();
      CHECK(report.sessions_replaced == 1);
      CHECK(report.bars_dropped == 390);
      CHECK(report.bars_added == 10);
    }
    CHECK(read_all(store, SymbolTable::sorted({"AAPL"}), kFeb10, kFeb10).size() == 10);
  }

  // issue 11 item 2: synthetic bars used to overwrite real ones silently.
  TEST_CASE("provenance: synthetic bars never touch real sessions; real bars replace synthetic") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    {
      auto writer = store.writer();
      writer.add(minutes_of(input, "AAPL", "2026-02-10T14:30:00Z", 390), input, "csv:real.csv");
      writer.add(minutes_of(input, "AAPL", "2026-02-11T14:30:00Z", 390), input, "synthetic:seed=3");
      writer.commit();
    }
    {
      auto writer = store.writer();
      writer.add(minutes_of(input, "AAPL", "2026-02-10T14:30:00Z", 5), input, "synthetic:seed=4");
      CHECK_THROWS_WITH_AS(static_cast<void>(writer.commit()),
                           doctest::Contains("holds real bars (csv:real.csv)"),
                           trader::store::ProvenanceError);
    }
    CHECK(store.sessions("AAPL", kFeb10, kFeb10).at(0).bars == 390);
    CHECK(store.real_sessions({"AAPL"}, kFeb10, kFeb12).size() == 1);
    // fetch's view: the synthetic session is missing real data.
    CHECK(store.missing("AAPL", kFeb10, year{2026} / February / 11).empty());
    const auto lacking = store.missing("AAPL", kFeb10, year{2026} / February / 11, true);
    REQUIRE(lacking.size() == 1);
    CHECK(lacking[0].first == year{2026} / February / 11);
    {
      // Real bars over a synthetic session replace it whole: the two never share a session.
      auto writer = store.writer();
      writer.add(minutes_of(input, "AAPL", "2026-02-11T14:30:00Z", 3), input, "alpaca-iex");
      const auto report = writer.commit();
      CHECK(report.sessions_replaced == 1);
      CHECK(report.bars_dropped == 390);
    }
    const auto s11 = store.sessions("AAPL", year{2026} / February / 11, year{2026} / February / 11);
    CHECK(s11.at(0).source == "alpaca-iex");
    CHECK(s11.at(0).bars == 3);
    const auto provenance = store.provenance({"AAPL", "MSFT"}, kFeb10, kFeb12);
    REQUIRE(provenance.size() == 2);
    CHECK(provenance[0].real_sessions == 2);
    CHECK(provenance[0].synthetic_sessions == 0);
    CHECK(provenance[1].symbol == "MSFT");
    CHECK(provenance[1].real_sessions == 0);
    CHECK(trader::store::is_synthetic_source("synthetic"));
    CHECK(trader::store::is_synthetic_source("synthetic:seed=1"));
    CHECK_FALSE(trader::store::is_synthetic_source("csv:synthetic.csv"));
  }

  TEST_CASE("the store holds minute bars: a bar off the minute is refused, nothing written") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    {
      auto writer = store.writer();
      std::vector<BarRecord> bars{record(input, "AAPL", "2026-02-10T14:30:00Z", "10"),
                                  record(input, "AAPL", "2026-02-10T14:30:30Z", "10")};
      CHECK_THROWS_WITH_AS(writer.add(bars, input, "csv:x.csv"),
                           doctest::Contains("not on a whole minute"), trader::store::StoreError);
    }
    {
      // A year outside the calendar (from any source, not only CSV): the symbol and time named.
      auto writer = store.writer();
      std::vector<BarRecord> old_bars{record(input, "AAPL", "1985-02-11T14:30:00Z", "10")};
      CHECK_THROWS_WITH_AS(writer.add(old_bars, input, "alpaca-iex"),
                           doctest::Contains("AAPL 1985-02-11T14:30:00"),
                           trader::store::StoreError);
    }
    CHECK(store.summary().empty());
  }

  // issue 11 item 19: a damaged BLOB with an intact header used to export nonsense prices.
  TEST_CASE("a damaged session is found by its checksum on read, and by verify") {
    TempDir dir;
    auto db = open_db(dir);
    BarStore store(db);
    SymbolTable input;
    {
      auto writer = store.writer();
      writer.add(minutes_of(input, "AAPL", "2026-02-10T14:30:00Z", 390), input, "csv:a.csv");
      writer.add(minutes_of(input, "AAPL", "2026-02-11T14:30:00Z", 390), input, "csv:a.csv");
      writer.commit();
    }
    auto healthy = store.verify();
    CHECK(healthy.ok());
    CHECK(healthy.sessions_checked == 2);
    CHECK(healthy.bars_checked == 780);
    {
      auto writer = store.writer();
      writer.add(minutes_of(input, "MSFT", "2026-02-12T14:30:00Z", 390), input, "csv:m.csv");
      writer.commit();
    }
    // Flip bytes inside the first session's records; the 16-byte header stays intact.
    db.session() << "UPDATE bar_day SET bars = substr(bars, 1, 100) || x'DEADBEEF' || "
                    "substr(bars, 105) WHERE session_date = '2026-02-10'";
    const auto table = SymbolTable::sorted({"AAPL"});
    CHECK_THROWS_WITH_AS(static_cast<void>(read_all(store, table, kFeb10, kFeb12)),
                         doctest::Contains("AAPL on 2026-02-10"),
                         trader::store::DatabaseCorruptError);
    CHECK(read_all(store, table, year{2026} / February / 11, kFeb12).size() == 390);
    // The same through the merge of several symbols, whose cursors look at their next session
    // before it is read (to tell the merge when their next bar is): named just the same.
    CHECK_THROWS_WITH_AS(
        static_cast<void>(read_all(store, SymbolTable::sorted({"AAPL", "MSFT"}), kFeb10, kFeb12)),
        doctest::Contains("AAPL on 2026-02-10"), trader::store::DatabaseCorruptError);
    const auto report = store.verify();
    CHECK_FALSE(report.ok());
    REQUIRE(report.damaged.size() == 1);
    CHECK(report.damaged[0].symbol == "AAPL");
    CHECK(report.damaged[0].date == kFeb10);
    CHECK(report.damaged[0].problem.find("checksum") != std::string::npos);
    CHECK(report.integrity_problems.empty());
    // A row whose bytes match their checksum but contradict the row's own columns.
    db.session() << "UPDATE bar_day SET bar_count = 5 WHERE session_date = '2026-02-11'";
    const auto both = store.verify();
    REQUIRE(both.damaged.size() == 2);
    CHECK(both.damaged[1].problem.find("row says 5") != std::string::npos);
  }

  TEST_CASE("the checksum is cheap and sensitive to every byte") {
    std::string bytes(48 * 390 + 16, '\x5a');
    const auto base = trader::store::detail::blob_checksum(bytes.data(), bytes.size());
    for (std::size_t i = 0; i < bytes.size(); i += 97) {
      std::string changed = bytes;
      changed[i] = static_cast<char>(changed[i] ^ 1);
      CAPTURE(i);
      CHECK(trader::store::detail::blob_checksum(changed.data(), changed.size()) != base);
    }
  }
}
