#include <trader/marketdata/bar_supply.hpp>

#include <fmt/core.h>

#include <map>
#include <set>

#include <trader/calendar/nyse.hpp>
#include <trader/data/merged_source.hpp>
#include <trader/data/synthetic.hpp>
#include <trader/log/log.hpp>
#include <trader/marketdata/market_data.hpp>

namespace trader::marketdata {
namespace {

// Synthetic bars of several symbols: one generator per symbol, merged. It keeps its own copy of
// the table, which the generators intern into (every name is there already).
class SyntheticSource final : public data::BarSource {
 public:
  SyntheticSource(data::SymbolTable symbols, core::Date first, core::Date last, std::uint64_t seed)
      : table_(std::move(symbols)), merged_(generators(table_, first, last, seed)) {}

  std::size_t read(std::span<data::Bar> out) override { return merged_.read(out); }

 private:
  static std::vector<std::unique_ptr<data::BarSource>> generators(data::SymbolTable& table,
                                                                  core::Date first, core::Date last,
                                                                  std::uint64_t seed) {
    std::vector<std::unique_ptr<data::BarSource>> out;
    const std::vector<std::string> names(table.names().begin(), table.names().end());
    for (const auto& name : names) {
      data::SyntheticSpec spec;
      spec.seed = seed;
      spec.symbol = name;
      spec.first = first;
      spec.last = last;
      out.push_back(std::make_unique<data::SyntheticBarGenerator>(spec, table));
    }
    return out;
  }

