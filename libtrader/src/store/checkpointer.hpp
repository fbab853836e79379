#pragma once
// Checkpoints a WAL database from a thread of its own, on a connection of its own, so that the
// connection that writes never stops for a checkpoint's disk flushes. The runtime writes each
// order before sending it; an automatic checkpoint on that connection would put two fsyncs
// (milliseconds) in front of an order now and then. A passive checkpoint never blocks a writer.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

namespace trader::store::detail {

class Checkpointer {
 public:
  // Opens its connection at once (throws StoreError naming the file when it cannot), then
  // checkpoints every `interval` until destroyed.
  Checkpointer(const std::filesystem::path& path, std::chrono::milliseconds interval);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints done that copied at least one page into the database file.
  [[nodiscard]] long long checkpoints() const;

 private:
  void run();

  std::filesystem::path path_;
  std::chrono::milliseconds interval_;
  void* connection_ = nullptr;  // sqlite3*, kept out of this header
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  long long checkpoints_ = 0;
  std::thread thread_;
};

}  // namespace trader::store::detail
