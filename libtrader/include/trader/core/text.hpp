#pragma once
// Small text helpers shared by configuration, the strategy registry and the tools: ASCII case
// folding, the edit distance behind "did you mean ...?" suggestions, UTF-8 decoding and the
// escaping of values quoted into messages.

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>

namespace trader::core {

[[nodiscard]] std::string to_upper(std::string_view text);
[[nodiscard]] std::string to_lower(std::string_view text);
// Levenshtein distance (insertions, deletions, substitutions).
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate nearest to `name`, or "" when there are none.
[[nodiscard]] std::string closest(std::string_view name, std::span<const std::string> candidates);

// One step of UTF-8 decoding. A well-formed sequence (Unicode table 3-7: no overlongs, no
// surrogates, nothing above U+10FFFF) gives its code point and length 1..4. Anything else is
// invalid, and `length` is then its maximal subpart (the longest start of the text that could
// begin a well-formed sequence, at least 1 byte), so that replacing each invalid step by one
// U+FFFD follows the Unicode recommendation ("\xE2\x82" truncated is one step, "\xC0\xAF" two).
struct Utf8Step {
  char32_t code_point = 0;  // U+FFFD when invalid
  std::size_t length = 0;   // 0 only for empty text
  bool valid = false;
};
[[nodiscard]] Utf8Step decode_utf8(std::string_view text) noexcept;
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

// The longest value a message shows by default before cutting it ("...").
inline constexpr std::size_t kMessageValueChars = 40;
inline constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();

// A value from outside (a CSV field, an argument, a file name) made safe to quote into an error
// or log message (issue 11 item 21): nothing in it can move a terminal's cursor, change its
// colours, reorder the text around it or make the message invalid UTF-8. Valid UTF-8 text is
// kept; a backslash becomes \\; \n, \r and \t are shown so; other C0 controls, DEL and each
// byte of an invalid UTF-8 sequence become \xNN; C1 controls (U+0080..U+009F) and the
// bidirectional controls and the line and paragraph separators (U+200E, U+200F, U+2028..U+202E,
// U+2066..U+2069) become \uNNNN. After
// `max_chars` characters of `text` the rest is cut and "..." appended.
[[nodiscard]] std::string escape_for_message(std::string_view text,
                                             std::size_t max_chars = kMessageValueChars);
// The same in single quotes: "'AAPL'", "'\x1b[31mred'", "'aaaa...'".
[[nodiscard]] std::string quote_for_message(std::string_view text,
                                            std::size_t max_chars = kMessageValueChars);

}  // namespace trader::core
