#include <trader/sweep/sweep.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include <trader/calendar/nyse.hpp>
#include <trader/core/symbol.hpp>
#include <trader/core/version.hpp>
#include <trader/sweep/shared_pass.hpp>

namespace trader::sweep {
namespace {

// 64-bit FNV-1a over text: the sweep's fingerprints (not a security measure; a label that two
// shards of one sweep share).
class TextHash {
 public:
  void add(std::string_view text) noexcept {
    for (const char c : text) {
      hash_ ^= static_cast<unsigned char>(c);
      hash_ *= 0x100000001b3ULL;
    }
    hash_ ^= 0xff;
    hash_ *= 0x100000001b3ULL;
  }
  [[nodiscard]] std::string hex() const { return fmt::format("{:016x}", hash_); }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

void validate(const SweepRequest& request) {
  if (request.symbols.empty()) throw SweepError("At least one symbol required");
  for (const auto& s : request.symbols) {
    if (!core::is_valid_symbol(s)) throw SweepError("Invalid symbol: " + s);
  }
  if (request.end_date < request.start_date) {
    throw SweepError("end_date must not be before start_date (" +
                     core::format_date(request.start_date) + " .. " +
                     core::format_date(request.end_date) + ")");
  }
  static_cast<void>(calendar::is_session(request.start_date));  // range check: CalendarError
  static_cast<void>(calendar::is_session(request.end_date));
  if (calendar::sessions_between(request.start_date, request.end_date).empty()) {
    throw SweepError("no NYSE sessions between " + core::format_date(request.start_date) + " and " +
                     core::format_date(request.end_date));
  }
  if (request.grid.empty()) {
    throw SweepError("nothing to sweep: give at least one --grid NAME=SPEC");
  }
  if (request.random && *request.random == 0) throw SweepError("--random must be 1 or more");
  if (request.batch == 0) throw SweepError("the batch size must be 1 or more");
}

config::Sources with_overrides(const config::Sources& base, const SweepRequest& request) {
  config::Sources sources = base;
  for (const auto& v : request.settings_overrides) sources.command_line.push_back(v);
  return sources;
}

}  // namespace

std::vector<const CombinationResult*> SweepResult::ranked() const {
  std::vector<const CombinationResult*> out;
  out.reserve(results.size());
  for (const auto& r : results) out.push_back(&r);
  std::stable_sort(
      out.begin(), out.end(), [&](const CombinationResult* a, const CombinationResult* b) {
        return ranks_before(objective, a->metrics, a->combination, b->metrics, b->combination);
      });
  return out;
}

std::vector<std::pair<std::string, std::string>> parameters_of(const SweepRequest& request,
                                                               const Combination& combination) {
  auto out = request.parameters;
  out.insert(out.end(), combination.begin(), combination.end());
  return out;
}

SweepRunner::SweepRunner(const strategy::StrategyRegistry& registry, config::Sources sources,
                         BarProvider bars)
    : registry_(registry), sources_(std::move(sources)), bars_(std::move(bars)) {}

SweepPlan SweepRunner::plan(const SweepRequest& request) const {
  validate(request);
  SweepPlan plan;
  plan.axes = parse_axes(registry_, request.strategy, request.grid, request.parameters);
  plan.combinations = request.random
                          ? random_combinations(plan.axes, *request.random, request.random_seed)
                          : grid_combinations(plan.axes);
  const config::Sources sources = with_overrides(sources_, request);
  const strategy::StrategyBlueprint base =
      registry_.configure(request.strategy, sources, request.parameters);
  plan.base = base.settings();

  // The variables of the swept parameters, and the strategy's section (ALGO_VELEZ__).
  std::vector<std::string> swept;
  std::string section;
  for (const auto& info : registry_.list()) {
    if (info.name != request.strategy) continue;
    for (const auto& p : info.parameters) {
      section = p.variable.substr(0, p.variable.find("__") + 2);
      for (const Axis& axis : plan.axes) {
        if (axis.name == p.name) swept.push_back(p.variable);
      }
    }
  }
  TextHash hash;
  hash.add(request.strategy);
  for (const auto& s : request.symbols) hash.add(s);
  hash.add(core::format_date(request.start_date));
  hash.add(core::format_date(request.end_date));
  hash.add(to_string(request.objective));
  hash.add(marketdata::to_string(request.data));
  if (request.data == marketdata::DataMode::synthetic)
    hash.add(std::to_string(request.synthetic_seed));
  hash.add(core::version());
  for (const auto& key : base.keys()) {
    if (key.secret) continue;  // F5, F12
    if (std::find(swept.begin(), swept.end(), key.variable) != swept.end()) continue;
    plan.settings.emplace_back(key.variable, key.shown_value);
    // Only what changes a result belongs to the fingerprint (not the database path of a node).
    const bool counts = key.variable.rfind("ALGO_BACKTEST__", 0) == 0 ||
                        key.variable.rfind("ALGO_RISK__", 0) == 0 ||
                        (!section.empty() && key.variable.rfind(section, 0) == 0);
    if (counts) hash.add(key.variable + "=" + key.shown_value);
  }
  for (const Combination& c : plan.combinations) hash.add(describe(c));
  plan.settings_fingerprint = hash.hex();

  // Every combination configures as trader-backtest --param would: a bad one is named now.
  for (std::size_t i = 0; i < plan.combinations.size(); ++i) {
    try {
      static_cast<void>(registry_.configure(request.strategy, sources,
                                            parameters_of(request, plan.combinations[i])));
    } catch (const strategy::ParameterError& e) {
      std::string problems;
      for (const auto& p : e.problems()) problems += "\n  " + p;
      throw GridError(fmt::format("combination {} ({}) cannot be configured:{}", i + 1,
                                  describe(plan.combinations[i]), problems));
    }
  }
  return plan;
}

SweepResult SweepRunner::run(const SweepRequest& request, const SweepProgress& progress,
                             const core::CancellationToken* cancel) const {
  const SweepPlan plan = this->plan(request);
  std::vector<std::size_t> which;
  for (std::size_t i = 0; i < plan.combinations.size(); ++i) {
    if (request.shard.owns(i + 1)) which.push_back(i);
  }
  return run_combinations(request, plan, which, request.start_date, request.end_date, progress,
                          cancel);
}

SweepResult SweepRunner::run_combinations(const SweepRequest& request, const SweepPlan& plan,
                                          const std::vector<std::size_t>& which, core::Date first,
                                          core::Date last, const SweepProgress& progress,
                                          const core::CancellationToken* cancel) const {
  SweepResult result;
  result.strategy = request.strategy;
  result.symbols = request.symbols;
  result.start_date = first;
  result.end_date = last;
  result.objective = request.objective;
  for (const Axis& axis : plan.axes) result.axes.push_back(axis.name);
  result.settings = plan.settings;
  result.combinations = plan.combinations.size();
  result.shard = request.shard;
  result.results.reserve(which.size());

  const config::Sources sources = with_overrides(sources_, request);
  backtest::SessionOptions options;
  options.backtest = plan.base.backtest;
  options.risk = plan.base.risk;
  options.first = first;
  options.last = last;

  // Batches of engines, each one pass over the bars, spread over the threads: each thread
  // takes the next batch when it is done with one, so no thread waits for another, and the
  // batches are small enough (a quarter of a thread's share) to even out uneven engines.
  const int jobs = request.jobs > 0 ? request.jobs : hardware_jobs();
  const std::size_t n = which.size();
  const std::size_t per_batch =
      jobs == 1 ? request.batch
                : std::max<std::size_t>(
                      1, std::min(request.batch, (n + static_cast<std::size_t>(jobs) * 4 - 1) /
                                                     (static_cast<std::size_t>(jobs) * 4)));
  // A shard with no combination still reads the bars once: its file carries the fingerprint.
  const std::size_t batches = std::max<std::size_t>(1, (n + per_batch - 1) / per_batch);

  std::mutex bars_mutex;  // the bar provider and its sources may share a database connection
  std::mutex progress_mutex;
  std::vector<double> batch_done(batches, 0.0);
  const auto report = [&](std::size_t batch, double combinations) {
    if (!progress) return;
    const std::lock_guard lock(progress_mutex);
    batch_done[batch] = combinations;
    double done = 0;
    for (const double d : batch_done) done += d;
    progress(done, n);
  };
  std::vector<CombinationResult> results(n);
  struct PassFacts {
    std::int64_t bars = 0;
    std::string fingerprint;
    std::string data_source;
    bool synthetic = false;
    std::vector<std::string> warnings;
  };
  std::vector<PassFacts> facts(batches);
  std::atomic<std::size_t> next_batch{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::mutex error_mutex;

  const auto run_batch = [&](std::size_t batch) {
    const std::size_t begin = batch * per_batch;
    const std::size_t end = std::min(n, begin + per_batch);
    std::vector<strategy::StrategyBlueprint> blueprints;
    blueprints.reserve(end - begin);
    for (std::size_t i = begin; i < end; ++i) {
      blueprints.push_back(registry_.configure(
          request.strategy, sources, parameters_of(request, plan.combinations[which[i]])));
    }
    std::vector<backtest::StrategyFactory> factories;
    factories.reserve(blueprints.size());
    for (const auto& bp : blueprints) factories.emplace_back([&bp] { return bp.create(); });

    std::unique_ptr<marketdata::BarSupply> supply;
    {
      const std::lock_guard lock(bars_mutex);
      supply = std::make_unique<marketdata::BarSupply>(bars_(first, last));
    }
    // Every read under the lock; the supply is released under it too.
    class LockedSource final : public data::BarSource {
     public:
      LockedSource(data::BarSource& inner, std::mutex& mutex) : inner_(inner), mutex_(mutex) {}
      std::size_t read(std::span<data::Bar> out) override {
        const std::lock_guard lock(mutex_);
        return inner_.read(out);
      }

     private:
      data::BarSource& inner_;
      std::mutex& mutex_;
    };
    const auto release = [&] {
      const std::lock_guard lock(bars_mutex);
      supply.reset();
    };
    const core::Timestamp from = core::start_of_day(first);
    const core::Timestamp to = core::start_of_day(last) + std::chrono::days{1};
    const auto in_batch = static_cast<double>(end - begin);
    SharedPassResult pass;
    try {
      LockedSource source(*supply->source, bars_mutex);
      pass = run_shared_pass(
          supply->symbols, factories, options, source, 1,
          [&](std::int64_t, core::Timestamp at) {
            const double part = std::clamp(
                std::chrono::duration<double>(at - from) / std::chrono::duration<double>(to - from),
                0.0, 1.0);
            report(batch, part * in_batch);
          },
          cancel);
    } catch (...) {
      release();
      throw;
    }
    report(batch, in_batch);
    facts[batch] = PassFacts{pass.bars, pass.fingerprint, supply->data_source, supply->synthetic,
                             supply->warnings};
    release();
    for (std::size_t i = begin; i < end; ++i) {
      backtest::SessionResult& run = pass.runs[i - begin];
      CombinationResult& r = results[i];
      r.combination = which[i] + 1;
      r.parameters = plan.combinations[which[i]];
      r.metrics = run.metrics;
      if (request.keep_trades) {
        r.trades = std::move(run.trades);
        r.daily_equity = std::move(run.daily_equity);
      }
    }
  };
  const auto worker = [&] {
    for (std::size_t b; !stop.load() && (b = next_batch.fetch_add(1)) < batches;) {
      try {
        run_batch(b);
      } catch (...) {
        const std::lock_guard lock(error_mutex);
        if (!error) error = std::current_exception();
        stop.store(true);
      }
    }
  };
  {
    std::vector<std::jthread> threads;
    const std::size_t extra = std::min<std::size_t>(batches, static_cast<std::size_t>(jobs)) - 1;
    threads.reserve(extra);
    for (std::size_t t = 0; t < extra; ++t) threads.emplace_back(worker);
    worker();
  }
  if (error) std::rethrow_exception(error);
  result.results = std::move(results);
  result.bars = facts[0].bars;
  result.bars_fingerprint = facts[0].fingerprint;
  result.data_source = facts[0].data_source;
  result.synthetic = facts[0].synthetic;
  result.warnings = facts[0].warnings;
  for (const PassFacts& f : facts) {
    if (f.fingerprint != facts[0].fingerprint) {  // the bars changed between two passes
      throw SweepError("the bars changed during the sweep (fingerprint " + facts[0].fingerprint +
                       ", then " + f.fingerprint + "); run it again");
    }
  }

  TextHash hash;
  hash.add(plan.settings_fingerprint);
  hash.add(result.bars_fingerprint);
  result.fingerprint = hash.hex();
  return result;
}

}  // namespace trader::sweep
