// The pages of a historical-bars fetch as HistoricalBarsClient reads them after the network
// (alpaca/bars_page.hpp): cases found by fuzz/alpaca_bars.cpp, kept as regressions.
#include "alpaca/bars_page.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include <trader/alpaca/error.hpp>

namespace {

using trader::alpaca::ClientOptions;
using trader::alpaca::FetchSummary;
using trader::alpaca::ResponseError;
using trader::alpaca::detail::BarsPages;
using trader::alpaca::detail::RestClient;
using trader::alpaca::detail::RestResponse;
using trader::config::Secret;

constexpr std::string_view kKey = "PKTESTKEY0123456789AB";
constexpr std::string_view kSecret = "testSECRET0123456789abcdefghijklmnopqrst";

ClientOptions options() {
  ClientOptions out;
  out.base_url = "http://127.0.0.1:9";  // never contacted
  out.api_key = Secret(std::string(kKey));
  out.secret_key = Secret(std::string(kSecret));
  return out;
}

// The message of the ResponseError that reading `body` as page 1 throws ("" if none).
std::string page_error(const std::string& body) {
  const RestClient rest(options());
  BarsPages pages;
  FetchSummary summary;
  RestResponse response;
  response.status = 200;
  response.body = body;
  try {
    static_cast<void>(pages.read(
        rest, response, "GET page 1", [](auto, auto) {}, summary));
  } catch (const ResponseError& e) {
    return e.what();
  }
  return {};
}

// Whether `text` holds 8 or more consecutive characters of `key`.
bool quotes_part_of(const std::string& text, std::string_view key) {
  for (std::size_t at = 0; at + 8 <= key.size(); ++at) {
    if (text.find(key.substr(at, 8)) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_SUITE("alpaca") {
  TEST_CASE("a body that is not JSON is quoted cut short, but never with a piece of a key") {
    // Found by fuzz-alpaca-bars: the excerpt of 200 characters cut the echoed keys in two, and
    // the scrubber, which masks whole keys only, let the first part through.
    for (std::size_t filler : {0, 150, 185, 195, 199, 230}) {
      CAPTURE(filler);
      const std::string body = std::string(filler, 'x') + " key " + std::string(kKey) + " secret " +
                               std::string(kSecret) + " {";
      const std::string message = page_error(body);
      CHECK(message.find("the body is not JSON") != std::string::npos);
      CHECK_FALSE(quotes_part_of(message, kKey));
      CHECK_FALSE(quotes_part_of(message, kSecret));
    }
  }
}
