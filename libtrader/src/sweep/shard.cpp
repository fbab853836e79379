#include <trader/sweep/shard.hpp>

#include <fmt/core.h>

#include <algorithm>

namespace trader::sweep {
namespace {

std::optional<std::size_t> whole_number(std::string_view text) {
  if (text.empty() || text.size() > 9 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::size_t value = 0;
  for (const char c : text) value = value * 10 + static_cast<std::size_t>(c - '0');
  return value;
}

std::size_t number_in(const std::string& text, std::string_view where, std::size_t minimum) {
  const auto value = whole_number(text);
  if (!value || *value < minimum) {
    throw ShardError(fmt::format("{}={}: expected a whole number >= {}", where, text, minimum));
  }
  return *value;
}

}  // namespace

std::string Shard::file_name() const { return fmt::format("shard-{}-of-{}.jsonl", index, count); }

Shard parse_shard(std::string_view text, std::string_view where) {
  const auto slash = text.find('/');
  const auto k = whole_number(text.substr(0, slash));
  const auto n =
      whole_number(slash == std::string_view::npos ? std::string_view() : text.substr(slash + 1));
  if (!k || !n) {
    throw ShardError(
        fmt::format("{} {}: expected K/N, e.g. 0/4 (shard K of N, K from 0 to N-1)", where, text));
  }
  const std::size_t count = n.value_or(0);
  const std::size_t index = k.value_or(0);
  if (count == 0) throw ShardError(fmt::format("{} {}: N must be 1 or more", where, text));
  if (index >= count) {
    throw ShardError(fmt::format("{} {}: K must be from 0 to {} (shards are numbered from 0)",
                                 where, text, count - 1));
  }
  return Shard{index, count};
}

std::optional<Shard> resolve_shard(const std::optional<std::string>& shard_option,
                                   const std::optional<std::string>& shards_option,
                                   const SchedulerVariables& env) {
  if (shard_option) {
    if (shards_option) {
      throw ShardError("--shard " + *shard_option + " and --shards " + *shards_option +
                       " cannot be combined: --shard K/N says both");
    }
    return parse_shard(*shard_option, "--shard");
  }
  if (env.job_completion_index) {
    if (!shards_option) {
      throw ShardError("JOB_COMPLETION_INDEX=" + *env.job_completion_index +
                       " is set (a Kubernetes Indexed Job): give --shards N, the Job's "
                       "completions");
    }
    const std::size_t n = number_in(*shards_option, "--shards", 1);
    const std::size_t k = number_in(*env.job_completion_index, "JOB_COMPLETION_INDEX", 0);
    if (k >= n) {
      throw ShardError(
          fmt::format("JOB_COMPLETION_INDEX={} is outside 0..{} (--shards {})", k, n - 1, n));
    }
    return Shard{k, n};
  }
  if (env.slurm_array_task_id || env.slurm_array_task_count) {
    if (!env.slurm_array_task_id || !env.slurm_array_task_count) {
      throw ShardError(
          fmt::format("a Slurm array needs both SLURM_ARRAY_TASK_ID and "
                      "SLURM_ARRAY_TASK_COUNT; only {} is set",
                      env.slurm_array_task_id ? "SLURM_ARRAY_TASK_ID" : "SLURM_ARRAY_TASK_COUNT"));
    }
    const std::size_t n = number_in(*env.slurm_array_task_count, "SLURM_ARRAY_TASK_COUNT", 1);
    if (shards_option && number_in(*shards_option, "--shards", 1) != n) {
      throw ShardError(
          fmt::format("--shards {} does not match the Slurm array's {} tasks "
                      "(SLURM_ARRAY_TASK_COUNT={})",
                      *shards_option, n, *env.slurm_array_task_count));
    }
    const std::size_t first = env.slurm_array_task_min
                                  ? number_in(*env.slurm_array_task_min, "SLURM_ARRAY_TASK_MIN", 0)
                                  : 0;
    const std::size_t id = number_in(*env.slurm_array_task_id, "SLURM_ARRAY_TASK_ID", 0);
    if (id < first || id - first >= n) {
      throw ShardError(
          fmt::format("SLURM_ARRAY_TASK_ID={} is outside {}..{} (an array of {} "
                      "tasks from {})",
                      id, first, first + n - 1, n, first));
    }
    return Shard{id - first, n};
  }
  if (shards_option) {
    throw ShardError("--shards " + *shards_option +
                     " needs a shard index: JOB_COMPLETION_INDEX (Kubernetes) or the Slurm "
                     "array variables, or use --shard K/N");
  }
  return std::nullopt;
}

}  // namespace trader::sweep
