#pragma once
// Counts every heap allocation of the executable it is linked into: counting_new.cpp replaces
// the whole global operator new family. Only executables that count allocations link it (each
// allocation test is its own executable for that reason).

namespace trader::testing {

// Allocations since the program started, every thread.
[[nodiscard]] long allocations() noexcept;

}  // namespace trader::testing
