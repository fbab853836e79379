#pragma once
// A reader for the two JSON shapes configuration accepts: a flat object of scalars (a whole
// section in one variable) and an array of strings (the watchlist). Numbers keep their exact
// text, so "0.05" reaches Decimal::parse unchanged; a general JSON library would round-trip
// them through double.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trader::config::detail {

// Throws ParseError naming what was expected.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> parse_flat_object(
    std::string_view text);
[[nodiscard]] std::vector<std::string> parse_string_array(std::string_view text);

}  // namespace trader::config::detail
