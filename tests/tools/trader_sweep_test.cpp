// End-to-end: the built trader-sweep (with trader-backtest for reruns) on synthetic bars: the
// best combination rerun alone, shards from a Kubernetes Indexed Job's and a Slurm array's
// variables merged byte for byte into the single-process result, a missing or foreign shard
// refused by name, and bad input refused with what and where.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "support/process.hpp"

using trader::testing::read_file;
using trader::testing::run_process;
using trader::testing::TempDir;

namespace {

trader::testing::ProcessResult sweep(const TempDir& dir, std::vector<std::string> args,
                                     trader::testing::EnvironmentList env = {}) {
  args.insert(args.begin(), TRADER_SWEEP_BIN);
  return run_process(args, env, dir.path());
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::vector<std::string> kSweep{
    "--symbols",  "AAPL,MSFT",           "--start-date", "2025-01-02",
    "--end-date", "2025-02-28",          "--data",       "synthetic",
    "--grid",     "sma_fast=5:20:5",     "--grid",       "stop_buffer_pct=0.1,0.3",
    "--grid",     "max_run_candles=2,3", "--jobs",       "2",
    "--quiet"};

std::vector<std::string> with(std::vector<std::string> extra) {
  std::vector<std::string> args = kSweep;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// The text of the JSON object that follows `"key": ` in `text`, braces balanced.
std::string object_after(const std::string& text, const std::string& key, std::size_t from = 0) {
  const auto at = text.find("\"" + key + "\": {", from);
  if (at == std::string::npos) return "";
  const auto open = text.find('{', at);
  int depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    depth += text[i] == '{' ? 1 : text[i] == '}' ? -1 : 0;
    if (depth == 0) return text.substr(open, i - open + 1);
  }
  return "";
}

// Runs the sweep with its stderr on a pseudo-terminal (stdout to /dev/null); returns what the
// terminal showed and the exit status.
std::pair<std::string, int> on_terminal(const std::vector<std::string>& args) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const std::string slave_name = ::ptsname(master);  // NOLINT(concurrency-mt-unsafe): one thread
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setsid();
    const int slave = ::open(slave_name.c_str(), O_RDWR);
    const int null = ::open("/dev/null", O_WRONLY);
    if (slave < 0 || null < 0) ::_exit(127);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(slave, STDERR_FILENO);
    std::vector<char*> argv;
    std::string bin = TRADER_SWEEP_BIN;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  std::string shown;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n > 0) {
      shown.append(buffer, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      break;  // EIO once the child closed the terminal
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  return {shown, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)};
}

}  // namespace

