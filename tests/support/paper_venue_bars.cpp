// The venue's historical bars: GET /v2/stocks/bars and /v2/stocks/{symbol}/bars served from the
// bars it streams, as far as its clock has gone (a bar is history once its minute has ended), so
// a client can warm up from REST and continue on the stream. Alpaca's shapes: bars keyed by
// symbol (multi) or an array with "symbol" (single; null when empty), prices as JSON numbers,
// symbol-then-time order, `limit` across symbols, an opaque next_page_token, 400
// {"message":...} for a bad parameter, and the data API's 401 as an HTML page.

#include <fmt/core.h>

#include <algorithm>
#include <charconv>

#include <trader/core/error.hpp>

#include "support/paper_venue_impl.hpp"
#include "support/paper_venue_json.hpp"

namespace trader::testing {
namespace {

using core::Timestamp;
using venue::JsonObject;

RestReply message(int status, std::string_view text) {
  RestReply reply;
  reply.status = status;
  reply.body = JsonObject{}.string("message", text).str();
  return reply;
}

std::optional<Timestamp> parse_bound(const std::string& text) {
  try {
    if (text.size() == 10) return core::start_of_day(core::parse_date(text));
    return core::parse_timestamp(text);
  } catch (const trader::Error&) {
    return std::nullopt;
  }
}

bool minute_timeframe(std::string_view timeframe) {
  int amount = 0;
  const auto [end, error] =
      std::from_chars(timeframe.data(), timeframe.data() + timeframe.size(), amount);
  const std::string_view unit(end,
                              static_cast<std::size_t>(timeframe.data() + timeframe.size() - end));
  return error == std::errc{} && amount == 1 && (unit == "Min" || unit == "T");
}

}  // namespace

RestReply PaperVenue::Impl::historical_bars(const RestRequest& request) {
  if (request.header("apca-api-key-id") != options.api_key ||
      request.header("apca-api-secret-key") != options.secret_key) {
    RestReply reply;
    reply.status = 401;
    reply.body =
        "<html>\r\n<head><title>401 Authorization Required</title></head>\r\n<body>\r\n"
        "<center><h1>401 Authorization Required</h1></center>\r\n</body>\r\n</html>\r\n";
    reply.headers.emplace_back("Content-Type", "text/html");
    return reply;
  }
  constexpr std::string_view kPrefix = "/v2/stocks/";
  std::optional<std::string> single;
  std::vector<std::string> symbols;
  if (request.path == "/v2/stocks/bars") {
    const std::string list = request.param("symbols");
    if (list.empty()) return message(400, "missing symbols");
    for (std::size_t from = 0; from <= list.size();) {
      const std::size_t comma = std::min(list.find(',', from), list.size());
      symbols.push_back(list.substr(from, comma - from));
      from = comma + 1;
    }
    std::sort(symbols.begin(), symbols.end());
    symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  } else if (request.path.size() > kPrefix.size() + 5 && request.path.ends_with("/bars")) {
    single = request.path.substr(kPrefix.size(), request.path.size() - kPrefix.size() - 5);
    symbols.push_back(*single);
  } else {
    return message(404, "Not Found");
  }
  // Only minute bars are kept; other timeframes are not aggregated here.
  const std::string timeframe = request.param("timeframe");
  if (!minute_timeframe(timeframe)) return message(400, "invalid timeframe: " + timeframe);
  int limit = 1000;
  if (!request.param("limit").empty()) {
    const std::string text = request.param("limit");
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (error != std::errc{} || end != text.data() + text.size() || limit < 1 || limit > 10'000) {
      return message(400, "invalid limit: " + text);
    }
  }
  const Timestamp horizon = now();  // a bar is history once its minute has ended
  Timestamp start = core::start_of_day(core::utc_date(horizon));
  Timestamp end = horizon;
  for (const auto& [name, bound] : {std::pair{"start", &start}, std::pair{"end", &end}}) {
    if (request.query.count(name) == 0) continue;
    const auto parsed = parse_bound(request.param(name));
    if (!parsed) {
      return message(400, std::string("Invalid format for parameter ") + name +
                              ": error parsing '" + request.param(name) +
                              "' as RFC3339 or 2006-01-02 time");
    }
    *bound = *parsed;
  }
  const std::string sort = request.param("sort", "asc");
  if (sort != "asc" && sort != "desc") return message(400, "invalid sort: " + sort);

  struct Item {
    const std::string* symbol;
    const VenueBar* bar;
  };
  std::vector<Item> items;
  for (const std::string& symbol : symbols) {
    const auto found = market.find(symbol);
    if (found == market.end()) continue;  // unknown: simply absent
    const std::size_t first = items.size();
    for (const auto& [t, bar] : found->second) {
      if (t >= start && t <= end && t + std::chrono::minutes(1) <= horizon) {
        items.push_back(Item{&found->first, &bar});
      }
    }
    if (sort == "desc") std::reverse(items.begin() + static_cast<long>(first), items.end());
  }
  std::size_t from = 0;
  if (!request.param("page_token").empty()) {
    const std::string token = request.param("page_token");
    const auto [end_of, error] =
        std::from_chars(token.data() + std::min<std::size_t>(1, token.size()),
                        token.data() + token.size(), from, 16);
    if (token.empty() || token[0] != 'P' || error != std::errc{} ||
        end_of != token.data() + token.size() || from > items.size()) {
      return message(400, "invalid page_token");
    }
  }
  const std::size_t to = std::min(items.size(), from + static_cast<std::size_t>(limit));
  const auto bar_json = [](const VenueBar& bar) {
    return JsonObject{}
        .string("t", core::format_timestamp(bar.t))
        .number("o", bar.o)
        .number("h", bar.h)
        .number("l", bar.l)
        .number("c", bar.c)
        .integer("v", bar.v)
        .integer("n", bar.n)
        .number("vw", core::div_round(bar.h + bar.l + bar.c, 3))
        .str();
  };
  std::string bars;
  if (single) {
    if (from == to) {
      bars = "null";  // the single endpoint's empty shape
    } else {
      bars = "[";
      for (std::size_t i = from; i < to; ++i)
        bars += (i == from ? "" : ",") + bar_json(*items[i].bar);
      bars += "]";
    }
  } else {
    JsonObject by_symbol;
    std::size_t i = from;
    while (i < to) {
      const std::string* symbol = items[i].symbol;
      std::string list = "[";
      for (; i < to && items[i].symbol == symbol; ++i) {
        if (list.size() > 1) list += ',';
        list += bar_json(*items[i].bar);
      }
      by_symbol.raw(*symbol, list + "]");
    }
    bars = by_symbol.str();
  }
  JsonObject body;
  body.raw("bars", bars);
  if (to < items.size()) {
    body.string("next_page_token", fmt::format("P{:x}", to));
  } else {
    body.null("next_page_token");
  }
  if (single) body.string("symbol", *single);
  RestReply reply;
  reply.body = body.str();
  return reply;
}

}  // namespace trader::testing
