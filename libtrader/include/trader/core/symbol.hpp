#pragma once
// Ticker symbols (F9): upper-case letters, 1 to 5 of them, with an optional share-class suffix of
// 1 or 2 letters after a dot (BRK.B). No cap on how many symbols a run may use.

#include <string>
#include <string_view>

namespace trader::core {

[[nodiscard]] constexpr bool is_valid_symbol(std::string_view text) noexcept {
  const auto letters = [](std::string_view part, std::size_t most) {
    if (part.empty() || part.size() > most) return false;
    for (const char c : part) {
      if (c < 'A' || c > 'Z') return false;
    }
    return true;
  };
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return letters(text, 5);
  return letters(text.substr(0, dot), 5) && letters(text.substr(dot + 1), 2);
}

// The symbol itself, or ParseError("a symbol like AAPL or BRK.B", text). No case folding: a
// configured "aapl" is an error, as in the reference.
[[nodiscard]] std::string parse_symbol(std::string_view text);
// For command lines: trims blanks and upper-cases before validating (" brk.b" -> "BRK.B").
[[nodiscard]] std::string normalize_symbol(std::string_view text);

}  // namespace trader::core
