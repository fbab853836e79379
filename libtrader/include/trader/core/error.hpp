#pragma once
// The error hierarchy shared by every layer. Each subclass carries its context as fields so that
// callers and tests can read them without parsing text; what() is built once, in the .cpp.

#include <stdexcept>
#include <string>

namespace trader {

// Base of every error the library throws on purpose. Tools catch this at main().
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Text that does not have the expected form (a number, a timestamp, a symbol).
class ParseError : public Error {
 public:
  ParseError(std::string what_was_expected, std::string input);
  [[nodiscard]] const std::string& input() const noexcept { return input_; }

 private:
  std::string input_;
};

// Exact arithmetic that does not fit (Decimal past int64, a division by zero).
class ArithmeticError : public Error {
 public:
  using Error::Error;
};

}  // namespace trader
