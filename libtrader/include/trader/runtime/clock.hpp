#pragma once
// The runtime's time: what "now" is for its timers, calendar decisions, staleness limits and log
// lines. Three kinds: the real clock; a simulated clock that starts at a chosen instant and runs
// N times as fast as real time (--clock-start / --clock-speed, so a paper session against the
// double can run at any hour in seconds); and a virtual clock that a replay advances itself
// (--speed max: no waiting at all, timers fire as the replayed bars pass their instants).
// Every timer of the runtime is scheduled through its Clock, never through a raw Asio timer, so
// the three behave the same apart from how fast time passes.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <trader/core/timestamp.hpp>
#include <trader/net/timers.hpp>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace trader::runtime {

using core::Timestamp;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual Timestamp now() const = 0;
  // True for the simulated and virtual clocks: every output says SIMULATED CLOCK.
  [[nodiscard]] virtual bool simulated() const noexcept = 0;
  // Calls `fn` once on the io_context's thread when the clock reaches `when` (at the next turn
  // when `when` is already past), unless the handle is cancelled or destroyed first. A wait is
  // cut into real-time slices of at most one second and the clock is read again after each, so
  // a suspended machine (or a virtual clock's jump) never makes a timer late by more than that.
  [[nodiscard]] virtual net::TimerHandle at(Timestamp when, std::function<void()> fn) = 0;
  // Delays measured on this clock, for the network clients' backoffs, pings and staleness
  // timers (a 10 s staleness limit is 10 simulated seconds).
  [[nodiscard]] virtual net::TimerSource& timers() noexcept = 0;
  // Moves a simulated or virtual clock forward to `when` at once (a replay skipping the night
  // between two sessions); never backward. Timers due by then fire: at once on a virtual clock,
  // within a second of real time on a simulated one. False for the real clock, which cannot.
  virtual bool jump_to(Timestamp when) = 0;
};

// The system clock; timers on `io`.
[[nodiscard]] std::unique_ptr<Clock> real_clock(boost::asio::io_context& io);

// Starts at `start` and runs `speed` times as fast as real time (speed >= 1).
[[nodiscard]] std::unique_ptr<Clock> simulated_clock(boost::asio::io_context& io, Timestamp start,
                                                     double speed);

// Time moves only when advance_to() moves it (a replay at full speed): the timers due by then
// fire in order of their instants (ties in the order they were set), each on the io_context's
// thread, before advance_to() returns. timers() delays are measured on it too.
class VirtualClock final : public Clock {
 public:
  VirtualClock(boost::asio::io_context& io, Timestamp start);
  ~VirtualClock() override;
  VirtualClock(const VirtualClock&) = delete;
  VirtualClock& operator=(const VirtualClock&) = delete;

  [[nodiscard]] Timestamp now() const override;
  [[nodiscard]] bool simulated() const noexcept override { return true; }
  [[nodiscard]] net::TimerHandle at(Timestamp when, std::function<void()> fn) override;
  [[nodiscard]] net::TimerSource& timers() noexcept override;
  bool jump_to(Timestamp when) override;  // advance_to(when); true
  // Moves the clock forward to `when` (never backward), firing every timer due by then.
  void advance_to(Timestamp when);
  // The instant of the earliest pending timer, if any (a replay with no more bars runs the
  // clock on to it: the end-of-day timer on a day without bars).
  [[nodiscard]] std::optional<Timestamp> next_due() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;  // shared (weakly) with the handles of its timers
};

}  // namespace trader::runtime
