#pragma once
// JSON out of a boost::json::value, spelled as the project's outputs always were: Python's
// separators (", " and ": "), strings through core::append_json_string (valid UTF-8 whatever the
// bytes, issue 11 item 20) and doubles as their shortest round-trip text ("0.6666666666666666",
// "0", never Boost's "6.666666666666666E-1"); a NaN or an infinity, which JSON cannot hold, is
// null. Boost.JSON builds and parses the values; only the spelling is decided here. Private to
// src/: Boost.JSON never appears in a public header.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace trader::core::detail {

enum class JsonLayout : std::uint8_t {
  one_line,  // everything on one line (stored columns, one object per line of output)
  records,   // an array of objects gets one element per line, indented (lists of trades, ...)
};

void append_json(std::string& out, const boost::json::value& value,
                 JsonLayout layout = JsonLayout::one_line);
[[nodiscard]] std::string to_json(const boost::json::value& value,
                                  JsonLayout layout = JsonLayout::one_line);

// Parses one JSON document; what() names `what` and the position of the error, never the text
// (it may hold settings).
[[nodiscard]] boost::json::value parse_json(std::string_view text, std::string_view what);

}  // namespace trader::core::detail
