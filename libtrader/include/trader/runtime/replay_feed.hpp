#pragma once
// A replay: stored minute bars fed to the runtime as if Alpaca's stream sent them. Each bar,
// stamped with the start of its minute, is delivered when the runtime's clock reaches the end of
// that minute (Alpaca sends a bar once its minute has closed), so timers due before it fire
// first. On a VirtualClock the feed moves the clock itself, as fast as it can, yielding to the
// io_context at every new minute (and every `batch` bars) so the signal handler, the status
// server and what a timer posted run in between; on a real or simulated clock it waits for each
// minute with Clock::at. Days without bars are skipped: a virtual clock moves straight to the
// next bar's minute (the timers between fire on the way, in order); a simulated one lets the
// last bar's session run to its close, then jumps to the next bar's session open
// (Clock::jump_to). After the last bar, a virtual clock runs on through the timers due by the
// close of that bar's session and another clock waits for that close (the end-of-day timer fires
// even when the bars stop early); then on_end is called.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include <trader/data/bar_source.hpp>
#include <trader/runtime/bar_feed.hpp>
#include <trader/runtime/clock.hpp>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace trader::runtime {

struct ReplayOptions {
  std::size_t batch = 256;  // bars read from the source at once, and delivered per turn at most
};

class ReplayFeed final : public BarFeed {
 public:
  // `source`: the bars in (timestamp, symbol) order, streamed (never all in memory), e.g. the
  // store's through marketdata::stored_bars with DataMode::store; their SymbolIds are those of
  // the table that read them. `clock` must outlive the feed. A source that throws (a damaged
  // session) throws out of the io_context's run().
  ReplayFeed(boost::asio::io_context& io, Clock& clock, std::unique_ptr<data::BarSource> source,
             ReplayOptions options = {});
  ~ReplayFeed() override;
  ReplayFeed(const ReplayFeed&) = delete;
  ReplayFeed& operator=(const ReplayFeed&) = delete;

  // Starts on the next turn of the io_context (never calls back from inside start()); once only.
  void start(std::function<void(const data::Bar& bar, bool updated)> on_bar,
             std::function<void()> on_end) override;
  void stop() override;
  // connected while bars are being delivered; last_message: the clock's time at the last bar.
  [[nodiscard]] FeedHealth health() const override;
  // Bars delivered so far.
  [[nodiscard]] std::int64_t delivered() const noexcept;
  // Whether on_end was called.
  [[nodiscard]] bool ended() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;  // shared (weakly) with the turns it posts
};

}  // namespace trader::runtime
