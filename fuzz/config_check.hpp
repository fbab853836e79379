#pragma once
// The properties both configuration targets check on a LoadResult: inspect() collects problems
// and never throws, and a secret is only ever shown masked.

#include <trader/config/load.hpp>
#include <trader/strategy/registry.hpp>

#include "fuzz.hpp"

namespace trader::fuzz {

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
}

}  // namespace trader::fuzz
