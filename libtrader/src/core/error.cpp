#include <trader/core/error.hpp>

namespace trader {

ParseError::ParseError(std::string what_was_expected, std::string input)
    : Error("expected " + std::move(what_was_expected) + ", got '" + input + "'"),
      input_(std::move(input)) {}

}  // namespace trader
