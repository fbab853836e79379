#include <trader/config/settings.hpp>

namespace trader::config {

std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug:
      return "DEBUG";
    case LogLevel::info:
      return "INFO";
    case LogLevel::warning:
      return "WARNING";
    case LogLevel::error:
      return "ERROR";
    case LogLevel::critical:
      return "CRITICAL";
  }
  return "INFO";
}

std::string_view to_string(LogFormat format) noexcept {
  switch (format) {
    case LogFormat::console:
      return "console";
    case LogFormat::json:
      return "json";
  }
  return "console";
}

std::string Secret::masked() const {
  if (value_.empty()) return "";
  if (value_.size() <= 4) return "****";
  return "****" + value_.substr(value_.size() - 4);
}

}  // namespace trader::config
