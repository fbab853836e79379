#pragma once
// Checked output for every tool (issue 11 item 6): a file is written under a temporary name in
// its own directory and renamed over the target only when every byte reached it, so a failed
// or interrupted write never leaves a truncated or empty file behind; standard output is
// flushed and checked before a tool reports success. Every failure names the file (or
// "standard output") and the reason.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/core.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <trader/core/cancellation.hpp>
#include <trader/core/error.hpp>

namespace trader::tools {

// An output that could not be written completely: "cannot write PATH: REASON".
class OutputError : public Error {
 public:
  OutputError(std::string target, std::string reason)
      : Error("cannot write " + target + ": " + reason),
        target_(std::move(target)),
        reason_(std::move(reason)) {}
  [[nodiscard]] const std::string& target() const noexcept { return target_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

 private:
  std::string target_;
  std::string reason_;
};

// A stream buffer over a file descriptor that checks every write(2): EINTR is retried, a short
// write continued, and the first failure is kept (errno) and makes every later write fail.
// With a cancellation token, each write first checks it; once cancelled, writing stops (the
// stream goes bad and cancelled_reason() tells why).
class FdStreamBuf final : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd, const core::CancellationToken* cancel = nullptr)
      : fd_(fd), cancel_(cancel) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  FdStreamBuf(const FdStreamBuf&) = delete;
  FdStreamBuf& operator=(const FdStreamBuf&) = delete;
  ~FdStreamBuf() override = default;

  // Writes what is buffered; false once anything failed.
  bool drain() {
    const auto pending = static_cast<std::size_t>(pptr() - pbase());
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return write_all(buffer_.data(), pending);
  }
  [[nodiscard]] int error() const noexcept { return error_; }
  [[nodiscard]] int cancelled_reason() const noexcept { return cancelled_; }
  [[nodiscard]] bool failed() const noexcept { return error_ != 0 || cancelled_ != 0; }

 protected:
  int_type overflow(int_type ch) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(ch, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(ch);
      pbump(1);
    }
    return traits_type::not_eof(ch);
  }
  std::streamsize xsputn(const char* data, std::streamsize size) override {
    const auto room = epptr() - pptr();
    if (size <= room) {
      std::memcpy(pptr(), data, static_cast<std::size_t>(size));
      pbump(static_cast<int>(size));
      return size;
    }
    // A large block goes out directly after what is buffered.
    if (!drain() || !write_all(data, static_cast<std::size_t>(size))) return 0;
    return size;
  }
  int sync() override { return drain() ? 0 : -1; }

 private:
  bool write_all(const char* data, std::size_t size) {
    if (failed()) return false;
    while (size > 0) {
      if (cancel_ != nullptr && cancel_->cancelled()) {
        cancelled_ = cancel_->reason();
        return false;
      }
      const ssize_t written = ::write(fd_, data, size);
      if (written < 0) {
        if (errno == EINTR) continue;
        error_ = errno;
        return false;
      }
      data += written;
      size -= static_cast<std::size_t>(written);
    }
    return true;
  }

  int fd_;
  const core::CancellationToken* cancel_;
  std::array<char, std::size_t{64} * 1024> buffer_{};
  int error_ = 0;
  int cancelled_ = 0;
};

