#pragma once
// F19: supervision of the runtime's long-running tasks (the market-data feed, the trade-update
// stream, the timers). A task that fails is restarted after an exponential backoff with jitter;
// three failures of one task within five minutes (on the runtime's clock) mean something is
// wrong that restarting will not fix, and the runtime stops safely instead. The reference
// counted failures over the whole life of the process, so a stream that dropped once a day
// stopped the engine on the third day; here old failures leave the window and a recovery resets
// the backoff.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <trader/core/timestamp.hpp>
#include <trader/net/backoff.hpp>

namespace trader::runtime {

struct SupervisorOptions {
  int max_failures = 3;              // within `window`: give up
  std::chrono::seconds window{300};  // five minutes
  net::BackoffOptions backoff{std::chrono::milliseconds{1'000}, std::chrono::milliseconds{30'000},
                              2.0, 0.5};
};

class Supervisor {
 public:
  // `now` reads the runtime's clock; `random` feeds the jitter (empty: random_device).
  explicit Supervisor(std::function<core::Timestamp()> now, SupervisorOptions options = {},
                      std::function<double()> random = {});

  // A task failed (`why` is logged): the delay before restarting it, or nullopt when this was
  // its max_failures-th failure within the window (the caller stops safely).
  [[nodiscard]] std::optional<std::chrono::milliseconds> failed(std::string_view task,
                                                                std::string_view why);
  // The task runs again (connected, subscribed, its timer fired): its next restart waits the
  // initial backoff again. Its failures stay counted until they leave the window.
  void recovered(std::string_view task);
  // Failures of `task` within the window ending now.
  [[nodiscard]] int failures(std::string_view task);
  // Every failure since start, all tasks (status and metrics).
  [[nodiscard]] int total_failures() const noexcept { return total_; }

 private:
  struct Task {
    std::deque<core::Timestamp> failures;
    net::Backoff backoff;
  };
  Task& entry(std::string_view task);
  void expire(Task& t);

  std::function<core::Timestamp()> now_;
  SupervisorOptions options_;
  std::function<double()> random_;
  std::map<std::string, Task, std::less<>> tasks_;
  int total_ = 0;
};

}  // namespace trader::runtime
