#pragma once
// The properties both configuration targets check: inspect() collects problems and never
// throws, a secret key is only ever shown masked, and no error quotes a piece of a planted key
// (the canary, also in the dictionaries) from a secret-bearing place.

#include <cctype>
#include <string>
#include <string_view>

#include <trader/config/load.hpp>
#include <trader/strategy/registry.hpp>

#include "fuzz.hpp"

namespace trader::fuzz {

// No hex digit and no letter of an escape (\x, \u, \n, \t, \r, \v), so that the text of an
// escaped byte in a message cannot form a piece of it.
inline constexpr std::string_view kCanary = "PKLQZZGHJKMNPQRSTVWYZ";

// Whether `text` holds 8 or more consecutive characters of the canary.
inline bool holds_canary(std::string_view text) {
  constexpr std::size_t kRun = 8;
  for (std::size_t at = 0; at + kRun <= kCanary.size(); ++at) {
    if (text.find(kCanary.substr(at, kRun)) != std::string_view::npos) return true;
  }
  return false;
}

inline std::string upper_case(std::string_view text) {
  std::string upper;
  for (const char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return upper;
}

// ALGO_BROKER (a JSON section with the keys) and every ALGO_BROKER__* value may hold secrets.
inline bool secret_bearing(std::string_view name) {
  return upper_case(name).starts_with("ALGO_BROKER");
}

// Secret::masked() is "" or "****" followed by at most the last four characters.
inline bool looks_masked(const std::string& shown) {
  return shown.empty() || (shown.rfind("****", 0) == 0 && shown.size() <= 8);
}

// libtrader's settings and the built-in strategies' parameters (ALGO_VELEZ='{...}' too), as the
// tools load them (issue 12 item 7).
inline const config::Schema& schema() {
  static const auto registry = strategy::StrategyRegistry::with_builtins();
  return registry.schema();
}

inline void inspect_and_check(const config::Sources& sources) {
  const config::LoadResult result = schema().inspect(sources);  // documented: never throws
  for (const config::KeyReport& key : result.keys) {
    if (key.secret) expect(looks_masked(key.shown_value), "a secret key is shown unmasked");
  }
  for (const config::ConfigError& error : result.errors) {
    const bool secret_key =
        error.variable() == "ALGO_BROKER__API_KEY" || error.variable() == "ALGO_BROKER__SECRET_KEY";
    if (secret_key) expect(looks_masked(error.shown_value()), "a secret's error shows it");
  }
  // The canary check holds when the canary sits only in values of secret-bearing variables (a
  // name, or the value of another setting, is shown on purpose, names upper-cased).
  for (const config::Variables* variables : {&sources.dotenv, &sources.environment}) {
    for (const auto& [name, value] : *variables) {
      if (holds_canary(upper_case(name))) return;
      if (!secret_bearing(name) && holds_canary(upper_case(value))) return;
    }
  }
  for (const config::ConfigError& error : result.errors) {
    expect(!holds_canary(error.what()), "an error quotes a piece of a secret-bearing value");
  }
}

}  // namespace trader::fuzz
