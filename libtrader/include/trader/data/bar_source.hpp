#pragma once
// Where bars come from (the store, a CSV file, the synthetic generator, Alpaca): a pull
// interface read in batches, so there is one virtual call per batch, not per bar.

#include <algorithm>
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

// Bars already in memory (in (timestamp, symbol) order), e.g. for a BacktestSession in a test or
// a benchmark. The bars must outlive the source.
class SpanBarSource final : public BarSource {
 public:
  explicit SpanBarSource(std::span<const Bar> bars) noexcept : bars_(bars) {}
  [[nodiscard]] std::size_t read(std::span<Bar> out) override {
    const std::size_t n = std::min(out.size(), bars_.size() - position_);
    std::copy_n(bars_.begin() + static_cast<std::ptrdiff_t>(position_), n, out.begin());
    position_ += n;
    return n;
  }

 private:
  std::span<const Bar> bars_;
  std::size_t position_ = 0;
};

}  // namespace trader::data
