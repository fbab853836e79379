#include <trader/runtime/supervisor.hpp>

#include <trader/log/log.hpp>

namespace trader::runtime {

Supervisor::Supervisor(std::function<core::Timestamp()> now, SupervisorOptions options,
                       std::function<double()> random)
    : now_(std::move(now)), options_(options), random_(std::move(random)) {}

Supervisor::Task& Supervisor::entry(std::string_view task) {
  const auto found = tasks_.find(task);
  if (found != tasks_.end()) return found->second;
  return tasks_.emplace(std::string(task), Task{{}, net::Backoff(options_.backoff, random_)})
      .first->second;
}

void Supervisor::expire(Task& t) {
  const core::Timestamp oldest = now_() - options_.window;
  while (!t.failures.empty() && t.failures.front() <= oldest) t.failures.pop_front();
}

std::optional<std::chrono::milliseconds> Supervisor::failed(std::string_view task,
                                                            std::string_view why) {
  Task& t = entry(task);
  expire(t);
  t.failures.push_back(now_());
  ++total_;
  const int count = static_cast<int>(t.failures.size());
  if (count >= options_.max_failures) {
    log::critical("task_max_failures", {{"task", std::string(task)},
                                        {"failures", std::to_string(count)},
                                        {"window_seconds", std::to_string(options_.window.count())},
                                        {"error", std::string(why)}});
    return std::nullopt;
  }
  const std::chrono::milliseconds delay = t.backoff.next();
  log::warning("task_failed", {{"task", std::string(task)},
                               {"failures", std::to_string(count)},
                               {"restart_in_ms", std::to_string(delay.count())},
                               {"error", std::string(why)}});
  return delay;
}

void Supervisor::recovered(std::string_view task) { entry(task).backoff.reset(); }

int Supervisor::failures(std::string_view task) {
  Task& t = entry(task);
  expire(t);
  return static_cast<int>(t.failures.size());
}

}  // namespace trader::runtime
