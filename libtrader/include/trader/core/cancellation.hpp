#pragma once
// Stopping long work on request: a CancellationToken is a flag that something outside the work
// sets (a tool's signal handler, a test) and that long loops poll at safe points. A loop that
// finds it set throws Interrupted, so transactions roll back and temporary files go away through
// destructors, exactly as for any other error. The library installs no signal handlers.

#include <atomic>

#include <trader/core/error.hpp>

namespace trader {

// Work abandoned because it was asked to stop; reason() is what the token was cancelled with
// (a tool passes the signal number, e.g. 2 for SIGINT).
class Interrupted : public Error {
 public:
  explicit Interrupted(int reason);
  [[nodiscard]] int reason() const noexcept { return reason_; }

 private:
  int reason_;
};

namespace core {

class CancellationToken {
 public:
  CancellationToken() = default;
  CancellationToken(const CancellationToken&) = delete;
  CancellationToken& operator=(const CancellationToken&) = delete;

  // Async-signal-safe (a lock-free atomic store): a signal handler may call it. The first
  // non-zero reason is kept.
  void cancel(int reason) noexcept {
    int expected = 0;
    reason_.compare_exchange_strong(expected, reason == 0 ? -1 : reason);
  }
  [[nodiscard]] bool cancelled() const noexcept { return reason_.load() != 0; }
  // 0 while not cancelled.
  [[nodiscard]] int reason() const noexcept { return reason_.load(); }
  // Throws Interrupted(reason()) once cancelled.
  void throw_if_cancelled() const {
    if (const int r = reason_.load(); r != 0) throw Interrupted(r);
  }

 private:
  static_assert(std::atomic<int>::is_always_lock_free);
  std::atomic<int> reason_{0};
};

}  // namespace core
}  // namespace trader
