#include <trader/sweep/shard_file.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/json_write.hpp"
#include "sweep/exact_json.hpp"

namespace trader::sweep {
namespace {

namespace json = boost::json;
using detail::metrics_object;
using detail::Reader;

constexpr const char* kFormat = "libtrader sweep shard 1";

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& s : items) out.emplace_back(s);
  return out;
}

json::object pairs_object(const std::vector<std::pair<std::string, std::string>>& items) {
  json::object out;
  for (const auto& [k, v] : items) out[k] = v;
  return out;
}

}  // namespace

std::string shard_file_text(const SweepResult& r) {
  json::object header{{"format", kFormat},
                      {"fingerprint", r.fingerprint},
                      {"bars_fingerprint", r.bars_fingerprint},
                      {"shard", r.shard.index},
                      {"shards", r.shard.count},
                      {"combinations", r.combinations},
                      {"strategy", r.strategy},
                      {"symbols", string_array(r.symbols)},
                      {"start_date", core::format_date(r.start_date)},
                      {"end_date", core::format_date(r.end_date)},
                      {"objective", std::string(to_string(r.objective))},
                      {"axes", string_array(r.axes)},
                      {"settings", pairs_object(r.settings)},
                      {"data_source", r.data_source},
                      {"synthetic", r.synthetic},
                      {"bars", r.bars},
                      {"warnings", string_array(r.warnings)}};
  std::string out = core::detail::to_json(header) + "\n";
  for (const CombinationResult& c : r.results) {
    json::object line{{"combination", c.combination},
                      {"parameters", pairs_object(c.parameters)},
                      {"metrics", metrics_object(c.metrics)}};
    out += core::detail::to_json(line) + "\n";
  }
  out += core::detail::to_json(json::object{{"end", r.results.size()}}) + "\n";
  return out;
}

SweepResult read_shard_file(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw MergeError(fmt::format("{}: cannot be read", path.string()));
  Reader reader(name, 1);
  SweepResult r;
  std::string line;
  std::size_t number = 0;
  bool ended = false;
  while (std::getline(in, line)) {
    ++number;
    reader.at_line(number);
    if (ended) reader.fail("text after the end line");
    json::value value;
    try {
      value = core::detail::parse_json(line, name);
    } catch (const Error& e) {
      reader.fail(e.what());
    }
    const auto* o = value.if_object();
    if (o == nullptr) reader.fail("not a JSON object");
    if (number == 1) {
      if (!o->if_contains("format") || reader.text(*o, "format") != kFormat) {
        reader.fail(std::string("not a sweep shard file (its first line must have \"format\": \"") +
                    kFormat + "\")");
      }
      r.fingerprint = reader.text(*o, "fingerprint");
      r.bars_fingerprint = reader.text(*o, "bars_fingerprint");
      const auto k = reader.integer(*o, "shard");
      const auto n = reader.integer(*o, "shards");
      if (n < 1 || k < 0 || k >= n) reader.fail(fmt::format("shard {} of {} is impossible", k, n));
      r.shard = Shard{static_cast<std::size_t>(k), static_cast<std::size_t>(n)};
      r.combinations = static_cast<std::size_t>(reader.integer(*o, "combinations"));
      r.strategy = reader.text(*o, "strategy");
      r.symbols = reader.strings(*o, "symbols");
      try {
        r.start_date = core::parse_date(reader.text(*o, "start_date"));
        r.end_date = core::parse_date(reader.text(*o, "end_date"));
        r.objective = parse_objective(reader.text(*o, "objective"));
      } catch (const ParseError& e) {
        reader.fail(e.what());
      }
      r.axes = reader.strings(*o, "axes");
      r.settings = reader.pairs(*o, "settings");
      r.data_source = reader.text(*o, "data_source");
      const auto* synthetic = reader.field(*o, "synthetic").if_bool();
      if (synthetic == nullptr) reader.fail("\"synthetic\" is not true or false");
      r.synthetic = *synthetic;
      r.bars = reader.integer(*o, "bars");
      r.warnings = reader.strings(*o, "warnings");
      continue;
    }
    if (o->if_contains("end")) {
      if (static_cast<std::size_t>(reader.integer(*o, "end")) != r.results.size()) {
        reader.fail(fmt::format("the end line counts {} combinations, the file holds {}",
                                reader.integer(*o, "end"), r.results.size()));
      }
      ended = true;
      continue;
    }
    CombinationResult c;
    const auto k = reader.integer(*o, "combination");
    if (k < 1 || static_cast<std::size_t>(k) > r.combinations) {
      reader.fail(fmt::format("combination {} is outside 1..{}", k, r.combinations));
    }
    c.combination = static_cast<std::size_t>(k);
    c.parameters = reader.pairs(*o, "parameters");
    c.metrics = reader.metrics(reader.object(*o, "metrics"));
    r.results.push_back(std::move(c));
  }
  if (number == 0) throw MergeError(fmt::format("{}: empty, not a sweep shard file", name));
  if (!ended) {
    throw MergeError(
        fmt::format("{}: incomplete (no end line after {} combinations): the shard "
                    "did not finish; run it again",
                    name, r.results.size()));
  }
  return r;
}

