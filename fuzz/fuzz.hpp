#pragma once
// Shared by the fuzz targets. A target lets only the exceptions its function documents pass as
// normal outcomes; anything else propagates (std::terminate, which libFuzzer reports as a crash
// with the input). A broken documented property is a finding too: it prints and aborts.

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace trader::fuzz {

[[noreturn]] inline void finding(std::string_view what) {
  std::fprintf(stderr, "fuzz finding: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

inline void expect(bool condition, std::string_view what) {
  if (!condition) finding(what);
}

}  // namespace trader::fuzz
