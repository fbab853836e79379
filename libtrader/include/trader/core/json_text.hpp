#pragma once
// Writing JSON text by hand (reports, --json output, log records) needs exactly one thing done
// right: string escaping. Parsing network JSON is the adapters' job (Boost.JSON, in src/).

#include <string>
#include <string_view>

namespace trader::core {

// Appends `text` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);
[[nodiscard]] std::string json_quote(std::string_view text);

}  // namespace trader::core
