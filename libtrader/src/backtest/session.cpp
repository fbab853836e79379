#include <trader/backtest/session.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <chrono>

#include <trader/broker/sim_broker.hpp>
#include <trader/engine/engine.hpp>

namespace trader::backtest {
namespace {

using core::Timestamp;

// ---- what the engine reports, turned into metrics and report series ----------------------------

class RunObserver final : public engine::EngineObserver {
 public:
  RunObserver(Decimal initial, bool collect, const data::SymbolTable& symbols, Timestamp start,
              Timestamp end)
      : metrics(initial), collect_(collect) {
    if (!collect_) return;
    const std::size_t per_symbol = symbols.size() > 10 ? 500 : 2000;
    bucket_ = std::max<core::Microseconds>(std::chrono::minutes{1},
                                           (end - start) / static_cast<std::int64_t>(per_symbol));
    equity_bucket_ = std::max<core::Microseconds>(std::chrono::minutes{1}, (end - start) / 4000);
    for (const auto& name : symbols.names()) charts.push_back(SymbolChart{name, {}, {}});
    last_bucket_.assign(symbols.size(), -1);
  }

  void on_trade(const engine::Trade& trade) override { metrics.add_trade(trade); }
  void on_daily_equity(core::Date date, Decimal equity) override {
    metrics.add_daily_equity(date, equity);
  }
  void on_candle_equity(data::SymbolId, Timestamp ts, Decimal equity) override {
    metrics.add_equity_point(equity);
    if (!collect_) return;
    const double value = equity.to_double();
    peak_ = std::max(peak_, value);
    const double drawdown = peak_ > 0 ? (peak_ - value) / peak_ : 0.0;
    const auto bucket = ts.time_since_epoch() / equity_bucket_;
    if (!equity.is_zero() && !samples.empty() && bucket == last_equity_bucket_) {
      samples.back() = EquitySample{ts, equity, std::max(samples.back().drawdown, drawdown)};
    } else {
      samples.push_back(EquitySample{ts, equity, drawdown});
      last_equity_bucket_ = bucket;
    }
  }
  void on_candle(const data::Bar& candle) override {
    if (!collect_) return;
    SymbolChart& chart = charts[data::index_of(candle.symbol)];
    const auto bucket = candle.ts.time_since_epoch() / bucket_;
    auto& last = last_bucket_[data::index_of(candle.symbol)];
    if (!chart.prices.empty() && bucket == last) {
      PriceSample& p = chart.prices.back();
      p.high = max(p.high, candle.high);
      p.low = min(p.low, candle.low);
      p.close = candle.close;
    } else {
      chart.prices.push_back(
          PriceSample{candle.ts, candle.open, candle.high, candle.low, candle.close});
      last = bucket;
    }
  }
  void on_order(const orders::Order& order) override {
    if (!collect_ || order.request.role != orders::OrderRole::stop_loss ||
        order.state != orders::OrderState::submitted || !order.request.stop_price) {
      return;
    }
    charts[data::index_of(order.request.symbol_id)].stops.push_back(
        StopSample{order.created_at, *order.request.stop_price});
  }
  void on_stop_moved(data::SymbolId symbol, Timestamp ts, Decimal stop) override {
    if (collect_) charts[data::index_of(symbol)].stops.push_back(StopSample{ts, stop});
  }

  MetricsAccumulator metrics;
  std::vector<EquitySample> samples;
  std::vector<SymbolChart> charts;

