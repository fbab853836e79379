#pragma once
// Historical bars from Alpaca's market-data REST API (GET /v2/stocks/bars), every page of a
// query, prices exact as Decimal. The network code (Boost.Beast, OpenSSL) stays behind Impl.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <trader/alpaca/client_options.hpp>
#include <trader/alpaca/error.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/data/bar_record.hpp>

namespace trader::alpaca {

struct BarsQuery {
  std::vector<std::string> symbols;  // one request for all of them; at least one
  core::Timestamp start;             // inclusive, as Alpaca
  core::Timestamp end;               // inclusive, as Alpaca
  std::string timeframe = "1Min";    // Alpaca's grammar: 1Min, 5Min, 1Hour, 1Day, ...
  std::string feed = "iex";          // always sent: Alpaca's default differs by plan
  std::string adjustment = "all";    // raw, split, dividend, spin-off, all
  int limit = 10'000;                // bars per page across all symbols, 1..10000
};

// One symbol's bars of one page, ascending in time. The span is valid during the call only.
using BarsHandler =
    std::function<void(std::string_view symbol, std::span<const data::BarRecord> bars)>;

struct FetchSummary {
  int pages = 0;          // responses with data or an empty result
  std::int64_t bars = 0;  // bars passed to the handler
  int retries = 0;        // attempts that were repeated (429, 5xx, timeouts, ...)
};

// One instance per fetch session (it keeps its connection open between pages); not thread-safe.
class HistoricalBarsClient {
 public:
  // Throws AuthError when a key is empty, ParseError when base_url is not an http(s) URL.
  explicit HistoricalBarsClient(const ClientOptions& options);
  ~HistoricalBarsClient();
  HistoricalBarsClient(const HistoricalBarsClient&) = delete;
  HistoricalBarsClient& operator=(const HistoricalBarsClient&) = delete;

  // Requests the query's bars page after page (following next_page_token until it is null) and
  // calls `on_bars` once per symbol per page. Alpaca orders by symbol, then time, so a symbol's
  // bars may span pages. Each BarRecord has bar.symbol == SymbolId{} (the caller interns
  // names), vwap from "vw" and trade_count from "n". Throws the AlpacaError subclasses of
  // trader/alpaca/error.hpp; bars already handed over stay with the caller.
  FetchSummary fetch(const BarsQuery& query, const BarsHandler& on_bars);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trader::alpaca
