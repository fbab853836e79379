#include "store/checkpointer.hpp"

#include <fmt/core.h>

#include <trader/log/log.hpp>

#include "store/sqlite_handle.hpp"

namespace trader::store::detail {

namespace {
sqlite::sqlite3* handle(void* p) { return static_cast<sqlite::sqlite3*>(p); }
}  // namespace

Checkpointer::Checkpointer(const std::filesystem::path& path, std::chrono::milliseconds interval)
    : path_(path), interval_(interval) {
  sqlite::sqlite3* db = nullptr;
  const int rc = sqlite::sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite::sqlite3_errmsg(db) : "out of memory";
    sqlite::sqlite3_close(db);
    throw StoreError(
        fmt::format("{}: cannot open a connection for checkpoints: {}", path.string(), message));
  }
  connection_ = db;
  // A connection opens the log on its first read; a checkpoint before that does nothing.
  sqlite::sqlite3_busy_timeout(db, 1000);
  if (sqlite::sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    const std::string message = sqlite::sqlite3_errmsg(db);
    sqlite::sqlite3_close(db);
    throw StoreError(fmt::format("{}: cannot read it for checkpoints: {}", path.string(), message));
  }
  thread_ = std::thread([this] { run(); });
}

Checkpointer::~Checkpointer() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  // The writing connection closes after this one: as the last connection, it checkpoints what
  // is left and removes the log.
  sqlite::sqlite3_close(handle(connection_));
}

long long Checkpointer::checkpoints() const {
  const std::lock_guard lock(mutex_);
  return checkpoints_;
}

void Checkpointer::run() {
  bool warned = false;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    int log_frames = 0;
    int copied = 0;
    const int rc = sqlite::sqlite3_wal_checkpoint_v2(
        handle(connection_), nullptr, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
    lock.lock();
    if (rc == SQLITE_OK) {
      warned = false;
      // Nothing new to copy costs no flush: SQLite checks the log's index first.
      if (copied > 0) ++checkpoints_;
    } else if ((rc & 0xff) != SQLITE_BUSY && !warned) {
      // The log keeps growing until a checkpoint succeeds (here or when the database closes);
      // nothing is lost, so a warning, once per run of failures.
      warned = true;
      log::warning("checkpoint_failed", {{"path", path_.string()},
                                         {"error", sqlite::sqlite3_errmsg(handle(connection_))}});
    }
  }
}

}  // namespace trader::store::detail
