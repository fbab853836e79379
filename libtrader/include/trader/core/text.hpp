#pragma once
// Small text helpers shared by configuration, the strategy registry and the tools: ASCII case
// folding and the edit distance behind "did you mean ...?" suggestions.

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

}  // namespace trader::core
