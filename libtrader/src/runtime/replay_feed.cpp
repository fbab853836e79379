#include <trader/runtime/replay_feed.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include <trader/calendar/nyse.hpp>
#include <trader/core/error.hpp>

namespace trader::runtime {

using std::chrono::minutes;

struct ReplayFeed::Impl : std::enable_shared_from_this<Impl> {
  Impl(boost::asio::io_context& io_context, Clock& runtime_clock,
       std::unique_ptr<data::BarSource> bar_source, ReplayOptions replay_options)
      : io(io_context),
        clock(runtime_clock),
        virtual_clock(dynamic_cast<VirtualClock*>(&runtime_clock)),
        source(std::move(bar_source)),
        options(replay_options),
        buffer(std::max<std::size_t>(options.batch, 1)) {}

  void post(void (Impl::*step)()) {
    boost::asio::post(io, [weak = weak_from_this(), step] {
      if (const auto self = weak.lock(); self && !self->stopped) ((*self).*step)();
    });
  }

  // Delivers the bars whose minute has closed on the clock; then waits for (or, on a virtual
  // clock, advances to) the next minute's end, or finishes.
  void deliver() {
    std::size_t this_turn = 0;
    while (!stopped) {
      if (position == size) {
        size = source->read(std::span<data::Bar>(buffer));
        position = 0;
        if (size == 0) {
          run_out();
          return;
        }
      }
      const data::Bar bar = buffer[position];
      const Timestamp due = bar.ts + minutes(1);
      if (virtual_clock == nullptr && delivered > 0 &&
          core::utc_date(bar.ts) != core::utc_date(last_bar) && !skip_night(bar)) {
        return;  // waiting for the close of the last bar's session
      }
      if (clock.now() < due) {
        if (virtual_clock != nullptr) {
          // Timers due by then fire first, at their instants; what they posted runs before
          // the bar, on the next turn.
          virtual_clock->advance_to(due);
          post(&Impl::deliver);
        } else {
          wait_then(due, &Impl::deliver);
        }
        return;
      }
      ++position;
      ++delivered;
      last_bar = bar.ts;
      last_message = clock.now();
      on_bar(bar, false);
      if (++this_turn >= buffer.size()) {
        post(&Impl::deliver);
        return;
      }
    }
  }

  // A real or simulated clock between two days of bars: first the rest of the last bar's
  // session passes at its pace (the end-of-day timer fires in it), then a simulated clock jumps
  // to the next bar's session open (the real clock cannot: it waits). False while waiting.
  bool skip_night(const data::Bar& next) {
    const Timestamp close = end_of_last_session();
    if (clock.now() < close) {
      wait_then(close, &Impl::deliver);
      return false;
    }
    const auto day = core::utc_date(next.ts);
    const auto session = calendar::find_session(day);
    const Timestamp open = session ? session->open : core::start_of_day(day);
    if (clock.now() < open) static_cast<void>(clock.jump_to(open));
    return true;
  }

  void wait_then(Timestamp when, void (Impl::*step)()) {
    wait = clock.at(when, [weak = weak_from_this(), step] {
      if (const auto self = weak.lock(); self && !self->stopped) ((*self).*step)();
    });
  }

  // No bar is left: a virtual clock runs on through the timers due by the close of the last
  // bar's session (one turn each, so what they post runs); another clock waits for that close.
  // Then the feed ends.
  void run_out() {
    if (delivered > 0 && virtual_clock != nullptr) {
      const auto next = virtual_clock->next_due();
      if (next && *next <= end_of_last_session()) {
        virtual_clock->advance_to(*next);
        post(&Impl::run_out);
        return;
      }
    } else if (delivered > 0 && clock.now() < end_of_last_session()) {
      wait_then(end_of_last_session(), &Impl::run_out);
      return;
    }
    finished = true;
    if (on_end) on_end();
  }

  [[nodiscard]] Timestamp end_of_last_session() const {
    const auto day = core::utc_date(last_bar);
    if (const auto session = calendar::find_session(day)) return session->close;
    // Bars on a day without a session (a test's store): the end of that UTC day.
    return core::start_of_day(day) + std::chrono::days(1) - core::Microseconds(1);
  }

  boost::asio::io_context& io;
  Clock& clock;
  VirtualClock* virtual_clock;
  std::unique_ptr<data::BarSource> source;
  ReplayOptions options;
  std::vector<data::Bar> buffer;
  std::size_t position = 0;
  std::size_t size = 0;
  std::function<void(const data::Bar&, bool)> on_bar;
  std::function<void()> on_end;
  net::TimerHandle wait;
  bool started = false;
  bool stopped = false;
  bool finished = false;
  std::int64_t delivered = 0;
  Timestamp last_bar{};
  Timestamp last_message{};
};

ReplayFeed::ReplayFeed(boost::asio::io_context& io, Clock& clock,
                       std::unique_ptr<data::BarSource> source, ReplayOptions options)
    : impl_(std::make_shared<Impl>(io, clock, std::move(source), options)) {
  if (!impl_->source) throw Error("the replay feed needs a bar source");
}

ReplayFeed::~ReplayFeed() { stop(); }

void ReplayFeed::start(std::function<void(const data::Bar& bar, bool updated)> on_bar,
                       std::function<void()> on_end) {
  if (impl_->started) throw Error("the replay feed was started already");
  impl_->started = true;
  impl_->on_bar = std::move(on_bar);
  impl_->on_end = std::move(on_end);
  impl_->post(&Impl::deliver);
}

void ReplayFeed::stop() {
  impl_->stopped = true;
  impl_->wait.cancel();
}

FeedHealth ReplayFeed::health() const {
  FeedHealth health;
  health.connected = impl_->started && !impl_->stopped && !impl_->finished;
  health.last_message = impl_->last_message;
  return health;
}

std::int64_t ReplayFeed::delivered() const noexcept { return impl_->delivered; }

bool ReplayFeed::ended() const noexcept { return impl_->finished; }

}  // namespace trader::runtime
