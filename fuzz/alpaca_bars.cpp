// Fuzz target: the pages of an Alpaca historical-bars response (GET /v2/stocks/bars), as
// HistoricalBarsClient reads them after the network (libtrader/src/alpaca/bars_page.hpp).
// The input is one fetch: response bodies separated by NUL bytes, read as pages in order.
// Normal outcomes: bars, or ResponseError. Delivered bars must ascend in time per symbol, and no
// error message may quote the API key or secret (the client scrubs them; a body can hold them).

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include <trader/alpaca/error.hpp>

#include "alpaca/bars_page.hpp"
#include "fuzz.hpp"

namespace {

namespace alpaca = trader::alpaca;
using trader::fuzz::expect;

// Also in fuzz/dict/alpaca-bars.dict, so that mutations plant them in bodies. No hex digit and
// no letter of an escape (\x, \u, \n, \t, \r, \v): the text of an escaped byte in a message
// cannot then form a piece of either.
constexpr std::string_view kApiKey = "PKZZGHJKLMNPQRSTVWYZ";
constexpr std::string_view kSecret = "zzsqghijklmopqswyzGHIJKLMNOPQRSTVWYZ";

// Whether `message` quotes 8 or more consecutive characters of `key` that the body did not
// hold once whole occurrences of the key are masked as the client masks them (a body may carry
// its own text resembling a key; a whole key in it must never come out, not even cut short by
// an excerpt).
bool quotes_key(std::string_view message, std::string body, std::string_view key) {
  const std::string masked = trader::config::Secret(std::string(key)).masked();
  for (std::size_t at = body.find(key); at != std::string::npos;
       at = body.find(key, at + masked.size())) {
    body.replace(at, key.size(), masked);
  }
  constexpr std::size_t kRun = 8;
  for (std::size_t at = 0; at + kRun <= key.size(); ++at) {
    const std::string_view part = key.substr(at, kRun);
    if (message.find(part) != std::string_view::npos && body.find(part) == std::string::npos) {
      return true;
    }
  }
  return false;
}

const alpaca::detail::RestClient& client() {
  static const alpaca::detail::RestClient rest([] {
    alpaca::ClientOptions options;
    options.base_url = "http://127.0.0.1:9";  // never contacted
    options.api_key = trader::config::Secret(std::string(kApiKey));
    options.secret_key = trader::config::Secret(std::string(kSecret));
    return options;
  }());
  return rest;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  alpaca::detail::BarsPages pages;
  pages.start();
  alpaca::FetchSummary summary;
  std::map<std::string, trader::core::Timestamp, std::less<>> last;
  std::int64_t handed = 0;
  const alpaca::BarsHandler on_bars = [&](std::string_view symbol,
                                          std::span<const trader::data::BarRecord> bars) {
    expect(!bars.empty(), "the handler got an empty page");
    for (const auto& record : bars) {
      auto it = last.find(symbol);
      expect(it == last.end() || it->second < record.bar.ts, "bars do not ascend in time");
      last.insert_or_assign(std::string(symbol), record.bar.ts);
    }
    handed += static_cast<std::int64_t>(bars.size());
  };
  std::size_t start = 0;
  for (int page = 1; start <= input.size(); ++page) {
    std::size_t end = input.find('\0', start);
    if (end == std::string_view::npos) end = input.size();
    alpaca::detail::RestResponse response;
    response.status = 200;
    response.body = std::string(input.substr(start, end - start));
    response.request_id = "fuzz";
    try {
      const auto next =
          pages.read(client(), response, "GET page " + std::to_string(page), on_bars, summary);
      if (next) expect(!next->empty(), "an empty next_page_token");
    } catch (const alpaca::ResponseError& e) {
      expect(!quotes_key(e.what(), response.body, kApiKey), "an error quotes the API key");
      expect(!quotes_key(e.what(), response.body, kSecret), "an error quotes the secret key");
      break;
    }
    start = end + 1;
  }
  expect(summary.bars == handed, "the summary counts other bars than were handed over");
  return 0;
}
