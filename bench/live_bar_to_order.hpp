#pragma once
// trader-bench live_bar_to_order: built only with the paper-venue double (tests and Alpaca on).

#include <filesystem>

namespace trader::bench {

// Prints one JSON line: samples, mean, and the p50/p99 bucket bounds of the bar->order latency.
void live_bar_to_order(const std::filesystem::path& scratch);

}  // namespace trader::bench
