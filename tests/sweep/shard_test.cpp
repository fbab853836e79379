// Which slice of a sweep a process runs: --shard K/N and the schedulers' variables.
#include <trader/sweep/shard.hpp>

#include <doctest/doctest.h>

namespace sw = trader::sweep;

namespace {

std::string refusal(const std::optional<std::string>& shard,
                    const std::optional<std::string>& shards, const sw::SchedulerVariables& env) {
  try {
    static_cast<void>(sw::resolve_shard(shard, shards, env));
  } catch (const sw::ShardError& e) {
    return e.what();
  }
  return "";
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("sweep/shard") {
  TEST_CASE("--shard K/N, JOB_COMPLETION_INDEX with --shards N, and a Slurm array agree") {
    const auto direct = sw::resolve_shard(std::string("2/4"), std::nullopt, {});
    REQUIRE(direct);
    CHECK(direct->index == 2);
    CHECK(direct->count == 4);
    CHECK(direct->file_name() == "shard-2-of-4.jsonl");
    const auto k8s =
        sw::resolve_shard(std::nullopt, std::string("4"), {.job_completion_index = "2"});
    REQUIRE(k8s);
    CHECK((k8s->index == 2 && k8s->count == 4));
    const auto slurm = sw::resolve_shard(
        std::nullopt, std::nullopt, {.slurm_array_task_id = "2", .slurm_array_task_count = "4"});
    REQUIRE(slurm);
    CHECK((slurm->index == 2 && slurm->count == 4));
    // An array numbered from 1 (--array=1-4): task 3 is the third shard.
    const auto from_one = sw::resolve_shard(
        std::nullopt, std::nullopt,
        {.slurm_array_task_id = "3", .slurm_array_task_count = "4", .slurm_array_task_min = "1"});
    REQUIRE(from_one);
    CHECK(from_one->index == 2);
    CHECK_FALSE(sw::resolve_shard(std::nullopt, std::nullopt, {}));
  }

  TEST_CASE("the shards split the combinations round-robin, each exactly once") {
    for (std::size_t c = 1; c <= 11; ++c) {
      int owners = 0;
      for (std::size_t k = 0; k < 4; ++k) owners += sw::Shard{k, 4}.owns(c) ? 1 : 0;
      CHECK(owners == 1);
    }
    CHECK(sw::Shard{0, 4}.owns(1));
    CHECK(sw::Shard{0, 4}.owns(5));
    CHECK(sw::Shard{3, 4}.owns(4));
    CHECK(sw::Shard{}.owns(7));
  }

  TEST_CASE("a bad shard spec is refused, naming where it came from and the value") {
    CHECK(has(refusal(std::string("4/4"), std::nullopt, {}), "--shard 4/4: K must be from 0 to 3"));
    CHECK(has(refusal(std::string("1/0"), std::nullopt, {}), "N must be 1 or more"));
    CHECK(has(refusal(std::string("a/4"), std::nullopt, {}), "--shard a/4: expected K/N"));
    CHECK(has(refusal(std::string("2"), std::nullopt, {}), "--shard 2: expected K/N"));
    CHECK(has(refusal(std::string("-1/4"), std::nullopt, {}), "expected K/N"));
    CHECK(has(refusal(std::string("1/4"), std::string("4"), {}), "cannot be combined"));
    CHECK(has(refusal(std::nullopt, std::nullopt, {.job_completion_index = "1"}),
              "JOB_COMPLETION_INDEX=1 is set (a Kubernetes Indexed Job): give --shards N"));
    CHECK(has(refusal(std::nullopt, std::string("4"), {.job_completion_index = "4"}),
              "JOB_COMPLETION_INDEX=4 is outside 0..3"));
    CHECK(has(refusal(std::nullopt, std::string("x"), {.job_completion_index = "1"}),
              "--shards=x: expected a whole number >= 1"));
    CHECK(has(refusal(std::nullopt, std::string("4"), {}), "--shards 4 needs a shard index"));
    CHECK(has(refusal(std::nullopt, std::nullopt, {.slurm_array_task_id = "1"}),
              "only SLURM_ARRAY_TASK_ID is set"));
    CHECK(has(refusal(std::nullopt, std::nullopt,
                      {.slurm_array_task_id = "4", .slurm_array_task_count = "4"}),
              "SLURM_ARRAY_TASK_ID=4 is outside 0..3"));
    CHECK(has(refusal(std::nullopt, std::string("3"),
                      {.slurm_array_task_id = "1", .slurm_array_task_count = "4"}),
              "--shards 3 does not match the Slurm array's 4 tasks"));
    CHECK(refusal(std::nullopt, std::string("4"),
                  {.slurm_array_task_id = "1", .slurm_array_task_count = "4"})
              .empty());
  }
}
