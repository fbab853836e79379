#include <trader/core/symbol.hpp>

#include <trader/core/error.hpp>

namespace trader::core {

std::string parse_symbol(std::string_view text) {
  if (!is_valid_symbol(text)) throw ParseError("a symbol like AAPL or BRK.B", std::string(text));
  return std::string(text);
}

std::string normalize_symbol(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  std::string upper(text);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return parse_symbol(upper);
}

}  // namespace trader::core
