// F19: minutes lost while the market-data stream was down are fetched over REST once it is
// back (Alpaca does not send them again), on a thread of their own so the loop goes on; live
// bars that arrive meanwhile wait behind them, so each symbol's bars reach the engine in order
// and none twice (no candle lost, none duplicated).
#include <boost/asio/post.hpp>

#include <trader/alpaca/historical_bars.hpp>
#include <trader/log/log.hpp>

#include "runtime_impl.hpp"

namespace trader::runtime {

void Runtime::Impl::start_backfill(core::Timestamp until) {
  if (backfilling || options.replay || shutting_down) return;
  core::Timestamp from{};
  bool any = false;
  for (const core::Timestamp last : last_bar_ts) {
    if (last == core::Timestamp{}) continue;  // no bar yet: nothing was lost
    const core::Timestamp next = last + std::chrono::minutes(1);
    if (!any || next < from) from = next;
    any = true;
  }
  // Up to the first bar of the new connection (the broker's time, not ours: the two clocks
  // need not agree to the minute).
  const core::Timestamp to = until - std::chrono::microseconds{1};
  if (!any || from > to) return;
  if (backfill_thread.joinable()) backfill_thread.join();
  backfilling = true;
  log::info("backfill_started",
            {{"from", core::format_timestamp(from)}, {"to", core::format_timestamp(to)}});
  std::vector<std::string> names;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    names.push_back(symbols.name(data::SymbolId{static_cast<std::uint32_t>(i)}));
  }
  backfill_thread = std::thread([this, names = std::move(names), from, to,
                                 client_options = alpaca::market_data_options(settings),
                                 feed_name = settings.broker.feed] {
    std::vector<data::Bar> bars;
    int failed = 0;
    for (std::size_t i = 0; i < names.size(); ++i) {
      try {
        alpaca::HistoricalBarsClient client(client_options);
        alpaca::BarsQuery query;
        query.symbols = {names[i]};
        query.start = from;
        query.end = to;
        query.feed = feed_name;
        static_cast<void>(client.fetch(
            query, [&](std::string_view /*symbol*/, std::span<const data::BarRecord> page) {
              for (const auto& r : page) {
                data::Bar b = r.bar;
                b.symbol = data::SymbolId{static_cast<std::uint32_t>(i)};
                bars.push_back(b);
              }
            }));
      } catch (const std::exception& e) {
        ++failed;
        log::warning("backfill_failed", {{"symbol", names[i]}, {"error", e.what()}});
      }
    }
    boost::asio::post(io, [this, bars = std::move(bars), failed]() mutable {
      finish_backfill(std::move(bars), failed);
    });
  });
}

void Runtime::Impl::finish_backfill(std::vector<data::Bar> bars, int failed) {
  backfilling = false;
  std::stable_sort(bars.begin(), bars.end(), data::earlier);
  std::vector<data::Bar> live = std::move(held_live);
  held_live.clear();
  int recovered = 0;
  for (const data::Bar& b : bars) {
    if (state != RuntimeState::running) break;
    if (b.ts <= last_bar_ts[data::index_of(b.symbol)]) continue;
    ++recovered;
    process_bar(b);
  }
  for (const data::Bar& b : live) {
    if (state != RuntimeState::running) break;
    process_bar(b);
  }
  log::info("backfill_finished", {{"recovered", std::to_string(recovered)},
                                  {"held_live", std::to_string(live.size())},
                                  {"failed_symbols", std::to_string(failed)}});
}

}  // namespace trader::runtime
