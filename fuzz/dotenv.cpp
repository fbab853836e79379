// Fuzz target: trader::config::parse_dotenv, then inspect() of what it read.
// Normal outcomes: variables, or ConfigError (a malformed line). inspect() documents that it
// never throws; secret keys must come out masked.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <trader/config/load.hpp>

#include "config_check.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  trader::config::Sources sources;
  try {
    sources.dotenv = trader::config::parse_dotenv(text, ".env", trader::fuzz::schema());
  } catch (const trader::config::ConfigError&) {
    return 0;
  }
  sources.dotenv_path = ".env";
  trader::fuzz::inspect_and_check(sources);
  return 0;
}