 private:
  bool collect_;
  core::Microseconds bucket_{std::chrono::minutes{1}};
  core::Microseconds equity_bucket_{std::chrono::minutes{1}};
  std::int64_t last_equity_bucket_ = -1;
  std::vector<std::int64_t> last_bucket_;  // per symbol
  double peak_ = 0.0;
};

}  // namespace

void BarsFingerprint::add_text(std::string_view text) noexcept {
  for (const char c : text) mix(static_cast<std::uint64_t>(static_cast<unsigned char>(c)));
  mix(0xff);
}

void BarsFingerprint::add(const data::Bar& bar) noexcept {
  mix(static_cast<std::uint64_t>(core::to_unix_micros(bar.ts)));
  mix(static_cast<std::uint64_t>(bar.open.units()));
  mix(static_cast<std::uint64_t>(bar.high.units()));
  mix(static_cast<std::uint64_t>(bar.low.units()));
  mix(static_cast<std::uint64_t>(bar.close.units()));
  mix(static_cast<std::uint64_t>(bar.volume));
  mix(data::index_of(bar.symbol));
}

std::string BarsFingerprint::hex() const { return fmt::format("{:016x}", hash_); }

// The engine, its broker and observer, at fixed addresses (the engine keeps pointers to them).
struct SessionRun::State {
  State(const data::SymbolTable& table, const StrategyFactory& make_strategy,
        const SessionOptions& options)
      : sim(broker::SimulationSettings::from(options.backtest)),
        observer(options.backtest.initial_capital, options.collect_report, table,
                 core::start_of_day(options.first),
                 core::start_of_day(options.last) + std::chrono::days{1}),
        engine(table, make_strategy, sim,
               engine::EngineOptions{.risk = options.risk, .venue = &sim}, &observer) {}

  broker::SimBroker sim;
  RunObserver observer;
  engine::Engine engine;
};

SessionRun::SessionRun(const data::SymbolTable& symbols, const StrategyFactory& make_strategy,
                       const SessionOptions& options)
    : state_(std::make_unique<State>(symbols, make_strategy, options)) {}
SessionRun::~SessionRun() = default;
SessionRun::SessionRun(SessionRun&&) noexcept = default;
SessionRun& SessionRun::operator=(SessionRun&&) noexcept = default;

void SessionRun::feed(std::span<const data::Bar> bars) {
  engine::Engine& engine = state_->engine;
  for (const data::Bar& bar : bars) engine.on_bar(bar);
}

void SessionRun::feed(std::span<const data::Bar> bars, BarsFingerprint& fingerprint) {
  engine::Engine& engine = state_->engine;
  for (const data::Bar& bar : bars) {
    fingerprint.add(bar);
    engine.on_bar(bar);
  }
}

SessionResult SessionRun::finish() {
  state_->engine.finish();
  RunObserver& observer = state_->observer;
  SessionResult result;
  result.metrics = observer.metrics.compute();
  result.trades = observer.metrics.trades();
  result.daily_equity = observer.metrics.daily_equity();
  result.equity = std::move(observer.samples);
  result.charts = std::move(observer.charts);
  return result;
}

BacktestSession::BacktestSession(data::SymbolTable symbols, StrategyFactory make_strategy,
                                 SessionOptions options)
    : symbols_(std::move(symbols)), make_strategy_(std::move(make_strategy)), options_(options) {}

SessionResult BacktestSession::run(data::BarSource& bars, const RunProgress& progress,
                                   const core::CancellationToken* cancel) const {
  const Timestamp start_ts = core::start_of_day(options_.first);
  const Timestamp end_ts = core::start_of_day(options_.last) + std::chrono::days{1};
  SessionRun run(symbols_, make_strategy_, options_);
  BarsFingerprint fingerprint;
  for (const auto& s : symbols_.names()) fingerprint.add_text(s);
  std::vector<data::Bar> buffer(8192);
  std::int64_t count = 0;
  std::int64_t next_report = 1 << 20;
  for (std::size_t n; (n = bars.read(buffer)) > 0;) {
    if (cancel != nullptr) cancel->throw_if_cancelled();
    const std::span<const data::Bar> batch(buffer.data(), n);
    run.feed(batch, fingerprint);
    count += static_cast<std::int64_t>(n);
    if (progress && count >= next_report) {
      next_report += 1 << 20;
      const double done = std::chrono::duration<double>(buffer[n - 1].ts - start_ts) /
                          std::chrono::duration<double>(end_ts - start_ts);
      progress(std::clamp(done, 0.0, 1.0), count);
    }
  }
  if (cancel != nullptr) cancel->throw_if_cancelled();
  SessionResult result = run.finish();
  result.symbols = symbols_;
  result.bars = count;
  result.fingerprint = fingerprint.hex();
  return result;
}

}  // namespace trader::backtest
