#include <trader/marketdata/market_data.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <ostream>

#include <trader/calendar/nyse.hpp>
#include <trader/data/csv_writer.hpp>
#include <trader/data/synthetic.hpp>

#if defined(TRADER_WITH_ALPACA)
#include <trader/alpaca/historical_bars.hpp>
#endif

namespace trader::marketdata {
namespace {

void check(const core::CancellationToken* cancel) {
  if (cancel != nullptr) cancel->throw_if_cancelled();
}

}  // namespace

ImportReport import_csv(store::BarStore& store, const std::filesystem::path& file,
                        const data::CsvReadOptions& options, store::WritePolicy policy,
                        const Progress& progress, const core::CancellationToken* cancel) {
  data::SymbolTable symbols;
  data::CsvBarReader reader(file, options, symbols);
  ImportReport report;
  report.file_name = reader.file_name();
  const std::string source = "csv:" + file.filename().string();
  store::BarWriter writer = store.writer(policy);
  std::vector<data::BarRecord> buffer(8192);
  std::int64_t next_progress = 1'000'000;
  // The reader validates every row; a bad one throws after the whole file was checked, and the
  // writer, destroyed uncommitted, rolls everything back.
  for (std::size_t n; (n = reader.read(buffer)) > 0;) {
    check(cancel);
    writer.add(std::span(buffer.data(), n), symbols, source);
    if (progress && static_cast<std::int64_t>(reader.rows_read()) >= next_progress) {
      progress(static_cast<std::int64_t>(reader.rows_read()));
      next_progress += 1'000'000;
    }
  }
  check(cancel);
  report.written = writer.commit();
  report.rows_read = static_cast<std::int64_t>(reader.rows_read());
  report.rows_skipped = static_cast<std::int64_t>(reader.skipped_rows());
  for (const auto& e : reader.skipped()) report.skipped_examples.push_back(e.to_string());
  for (const auto& name : symbols.names()) report.symbols.push_back(name);
  return report;
}

std::int64_t export_csv(store::BarStore& store, const std::vector<std::string>& symbols,
                        core::Date first, core::Date last, std::ostream& out,
                        const std::string& name, const core::CancellationToken* cancel) {
  const data::SymbolTable table = data::SymbolTable::sorted(symbols);
  data::CsvWriteOptions options;
  options.symbol_column = table.size() > 1;
  // Optional columns come out when any stored session of these symbols has them.
  check(cancel);
  const auto columns = store.optional_columns(table, first, last);
  options.vwap_column = columns.vwap;
  options.trade_count_column = columns.trade_count;
  data::CsvBarWriter writer(out, name, table, options);
  store.read_records(table, first, last, [&](std::span<const data::BarRecord> session) {
    check(cancel);
    writer.write(session);
  });
  writer.finish();
  return static_cast<std::int64_t>(writer.rows_written());
}

namespace {

// "AAPL: 20 sessions 2025-06-02..2025-06-30 (csv:aapl.csv)", one line per symbol.
std::string describe_sessions(const std::vector<store::StoredSession>& sessions) {
  std::map<std::string, std::vector<const store::StoredSession*>> by_symbol;
  for (const auto& s : sessions) by_symbol[s.symbol].push_back(&s);
  std::string text;
  for (const auto& [symbol, list] : by_symbol) {
    std::vector<std::string> labels;
    for (const auto* s : list) {
      if (std::find(labels.begin(), labels.end(), s->source) == labels.end()) {
        labels.push_back(s->source);
      }
    }
    std::string joined;
    for (const auto& l : labels) joined += (joined.empty() ? "" : ", ") + l;
    text += fmt::format("\n  {}: {} session{} {}..{} ({})", symbol, list.size(),
                        list.size() == 1 ? "" : "s", core::format_date(list.front()->date),
                        core::format_date(list.back()->date), joined);
  }
  return text;
}

}  // namespace

SyntheticReport write_synthetic(store::BarStore& store, const std::vector<std::string>& symbols,
                                core::Date first, core::Date last, std::uint64_t seed,
                                store::WritePolicy policy, const Progress& progress,
                                const core::CancellationToken* cancel) {
  if (policy == store::WritePolicy::merge) {
    const auto real = store.real_sessions(symbols, first, last);
    if (!real.empty()) {
      throw store::ProvenanceError(
          "synthetic bars would overwrite real bars; nothing was written:" +
          describe_sessions(real) +
          "\nchoose other symbols or dates, or replace those sessions on purpose with "
          "--replace-sessions");
    }
  }
  const std::string source = fmt::format("synthetic:seed={}", seed);
  store::BarWriter writer = store.writer(policy);
  data::SymbolTable table;
  std::vector<data::BarRecord> buffer(8192);
  std::int64_t done = 0;
  for (const auto& symbol : symbols) {
    data::SyntheticSpec spec;
    spec.seed = seed;
    spec.symbol = symbol;
    spec.first = first;
    spec.last = last;
    data::SyntheticBarGenerator generator(spec, table);
    for (std::size_t n; (n = generator.read(std::span(buffer.data(), buffer.size()))) > 0;) {
      check(cancel);
      writer.add(std::span(buffer.data(), n), table, source);
      done += static_cast<std::int64_t>(n);
    }
    if (progress) progress(done);
  }
  check(cancel);
  return SyntheticReport{writer.commit()};
}

bool alpaca_available() noexcept {
#if defined(TRADER_WITH_ALPACA)
  return true;
#else
  return false;
#endif
}

FetchReport fetch_missing(store::BarStore& store, const config::Settings& settings,
                          const std::vector<std::string>& symbols, core::Date first,
                          core::Date last, const Progress& progress,
                          const core::CancellationToken* cancel) {
  FetchReport report;
  for (const auto& symbol : symbols) {
    for (auto& range : store.missing(symbol, first, last, true)) report.requested.push_back(range);
  }
  if (report.requested.empty()) return report;
#if defined(TRADER_WITH_ALPACA)
  alpaca::HistoricalBarsClient client(alpaca::market_data_options(settings));
  const std::string source = "alpaca-" + settings.broker.feed;
  store::BarWriter writer = store.writer();
  data::SymbolTable table;
  std::vector<data::BarRecord> copy;
  for (const auto& range : report.requested) {
    alpaca::BarsQuery query;
    query.symbols = {range.symbol};
    query.start = calendar::session_open(range.first);
    // Alpaca's end is inclusive: the last bar of a session starts a minute before its close.
    query.end = calendar::session_close(range.last) - std::chrono::minutes{1};
    query.feed = settings.broker.feed;
    const auto summary =
        client.fetch(query, [&](std::string_view symbol, std::span<const data::BarRecord> bars) {
          check(cancel);
          const data::SymbolId id = table.intern(symbol);
          copy.assign(bars.begin(), bars.end());
          for (auto& r : copy) r.bar.symbol = id;
          writer.add(copy, table, source);
          report.bars += static_cast<std::int64_t>(bars.size());
          if (progress) progress(report.bars);
        });
    report.pages += summary.pages;
    report.retries += summary.retries;
  }
  check(cancel);
  report.written = writer.commit();
  for (const auto& symbol : symbols) {
    for (auto& range : store.missing(symbol, first, last, true)) {
      report.still_missing.push_back(range);
    }
  }
  return report;
#else
  static_cast<void>(settings);
  static_cast<void>(progress);
  static_cast<void>(cancel);
  throw Error("this build of libtrader has no Alpaca adapters (configured with -Dalpaca=disabled)");
#endif
}

}  // namespace trader::marketdata
