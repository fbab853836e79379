#include <trader/alpaca/historical_bars.hpp>

#include <charconv>
#include <map>
#include <optional>
#include <utility>

#include "alpaca/bars_page.hpp"
#include "alpaca/exact_json.hpp"
#include "alpaca/rest_client.hpp"

namespace trader::alpaca {
namespace {

using detail::JsonValue;
using Kind = JsonValue::Kind;

constexpr std::string_view kBarsPath = "/v2/stocks/bars";
constexpr int kMaxLimit = 10'000;  // Alpaca's documented maximum page size

std::string join(const std::vector<std::string>& parts, std::size_t at_most) {
  std::string out;
  for (std::size_t i = 0; i < parts.size() && i < at_most; ++i) {
    if (i != 0) out += ',';
    out += parts[i];
  }
  if (parts.size() > at_most) out += ",... (" + std::to_string(parts.size()) + " symbols)";
  return out;
}

// "AAPL,TSLA 1Min 2024-01-02T14:30:00Z..2024-01-02T21:00:00Z": the query in errors and logs.
std::string describe(const BarsQuery& query) {
  return join(query.symbols, 5) + " " + query.timeframe + " " +
         core::format_timestamp(query.start) + ".." + core::format_timestamp(query.end);
}

// Refuses, before anything is sent, what Alpaca would refuse or what would be ambiguous.
std::optional<std::string> query_problem(const BarsQuery& query) {
  if (query.symbols.empty()) return "no symbols";
  for (const std::string& symbol : query.symbols) {
    // A comma would split one symbol into two in the comma-joined list.
    if (symbol.empty() || symbol.find_first_of(", ") != std::string::npos) {
      return "bad symbol '" + symbol + "'";
    }
  }
  if (query.limit < 1 || query.limit > kMaxLimit) {
    return "limit must be 1..10000, got " + std::to_string(query.limit);
  }
  if (query.end < query.start) return "end is before start";
  if (query.timeframe.empty() || query.feed.empty() || query.adjustment.empty()) {
    return "timeframe, feed and adjustment must not be empty";
  }
  return std::nullopt;
}

// Reads the bars of one page. Each problem names the symbol, the bar and the field.
class PageReader {
 public:
  PageReader(const detail::RestClient& rest, const std::string& request, int status,
             std::string request_id)
      : rest_(rest), request_(request), status_(status), request_id_(std::move(request_id)) {}

  // Problems quote the server's text, which a broken server could fill with our own key.
  [[noreturn]] void fail(const std::string& problem) const {
    throw ResponseError(request_, status_, rest_.scrubbed(problem), request_id_);
  }

  const JsonValue& member(const JsonValue& bar, std::string_view key,
                          std::string_view where) const {
    const JsonValue* value = bar.find(key);
    if (value == nullptr) fail(std::string(where) + ": no \"" + std::string(key) + "\"");
    return *value;
  }

  core::Decimal decimal(const JsonValue& bar, std::string_view key, std::string_view where) const {
    const JsonValue& value = member(bar, key, where);
    if (!value.is(Kind::number))
      fail(std::string(where) + ": \"" + std::string(key) + "\" is not a number");
    try {
      return detail::decimal_from_json_number(value.text());
    } catch (const Error&) {
      fail(std::string(where) + ": \"" + std::string(key) + "\" out of range: " + value.text());
    }
  }

  std::int64_t whole(const JsonValue& value, std::string_view key, std::string_view where) const {
    std::int64_t number = 0;
    const std::string& text = value.text();
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (!value.is(Kind::number) || error != std::errc{} || end != text.data() + text.size()) {
      fail(std::string(where) + ": \"" + std::string(key) + "\" is not a whole number: " + text);
    }
    return number;
  }

  data::BarRecord bar(const JsonValue& item, std::string_view where) const {
    if (!item.is(Kind::object)) fail(std::string(where) + ": not an object");
    data::BarRecord record;
    const JsonValue& time = member(item, "t", where);
    if (!time.is(Kind::string)) fail(std::string(where) + ": \"t\" is not a string");
    try {
      record.bar.ts = core::parse_timestamp(time.text());
    } catch (const ParseError&) {
      fail(std::string(where) + ": \"t\" is not an RFC-3339 time: " + time.text());
    }
    record.bar.open = decimal(item, "o", where);
    record.bar.high = decimal(item, "h", where);
    record.bar.low = decimal(item, "l", where);
    record.bar.close = decimal(item, "c", where);
    record.bar.volume = whole(member(item, "v", where), "v", where);
    // Required by the 2026 OpenAPI, but older responses lacked them; BarRecord has "none".
    if (const JsonValue* vwap = item.find("vw"); vwap != nullptr && !vwap->is(Kind::null)) {
      record.vwap = decimal(item, "vw", where);
    }
    if (const JsonValue* count = item.find("n"); count != nullptr && !count->is(Kind::null)) {
      record.trade_count = whole(*count, "n", where);
    }
    return record;
  }

