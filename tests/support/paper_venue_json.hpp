#pragma once
// Writing the paper venue's JSON by hand, in Alpaca's shapes: money and quantities as strings,
// times as RFC 3339 (UTC with "Z", or New York local time with its offset for the clock).

#include <optional>
#include <string>
#include <string_view>

#include <trader/core/decimal.hpp>
#include <trader/core/timestamp.hpp>

namespace trader::testing::venue {

// One JSON object, member by member, in the order written.
class JsonObject {
 public:
  JsonObject& string(std::string_view key, std::string_view value);
  JsonObject& string_or_null(std::string_view key, const std::optional<std::string>& value);
  // A Decimal as a JSON string ("187.25"), as the trading API sends money.
  JsonObject& decimal(std::string_view key, core::Decimal value);
  JsonObject& decimal_or_null(std::string_view key, std::optional<core::Decimal> value);
  // A Decimal as a JSON number (187.25), as the market-data stream sends prices.
  JsonObject& number(std::string_view key, core::Decimal value);
  JsonObject& integer(std::string_view key, long long value);
  JsonObject& boolean(std::string_view key, bool value);
  JsonObject& null(std::string_view key);
  // "2026-03-02T14:31:05.095569Z" or null.
  JsonObject& time(std::string_view key, std::optional<core::Timestamp> value);
  // Text that already is JSON (an object, an array).
  JsonObject& raw(std::string_view key, std::string_view json);
  [[nodiscard]] std::string str() const { return text_ + "}"; }

 private:
  JsonObject& key(std::string_view name);
  std::string text_ = "{";
};

// "2026-03-02T14:31:05.095569Z": Alpaca's order timestamps (six fractional digits).
[[nodiscard]] std::string rfc3339(core::Timestamp ts);
// "2026-08-28T21:43:37.478805-04:00": New York local time with its offset (the clock).
[[nodiscard]] std::string new_york_rfc3339(core::Timestamp ts, bool fraction);
// `{"code":40310000,"message":"..."}`, the trading API's error body.
[[nodiscard]] std::string error_body(long long code, std::string_view message);

}  // namespace trader::testing::venue
