#pragma once
// The HTML report of a backtest: one self-contained file (no network, no external scripts or
// fonts) with the summary metrics, the equity curve and drawdown, a price chart per symbol with
// entries, exits and stops marked, and the trade table. The runner collects the series (already
// thinned to a few thousand points); this module only draws them.

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <trader/backtest/metrics.hpp>
#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/engine/trade.hpp>

namespace trader::backtest {

struct EquitySample {
  core::Timestamp ts;
  Decimal equity;
  double drawdown = 0.0;  // fraction below the running peak, 0..1
};

struct PriceSample {  // a candle of the chart (the strategy's candles, thinned)
  core::Timestamp ts;
  Decimal open;
  Decimal high;
  Decimal low;
  Decimal close;
};

struct StopSample {  // where the protective stop stood
  core::Timestamp ts;
  Decimal stop;
};

struct SymbolChart {
  std::string symbol;
  std::vector<PriceSample> prices;
  std::vector<StopSample> stops;
};

struct ReportData {
  std::string strategy;
  std::vector<std::string> symbols;  // in SymbolId order: a trade's name is symbols[its id]
  core::Date start_date{};           // {}: year_month_day's default constructor leaves it unset
  core::Date end_date{};
  Decimal initial_capital;
  bool synthetic = false;   // "SYNTHETIC DATA" across the top when true
  std::string data_source;  // store | synthetic:seed=N | ...
  std::string parameters;   // "sma_fast=20, sma_slow=200, ..."
  std::string program_version;
  std::int64_t run_id = 0;  // 0 when not stored
  Metrics metrics;
  std::vector<engine::Trade> trades;
  std::vector<EquitySample> equity;
  std::vector<SymbolChart> charts;

  [[nodiscard]] const std::string& symbol_of(const engine::Trade& trade) const {
    return symbols.at(data::index_of(trade.symbol));
  }
};

// Writes the whole document; throws Error when the stream fails.
void write_html_report(const ReportData& report, std::ostream& out);

}  // namespace trader::backtest
