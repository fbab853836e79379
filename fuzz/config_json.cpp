// Fuzz target: JSON setting sections (ALGO_BROKER='{...}') and the JSON watchlist, read by
// trader::config::inspect from a Sources built by hand. The input is one environment entry,
// NAME=VALUE (without '=', the value of ALGO_BROKER), e.g. ALGO_RISK={"max_open_positions":3}.
// inspect() documents that it never throws (bad values become errors); secret keys must come out
// masked, and no error may quote a piece of the canary key from ALGO_BROKER (config_check.hpp).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <trader/config/load.hpp>

#include "config_check.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  trader::config::Sources sources;
  const std::size_t equals = text.find('=');
  if (equals == std::string_view::npos) {
    sources.environment.emplace_back("ALGO_BROKER", text);
  } else {
    sources.environment.emplace_back(text.substr(0, equals), text.substr(equals + 1));
  }
  trader::fuzz::inspect_and_check(sources);
  return 0;
}