 private:
  const detail::RestClient& rest_;
  const std::string& request_;
  int status_;
  std::string request_id_;
};

// One symbol's bars of one page to `on_bars`, after checking them and their ascending time.
void deliver(const PageReader& reader, const std::string& symbol, const JsonValue& list,
             const BarsHandler& on_bars, FetchSummary& summary,
             std::vector<data::BarRecord>& records,
             std::map<std::string, core::Timestamp>& last_time) {
  if (list.is(Kind::null)) return;
  if (!list.is(Kind::array)) reader.fail(symbol + ": bars are not an array");
  records.clear();
  records.reserve(list.items().size());
  // Ascending time is part of the contract with the caller (and a page continues where the
  // previous one stopped), so a response breaking it is refused, not passed on.
  auto last = last_time.find(symbol);
  for (std::size_t i = 0; i < list.items().size(); ++i) {
    const std::string where = symbol + " bar " + std::to_string(i);
    records.push_back(reader.bar(list.items()[i], where));
    const core::Timestamp ts = records.back().bar.ts;
    if (last != last_time.end() && ts <= last->second) {
      reader.fail(where + ": " + core::format_timestamp(ts) + " is not after " +
                  core::format_timestamp(last->second));
    }
    last = last_time.insert_or_assign(symbol, ts).first;
  }
  if (records.empty()) return;
  summary.bars += static_cast<std::int64_t>(records.size());
  on_bars(symbol, records);
}

}  // namespace

namespace detail {

std::optional<std::string> BarsPages::read(const RestClient& rest, const RestResponse& response,
                                           const std::string& request, const BarsHandler& on_bars,
                                           FetchSummary& summary) {
  const PageReader reader(rest, request, response.status, response.request_id);
  // Alpaca has been seen to answer 204 for "nothing in range": no body is no bars.
  if (response.status == 204 || response.body.empty()) return std::nullopt;
  JsonValue doc;
  try {
    // A broken server could echo our keys. Errors quote the body cut short (an excerpt of 200
    // characters), and a cut through a key would hide it from the scrubber in fail(): so the
    // page is read with the keys already masked.
    doc = parse_json(rest.scrubbed(response.body));
  } catch (const ParseError& e) {
    reader.fail(std::string("the body is not JSON: ") + e.what());
  }
  if (!doc.is(Kind::object)) reader.fail("the body is not a JSON object");

  std::optional<std::string> next;
  if (const JsonValue* token = doc.find("next_page_token"); token != nullptr) {
    if (token->is(Kind::string)) {
      if (!token->text().empty()) next = token->text();
    } else if (!token->is(Kind::null)) {
      reader.fail("\"next_page_token\" is neither a string nor null");
    }
  }
  // Empty results come as {"bars":{}} (multi-symbol) or {"bars":null} (single); a missing
  // "bars" or [] is read the same way.
  const JsonValue* bars = doc.find("bars");
  if (bars == nullptr || bars->is(Kind::null)) return next;
  if (bars->is(Kind::object)) {
    for (std::size_t i = 0; i < bars->keys().size(); ++i) {
      deliver(reader, bars->keys()[i], bars->items()[i], on_bars, summary, records_, last_time_);
    }
  } else if (bars->is(Kind::array)) {
    // The single-symbol shape names its symbol beside the array.
    const JsonValue* symbol = doc.find("symbol");
    if (bars->items().empty()) return next;
    if (symbol == nullptr || !symbol->is(Kind::string)) {
      reader.fail("\"bars\" is an array without a \"symbol\"");
    }
    deliver(reader, symbol->text(), *bars, on_bars, summary, records_, last_time_);
  } else {
    reader.fail("\"bars\" is neither an object, an array nor null");
  }
  return next;
}

}  // namespace detail

struct HistoricalBarsClient::Impl {
  explicit Impl(const ClientOptions& options) : rest(options) {}

  detail::RestClient rest;
  detail::BarsPages pages;
};

HistoricalBarsClient::HistoricalBarsClient(const ClientOptions& options) {
  if (options.api_key.empty() || options.secret_key.empty()) {
    throw AuthError("Alpaca market data " + options.base_url, 0,
                    "no API key configured; set ALGO_BROKER__API_KEY and ALGO_BROKER__SECRET_KEY");
  }
  impl_ = std::make_unique<Impl>(options);
}

HistoricalBarsClient::~HistoricalBarsClient() = default;

FetchSummary HistoricalBarsClient::fetch(const BarsQuery& query, const BarsHandler& on_bars) {
  const std::string what = describe(query);
  if (const auto problem = query_problem(query)) {
    throw RequestError(impl_->rest.describe(kBarsPath, what), 0, *problem);
  }
  // Every parameter is sent, defaults included: `feed` above all, whose default depends on
  // the plan (the free plan refuses recent SIP data), and `adjustment`, whose default (raw)
  // differs from ours.
  std::vector<detail::QueryParameter> parameters{
      {"symbols", join(query.symbols, query.symbols.size())},
      {"timeframe", query.timeframe},
      {"start", core::format_timestamp(query.start)},
      {"end", core::format_timestamp(query.end)},
      {"feed", query.feed},
      {"adjustment", query.adjustment},
      {"limit", std::to_string(query.limit)},
  };
  impl_->pages.start();
  FetchSummary summary;
  std::string token;
  for (int page = 1;; ++page) {
    if (!token.empty()) {
      if (parameters.back().name != "page_token") parameters.push_back({"page_token", {}});
      parameters.back().value = token;
    }
    const std::string label = what + ", page " + std::to_string(page);
    const detail::RestResponse response = impl_->rest.get(kBarsPath, parameters, label);
    summary.retries += response.retries;
    ++summary.pages;
    const std::string request = impl_->rest.describe(kBarsPath, label);
    std::optional<std::string> next =
        impl_->pages.read(impl_->rest, response, request, on_bars, summary);
    if (!next) return summary;
    // A server repeating its token would keep us here for ever.
    if (*next == token) {
      throw ResponseError(request, response.status, "next_page_token repeats the previous one",
                          response.request_id);
    }
    token = std::move(*next);
  }
}

}  // namespace trader::alpaca
