#pragma once
// Injectable time for the network clients: every wait that a test or an accelerated run wants to
// shorten (a retry's backoff, a WebSocket's ping interval and staleness timer) goes through a
// TimerSource. The default runs in real time on the io_context; tests record the delays asked for
// and fire at once; an accelerated run divides every delay. Network timeouts (connect, TLS, a
// request's response) stay in real time: they guard sockets, not the market's clock.

#include <chrono>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace trader::net {

// A call scheduled by a TimerSource. Cancelling or destroying the handle (on the io_context's
// thread) guarantees that the call does not happen; an empty handle does nothing.
class TimerHandle {
 public:
  TimerHandle() = default;
  explicit TimerHandle(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  TimerHandle(TimerHandle&& other) noexcept : cancel_(std::move(other.cancel_)) {
    other.cancel_ = nullptr;
  }
  TimerHandle& operator=(TimerHandle&& other) noexcept {
    if (this != &other) {
      cancel();
      cancel_ = std::move(other.cancel_);
      other.cancel_ = nullptr;
    }
    return *this;
  }
  TimerHandle(const TimerHandle&) = delete;
  TimerHandle& operator=(const TimerHandle&) = delete;
  ~TimerHandle() { cancel(); }

  void cancel() noexcept {
    if (cancel_) {
      auto cancel = std::move(cancel_);
      cancel_ = nullptr;
      cancel();
    }
  }

 private:
  std::function<void()> cancel_;
};

class TimerSource {
 public:
  virtual ~TimerSource() = default;
  // Calls `callback` once, from the io_context's thread (never from inside start()), `delay`
  // from now, unless the returned handle is cancelled or destroyed first.
  [[nodiscard]] virtual TimerHandle start(std::chrono::milliseconds delay,
                                          std::function<void()> callback) = 0;
};

// Real time: one steady timer per call on `io`.
[[nodiscard]] std::unique_ptr<TimerSource> steady_timers(boost::asio::io_context& io);

// Accelerated time: a delay d waits d / speedup (speedup > 0; 1 is real time).
[[nodiscard]] std::unique_ptr<TimerSource> scaled_timers(boost::asio::io_context& io,
                                                         double speedup);

}  // namespace trader::net
