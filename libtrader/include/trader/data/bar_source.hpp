#pragma once
// Where bars come from (the store, a CSV file, the synthetic generator, Alpaca): a pull
// interface read in batches, so there is one virtual call per batch, not per bar.

#include <cstddef>
#include <span>

#include <trader/data/bar.hpp>

namespace trader::data {

class BarSource {
 public:
  virtual ~BarSource() = default;
  // Fills `out` from the front in (timestamp, symbol) order; returns how many bars it wrote,
  // 0 at the end. Throws on a read error.
  [[nodiscard]] virtual std::size_t read(std::span<Bar> out) = 0;
};

}  // namespace trader::data
