#pragma once
// An engine observer that keeps everything it is told, for tests.

#include <vector>

#include <trader/backtest/metrics.hpp>
#include <trader/engine/engine.hpp>

namespace trader::testing {

struct EquityPoint {
  data::SymbolId symbol;
  core::Timestamp ts;
  core::Decimal equity;
};

class RecordingObserver final : public engine::EngineObserver {
 public:
  explicit RecordingObserver(core::Decimal initial) : metrics(initial) {}

  void on_trade(const engine::Trade& trade) override {
    trades.push_back(trade);
    metrics.add_trade(trade);
  }
  void on_candle_equity(data::SymbolId symbol, core::Timestamp ts, core::Decimal equity) override {
    curve.push_back({symbol, ts, equity});
    metrics.add_equity_point(equity);
  }
  void on_daily_equity(core::Date date, core::Decimal equity) override {
    daily.push_back({date, equity});
    metrics.add_daily_equity(date, equity);
  }
  void on_order(const orders::Order& order) override { orders.push_back(order); }
  void on_stop_moved(data::SymbolId, core::Timestamp, core::Decimal stop) override {
    stops.push_back(stop);
  }

  std::vector<engine::Trade> trades;
  std::vector<EquityPoint> curve;
  std::vector<backtest::DailyEquity> daily;
  std::vector<orders::Order> orders;
  std::vector<core::Decimal> stops;
  backtest::MetricsAccumulator metrics;
};

}  // namespace trader::testing
