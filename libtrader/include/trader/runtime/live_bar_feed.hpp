#pragma once
// The live BarFeed: Alpaca's market-data stream (alpaca::MarketDataStream) as the runtime sees
// it, for paper, live and dry-run sessions. Bars of symbols outside the table are logged and
// skipped; every bar is stamped as a message on the runtime's clock for the health checks.

#include <memory>

#include <trader/alpaca/market_data_stream.hpp>
#include <trader/data/symbol_table.hpp>
#include <trader/runtime/bar_feed.hpp>
#include <trader/runtime/clock.hpp>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace trader::runtime {

// `options.symbols` and `options.symbol_id` are set from `symbols` (which must outlive the
// feed); `options.timers` from the clock unless set.
[[nodiscard]] std::unique_ptr<BarFeed> live_bar_feed(boost::asio::io_context& io,
                                                     alpaca::MarketDataStreamOptions options,
                                                     const data::SymbolTable& symbols,
                                                     Clock& clock);

}  // namespace trader::runtime
