#pragma once
// Where the runtime's minute bars come from: Alpaca's market-data stream (live, paper, dry run)
// or the local store (replay). The runtime treats both alike: bars arrive on the io_context's
// thread, in order, each stamped with the start of its minute; a finite feed says when it ends.

#include <functional>
#include <string>

#include <trader/core/timestamp.hpp>
#include <trader/data/bar.hpp>

namespace trader::runtime {

// What /status and /healthz report of a feed (and of the trade-update stream).
struct FeedHealth {
  bool connected = false;          // subscribed / listening now
  core::Timestamp last_message{};  // on the runtime's clock; epoch: none yet
  int reconnects = 0;              // connections after the first
  std::string fatal_error;         // a credential error stopped it; empty while none did
};

class BarFeed {
 public:
  virtual ~BarFeed() = default;
  // `updated`: Alpaca's updatedBars, replacing a bar already delivered (the runtime logs it; a
  // candle already evaluated is not evaluated again). `on_end` is called once when a finite feed
  // has delivered its last bar; a live feed never calls it.
  virtual void start(std::function<void(const data::Bar& bar, bool updated)> on_bar,
                     std::function<void()> on_end) = 0;
  // Idempotent; no call to on_bar after it returns.
  virtual void stop() = 0;
  [[nodiscard]] virtual FeedHealth health() const = 0;
};

}  // namespace trader::runtime
