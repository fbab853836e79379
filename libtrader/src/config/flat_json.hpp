#pragma once
// A reader for the two JSON shapes configuration accepts: a flat object of scalars (a whole
// section in one variable) and an array of strings (the watchlist). Numbers keep their exact
// text, so "0.05" reaches Decimal::parse unchanged; a general JSON library would round-trip
// them through double.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trader/core/error.hpp>

namespace trader::config::detail {

// Malformed JSON, described by position only: the text may hold secrets (a whole ALGO_BROKER
// section with both keys), so unlike ParseError it never quotes its input (issue 11 item 3).
// what(): "expected '}' at character 57" (1-based; one past the end when the text ended early).
class JsonSyntaxError : public Error {
 public:
  JsonSyntaxError(std::string expected, std::size_t character);
  [[nodiscard]] const std::string& expected() const noexcept { return expected_; }
  [[nodiscard]] std::size_t character() const noexcept { return character_; }

 private:
  std::string expected_;
  std::size_t character_;
};

// Throw JsonSyntaxError naming what was expected and where.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> parse_flat_object(
    std::string_view text);
[[nodiscard]] std::vector<std::string> parse_string_array(std::string_view text);

}  // namespace trader::config::detail
