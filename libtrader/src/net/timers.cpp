#include <trader/net/timers.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cmath>
#include <stdexcept>

namespace trader::net {
namespace {

class SteadyTimers final : public TimerSource {
 public:
  SteadyTimers(boost::asio::io_context& io, double speedup) : io_(io), speedup_(speedup) {
    if (!(speedup > 0.0) || !std::isfinite(speedup)) {
      throw std::invalid_argument("timer speedup must be a positive number");
    }
  }

  TimerHandle start(std::chrono::milliseconds delay, std::function<void()> callback) override {
    // The flag, not the timer's cancel alone, decides: a timer that expired has its handler
    // queued already, with success, and a cancel no longer reaches it.
    struct State {
      explicit State(boost::asio::io_context& io) : timer(io) {}
      boost::asio::steady_timer timer;
      bool cancelled = false;
    };
    auto state = std::make_shared<State>(io_);
    const auto scaled = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double, std::milli>(static_cast<double>(delay.count()) / speedup_));
    state->timer.expires_after(scaled);
    state->timer.async_wait(
        [state, callback = std::move(callback)](const boost::system::error_code& ec) {
          if (!ec && !state->cancelled) callback();
        });
    return TimerHandle([weak = std::weak_ptr<State>(state)] {
      if (const auto alive = weak.lock()) {
        alive->cancelled = true;
        alive->timer.cancel();
      }
    });
  }

 private:
  boost::asio::io_context& io_;
  double speedup_;
};

}  // namespace

std::unique_ptr<TimerSource> steady_timers(boost::asio::io_context& io) {
  return std::make_unique<SteadyTimers>(io, 1.0);
}

std::unique_ptr<TimerSource> scaled_timers(boost::asio::io_context& io, double speedup) {
  return std::make_unique<SteadyTimers>(io, speedup);
}

}  // namespace trader::net
