#pragma once
// Indicators as small classes with O(1) updates and no allocation after construction (the
// reference's ring buffers). Doubles, in the reference's operation order (N1): the build
// disables FP contraction so results match bit for bit.

#include <cmath>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <trader/core/error.hpp>

namespace trader::strategy {

// Simple moving average over a FIFO of `period` values with a running sum: when
// full, the oldest value is subtracted first, then the new one added. No re-summation (the
// reference accepted the drift; matching it matters more).
class Sma {
 public:
  explicit Sma(int period) : period_(period) {
    if (period < 1) throw Error("SMA period must be >= 1, got " + std::to_string(period));
    size_ = static_cast<std::size_t>(period);
    values_.assign(size_, 0.0);
  }

  void update(double x) noexcept {
    // Locals: a store into the ring could alias the members, which would then be reloaded.
    double* const ring = values_.data();
    const std::size_t at = next_;
    double sum = sum_;
    if (count_ == size_) {
      sum -= ring[at];
    } else {
      ++count_;
    }
    ring[at] = x;
    next_ = at + 1 == size_ ? 0 : at + 1;
    sum_ = sum + x;
  }

  [[nodiscard]] std::optional<double> value() const noexcept {
    if (!is_warm()) return std::nullopt;
    return sum_ / period_;
  }
  [[nodiscard]] bool is_warm() const noexcept { return count_ == size_; }
  [[nodiscard]] int count() const noexcept { return static_cast<int>(count_); }
  [[nodiscard]] int period() const noexcept { return period_; }

 private:
  int period_;
  std::size_t size_ = 0;        // the period, as the ring's size
  std::vector<double> values_;  // the ring; allocated once
  std::size_t next_ = 0;
  std::size_t count_ = 0;  // values in the ring, at most size_
  double sum_ = 0.0;
};

// Exponential moving average, alpha = 2 / (period + 1), seeded with the SMA of the first
// `period` values (null until then): ema += alpha * (x - ema).
class Ema {
 public:
  explicit Ema(int period) : period_(period), alpha_(2.0 / (period + 1.0)) {
    if (period < 1) throw Error("EMA period must be >= 1, got " + std::to_string(period));
  }

  void update(double x) noexcept {
    if (count_ < period_) {
      seed_sum_ += x;
      if (++count_ == period_) value_ = seed_sum_ / period_;
      return;
    }
    value_ = value_ + alpha_ * (x - value_);
  }

  [[nodiscard]] std::optional<double> value() const noexcept {
    if (count_ < period_) return std::nullopt;
    return value_;
  }
  [[nodiscard]] int period() const noexcept { return period_; }

 private:
  int period_;
  double alpha_;
  int count_ = 0;
  double seed_sum_ = 0.0;
  double value_ = 0.0;
};

// Wilder's smoothing, shared by ATR and RSI: the first value is the mean of `period` inputs,
// then avg = (avg * (period - 1) + x) / period.
class WilderAverage {
 public:
  explicit WilderAverage(int period) noexcept : period_(period) {}

  void update(double x) noexcept {
    if (count_ < period_) {
      value_ += x;  // the seed sum until `period` inputs have been seen
      if (++count_ == period_) value_ /= period_;
      return;
    }
    value_ = (value_ * (period_ - 1) + x) / period_;
  }

  [[nodiscard]] bool ready() const noexcept { return count_ >= period_; }
  [[nodiscard]] bool started() const noexcept { return count_ > 0; }
  [[nodiscard]] double value() const noexcept { return value_; }

 private:
  int period_;
  int count_ = 0;
  double value_ = 0.0;
};

// Average true range with Wilder's smoothing. True range = max(high - low, |high - previous
// close|, |low - previous close|) (just high - low for the first candle). Callers pass
// differences computed in Decimal and converted afterwards (N1).
class Atr {
 public:
  explicit Atr(int period) : period_(period), average_(period) {
    if (period < 1) throw Error("ATR period must be >= 1, got " + std::to_string(period));
  }

  // high_minus_low, and |high - prev close|, |low - prev close| (ignored for the first candle).
  void update(double high_minus_low, double high_to_prev_close, double low_to_prev_close) noexcept {
    double tr = high_minus_low;
    if (average_.started()) tr = std::fmax(tr, std::fmax(high_to_prev_close, low_to_prev_close));
    average_.update(tr);
  }

  [[nodiscard]] std::optional<double> value() const noexcept {
    if (!average_.ready()) return std::nullopt;
    return average_.value();
  }
  [[nodiscard]] int period() const noexcept { return period_; }

 private:
  int period_;
  WilderAverage average_;
};

// Relative strength index with Wilder's smoothing of close-to-close gains and losses (so
// period + 1 closes are needed); rsi = 100 - 100 / (1 + gain / loss), 100 when there were no
// losses, 50 when there was no movement at all.
class Rsi {
 public:
  explicit Rsi(int period) : period_(period), gain_(period), loss_(period) {
    if (period < 1) throw Error("RSI period must be >= 1, got " + std::to_string(period));
  }

  // The change from the previous close; call from the second candle on.
  void update(double change) noexcept {
    gain_.update(change > 0 ? change : 0.0);
    loss_.update(change < 0 ? -change : 0.0);
  }

  [[nodiscard]] std::optional<double> value() const noexcept {
    if (!gain_.ready()) return std::nullopt;
    const double gain = gain_.value();
    const double loss = loss_.value();
    if (loss == 0.0) return gain == 0.0 ? 50.0 : 100.0;
    return 100.0 - 100.0 / (1.0 + gain / loss);
  }
  [[nodiscard]] int period() const noexcept { return period_; }

 private:
  int period_;
  WilderAverage gain_;
  WilderAverage loss_;
};

}  // namespace trader::strategy
