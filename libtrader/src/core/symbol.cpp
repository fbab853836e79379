#include <trader/core/symbol.hpp>

#include <trader/core/error.hpp>
#include <trader/core/text.hpp>

namespace trader::core {

std::string parse_symbol(std::string_view text) {
  if (!is_valid_symbol(text)) throw ParseError("a symbol like AAPL or BRK.B", std::string(text));
  return std::string(text);
}

std::string normalize_symbol(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return parse_symbol(to_upper(text));
}

}  // namespace trader::core
