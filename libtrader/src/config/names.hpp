#pragma once
// What the .env reader and the loader share about shown values (issue 11 items 3, 4).

#include <string>
#include <string_view>

namespace trader::config::detail {

// A value as an error may show it (only values that cannot hold a secret): control and non-ASCII
// bytes as \xNN, cut after 60 characters with "...".
[[nodiscard]] std::string shown(std::string_view value);

}  // namespace trader::config::detail
