#pragma once
// Runs a built tool for end-to-end tests: a clean environment (only what the test passes, plus
// PATH and any ASAN_/UBSAN_/LSAN_OPTIONS), a chosen working directory, stdout and stderr
// captured separately.

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace trader::testing {

struct ProcessResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out;
  std::string err;
};

using EnvironmentList = std::vector<std::pair<std::string, std::string>>;

ProcessResult run_process(const std::vector<std::string>& argv, const EnvironmentList& env = {},
                          const std::filesystem::path& cwd = {},
                          const std::string& stdin_text = {});

// A child process left running: the test reads its stdout line by line, signals it, waits.
// With merge_stderr, its stderr comes through the same pipe (messages of a signalled tool).
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv, const EnvironmentList& env = {},
                        bool merge_stderr = false);
  ~ChildProcess();  // kills and reaps a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // The next line of stdout without its newline; empty at end of output.
  [[nodiscard]] std::string read_line();
  // Everything left on stdout, up to its end.
  [[nodiscard]] std::string read_rest();
  void kill(int signal);
  // Waits for the exit; returns the exit code, or 128 + signal.
  int wait();

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool reaped_ = false;
  int status_ = -1;
};

// Runs `body` in a forked child that dropped root privileges to nobody (65534) when the test
// runs as root, so permission checks mean something; returns what body returned.
[[nodiscard]] std::string run_unprivileged(const std::function<std::string()>& body);

// A directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& text);
[[nodiscard]] std::string read_file(const std::filesystem::path& path);

}  // namespace trader::testing