TEST_SUITE("tools/trader-sweep") {
  TEST_CASE("a progress bar on a terminal for a sweep past a second; none with --quiet or a pipe") {
    // 200 combinations over two years of one symbol: more than a second of work.
    const std::vector<std::string> args{"--symbols",    "AAPL",
                                        "--start-date", "2023-01-01",
                                        "--end-date",   "2024-12-31",
                                        "--data",       "synthetic",
                                        "--grid",       "sma_fast=5:24:1",
                                        "--grid",       "stop_buffer_pct=0.1:1.0:0.1",
                                        "--jobs",       "1",
                                        "--shard",      "0/1",
                                        "--output",     "."};
    TempDir dir;
    auto in_dir = args;
    in_dir.back() = dir.path().string();
    in_dir.insert(in_dir.end(), {"--db", (dir / "t.db").string()});
    const auto [shown, status] = on_terminal(in_dir);
    CHECK(status == 0);
    CHECK(has(shown, "/200 combinations"));
    CHECK(has(shown, "/s  ETA "));
    auto quiet = in_dir;
    quiet.push_back("--quiet");
    const auto [nothing, quiet_status] = on_terminal(quiet);
    CHECK(quiet_status == 0);
    CHECK_FALSE(has(nothing, "combinations"));
    // stderr a pipe (run_process): no progress either.
    const auto piped = sweep(dir, in_dir);
    CHECK(piped.exit_code == 0);
    CHECK(piped.err.empty());
  }

  TEST_CASE("the best combination rerun alone with trader-backtest --param: identical metrics") {
    TempDir dir;
    const auto r = sweep(dir, with({"--json"}));
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.rfind("{\"results\": [\n  {\"rank\": 1, \"combination\": ", 0) == 0);
    const std::string parameters = object_after(r.out, "parameters");
    const std::string metrics = object_after(r.out, "metrics");
    REQUIRE_FALSE(metrics.empty());
    CHECK_FALSE(has(metrics, "\"total_trades\": 0,"));
    // {"sma_fast": "10", "stop_buffer_pct": "0.3", "max_run_candles": "2"} -> --param ...
    std::vector<std::string> args{TRADER_BACKTEST_BIN, "--symbols",  "AAPL,MSFT",  "--start-date",
                                  "2025-01-02",        "--end-date", "2025-02-28", "--data",
                                  "synthetic",         "--json"};
    std::size_t at = 0;
    int given = 0;
    while ((at = parameters.find('"', at)) != std::string::npos) {
      const auto name_end = parameters.find('"', at + 1);
      const auto value_at = parameters.find('"', name_end + 1);
      const auto value_end = parameters.find('"', value_at + 1);
      args.push_back("--param");
      args.push_back(parameters.substr(at + 1, name_end - at - 1) + "=" +
                     parameters.substr(value_at + 1, value_end - value_at - 1));
      at = value_end + 1;
      ++given;
    }
    CHECK(given == 3);
    const auto alone = run_process(args, {}, dir.path());
    REQUIRE(alone.exit_code == 0);
    CHECK(object_after(alone.out, "metrics") == metrics);
  }

  TEST_CASE("4 shards (Kubernetes Indexed Job, then a Slurm array) merge into the same bytes") {
    TempDir dir;
    const auto single = sweep(dir, with({"--json"}));
    REQUIRE(single.exit_code == 0);
    for (const bool slurm : {false, true}) {
      CAPTURE(slurm);
      const std::string out = slurm ? "slurm" : "k8s";
      for (int k = 0; k < 4; ++k) {
        const auto shard = slurm ? sweep(dir, with({"--output", out}),
                                         {{"SLURM_ARRAY_TASK_ID", std::to_string(k)},
                                          {"SLURM_ARRAY_TASK_COUNT", "4"}})
                                 : sweep(dir, with({"--shards", "4", "--output", out}),
                                         {{"JOB_COMPLETION_INDEX", std::to_string(k)}});
        REQUIRE(shard.exit_code == 0);
        CHECK(has(shard.out, "shard " + std::to_string(k) + " of 4: 4 of 16 combinations"));
        CHECK(std::filesystem::exists(dir / (out + "/shard-" + std::to_string(k) + "-of-4.jsonl")));
      }
      const auto merged = sweep(dir, {"merge", out, "--json"});
      REQUIRE(merged.exit_code == 0);
      CHECK(merged.out == single.out);
    }
    // The tables agree too, but for the id each was stored under.
    const auto without_id = [](std::string text) {
      return text.substr(0, text.find("Results saved to database (sweep_id: "));
    };
    const auto merged_table = sweep(dir, {"merge", "k8s"});
    REQUIRE(merged_table.exit_code == 0);
    CHECK(has(merged_table.out, "Results saved to database (sweep_id: "));
    CHECK(without_id(merged_table.out) == without_id(sweep(dir, with({})).out));
  }

  TEST_CASE("a walk-forward prints each window's choice and the in- vs out-of-sample gap") {
    TempDir dir;
    auto args = kSweep;
    args[3] = "2024-07-01";
    args[5] = "2024-12-31";
    args.insert(args.end(), {"--walk-forward", "3m:1m", "--json"});
    const auto r = sweep(dir, args);
    REQUIRE(r.exit_code == 0);
    CHECK(has(r.out, R"({"walk_forward": {"in_sample": "3m", "out_of_sample": "1m", )"
                     R"("objective": "sharpe", "windows": 3, )"));
    CHECK(has(r.out, R"("out_of_sample": ["2024-12-01", "2024-12-31"], "combination": )"));
    CHECK(has(r.out, "\"gap\": "));
    args.pop_back();
    const auto text = sweep(dir, args);
    REQUIRE(text.exit_code == 0);
    CHECK(has(text.out, "Windows: 3 (in-sample 3m, out-of-sample 1m), 16 combinations each"));
    CHECK(has(text.out, "Gap (in - out): "));
  }

  TEST_CASE("--report writes one self-contained page: sortable table, heat map, walk-forward") {
    TempDir dir;
    const auto r =
        sweep(dir, with({"--report", "sweep.html", "--heatmap", "max_run_candles,sma_fast"}));
    REQUIRE(r.exit_code == 0);
    const std::string page = read_file(dir / "sweep.html");
    CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(has(page, "default-src 'none'"));  // nothing loads from anywhere
    CHECK(has(page, "<h2>Heat map: sharpe over max_run_candles and sma_fast</h2>"));
    CHECK(has(page, "<table class=\"sortable\">"));
    std::size_t rows = 0;
    for (std::size_t at = 0; (at = page.find("<tr><td data-v=", at)) != std::string::npos; ++at) {
      ++rows;
    }
    CHECK(rows == 16);
    CHECK(has(page, "SYNTHETIC DATA"));
    auto args = kSweep;
    args[3] = "2024-07-01";
    args[5] = "2024-12-31";
    args.insert(args.end(), {"--walk-forward", "3m:1m", "--report", "wf.html"});
    REQUIRE(sweep(dir, args).exit_code == 0);
    const std::string wf = read_file(dir / "wf.html");
    CHECK(has(wf, "<h2>In-sample vs out-of-sample</h2>"));
    CHECK(has(wf, "<h2>Stitched out-of-sample equity</h2>"));
    CHECK(has(wf, "<polyline"));
    // A report that cannot be written fails before the sweep runs.
    const auto bad = sweep(dir, with({"--report", "no/such/dir/r.html"}));
    CHECK(bad.exit_code == 1);
    CHECK(has(bad.err, "no/such/dir/r.html"));
    CHECK(bad.out.empty());
  }

  TEST_CASE("a stored sweep is listed, shown, and any combination repeated alone") {
    TempDir dir;
    const auto r = sweep(dir, with({"--json"}));
    REQUIRE(r.exit_code == 0);
    const auto list = sweep(dir, {"--list"});
    CHECK(has(list.out, "    1  "));
    CHECK(has(list.out, "16 combinations  by sharpe"));
    CHECK_FALSE(has(list.out, "older sweeps"));
    CHECK(sweep(dir, {"--show", "1", "--json"}).out == r.out);
    const auto combination = r.out.substr(r.out.find("\"combination\": ") + 15);
    const std::string best = combination.substr(0, combination.find(','));
    const auto alone = sweep(dir, {"--show", "1", "--combination", best});
    CHECK(alone.exit_code == 0);
    CHECK(has(alone.out, "Backtest Results: velez"));
    CHECK(has(alone.out,
              "Rerun of sweep 1 combination " + best + ": metrics identical, bars identical"));
    const auto missing = sweep(dir, {"--show", "1", "--combination", "17"});
    CHECK(missing.exit_code == 1);
    CHECK(has(missing.err, "sweep 1 has no combination 17 (it has 1..16)"));
    CHECK(sweep(dir, {"--show", "2"}).exit_code == 1);
    CHECK(sweep(dir, {"--combination", "2"}).exit_code == 2);
    // A second sweep: --limit 1 lists the newest and says there are more.
    REQUIRE(sweep(dir, with({"--random", "3"})).exit_code == 0);
    const auto newest = sweep(dir, {"--list", "--limit", "1"});
    CHECK(newest.exit_code == 0);
    CHECK(has(newest.out, "    2  "));
    CHECK_FALSE(has(newest.out, "    1  "));
    CHECK(has(newest.out, "... older sweeps too (--limit N lists more)"));
  }

  TEST_CASE("SIGINT or SIGTERM during a shard: 130 or 143, no shard file, no temporary left") {
    for (const auto& [signal, expected] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
      const int signal_number = signal;  // clang 14 cannot capture a structured binding
      CAPTURE(signal_number);
      TempDir dir;
      const auto out = dir / "out";
      // 460 combinations over two years of two symbols: seconds of work on any machine.
      trader::testing::ChildProcess child(
          {TRADER_SWEEP_BIN, "--symbols", "AAPL,MSFT", "--start-date", "2023-01-01", "--end-date",
           "2024-12-31", "--data", "synthetic", "--grid", "sma_fast=5:50:1", "--grid",
           "stop_buffer_pct=0.1:1.0:0.1", "--jobs", "1", "--shard", "0/2", "--output",
           out.string()},
          {}, true);
      // The shard's file is opened (as a temporary) right before the sweep starts.
      const auto started = [&] {
        return std::filesystem::exists(out) && !std::filesystem::is_empty(out);
      };
      for (int i = 0; i < 600'000 && !started(); ++i) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      child.kill(signal);
      const std::string output = child.read_rest();
      CHECK(child.wait() == expected);
      CHECK(has(output, "trader-sweep: interrupted: nothing was written"));
      CHECK(std::filesystem::is_empty(out));
    }
  }

  TEST_CASE("shards read the bar store without writing it (a cluster's read-only volume)") {
    TempDir dir;
    const auto synth = run_process({TRADER_DATA_BIN, "synth", "--symbols", "AAPL,MSFT", "--start",
                                    "2025-01-02", "--end", "2025-02-28"},
                                   {}, dir.path());
    REQUIRE(synth.exit_code == 0);
    const auto db = dir / "data/trading.db";
    const std::string before = read_file(db);
    const auto mtime = std::filesystem::last_write_time(db);
    auto args = kSweep;
    args[7] = "store";
    for (int k = 0; k < 2; ++k) {
      auto shard = args;
      shard.insert(shard.end(), {"--shard", std::to_string(k) + "/2", "--output", "out"});
      const auto r = sweep(dir, shard);
      REQUIRE(r.exit_code == 0);
      CHECK(has(r.err, "SYNTHETIC bars"));  // the store's provenance is still reported
    }
    CHECK(read_file(db) == before);
    CHECK(std::filesystem::last_write_time(db) == mtime);
    const auto merged =
        sweep(dir, {"merge", "out", "--json", "--db", (dir / "results.db").string()});
    REQUIRE(merged.exit_code == 0);
    args.push_back("--json");
    CHECK(merged.out == sweep(dir, args).out);
  }

  TEST_CASE("merge refuses a missing or foreign shard, naming it") {
    TempDir dir;
    for (int k = 0; k < 3; ++k) {
      REQUIRE(sweep(dir, with({"--shard", std::to_string(k) + "/3", "--output", "a"})).exit_code ==
              0);
    }
    std::filesystem::rename(dir / "a/shard-1-of-3.jsonl", dir / "kept.jsonl");
    const auto missing = sweep(dir, {"merge", "a"});
    CHECK(missing.exit_code == 1);
    CHECK(has(missing.err, "shard 1 of 3 is missing (shard-1-of-3.jsonl not found)"));
    // Shard 1 of a sweep with another grid.
    auto other = kSweep;
    other[9] = "sma_fast=5:25:5";
    other.insert(other.end(), {"--shard", "1/3", "--output", "a"});
    REQUIRE(sweep(dir, other).exit_code == 0);
    const auto foreign = sweep(dir, {"merge", "a"});
    CHECK(foreign.exit_code == 1);
    CHECK(has(foreign.err, "shard-1-of-3.jsonl belongs to a different sweep"));
    CHECK(foreign.out.empty());
  }

  TEST_CASE("bad input is refused with what and where, before any work") {
    TempDir dir;
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"--grid", "sma_fastt=5:10:5"},
         "--grid sma_fastt=5:10:5: unknown parameter sma_fastt of velez; did you mean sma_fast?"},
        {{"--grid", "sma_slow=50:100:50"},
         "--grid sma_slow=50:100:50: 50 is outside sma_slow's declared range 100..500"},
        {{"--grid", "stop_buffer_min=0.01:0.05"}, "is for --random"},
        {{"--grid", "buy_stop_expiry_candles=1:3:0"}, "the step 0 must be above 0"},
        {{"--grid", "buy_stop_expiry_candles=1;3"}, "must be an integer in 1..5"},
        {{"--shard", "4/4", "--output", "x"}, "--shard 4/4: K must be from 0 to 3"},
        {{"--shard", "one/4", "--output", "x"}, "--shard one/4: expected K/N"},
        {{"--shard", "1/4"}, "shard 1 of 4 needs --output DIR"},
        {{"--objective", "luck"}, "--objective: "},
        {{"--report", "r.html", "--heatmap", "sma_slow,sma_fast"},
         "--heatmap sma_slow: not one of the --grid parameters"},
        {{"--heatmap", "sma_slow,sma_fast"}, "--heatmap needs --report FILE"},
        {{"--report", "r.html", "--heatmap", "sma_fast,SMA_FAST"},
         "--heatmap sma_fast,SMA_FAST: needs two different parameters"},
        {{"--shard", "0/2", "--output", "x", "--report", "r.html"},
         "--report needs the whole sweep"},
        {{"--walk-forward", "6x:1m"}, "--walk-forward: "},
        {{"--walk-forward", "6m:1m", "--shard", "0/2"}, "--shard does not apply to --walk-forward"},
        {{"--param", "sma_slow=50"}, "--param sma_slow=50: must be an integer in 100..500"},
        {{"--random", "10000001"}, "--random must be at most 10000000"},
        {{"--limit", "3"}, "--limit needs --list"},
    };
    for (const auto& one : cases) {
      const std::vector<std::string>& extra = one.first;
      const std::string& message = one.second;  // a plain reference: CAPTURE's lambda takes it
      CAPTURE(message);
      const auto r = sweep(dir, with(extra));
      CHECK(r.exit_code == 2);
      CHECK(has(r.err, message));
      CHECK(r.out.empty());
    }
    const auto k8s = sweep(dir, with({"--output", "x"}), {{"JOB_COMPLETION_INDEX", "2"}});
    CHECK(k8s.exit_code == 2);
    CHECK(
        has(k8s.err, "JOB_COMPLETION_INDEX=2 is set (a Kubernetes Indexed Job): give --shards N"));
    const auto slurm = sweep(dir, with({"--output", "x"}),
                             {{"SLURM_ARRAY_TASK_ID", "7"}, {"SLURM_ARRAY_TASK_COUNT", "4"}});
    CHECK(slurm.exit_code == 2);
    CHECK(has(slurm.err, "SLURM_ARRAY_TASK_ID=7 is outside 0..3"));
    CHECK_FALSE(std::filesystem::exists(dir / "x/shard-2-of-4.jsonl"));
    // Ids past a signed 64-bit number are refused, not wrapped into a negative id.
    const auto huge = sweep(dir, {"--show", "18446744073709551615"});
    CHECK(huge.exit_code == 2);
    CHECK(has(huge.err, "--show must be at most 9223372036854775807"));
    const auto list_json = sweep(dir, {"--list", "--json"});
    CHECK(list_json.exit_code == 2);
    CHECK(has(list_json.err, "--json does not apply to --list"));
    const auto no_rows = sweep(dir, {"--list", "--limit", "0"});
    CHECK(no_rows.exit_code == 2);
    CHECK(has(no_rows.err, "a whole number >= 1 for --limit"));
    const auto no_dir = sweep(dir, {"merge", "nowhere"});
    CHECK(no_dir.exit_code == 1);
    CHECK(has(no_dir.err, "nowhere: not a directory of shard files"));
  }
}
