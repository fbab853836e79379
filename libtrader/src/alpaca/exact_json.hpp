#pragma once
// A JSON document whose numbers keep their source text. Alpaca's market-data API sends prices
// as JSON numbers ("o": 150.8); boost::json::value would hold them as doubles, and 150.8 has no
// exact double. Boost.JSON still does the tokenizing (basic_parser), we only keep the text.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <trader/core/decimal.hpp>

namespace trader::alpaca::detail {

class JsonValue {
 public:
  enum class Kind : std::uint8_t { null, boolean, number, string, array, object };

  JsonValue() = default;
  JsonValue(Kind kind, std::string text) : kind_(kind), text_(std::move(text)) {}

  [[nodiscard]] Kind kind() const noexcept { return kind_; }
  [[nodiscard]] bool is(Kind kind) const noexcept { return kind_ == kind; }
  // A string's content, a number's source text ("1.5e-05"), "true"/"false"; empty otherwise.
  [[nodiscard]] const std::string& text() const noexcept { return text_; }
  // An array's elements or an object's member values, in document order.
  [[nodiscard]] const std::vector<JsonValue>& items() const noexcept { return items_; }
  // An object's keys, parallel to items().
  [[nodiscard]] const std::vector<std::string>& keys() const noexcept { return keys_; }
  // The last member named `key` of an object, or nullptr (also for a non-object).
  [[nodiscard]] const JsonValue* find(std::string_view key) const noexcept;

  // Building (the parser's handler only).
  void add_item(JsonValue value) { items_.push_back(std::move(value)); }
  void add_key(std::string key) { keys_.push_back(std::move(key)); }

 private:
  Kind kind_ = Kind::null;
  std::string text_;
  std::vector<JsonValue> items_;
  std::vector<std::string> keys_;
};

// Parses one document (strict RFC 8259: no comments, no trailing commas, valid UTF-8). Throws
// ParseError naming the error and its offset.
[[nodiscard]] JsonValue parse_json(std::string_view text);

// A JSON number's text as a Decimal: exact up to 8 fractional digits ("150.8", "174",
// "1.5e-05"); longer fractions (a price computed in floating point upstream, e.g. a
// dividend-adjusted one) are rounded half-even to 1e-8. Throws ParseError when out of range.
[[nodiscard]] core::Decimal decimal_from_json_number(std::string_view text);

}  // namespace trader::alpaca::detail
