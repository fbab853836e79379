#include <trader/sweep/archive.hpp>

#include <fmt/core.h>

#include <boost/json/array.hpp>
#include <trader/backtest/run_archive.hpp>
#include <trader/core/version.hpp>

#include "core/json_write.hpp"
#include "sweep/exact_json.hpp"

namespace trader::sweep {
namespace {

namespace json = boost::json;

std::string strings_json(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& s : items) a.emplace_back(s);
  return core::detail::to_json(a);
}

std::string pairs_json(const std::vector<std::pair<std::string, std::string>>& items) {
  json::object o;
  for (const auto& [k, v] : items) o[k] = v;
  return core::detail::to_json(o);
}

}  // namespace

SweepArchive::SweepArchive(store::Database& db)
    : db_(db), sweeps_(store::make_sweep_repository(db)) {}
SweepArchive::~SweepArchive() = default;

std::int64_t SweepArchive::save(const SweepResult& r) {
  if (!r.shard.whole()) {
    throw SweepError(fmt::format("shard {} of {} is part of a sweep: merge the shards to store it",
                                 r.shard.index, r.shard.count));
  }
  store::StoredSweep s;
  s.created_at = std::chrono::time_point_cast<core::Microseconds>(std::chrono::system_clock::now());
  s.strategy = r.strategy;
  s.symbols_json = strings_json(r.symbols);
  s.start_date = r.start_date;
  s.end_date = r.end_date;
  s.objective = std::string(to_string(r.objective));
  s.axes_json = strings_json(r.axes);
  s.settings_json = pairs_json(r.settings);
  s.data_source = r.data_source;
  s.bars_fingerprint = r.bars_fingerprint;
  s.fingerprint = r.fingerprint;
  s.bar_count = r.bars;
  s.combinations = static_cast<std::int64_t>(r.combinations);
  s.program_version = std::string(core::version());
  std::vector<store::StoredSweepResult> rows;
  rows.reserve(r.results.size());
  for (const CombinationResult& c : r.results) {
    store::StoredSweepResult row;
    row.combination = static_cast<std::int64_t>(c.combination);
    row.params_json = pairs_json(c.parameters);
    row.metrics_json = core::detail::to_json(detail::metrics_object(c.metrics));
    row.objective_value = objective_value(r.objective, c.metrics);
    row.total_trades = c.metrics.total_trades;
    rows.push_back(std::move(row));
  }
  return sweeps_->insert(s, rows);
}

std::vector<store::StoredSweep> SweepArchive::list(int limit) { return sweeps_->list(limit); }

SweepResult SweepArchive::load(std::int64_t id) {
  const auto stored = sweeps_->find(id);
  if (!stored) throw SweepError(fmt::format("no sweep {} in {}", id, db_.path().string()));
  const std::string where = fmt::format("sweep {} in {}", id, db_.path().filename().string());
  detail::Reader reader(where, 0);
  const auto parse = [&](const std::string& text) {
    try {
      return core::detail::parse_json(text, where);
    } catch (const Error& e) {
      throw SweepError(where + ": " + e.what());
    }
  };
  const auto strings = [&](const std::string& text) {
    json::object o{{"v", parse(text)}};
    return reader.strings(o, "v");
  };
  SweepResult r;
  try {
    r.strategy = stored->strategy;
    r.symbols = strings(stored->symbols_json);
    r.start_date = stored->start_date;
    r.end_date = stored->end_date;
    r.objective = parse_objective(stored->objective);
    r.axes = strings(stored->axes_json);
    json::object settings{{"v", parse(stored->settings_json)}};
    r.settings = reader.pairs(settings, "v");
    r.data_source = stored->data_source;
    r.synthetic = stored->data_source.find("synthetic") != std::string::npos;
    r.bars = stored->bar_count;
    r.bars_fingerprint = stored->bars_fingerprint;
    r.fingerprint = stored->fingerprint;
    r.combinations = static_cast<std::size_t>(stored->combinations);
    for (const auto& row : sweeps_->results(id)) {
      CombinationResult c;
      c.combination = static_cast<std::size_t>(row.combination);
      json::object params{{"v", parse(row.params_json)}};
      c.parameters = reader.pairs(params, "v");
      const json::value metrics = parse(row.metrics_json);
      const auto* o = metrics.if_object();
      if (o == nullptr) throw SweepError(where + ": the metrics are not a JSON object");
      c.metrics = reader.metrics(*o);
      r.results.push_back(std::move(c));
    }
  } catch (const MergeError& e) {
    throw SweepError(e.what());
  } catch (const ParseError& e) {
    throw SweepError(where + ": " + e.what());
  }
  return r;
}

CombinationRerun rerun_combination(store::Database& db, const strategy::StrategyRegistry& registry,
                                   std::int64_t sweep_id, std::size_t combination,
                                   const core::CancellationToken* cancel) {
  SweepArchive archive(db);
  const SweepResult sweep = archive.load(sweep_id);
  const CombinationResult* found = nullptr;
  for (const auto& c : sweep.results) {
    if (c.combination == combination) found = &c;
  }
  if (found == nullptr) {
    throw SweepError(fmt::format("sweep {} has no combination {} (it has 1..{})", sweep_id,
                                 combination, sweep.combinations));
  }
  backtest::BacktestRequest request;
  request.strategy = sweep.strategy;
  request.symbols = sweep.symbols;
  request.start_date = sweep.start_date;
  request.end_date = sweep.end_date;
  request.parameters = found->parameters;
  if (sweep.data_source.rfind("synthetic:seed=", 0) == 0) {
    request.data = marketdata::DataMode::synthetic;
    request.synthetic_seed = std::stoull(sweep.data_source.substr(15));
  } else {
    request.data = marketdata::DataMode::store;
  }
  // Only the stored settings: the current .env and environment must not change the outcome.
  config::Sources sources;
  sources.command_line = sweep.settings;
  backtest::BacktestRunner runner(db, registry, sources);
  CombinationRerun out;
  out.result = runner.run(request, {}, cancel);
  out.metrics_identical =
      backtest::metrics_json(out.result.metrics) == backtest::metrics_json(found->metrics);
  out.bars_identical = out.result.fingerprint == sweep.bars_fingerprint;
  return out;
}

}  // namespace trader::sweep
