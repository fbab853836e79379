#pragma once
// The file a shard writes (`DIR/shard-K-of-N.jsonl`) and the merge of a directory of them. One
// JSON object per line: a header with the sweep's fingerprint (settings, combinations, program
// and bars), the shard and everything the ranked table shows; then one line per combination with
// its parameters and exact metrics (every double as its shortest round-trip text, every amount
// as its exact decimal); then an end line with the count, so a shard cut short is detected. The
// merge refuses, naming the file, a shard of another sweep, of another split, a missing, repeated
// or incomplete shard, and a shard whose combinations are not its own.

#include <filesystem>
#include <string>

#include <trader/sweep/sweep.hpp>

namespace trader::sweep {

// A shard file or a set of them that cannot be merged: what() names the file and the problem.
class MergeError : public Error {
 public:
  using Error::Error;
};

// The whole text of the shard file of `result`.
[[nodiscard]] std::string shard_file_text(const SweepResult& result);

// Reads one shard file back (MergeError naming `path` when it is not one, or incomplete).
[[nodiscard]] SweepResult read_shard_file(const std::filesystem::path& path);

// Reads every shard-K-of-N.jsonl of `directory` and combines them into the whole sweep's result,
// exactly as one process would have produced it (MergeError otherwise).
[[nodiscard]] SweepResult merge_shards(const std::filesystem::path& directory);

}  // namespace trader::sweep
