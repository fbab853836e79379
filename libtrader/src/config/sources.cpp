// Where settings come from: the process environment and the .env file (F12).
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <trader/config/load.hpp>
#include <trader/core/text.hpp>

extern char** environ;  // POSIX: the process environment

namespace trader::config {

std::string_view to_string(Source source) noexcept {
  switch (source) {
    case Source::default_value:
      return "default";
    case Source::dotenv:
      return ".env";
    case Source::environment:
      return "env";
    case Source::command_line:
      return "--param";
  }
  return "default";
}

Sources Sources::from_process(const std::filesystem::path& dir) {
  return from_process(dir, Schema::core());
}

Sources Sources::from_process(const std::filesystem::path& dir, const Schema& schema) {
  Sources sources;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string name = core::to_upper(text.substr(0, equals));
    if (name.rfind("ALGO_", 0) != 0) continue;
    sources.environment.emplace_back(std::string(text.substr(0, equals)),
                                     std::string(text.substr(equals + 1)));
  }
  // TRADER_DOTENV names the .env file when it is not in the working directory (the container
  // sees the project's .env through a read-only mount).
  const char* override_path = std::getenv("TRADER_DOTENV");
  const std::filesystem::path file = override_path != nullptr && *override_path != '\0'
                                         ? std::filesystem::path(override_path)
                                         : dir / ".env";
  std::error_code ec;
  if (std::filesystem::is_regular_file(file, ec)) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError(file.string(), "cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    sources.dotenv_path = file.string();
    sources.dotenv = parse_dotenv(text.str(), file.lexically_normal().string(), schema);
  }
  return sources;
}

}  // namespace trader::config
