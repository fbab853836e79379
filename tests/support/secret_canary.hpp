#pragma once
// Planted credentials for the secret-leak tests (issue 11 items 3-5): distinctive values that
// no program text contains, and a check that finds any long-enough piece of them in output.

#include <string>
#include <string_view>

namespace trader::testing {

inline constexpr std::string_view kCanaryKey = "PKLEAKCANARY0123456789";
inline constexpr std::string_view kCanarySecret = "SKLEAKCANARYsecretvalue9876543210";

// The first `window`-byte piece of `secret` that occurs in `text`, or "" when none does. A masked
// secret ("****3210") shows 4 characters, so 8 is the default window.
[[nodiscard]] inline std::string leaked_piece(std::string_view text, std::string_view secret,
                                              std::size_t window = 8) {
  if (secret.size() < window) window = secret.size();
  for (std::size_t at = 0; at + window <= secret.size(); ++at) {
    const std::string_view piece = secret.substr(at, window);
    if (text.find(piece) != std::string_view::npos) return std::string(piece);
  }
  return "";
}

// A piece of either canary in `text`, or "".
[[nodiscard]] inline std::string leaked_canary(std::string_view text) {
  std::string piece = leaked_piece(text, kCanaryKey);
  return piece.empty() ? leaked_piece(text, kCanarySecret) : piece;
}

}  // namespace trader::testing
