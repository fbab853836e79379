#pragma once
// The effective configuration as JSON (what `trader-config --json` prints): every key with its
// shown value (secrets masked), source and allowed values, or the list of problems.

#include <string>
#include <string_view>

#include <trader/config/load.hpp>

namespace trader::config {

// {"mode": "paper", "paper": true, "dotenv": PATH|null, "settings": [{"variable": ...,
// "group": ..., "value": ..., "source": ..., "allowed": ..., "secret": false}, ...]}
[[nodiscard]] std::string configuration_json(const LoadResult& result,
                                             std::string_view dotenv_path);

// {"errors": [{"variable": ..., "value": SHOWN|null, "problem": ...}, ...]}: a value that may
// hold a secret is null or masked, as in the error's message.
[[nodiscard]] std::string errors_json(const LoadResult& result);

}  // namespace trader::config
