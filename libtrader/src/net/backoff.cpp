#include <trader/net/backoff.hpp>

#include <algorithm>
#include <random>
#include <stdexcept>

namespace trader::net {

Backoff::Backoff(BackoffOptions options, std::function<double()> random)
    : options_(options), random_(std::move(random)) {
  if (options_.initial.count() < 0 || options_.max < options_.initial ||
      !(options_.multiplier >= 1.0) || !(options_.jitter >= 0.0 && options_.jitter <= 1.0)) {
    throw std::invalid_argument(
        "backoff: needs 0 <= initial <= max, multiplier >= 1 and jitter in [0, 1]");
  }
  if (!random_) {
    random_ = [engine = std::mt19937_64(std::random_device{}()),
               uniform = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable {
      return uniform(engine);
    };
  }
}

std::chrono::milliseconds Backoff::ceiling(int attempt) const noexcept {
  double delay = static_cast<double>(options_.initial.count());
  const auto cap = static_cast<double>(options_.max.count());
  for (int i = 0; i < attempt && delay < cap; ++i) delay *= options_.multiplier;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::min(delay, cap)));
}

std::chrono::milliseconds Backoff::next() {
  const std::chrono::milliseconds top = ceiling(attempts_);
  ++attempts_;
  const double r = std::clamp(random_(), 0.0, 1.0);
  const double delay = static_cast<double>(top.count()) * (1.0 - options_.jitter * r);
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

}  // namespace trader::net
