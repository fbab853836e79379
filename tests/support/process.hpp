#pragma once
// Runs a built tool for end-to-end tests: a clean environment (only what the test passes, plus
// PATH), a chosen working directory, stdout and stderr captured separately.

#include <filesystem>
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
