#include <trader/runtime/clock.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/core.h>

#include <trader/core/error.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <map>
#include <utility>

namespace trader::runtime {
namespace {

using std::chrono::steady_clock;

// The longest real-time wait before the clock is read again: after a suspend (steady time does
// not advance while suspended, the system clock does) or any jump, a timer is late by at most
// this much.
constexpr auto kSlice = std::chrono::seconds(1);

// What the real and the simulated clock read: the system clock, or `start` plus the steady time
// elapsed since `origin` times `speed`, plus what jump_to() skipped. Shared with pending waits,
// which may outlive the clock. Atomic: a log line may read the clock from another thread.
struct Reading {
  Reading() = default;
  Reading(Timestamp start_at, double clock_speed)
      : system(false), start(start_at), origin(steady_clock::now()), speed(clock_speed) {}

  bool system = true;
  Timestamp start{};
  steady_clock::time_point origin{};
  double speed = 1.0;
  std::atomic<std::int64_t> skipped_us{0};

  [[nodiscard]] Timestamp now() const {
    if (system) {
      return std::chrono::time_point_cast<core::Microseconds>(std::chrono::system_clock::now());
    }
    const std::chrono::duration<double, std::micro> real = steady_clock::now() - origin;
    return start + core::Microseconds(static_cast<std::int64_t>(real.count() * speed) +
                                      skipped_us.load(std::memory_order_relaxed));
  }
};

// A clock that is read, not driven: the real clock and the simulated one. `at` waits in real-time
// slices of (when - now) / speed, each at most kSlice, and reads the clock again after each.
class ReadClock final : public Clock {
 public:
  ReadClock(boost::asio::io_context& io, std::shared_ptr<Reading> reading)
      : io_(io),
        reading_(std::move(reading)),
        timers_(reading_->system ? net::steady_timers(io)
                                 : net::scaled_timers(io, reading_->speed)) {}

  Timestamp now() const override { return reading_->now(); }
  bool simulated() const noexcept override { return !reading_->system; }
  net::TimerSource& timers() noexcept override { return *timers_; }

  bool jump_to(Timestamp when) override {
    if (reading_->system) return false;
    const auto ahead = (when - reading_->now()).count();
    // Pending waits read the clock again within a second (kSlice) and fire then.
    if (ahead > 0) reading_->skipped_us.fetch_add(ahead, std::memory_order_relaxed);
    return true;
  }

  net::TimerHandle at(Timestamp when, std::function<void()> fn) override {
    auto state = std::make_shared<State>(io_, reading_, when, std::move(fn));
    if (when <= now()) {
      // Already due: the next turn of the io_context, never from inside at().
      boost::asio::post(io_, [state] {
        if (!state->cancelled) fire(*state);
      });
    } else {
      wait(state);
    }
    return net::TimerHandle([weak = std::weak_ptr<State>(state)] {
      if (const auto alive = weak.lock()) {
        alive->cancelled = true;
        alive->timer.cancel();
      }
    });
  }

 private:
  struct State {
    State(boost::asio::io_context& io, std::shared_ptr<const Reading> clock_reading,
          Timestamp instant, std::function<void()> fn)
        : timer(io), reading(std::move(clock_reading)), when(instant), callback(std::move(fn)) {}
    boost::asio::steady_timer timer;
    std::shared_ptr<const Reading> reading;
    Timestamp when;
    std::function<void()> callback;
    // The flag, not the timer's cancel alone, decides: an expired timer's handler is queued
    // already, with success, and a cancel no longer reaches it.
    bool cancelled = false;
  };

  static void fire(State& state) {
    state.cancelled = true;  // once only
    auto callback = std::move(state.callback);
    callback();
  }

  // The pending wait holds its state (and so its timer and the clock's reading) until it ends.
  static void wait(const std::shared_ptr<State>& state) {
    const std::chrono::duration<double, std::micro> remaining = state->when - state->reading->now();
    const auto real =
        std::chrono::duration_cast<steady_clock::duration>(remaining / state->reading->speed);
    const auto slice = std::clamp<steady_clock::duration>(real, steady_clock::duration(1), kSlice);
    state->timer.expires_after(slice);
    state->timer.async_wait([state](const boost::system::error_code& ec) {
      if (ec || state->cancelled) return;
      if (state->reading->now() >= state->when) {
        fire(*state);
      } else {
        wait(state);
      }
    });
  }

