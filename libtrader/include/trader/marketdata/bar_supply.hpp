#pragma once
// The bars a run reads: from the local store (F14), fetching from Alpaca what the store lacks
// when that is allowed, or generated on the fly (synthetic, never stored). One place decides
// where bars come from and says so (data source, SYNTHETIC warnings), for every driver and tool.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <trader/config/settings.hpp>
#include <trader/core/cancellation.hpp>
#include <trader/core/error.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/bar_source.hpp>
#include <trader/data/symbol_table.hpp>
#include <trader/store/bar_store.hpp>

namespace trader::marketdata {

enum class DataMode : std::uint8_t {
  automatic,  // the store; fetch missing sessions from Alpaca when keys are configured
  store,      // the store only
  alpaca,     // fetch what the store lacks from Alpaca first (keys required)
  synthetic,  // deterministic synthetic bars generated on the fly (never stored)
};
[[nodiscard]] DataMode parse_data_mode(std::string_view text);  // auto|store|alpaca|synthetic
[[nodiscard]] std::string_view to_string(DataMode mode) noexcept;

// The bars cannot be supplied (the store lacks them, --data alpaca without keys): what() says
// what is missing and the commands that would supply it.
class MissingBarsError : public Error {
 public:
  using Error::Error;
};

struct BarRequest {
  std::vector<std::string> symbols;  // valid tickers
  core::Date first{};                // both included
  core::Date last{};
  DataMode mode = DataMode::automatic;
  std::uint64_t synthetic_seed = 1;
};

// What a run reads, and where it came from.
struct BarSupply {
  data::SymbolTable symbols;                // SymbolTable::sorted: ids in alphabetical order
  std::unique_ptr<data::BarSource> source;  // every symbol merged, (timestamp, symbol) order
  std::string data_source;  // "store: AAPL csv:a.csv; MSFT synthetic:seed=7" | "synthetic:seed=N"
  bool synthetic = false;   // any generated bars: every output must say so
  std::vector<std::string> warnings;  // sessions missing, SYNTHETIC bars in the store
};

// Deterministic synthetic bars of `symbols` over [first, last] (the generator's, per symbol),
// merged; the table must hold every symbol and outlive the source.
[[nodiscard]] std::unique_ptr<data::BarSource> synthetic_source(const data::SymbolTable& symbols,
                                                                core::Date first, core::Date last,
                                                                std::uint64_t seed);

// Synthetic bars for the request (its mode is not looked at); needs no database.
[[nodiscard]] BarSupply synthetic_bars(const BarRequest& request);

// The request's bars from `store` (request.mode automatic, store or alpaca), fetching from
// Alpaca first what the store lacks when the mode allows it (`settings` give the keys and feed).
// Throws MissingBarsError when a symbol has no bar in the range, or, in automatic mode, when
// sessions are missing; with store or alpaca, missing sessions are warnings. `cancel` stops a
// fetch (Interrupted, nothing stored).
[[nodiscard]] BarSupply stored_bars(store::BarStore& store, const config::Settings& settings,
                                    const BarRequest& request,
                                    const core::CancellationToken* cancel = nullptr);

}  // namespace trader::marketdata
