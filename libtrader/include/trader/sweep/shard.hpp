#pragma once
// Which slice of a sweep's combinations one process runs, for a cluster: `--shard K/N`, or the
// scheduler's own variables (a Kubernetes Indexed Job's JOB_COMPLETION_INDEX with --shards N; a
// Slurm array's SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT). Shard K of N runs the
// combinations whose number (1-based) leaves K when reduced by 1 and taken modulo N: a
// deterministic slice, the same whichever node runs it, and balanced when neighbouring
// combinations cost alike.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <trader/core/error.hpp>

namespace trader::sweep {

// A shard specification that cannot be used: what() names where it came from (the option or the
// variable) and the value.
class ShardError : public Error {
 public:
  using Error::Error;
};

struct Shard {
  std::size_t index = 0;  // 0..count-1
  std::size_t count = 1;  // 1: the whole sweep

  [[nodiscard]] bool owns(std::size_t combination) const noexcept {  // 1-based combination
    return (combination - 1) % count == index;
  }
  [[nodiscard]] bool whole() const noexcept { return count == 1; }
  // "shard-2-of-4.jsonl": the file a shard writes in --output DIR.
  [[nodiscard]] std::string file_name() const;
};

// "K/N" (0 <= K < N, N >= 1); ShardError naming `where` otherwise.
[[nodiscard]] Shard parse_shard(std::string_view text, std::string_view where = "--shard");

// The variables a scheduler sets, as the tool read them from its environment.
struct SchedulerVariables {
  std::optional<std::string> job_completion_index{};  // Kubernetes Indexed Job
  std::optional<std::string> slurm_array_task_id{};
  std::optional<std::string> slurm_array_task_count{};
  std::optional<std::string> slurm_array_task_min{};  // the first task id (arrays may start at 1)
};

// The shard from --shard K/N, or from JOB_COMPLETION_INDEX with --shards N, or from the Slurm
// array variables; nullopt when none says anything (one process runs the whole sweep). A
// combination that cannot be right (both --shard and a scheduler's index, --shards without an
// index, an index outside 0..N-1) is a ShardError naming the values.
[[nodiscard]] std::optional<Shard> resolve_shard(const std::optional<std::string>& shard_option,
                                                 const std::optional<std::string>& shards_option,
                                                 const SchedulerVariables& environment);

}  // namespace trader::sweep
