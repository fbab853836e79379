#pragma once
// Exponential backoff with jitter, for whoever reconnects a stream (the WebSocket clients' owners)
// or repeats a request: each delay is the previous one times `multiplier`, at most `max`, and a
// random part of it is taken off so that many clients do not come back at the same moment.

#include <chrono>
#include <cstdint>
#include <functional>

namespace trader::net {

struct BackoffOptions {
  std::chrono::milliseconds initial{1'000};  // the first delay, before jitter
  std::chrono::milliseconds max{30'000};     // no delay is longer
  double multiplier = 2.0;                   // growth per attempt, >= 1
  // The share of each delay that is random: a delay d becomes d * (1 - jitter * r), r uniform in
  // [0, 1). 0: no jitter; 1: "full jitter" (anything from 0 to d).
  double jitter = 0.5;
};

class Backoff {
 public:
  // `random` returns numbers in [0, 1); empty: a generator seeded from std::random_device.
  // Throws std::invalid_argument for initial < 0, max < initial, multiplier < 1 or jitter
  // outside [0, 1].
  explicit Backoff(BackoffOptions options = {}, std::function<double()> random = {});

  // The delay before the next attempt; each call counts one attempt.
  [[nodiscard]] std::chrono::milliseconds next();
  // After a success: the next delay is `initial` again.
  void reset() noexcept { attempts_ = 0; }
  // Delays handed out since the last reset.
  [[nodiscard]] int attempts() const noexcept { return attempts_; }
  // The delay before jitter for attempt `attempt` (0 for the first): initial * multiplier^n,
  // at most max.
  [[nodiscard]] std::chrono::milliseconds ceiling(int attempt) const noexcept;

 private:
  BackoffOptions options_;
  std::function<double()> random_;
  int attempts_ = 0;
};

}  // namespace trader::net