  boost::asio::io_context& io_;
  std::shared_ptr<Reading> reading_;
  std::unique_ptr<net::TimerSource> timers_;
};

}  // namespace

std::unique_ptr<Clock> real_clock(boost::asio::io_context& io) {
  return std::make_unique<ReadClock>(io, std::make_shared<Reading>());
}

std::unique_ptr<Clock> simulated_clock(boost::asio::io_context& io, Timestamp start, double speed) {
  if (!std::isfinite(speed) || speed < 1.0) {
    throw Error(fmt::format("the simulated clock's speed must be a number >= 1, not {}", speed));
  }
  return std::make_unique<ReadClock>(io, std::make_shared<Reading>(start, speed));
}

// ---- VirtualClock ----------------------------------------------------------------------------

// Pending timers keyed by (instant, order of setting), so ties fire in the order they were set.
// Shared with the handles (weakly) so a handle outliving the clock cancels nothing.
struct VirtualClock::Impl {
  using Key = std::pair<Timestamp, std::uint64_t>;

  explicit Impl(boost::asio::io_context& io_context, Timestamp start)
      : io(io_context), now(start) {}

  // Fires every timer due at or before `limit`, earliest first; a callback may set or cancel
  // timers (one it sets due by `limit` fires in this same pass) or advance the clock itself.
  void fire_due(Timestamp limit) {
    while (!pending.empty() && pending.begin()->first.first <= limit) {
      auto node = pending.extract(pending.begin());
      now = std::max(now, node.key().first);
      node.mapped()();
    }
  }

  boost::asio::io_context& io;
  Timestamp now;
  std::uint64_t next_sequence = 0;
  std::map<Key, std::function<void()>> pending;
  std::unique_ptr<net::TimerSource> timers;
};

namespace {

// timers() of a virtual clock: a delay is measured from the clock's present instant.
class VirtualTimers final : public net::TimerSource {
 public:
  explicit VirtualTimers(VirtualClock& clock) : clock_(clock) {}
  net::TimerHandle start(std::chrono::milliseconds delay, std::function<void()> callback) override {
    return clock_.at(clock_.now() + delay, std::move(callback));
  }

 private:
  VirtualClock& clock_;
};

}  // namespace

VirtualClock::VirtualClock(boost::asio::io_context& io, Timestamp start)
    : impl_(std::make_shared<Impl>(io, start)) {
  impl_->timers = std::make_unique<VirtualTimers>(*this);
}

VirtualClock::~VirtualClock() = default;

Timestamp VirtualClock::now() const { return impl_->now; }

net::TimerSource& VirtualClock::timers() noexcept { return *impl_->timers; }

net::TimerHandle VirtualClock::at(Timestamp when, std::function<void()> fn) {
  // A past instant counts as now: it fires after the timers already due, in the order set.
  const Impl::Key key{std::max(when, impl_->now), impl_->next_sequence++};
  impl_->pending.emplace(key, std::move(fn));
  if (key.first <= impl_->now) {
    // Due already: the next turn of the io_context fires it (and anything else due by then).
    boost::asio::post(impl_->io, [weak = std::weak_ptr<Impl>(impl_)] {
      if (const auto impl = weak.lock()) impl->fire_due(impl->now);
    });
  }
  return net::TimerHandle([weak = std::weak_ptr<Impl>(impl_), key] {
    if (const auto impl = weak.lock()) impl->pending.erase(key);
  });
}

bool VirtualClock::jump_to(Timestamp when) {
  advance_to(when);
  return true;
}

void VirtualClock::advance_to(Timestamp when) {
  impl_->fire_due(when);
  impl_->now = std::max(impl_->now, when);
}

std::optional<Timestamp> VirtualClock::next_due() const {
  if (impl_->pending.empty()) return std::nullopt;
  return impl_->pending.begin()->first.first;
}

}  // namespace trader::runtime
