#pragma once
// Reading the pages of one historical-bars fetch (GET /v2/stocks/bars): each page's JSON shape,
// its bars and ascending time per symbol across pages. HistoricalBarsClient feeds it what the
// server sent; it is separate so that a fuzz target can feed it any body without a network.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <trader/alpaca/historical_bars.hpp>

#include "alpaca/rest_client.hpp"

namespace trader::alpaca::detail {

class BarsPages {
 public:
  // Forgets the last time seen per symbol: a new fetch starts.
  void start() { last_time_.clear(); }

  // Hands one page's bars to `on_bars` (once per symbol) and returns the next page token, if
  // any. Throws ResponseError naming `request` for a body that is not a page of bars; `rest`
  // scrubs the keys from any text quoted from the body.
  std::optional<std::string> read(const RestClient& rest, const RestResponse& response,
                                  const std::string& request, const BarsHandler& on_bars,
                                  FetchSummary& summary);

 private:
  std::vector<data::BarRecord> records_;              // reused page after page
  std::map<std::string, core::Timestamp> last_time_;  // per symbol, within one fetch
};

}  // namespace trader::alpaca::detail
