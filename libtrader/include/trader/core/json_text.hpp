#pragma once
// Writing JSON text by hand (reports, --json output, log records) needs exactly one thing done
// right: string escaping. Parsing network JSON is the adapters' job (Boost.JSON, in src/).

#include <string>
#include <string_view>

namespace trader::core {

// Appends `text` as a JSON string literal, quotes included. The result is always valid UTF-8 JSON
// (RFC 8259), whatever the bytes of `text` (a file name need not be UTF-8, issue 11 item 20):
// - '"' and '\\' are escaped, \n \r \t as such, the other control characters (U+0000..U+001F,
//   and DEL and the C1 controls U+007F..U+009F, which a terminal showing the output could act
//   on) as \u00XX; U+2028 and U+2029 as \u2028 and \u2029 (so the text is also a JavaScript
//   string);
// - other well-formed UTF-8 is copied as is;
// - each invalid UTF-8 sequence (a stray continuation byte, an overlong form, an encoded
//   surrogate, a code point above U+10FFFF, a sequence cut short) becomes U+FFFD, one per maximal
//   subpart as Unicode recommends (see core::decode_utf8). The replacement loses the original
//   bytes: JSON strings cannot carry them, and a reader of a report needs valid text more than
//   the exact bytes of a name no tool can show anyway.
void append_json_string(std::string& out, std::string_view text);
[[nodiscard]] std::string json_quote(std::string_view text);

}  // namespace trader::core
