// Configuration errors and what they may show of a value (issue 11 items 3, 4).
#include <fmt/core.h>

#include <trader/config/load.hpp>

#include "config/names.hpp"

namespace trader::config {

ConfigError::ConfigError(std::string variable, std::string shown_value, std::string problem)
    : Error(variable + "=" + shown_value + ": " + problem),
      variable_(std::move(variable)),
      shown_value_(std::move(shown_value)),
      problem_(std::move(problem)) {}

ConfigError::ConfigError(std::string variable, std::string problem)
    : Error(variable + ": " + problem),
      variable_(std::move(variable)),
      problem_(std::move(problem)),
      value_shown_(false) {}

std::string ConfigError::describe(std::string_view name) const {
  std::string out(name);
  if (value_shown_) out += "=" + shown_value_;
  return out + ": " + problem_;
}

namespace {
std::string join_errors(const std::vector<ConfigError>& errors) {
  std::string out = fmt::format("invalid configuration ({} error{}):", errors.size(),
                                errors.size() == 1 ? "" : "s");
  for (const auto& e : errors) out += std::string("\n  ") + e.what();
  return out;
}
}  // namespace

ConfigErrors::ConfigErrors(std::vector<ConfigError> errors)
    : Error(join_errors(errors)), errors_(std::move(errors)) {}

namespace detail {

std::string shown(std::string_view value) {
  constexpr std::size_t kLimit = 60;
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (i == kLimit) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(value[i]);
    if (byte < 0x20 || byte >= 0x7f || byte == '\\') {
      out += fmt::format("\\x{:02X}", byte);
    } else {
      out += value[i];
    }
  }
  return out;
}

}  // namespace detail
}  // namespace trader::config