  data::SymbolTable table_;
  data::MergedBarSource merged_;
};

std::string plural(std::int64_t n) { return n == 1 ? "" : "s"; }

std::string missing_message(const std::vector<store::MissingRange>& missing, core::Date start,
                            core::Date end, bool no_keys) {
  std::string text = "the store lacks bars for this backtest:";
  std::set<std::string> symbols;
  for (const auto& m : missing) {
    text += fmt::format("\n  {} {}..{} ({} session{})", m.symbol, core::format_date(m.first),
                        core::format_date(m.last), m.sessions, plural(m.sessions));
    symbols.insert(m.symbol);
  }
  std::string list;
  for (const auto& s : symbols) list += (list.empty() ? "" : ",") + s;
  text += "\nSupply them with one of:";
  text += fmt::format("\n  trader-data fetch --symbols {} --start {} --end {}", list,
                      core::format_date(start), core::format_date(end));
  if (no_keys) text += "   (needs ALGO_BROKER__API_KEY and ALGO_BROKER__SECRET_KEY)";
  text += fmt::format("\n  trader-data import FILE.csv --symbol {}", *symbols.begin());
  text += "\nor run with --data synthetic to test on SYNTHETIC bars.";
  return text;
}

// The NYSE sessions of [first, last] missing from `stored` (one symbol's stored sessions), as
// contiguous ranges; with `real_only`, sessions of synthetic bars count as missing too (what
// BarStore::missing answers, from sessions already read).
std::vector<store::MissingRange> missing_from(const std::string& symbol,
                                              const std::vector<store::StoredSession>& stored,
                                              const std::vector<calendar::Session>& range,
                                              bool real_only) {
  std::set<core::Date> have;
  for (const auto& s : stored) {
    if (!real_only || !store::is_synthetic_source(s.source)) have.insert(s.date);
  }
  std::vector<store::MissingRange> out;
  for (const auto& session : range) {
    if (have.contains(session.date)) continue;
    if (!out.empty() && calendar::next_session(out.back().last) == session.date) {
      out.back().last = session.date;
      ++out.back().sessions;
    } else {
      out.push_back(store::MissingRange{symbol, session.date, session.date, 1});
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

}  // namespace

DataMode parse_data_mode(std::string_view text) {
  if (text == "auto") return DataMode::automatic;
  if (text == "store") return DataMode::store;
  if (text == "alpaca") return DataMode::alpaca;
  if (text == "synthetic") return DataMode::synthetic;
  throw ParseError("a data mode (auto, store, alpaca, synthetic)", std::string(text));
}

std::string_view to_string(DataMode mode) noexcept {
  switch (mode) {
    case DataMode::automatic:
      return "auto";
    case DataMode::store:
      return "store";
    case DataMode::alpaca:
      return "alpaca";
    case DataMode::synthetic:
      return "synthetic";
  }
  return "auto";
}

std::unique_ptr<data::BarSource> synthetic_source(const data::SymbolTable& symbols,
                                                  core::Date first, core::Date last,
                                                  std::uint64_t seed) {
  return std::make_unique<SyntheticSource>(symbols, first, last, seed);
}

BarSupply synthetic_bars(const BarRequest& request) {
  BarSupply supply;
  supply.symbols = data::SymbolTable::sorted(request.symbols);
  supply.source =
      synthetic_source(supply.symbols, request.first, request.last, request.synthetic_seed);
  supply.data_source = fmt::format("synthetic:seed={}", request.synthetic_seed);
  supply.synthetic = true;
  return supply;
}

BarSupply stored_bars(store::BarStore& store, const config::Settings& settings,
                      const BarRequest& request, const core::CancellationToken* cancel) {
  BarSupply supply;
  supply.symbols = data::SymbolTable::sorted(request.symbols);
  const std::vector<std::string> symbols(supply.symbols.names().begin(),
                                         supply.symbols.names().end());
  const bool have_keys = !settings.broker.api_key.empty() && !settings.broker.secret_key.empty();
  if (request.mode == DataMode::alpaca && !have_keys) {
    throw MissingBarsError(
        "--data alpaca needs ALGO_BROKER__API_KEY and ALGO_BROKER__SECRET_KEY (in .env or the "
        "environment)");
  }
  // Each symbol's stored sessions are read once (again only after a fetch): the checks below
  // and the provenance all come from them, a few thousand rows rather than a query per question.
  const auto range = calendar::sessions_between(request.first, request.last);
  std::vector<std::vector<store::StoredSession>> stored;
  const auto read_sessions = [&] {
    stored.clear();
    for (const auto& s : symbols) stored.push_back(store.sessions(s, request.first, request.last));
  };
  read_sessions();
  // When it may fetch, sessions of synthetic bars count as lacking real data: fetched bars
  // replace them (issue 11 item 2). What is left is reported per symbol below.
  const bool may_fetch =
      request.mode == DataMode::alpaca || (request.mode == DataMode::automatic && have_keys);
  const auto missing_now = [&](bool real_only) {
    std::vector<store::MissingRange> out;
    for (std::size_t i = 0; i < symbols.size(); ++i) {
      for (auto& m : missing_from(symbols[i], stored[i], range, real_only)) out.push_back(m);
    }
    return out;
  };
  auto missing = missing_now(may_fetch);
  if (!missing.empty() && may_fetch) {
    const auto fetched =
        fetch_missing(store, settings, symbols, request.first, request.last, {}, cancel);
    log::info("bars_fetched",
              {{"bars", std::to_string(fetched.bars)}, {"pages", std::to_string(fetched.pages)}});
    read_sessions();
  }
  missing = missing_now(false);
  std::vector<store::MissingRange> empty_symbols;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (!stored[i].empty()) continue;
    for (const auto& m : missing) {
      if (m.symbol == symbols[i]) empty_symbols.push_back(m);
    }
  }
  if (!empty_symbols.empty() || (request.mode == DataMode::automatic && !missing.empty())) {
    throw MissingBarsError(missing_message(empty_symbols.empty() ? missing : empty_symbols,
                                           request.first, request.last, !have_keys));
  }
  for (const auto& m : missing) {
    supply.warnings.push_back(fmt::format(
        "{} has no stored bars for {}..{} ({} session{})", m.symbol, core::format_date(m.first),
        core::format_date(m.last), m.sessions, plural(m.sessions)));
  }
  // Where each symbol's bars came from, in the result, the report and the run record; a symbol
  // on synthetic bars, or mixing real and synthetic sessions, is called out.
  supply.data_source = "store:";
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    std::map<std::string, std::int64_t> by_source;  // in the order of the source labels
    for (const auto& session : stored[i]) ++by_source[session.source];
    std::vector<std::string> real_sources;
    std::vector<std::string> synthetic_sources;
    std::int64_t real_sessions = 0;
    std::int64_t synthetic_sessions = 0;
    for (const auto& [source, count] : by_source) {
      const bool generated = store::is_synthetic_source(source);
      (generated ? synthetic_sources : real_sources).push_back(source);
      (generated ? synthetic_sessions : real_sessions) += count;
    }
    std::vector<std::string> labels = real_sources;
    labels.insert(labels.end(), synthetic_sources.begin(), synthetic_sources.end());
    supply.data_source += fmt::format("{} {} {}", supply.data_source.size() > 6 ? ";" : "",
                                      symbols[i], joined(labels, ","));
    if (synthetic_sessions == 0) continue;
    supply.synthetic = true;
    const std::string synthetic_labels = joined(synthetic_sources, ", ");
    if (real_sessions > 0) {
      supply.warnings.push_back(fmt::format(
          "{} mixes real and SYNTHETIC bars: {} session{} of real bars, {} of synthetic bars "
          "({}); its results are not market results",
          symbols[i], real_sessions, plural(real_sessions), synthetic_sessions, synthetic_labels));
    } else {
      supply.warnings.push_back(fmt::format("{} runs on SYNTHETIC bars ({}), not market prices",
                                            symbols[i], synthetic_labels));
    }
  }
  supply.source = store.read(supply.symbols, request.first, request.last);
  return supply;
}

}  // namespace trader::marketdata