// A file written whole or not at all. A regular file (or a new one) is written to
// ".NAME.tmp-PID-N" beside it and renamed over it by commit(), keeping an existing file's
// permission bits; without commit() (an error, an exception, an interruption) the temporary is
// removed and an existing file keeps its old content. A special file (/dev/full, a FIFO,
// /dev/stdout, anything under /dev or /proc) cannot be replaced and is written directly.
// standard_output() writes to file descriptor 1 the same checked way.
class AtomicOutputFile {
 public:
  // Opens at once, so that a file that cannot be written fails before any work is done.
  // OutputError names `path` as given.
  explicit AtomicOutputFile(const std::filesystem::path& path,
                            const core::CancellationToken* cancel = nullptr)
      : name_(path.string()), cancel_(cancel) {
    if (path.empty()) throw OutputError("''", "empty file name");
    const std::string text = path.string();
    struct stat st {};
    bool exists = false;
    if (::stat(text.c_str(), &st) == 0) {
      exists = true;
      if (S_ISDIR(st.st_mode)) throw OutputError(name_, "is a directory");
    } else if (errno != ENOENT) {
      throw OutputError(name_, std::strerror(errno));
    }
    const bool special = text.rfind("/dev/", 0) == 0 || text.rfind("/proc/", 0) == 0 ||
                         (exists && !S_ISREG(st.st_mode));
    if (special) {
      fd_ = ::open(text.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
      if (fd_ < 0) throw OutputError(name_, std::strerror(errno));
    } else {
      // A symbolic link to a file: replace the file it points to, not the link.
      target_ = exists ? std::filesystem::canonical(path) : std::filesystem::absolute(path);
      open_temporary(exists ? static_cast<int>(st.st_mode & 07777) : -1);
    }
    buffer_.emplace(fd_, cancel_);
    stream_.rdbuf(&*buffer_);
  }

  // Standard output (file descriptor 1), checked like a file; commit() does not close it.
  struct StandardOutput {};
  static constexpr StandardOutput kStandardOutput{};
  AtomicOutputFile(StandardOutput /*tag*/, const core::CancellationToken* cancel = nullptr)
      : name_("standard output"), fd_(STDOUT_FILENO), owns_fd_(false), cancel_(cancel) {
    std::cout.flush();
    std::fflush(stdout);  // what was printed before comes first
    buffer_.emplace(fd_, cancel_);
    stream_.rdbuf(&*buffer_);
  }

  AtomicOutputFile(AtomicOutputFile&&) = delete;
  AtomicOutputFile& operator=(AtomicOutputFile&&) = delete;
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  ~AtomicOutputFile() { discard(); }

  [[nodiscard]] std::ostream& stream() noexcept { return stream_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }

  void write(std::string_view text) { stream_.write(text.data(), std::ssize(text)); }

  // Throws what stopped the writing, if anything did: Interrupted when the cancellation token
  // stopped it, OutputError with the reason when a write failed.
  void check() const {
    if (!buffer_) return;
    if (buffer_->cancelled_reason() != 0) throw Interrupted(buffer_->cancelled_reason());
    if (buffer_->error() != 0) throw OutputError(name_, std::strerror(buffer_->error()));
  }

  // Flushes, syncs, closes and renames into place. OutputError (or Interrupted) when any write
  // failed; the temporary is removed then.
  void commit() {
    if (committed_) return;
    stream_.flush();
    if (buffer_) buffer_->drain();
    check();
    if (!stream_) throw OutputError(name_, "write failed");
    if (!temporary_.empty() && ::fsync(fd_) != 0) fail_with(errno);
    if (owns_fd_) {
      const int fd = std::exchange(fd_, -1);
      if (::close(fd) != 0) fail_with(errno);
    }
    if (!temporary_.empty()) {
      std::error_code ec;
      std::filesystem::rename(temporary_, target_, ec);
      if (ec) fail_with(ec.value());
      temporary_.clear();
    }
    committed_ = true;
  }

  // Runs `produce(stream())` and commits. When `produce` throws because the stream failed (a
  // library reports a bad stream its own way), the precise cause is thrown instead.
  template <class Produce>
  void write_with(Produce&& produce) {
    try {
      std::forward<Produce>(produce)(stream_);
    } catch (...) {
      check();
      throw;
    }
    commit();
  }

 private:
  void open_temporary(int mode) {
    const std::filesystem::path directory = target_.parent_path();
    const std::string base =
        "." + target_.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-";
    for (int attempt = 0; attempt < 100; ++attempt) {
      const std::filesystem::path candidate = directory / (base + std::to_string(attempt));
      fd_ = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd_ >= 0) {
        temporary_ = candidate;
        if (mode >= 0) static_cast<void>(::fchmod(fd_, static_cast<mode_t>(mode)));
        return;
      }
      if (errno != EEXIST) {
        throw OutputError(name_, std::string("cannot create a file in ") + directory.string() +
                                     " (" + std::strerror(errno) + ")");
      }
    }
    throw OutputError(name_, "cannot create a temporary file in " + directory.string());
  }

  [[noreturn]] void fail_with(int error) {
    discard();
    throw OutputError(name_, std::strerror(error));
  }

  // Closes and removes an uncommitted temporary; a direct special file is left as it is.
  void discard() noexcept {
    if (owns_fd_ && fd_ >= 0) ::close(std::exchange(fd_, -1));
    if (!temporary_.empty()) {
      ::unlink(temporary_.c_str());
      temporary_.clear();
    }
  }

  std::string name_;
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  int fd_ = -1;
  bool owns_fd_ = true;
  bool committed_ = false;
  const core::CancellationToken* cancel_ = nullptr;
  std::optional<FdStreamBuf> buffer_;
  std::ostream stream_{nullptr};
};

// Whether two paths name one file: the same canonical path (neither needs to exist), or the
// same existing file under two names.
[[nodiscard]] inline bool same_file(const std::filesystem::path& a,
                                    const std::filesystem::path& b) {
  std::error_code ea, eb;
  const auto ca = std::filesystem::weakly_canonical(std::filesystem::absolute(a, ea), ea);
  const auto cb = std::filesystem::weakly_canonical(std::filesystem::absolute(b, eb), eb);
  if (!ea && !eb && ca == cb) return true;
  return std::filesystem::equivalent(a, b, ea);
}

// Flushes standard output (std::cout and C stdio, which fmt::print uses) and checks that every
// write to it succeeded; OutputError("standard output", reason) otherwise. Tools call it before
// they report success.
inline void finish_stdout() {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;  // first, so that errno tells why it failed
  const int error = errno;
  std::cout.flush();  // synchronised with stdio: its text is in stdout's buffer already
  if (flushed && std::ferror(stdout) == 0 && !std::cout.bad()) return;
  std::clearerr(stdout);  // reported here: the check at exit stays quiet
  throw OutputError("standard output", error != 0 ? std::strerror(error) : "write failed");
}

// The message for an exception that reached a tool's main: a failed write to standard output
// in the middle of printing (fmt::print throws std::system_error then) names standard output.
[[nodiscard]] inline std::string error_text(const std::exception& e) {
  if (const auto* system = dynamic_cast<const std::system_error*>(&e);
      system != nullptr && std::ferror(stdout) != 0) {
    std::clearerr(stdout);
    return OutputError("standard output", system->code().message()).what();
  }
  return e.what();
}

namespace detail {
inline const char* g_tool_name = "trader";
inline void check_stdout_at_exit() {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  const int error = errno;
  if (flushed && std::ferror(stdout) == 0) return;
  std::fprintf(stderr, "%s: cannot write standard output: %s\n", g_tool_name,
               error != 0 ? std::strerror(error) : "write failed");
  std::fflush(stderr);
  ::_exit(1);
}
}  // namespace detail

// A safety net for exits that do not pass through finish_stdout (std::exit after --help, a
// path added later): at exit, standard output is flushed and a failure turns the exit status
// into 1 with a message on stderr. Call once, first thing in main.
inline void check_stdout_at_exit(const char* tool) {
  detail::g_tool_name = tool;
  std::atexit(detail::check_stdout_at_exit);
}

}  // namespace trader::tools
