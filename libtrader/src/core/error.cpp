#include <trader/core/error.hpp>

#include <trader/core/text.hpp>

namespace trader {

// The input comes from outside (a file, an argument, a network reply): it is quoted escaped and
// cut (issue 11 item 21), input() keeps it whole.
ParseError::ParseError(std::string what_was_expected, std::string input)
    : Error("expected " + std::move(what_was_expected) + ", got " + core::quote_for_message(input)),
      input_(std::move(input)) {}

}  // namespace trader
