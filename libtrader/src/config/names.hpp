#pragma once
// What the .env reader and the loader share about names and shown values (issue 11 items 3, 4).

#include <string>
#include <string_view>

namespace trader::config::detail {

// True when `name` (any case) is a known variable (ALGO_BROKER__API_KEY) or a section that may be
// given as one JSON object (ALGO_BROKER): a name safe to show in an error whatever surrounds it.
[[nodiscard]] bool is_setting_name(std::string_view name);

// A value as an error may show it (only values that cannot hold a secret): control and non-ASCII
// bytes as \xNN, cut after 60 characters with "...".
[[nodiscard]] std::string shown(std::string_view value);

}  // namespace trader::config::detail