SweepResult merge_shards(const std::filesystem::path& directory) {
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    throw MergeError(fmt::format("{}: not a directory of shard files", directory.string()));
  }
  const std::regex pattern(R"(shard-(\d{1,9})-of-(\d{1,9})\.jsonl)");
  std::map<std::size_t, std::map<std::size_t, std::filesystem::path>> by_split;  // N -> K -> file
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    std::smatch m;
    const std::string file = entry.path().filename().string();
    if (!std::regex_match(file, m, pattern)) continue;
    by_split[std::stoul(m[2].str())][std::stoul(m[1].str())] = entry.path();
  }
  if (by_split.empty()) {
    throw MergeError(fmt::format("{}: no shard files (shard-K-of-N.jsonl)", directory.string()));
  }
  if (by_split.size() > 1) {
    std::string splits;
    for (const auto& [n, files] : by_split) {
      splits += fmt::format("{}{} of {} ({})", splits.empty() ? "" : "; ", files.size(), n,
                            files.begin()->second.filename().string());
    }
    throw MergeError(
        fmt::format("{} holds shards of different splits: {}; keep one sweep's "
                    "shards per directory",
                    directory.string(), splits));
  }
  const std::size_t count = by_split.begin()->first;
  const auto& files = by_split.begin()->second;
  for (std::size_t k = 0; k < count; ++k) {
    if (files.find(k) == files.end()) {
      throw MergeError(fmt::format("{}: shard {} of {} is missing ({} not found)",
                                   directory.string(), k, count, Shard{k, count}.file_name()));
    }
  }
  for (const auto& [k, path] : files) {
    if (k >= count) {
      throw MergeError(fmt::format("{}: {} is not a shard of {} (shards are 0..{})",
                                   directory.string(), path.filename().string(), count, count - 1));
    }
  }
  SweepResult merged;
  std::string first_name;
  for (const auto& [k, path] : files) {
    SweepResult shard = read_shard_file(path);
    const std::string name = path.filename().string();
    if (shard.shard.index != k || shard.shard.count != count) {
      throw MergeError(fmt::format("{}: its header says shard {} of {}, its name shard {} of {}",
                                   name, shard.shard.index, shard.shard.count, k, count));
    }
    if (k == 0) {
      merged = shard;
      merged.results.clear();
      first_name = name;
    } else if (shard.fingerprint != merged.fingerprint) {
      const bool data = shard.bars_fingerprint != merged.bars_fingerprint;
      throw MergeError(
          fmt::format("{} belongs to a different sweep: fingerprint {}, {} has {} ({})", name,
                      shard.fingerprint, first_name, merged.fingerprint,
                      data ? fmt::format("different bars: {} vs {}", shard.bars_fingerprint,
                                         merged.bars_fingerprint)
                           : std::string("different settings, combinations or program version")));
    }
    std::size_t expected = 0;
    for (std::size_t c = 1; c <= merged.combinations; ++c) expected += shard.shard.owns(c);
    for (const CombinationResult& c : shard.results) {
      if (!shard.shard.owns(c.combination)) {
        throw MergeError(
            fmt::format("{}: combination {} is not shard {}'s", name, c.combination, k));
      }
    }
    if (shard.results.size() != expected) {
      throw MergeError(fmt::format("{}: holds {} combinations, shard {} of {} has {}", name,
                                   shard.results.size(), k, count, expected));
    }
    for (auto& c : shard.results) merged.results.push_back(std::move(c));
  }
  std::sort(merged.results.begin(), merged.results.end(),
            [](const CombinationResult& a, const CombinationResult& b) {
              return a.combination < b.combination;
            });
  for (std::size_t i = 0; i < merged.results.size(); ++i) {
    if (merged.results[i].combination != i + 1) {
      throw MergeError(
          fmt::format("{}: combination {} appears twice or not at all", directory.string(), i + 1));
    }
  }
  merged.shard = Shard{};
  return merged;
}

}  // namespace trader::sweep
