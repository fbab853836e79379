// Fuzz target: trader::config::parse_dotenv, then inspect() of what it read.
// Normal outcomes: variables, or ConfigError (a malformed line, named by file and line only).
// inspect() documents that it never throws; secret keys must come out masked, and no error may
// quote a piece of the canary key from a secret-bearing place (config_check.hpp).

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
  } catch (const trader::config::ConfigError& e) {
    // A malformed line is named by file and line only, whatever it holds.
    trader::fuzz::expect(!trader::fuzz::holds_canary(e.what()), "a .env error quotes its line");
    return 0;
  }
  sources.dotenv_path = ".env";
  trader::fuzz::inspect_and_check(sources);
  return 0;
}
