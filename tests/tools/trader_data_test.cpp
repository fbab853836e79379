// End-to-end: the built trader-data binary on temporary databases (and the Alpaca double).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "support/process.hpp"

#if defined(TRADER_TEST_WITH_ALPACA)
#include "support/alpaca_double.hpp"
#endif

using trader::testing::read_file;
using trader::testing::run_process;
using trader::testing::TempDir;
using trader::testing::write_file;

namespace {

const std::string kGolden = std::string(SOURCE_ROOT) + "/tests/fixtures/golden_scenario.csv";

trader::testing::ProcessResult data(const TempDir& dir, std::vector<std::string> args,
                                    trader::testing::EnvironmentList env = {}) {
  args.insert(args.begin(), TRADER_DATA_BIN);
  return run_process(args, env, dir.path());
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_SUITE("tools/trader-data") {
  TEST_CASE("synth stores labelled, reproducible bars; list shows them") {
    TempDir a, b;
    for (const TempDir* dir : {&a, &b}) {
      const auto r = data(*dir, {"synth", "--symbols", "AAPL,MSFT", "--start", "2025-06-01",
                                 "--end", "2025-06-30", "--seed", "42"});
      CHECK(r.exit_code == 0);
      CHECK(has(r.out, "SYNTHETIC DATA (seed 42)"));
      CHECK(has(r.out, "stored 15,600 bars in 40 sessions"));
    }
    const auto list = data(a, {"list"});
    CHECK(has(list.out, "AAPL"));
    CHECK(has(list.out, "synthetic"));
    const std::vector<std::string> exp{"export",     "--symbols", "AAPL,MSFT", "--start",
                                       "2025-06-01", "--end",     "2025-06-30"};
    const auto first = data(a, exp);
    CHECK(first.out == data(b, exp).out);  // same seed, same bars
    CHECK(first.out.rfind("symbol,timestamp,open,high,low,close,volume", 0) == 0);
    const auto other = data(b, {"synth", "--symbols", "AAPL", "--start", "2025-06-01", "--end",
                                "2025-06-30", "--seed", "43"});
    CHECK(has(other.out, "20 replaced whole"));  // synthetic over synthetic: whole sessions
    CHECK(data(b, exp).out != first.out);
  }

  TEST_CASE("import, list and export round-trip exactly") {
    TempDir dir;
    const auto imported = data(dir, {"import", kGolden, "--symbol", "aapl"});
    CHECK(imported.exit_code == 0);
    CHECK(has(imported.out, "436 rows read"));
    CHECK(has(imported.out, "stored 436 bars in 3 sessions"));
    const auto list = data(dir, {"list", "--json"});
    CHECK(has(list.out, R"("symbol": "AAPL")"));
    CHECK(has(list.out, R"("bars": 436)"));
    CHECK(has(list.out, R"("sessions": 3)"));
    CHECK(has(list.out, R"("missing_minutes": 734)"));  // day 2 ends at 15:11, day 3 holds 4 bars
    CHECK(has(list.out, "csv:golden_scenario.csv"));
    CHECK(data(dir, {"export", "--symbols", "AAPL", "--start", "2026-02-10", "--end", "2026-02-12",
                     "--output", "out.csv"})
              .exit_code == 0);
    TempDir again;
    CHECK(data(again, {"import", (dir / "out.csv").string(), "--symbol", "AAPL"}).exit_code == 0);
    CHECK(data(again, {"export", "--symbols", "AAPL", "--start", "2026-02-10", "--end",
                       "2026-02-12", "--output", "again.csv"})
              .exit_code == 0);
    CHECK(read_file(dir / "out.csv") == read_file(again / "again.csv"));
    CHECK(read_file(dir / "out.csv").find("2026-02-11T14:42:00Z,100,100.3,99.95,100.25,1000") !=
          std::string::npos);
  }

  TEST_CASE("a bad file fails as a whole with file and line; --skip-bad-rows counts them") {
    TempDir dir;
    write_file(dir / "bad.csv",
               "timestamp,open,high,low,close,volume\n"
               "2026-02-10T14:30:00Z,100,101,99,100.5,10\n"
               "2026-02-10T14:31:00Z,100,99,101,100,10\n"
               "2026-02-10T14:32:00Z,100,101,99,100.5,10\n");
    const auto failed = data(dir, {"import", "bad.csv", "--symbol", "AAPL"});
    CHECK(failed.exit_code == 1);
    CHECK(has(failed.err, "bad.csv:3"));
    CHECK(has(data(dir, {"list"}).out, "holds no bars"));
    const auto skipped = data(dir, {"import", "bad.csv", "--symbol", "AAPL", "--skip-bad-rows"});
    CHECK(skipped.exit_code == 0);
    CHECK(has(skipped.out, "1 bad rows skipped"));
    CHECK(has(skipped.out, "stored 2 bars"));
    CHECK(data(dir, {"import", "missing.csv", "--symbol", "AAPL"}).exit_code == 1);
  }

  // Issue 11 items 14, 15, 20 and 21 (h2): sub-minute bars, years out of range, file names that
  // are not UTF-8, escaped messages and the --skip-bad-rows summary.
  TEST_CASE("issue 11 items 14, 15, 20, 21: sub-minute bars, --resample 1min, bad years, names") {
    const auto valid_utf8 = [](const std::string& text) {
      for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t n = c < 0x80                 ? 1
                        : c >= 0xC2 && c <= 0xDF ? 2
                        : c >= 0xE0 && c <= 0xEF ? 3
                        : c >= 0xF0 && c <= 0xF4 ? 4
                                                 : 0;
        if (n == 0 || i + n > text.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
          if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
        }
        i += n;
      }
      return true;
    };
    TempDir dir;
    // 30-second bars over the session of 2026-02-10 (14:30-21:00 UTC): 780 rows.
    std::string text = "timestamp,open,high,low,close,volume\n";
    const std::int64_t open = 1'770'733'800;  // 2026-02-10T14:30:00Z
    for (int i = 0; i < 780; ++i) {
      text += std::to_string(open + 30 * i) + "," +
              (i % 2 ? "101,102,100,101.5,20" : "100,101,99,100.5,10") + "\n";
    }
    write_file(dir / "halves.csv", text);

    const auto refused = data(dir, {"import", "halves.csv", "--symbol", "AAPL"});
    CHECK(refused.exit_code == 1);
    CHECK(has(refused.err,
              "halves.csv:3: timestamp 1770733830 (2026-02-10T14:30:30Z) is not on a "
              "whole minute"));
    CHECK(has(refused.err, "--resample 1min"));
    CHECK(has(data(dir, {"list"}).out, "holds no bars"));

    const auto skipped = data(dir, {"import", "halves.csv", "--symbol", "AAPL", "--skip-bad-rows"});
    CHECK(skipped.exit_code == 0);
    CHECK(has(skipped.out, "halves.csv: 780 rows read, 390 good, 390 bad rows skipped"));
    CHECK(has(skipped.out, "stored 390 bars"));
    CHECK_FALSE(has(skipped.out, "skipped halves.csv"));  // examples go to stderr
    CHECK(has(skipped.err, "  skipped halves.csv:3: timestamp"));
    CHECK(has(skipped.err, "... and 370 more bad rows"));

    TempDir resampled;
    const auto minutes = data(resampled, {"import", (dir / "halves.csv").string(), "--symbol",
                                          "AAPL", "--resample", "1min"});
    CHECK(minutes.exit_code == 0);
    CHECK(has(minutes.out, "780 rows read"));
    CHECK(has(minutes.out, "stored 390 bars in 1 session"));
    CHECK(has(data(resampled, {"list", "--json"}).out, R"("missing_minutes": 0)"));
    const auto exported = data(
        resampled, {"export", "--symbols", "AAPL", "--start", "2026-02-10", "--end", "2026-02-10"});
    CHECK(has(exported.out, "2026-02-10T14:30:00Z,100,102,99,101.5,30\n"));
    CHECK(has(exported.out, "2026-02-10T20:59:00Z,100,102,99,101.5,30\n"));
    CHECK(
        data(resampled, {"import", "x.csv", "--symbol", "AAPL", "--resample", "5min"}).exit_code ==
        2);

    // Years outside the calendar: bad rows with file:line, skippable like any other.
    write_file(dir / "years.csv",
               "timestamp,open,high,low,close,volume\n"
               "2026-02-10T14:30:00Z,100,101,99,100.5,10\n"
               "1985-03-11T14:30:00Z,100,101,99,100.5,10\n"
               "2150-03-11T14:30:00Z,100,101,99,100.5,10\n"
               "0,100,101,99,100.5,10\n"
               "2026-02-10T14:31:00Z,100,101,99,100.5,10\n");
    const auto years = data(dir, {"import", "years.csv", "--symbol", "MSFT"});
    CHECK(years.exit_code == 1);
    CHECK(has(years.err, "years.csv:3: timestamp 1985-03-11T14:30:00Z"));
    CHECK(has(years.err, "years.csv:4: timestamp 2150-03-11T14:30:00Z"));
    CHECK(has(years.err,
              "years.csv:5: timestamp 0 (1970-01-01T00:00:00Z) is outside the "
              "calendar's years 1990..2099"));
    const auto years_skipped =
        data(dir, {"import", "years.csv", "--symbol", "MSFT", "--skip-bad-rows"});
    CHECK(years_skipped.exit_code == 0);
    CHECK(has(years_skipped.out, "5 rows read, 2 good, 3 bad rows skipped"));
    CHECK(has(years_skipped.out, "stored 2 bars"));

    // A file name with bytes that are not UTF-8 and an escape character; a field with escape
    // sequences: every output stays valid UTF-8 and no escape character reaches the terminal.
    const std::string odd_name = "bars-\xff\xc3(\x1b[2J.csv";
    write_file(dir / odd_name,
               "timestamp,open,high,low,close,volume\n"
               "2026-02-10T14:30:00Z,100,101,99,100.5,10\n"
               "2026-02-10T14:31:00Z,\x1b]0;pwned\x07,101,99,100.5,10\n");
    const auto odd = data(dir, {"import", odd_name, "--symbol", "TSLA", "--skip-bad-rows"});
    CHECK(odd.exit_code == 0);
    CHECK(has(odd.err, "got '\\x1b]0;pwned\\x07'"));
    CHECK_FALSE(has(odd.out + odd.err, "\x1b"));
    CHECK(valid_utf8(odd.out));
    CHECK(valid_utf8(odd.err));
    const auto listed = data(dir, {"list", "--json"});
    CHECK(listed.exit_code == 0);
    CHECK(valid_utf8(listed.out));
    CHECK(has(listed.out, "bars-\xEF\xBF\xBD\xEF\xBF\xBD(\\u001b[2J.csv"));
  }

  TEST_CASE("sessions, rm and argument errors") {
    TempDir dir;
    const auto sessions =
        data(dir, {"sessions", "--start", "2025-11-26", "--end", "2025-11-28", "--json"});
    CHECK(has(
        sessions.out,
        R"("date": "2025-11-28", "open_utc": "2025-11-28T14:30:00Z", "close_utc": "2025-11-28T18:00:00Z")"));
    CHECK(has(sessions.out, R"("early_close": true)"));
    CHECK_FALSE(has(sessions.out, "2025-11-27"));  // Thanksgiving
    CHECK(has(data(dir, {"sessions", "--start", "2025-11-28", "--end", "2025-11-28"}).out,
              "early-close"));
    data(dir, {"synth", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-03"});
    CHECK(has(data(dir, {"rm", "AAPL", "--start", "2025-06-02", "--end", "2025-06-02"}).out,
              "removed 1 session of AAPL"));
    CHECK(data(dir, {"rm", "NOPE"}).exit_code == 1);
    CHECK(data(dir, {"export", "--start", "2025-06-02", "--end", "2025-06-03"}).exit_code == 2);
    CHECK(data(dir, {"synth", "--symbols", "AAPL", "--start", "2025-06-03", "--end", "2025-06-01"})
              .exit_code == 2);
    CHECK(data(dir, {"synth", "--symbols", "AA1", "--start", "2025-06-01", "--end", "2025-06-03"})
              .exit_code == 2);
    CHECK(data(dir, {"frobnicate"}).exit_code == 2);
  }

#if defined(TRADER_TEST_WITH_ALPACA)
  TEST_CASE("fetch takes only what the store lacks from Alpaca (the local double)") {
    trader::testing::AlpacaDouble alpaca;
    std::vector<trader::testing::DoubleBar> bars;
    for (const char* t : {"2025-06-02T13:30:00Z", "2025-06-02T13:31:00Z", "2025-06-03T13:30:00Z",
                          "2025-06-04T13:30:00Z"}) {
      bars.push_back({t, "150.25", "151.5", "149.75", "150.8", "12345", "10", "150.5"});
    }
    alpaca.add_bars("AAPL", bars);
    TempDir dir;
    const trader::testing::EnvironmentList env{
        {"ALGO_BROKER__DATA_URL", alpaca.base_url()},
        {"ALGO_BROKER__API_KEY", alpaca.options().api_key},
        {"ALGO_BROKER__SECRET_KEY", alpaca.options().secret_key}};
    // issue 11 item 2: a session of synthetic bars lacks real data: fetch replaces it.
    data(dir, {"synth", "--symbols", "AAPL", "--start", "2025-06-04", "--end", "2025-06-04"}, env);
    const auto first = data(
        dir, {"fetch", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-04"}, env);
    CHECK(first.exit_code == 0);
    CHECK(has(first.out, "missing: AAPL 2025-06-02..2025-06-04 (3 sessions)"));
    CHECK(has(first.out, "fetched 4 bars"));
    CHECK(has(first.out, "1 replaced whole (390 stored bars removed)"));
    const auto requests = alpaca.requests();
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].param("feed") == "iex");
    CHECK(requests[0].param("start") == "2025-06-02T13:30:00Z");
    const auto list = data(dir, {"list"}, env);
    CHECK(has(list.out, "alpaca-iex"));
    CHECK_FALSE(has(list.out, "synthetic"));
    const auto second = data(
        dir, {"fetch", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-04"}, env);
    CHECK(has(second.out, "nothing fetched"));
    CHECK(alpaca.requests().size() == 1);
    const auto exported = data(
        dir, {"export", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-02"}, env);
    CHECK(has(exported.out, "2025-06-02T13:30:00Z,150.25,151.5,149.75,150.8,12345,150.5,10"));
  }

  TEST_CASE("fetch without keys says which variable to set, and never prints a key") {
    TempDir dir;
    const auto r =
        data(dir, {"fetch", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-02"},
             {{"ALGO_BROKER__SECRET_KEY", "s3cr3t-value"}});
    CHECK(r.exit_code == 1);
    CHECK(has(r.err, "ALGO_BROKER__API_KEY"));
    CHECK_FALSE(has(r.err + r.out, "s3cr3t-value"));
  }
#endif
}

// ---- issue 11: outputs, signals, argument validation ------------------------------------------

namespace {

namespace fs = std::filesystem;

// The tool under `sh -c`: `redirect` is appended to the command (e.g. "> /dev/full") and
// `setup` runs before it (e.g. "ulimit -f 200; trap '' XFSZ;").
trader::testing::ProcessResult data_sh(const TempDir& dir, const std::string& setup,
                                       const std::vector<std::string>& args,
                                       const std::string& redirect = "") {
  std::vector<std::string> argv{"/bin/sh", "-c", setup + " exec \"$0\" \"$@\" " + redirect,
                                TRADER_DATA_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {}, dir.path());
}

std::vector<std::string> leftovers(const fs::path& directory) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(directory)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".tmp-") != std::string::npos) out.push_back(name);
  }
  return out;
}

const std::vector<std::string> kExportJune{"export",     "--symbols", "AAPL,MSFT", "--start",
                                           "2025-06-01", "--end",     "2025-06-30"};

std::vector<std::string> export_june_with(std::vector<std::string> extra) {
  std::vector<std::string> args = kExportJune;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

void synth_june(const TempDir& dir) {
  REQUIRE(
      data(dir, {"synth", "--symbols", "AAPL,MSFT", "--start", "2025-06-01", "--end", "2025-06-30"})
          .exit_code == 0);
}

}  // namespace

TEST_SUITE("tools/trader-data") {
  TEST_CASE("issue 11 item 6: standard output and export files on a full device exit 1, named") {
    TempDir dir;
    synth_june(dir);
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"list"},
          {"list", "--json"},
          {"sessions", "--start", "2025-01-01", "--end", "2025-12-31"},
          {"sessions", "--start", "2025-06-02", "--end", "2025-06-02", "--json"},
          kExportJune,
          {"--help"}}) {
      std::string command_line;
      for (const auto& arg : args) command_line += arg + " ";
      CAPTURE(command_line);
      const auto r = data_sh(dir, "", args, "> /dev/full");
      CHECK(r.exit_code == 1);
      CHECK(has(r.err, "cannot write standard output: No space left on device"));
    }
    const auto file = data(dir, export_june_with({"--output", "/dev/full"}));
    CHECK(file.exit_code == 1);
    CHECK(has(file.err, "cannot write /dev/full: No space left on device"));
  }

  TEST_CASE("issue 11 item 6: an export that fails half-way leaves no file, an old one intact") {
    TempDir dir;
    synth_june(dir);
    write_file(dir / "old.csv", "old\n");
    // A file size limit of 100 KiB makes writes past it fail (EFBIG), like a full disk; the
    // export is about 800 KiB. The database is only read.
    const std::string limit = "ulimit -f 200; trap '' XFSZ;";
    for (const char* name : {"old.csv", "new.csv"}) {
      CAPTURE(name);
      const auto r = data_sh(dir, limit, export_june_with({"--output", name}));
      CHECK(r.exit_code == 1);
      CHECK(has(r.err, std::string("cannot write ") + name + ": File too large"));
    }
    CHECK(read_file(dir / "old.csv") == "old\n");
    CHECK_FALSE(fs::exists(dir / "new.csv"));
    CHECK(leftovers(dir.path()).empty());
    // Complete, it replaces the old file whole.
    CHECK(data(dir, export_june_with({"--output", "old.csv"})).exit_code == 0);
    CHECK(read_file(dir / "old.csv") == data(dir, kExportJune).out);
  }

  TEST_CASE("issue 11 item 6: an export into a read-only directory fails, the old file kept") {
    TempDir dir;
    synth_june(dir);
    fs::create_directories(dir / "ro");
    write_file(dir / "ro/old.csv", "old\n");
    fs::permissions(dir / "ro/old.csv", fs::perms::all);
    fs::permissions(dir / "data", fs::perms::all);
    for (const auto& entry : fs::directory_iterator(dir / "data")) {
      fs::permissions(entry.path(), fs::perms::all);
    }
    fs::permissions(dir / "ro", fs::perms::owner_read | fs::perms::owner_exec |
                                    fs::perms::group_read | fs::perms::group_exec |
                                    fs::perms::others_read | fs::perms::others_exec);
    const std::string result = trader::testing::run_unprivileged([&] {
      std::string text;
      for (const char* name : {"ro/old.csv", "ro/new.csv"}) {
        const auto r = data(dir, export_june_with({"--output", name}));
        text += "exit " + std::to_string(r.exit_code) + ": " + r.err;
      }
      return text;
    });
    CHECK(has(result, "exit 1: trader-data: cannot write ro/old.csv: cannot create a file in " +
                          (dir / "ro").string() + " (Permission denied)"));
    CHECK(has(result, "exit 1: trader-data: cannot write ro/new.csv"));
    CHECK(read_file(dir / "ro/old.csv") == "old\n");
    CHECK_FALSE(fs::exists(dir / "ro/new.csv"));
    CHECK(leftovers(dir / "ro").empty());
  }

  TEST_CASE("issue 11 item 8: SIGINT or SIGTERM during an export: 130 or 143, says so") {
    TempDir dir;
    // About 40 MB of CSV.
    REQUIRE(data(dir, {"synth", "--symbols", "A,B,C,D,E,F,G,H", "--start", "2024-01-01", "--end",
                       "2024-12-31"})
                .exit_code == 0);
    const std::vector<std::string> args{
        TRADER_DATA_BIN, "--db",       (dir / "data/trading.db").string(),
        "export",        "--symbols",  "A,B,C,D,E,F,G,H",
        "--start",       "2024-01-01", "--end",
        "2024-12-31"};
    for (const auto& [signal, expected] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
      const int signal_number = signal;  // clang 14 cannot capture a structured binding
      CAPTURE(signal_number);
      // To standard output: the test reads the header, then the export waits on the full pipe.
      trader::testing::ChildProcess to_stdout(args, {}, true);
      REQUIRE(to_stdout.read_line() == "symbol,timestamp,open,high,low,close,volume");
      to_stdout.kill(signal);
      const std::string rest = to_stdout.read_rest();
      CHECK(to_stdout.wait() == expected);
      CHECK(has(rest, "trader-data: interrupted: output incomplete"));
      // To a file: signalled once its temporary exists; no file, no temporary is left.
      auto to_file_args = args;
      to_file_args.insert(to_file_args.end(), {"--output", (dir / "out.csv").string()});
      trader::testing::ChildProcess to_file(to_file_args, {}, true);
      for (int i = 0; i < 600'000 && leftovers(dir.path()).empty(); ++i) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      to_file.kill(signal);
      const std::string said = to_file.read_rest();
      CHECK(to_file.wait() == expected);
      CHECK(has(said, "trader-data: interrupted: nothing was written to"));
      CHECK_FALSE(fs::exists(dir / "out.csv"));
      CHECK(leftovers(dir.path()).empty());
    }
  }

  TEST_CASE("issue 11 item 8: SIGINT or SIGTERM during an import: 130 or 143, nothing stored") {
    // Rows of one regular session (390 minutes from 13:30 UTC) as CSV.
    const auto session = [](const std::string& date) {
      const auto two = [](int n) { return (n < 10 ? "0" : "") + std::to_string(n); };
      std::string rows;
      for (int minute = 13 * 60 + 30; minute < 20 * 60; ++minute) {
        rows +=
            date + "T" + two(minute / 60) + ":" + two(minute % 60) + ":00Z,100,101,99,100.5,10\n";
      }
      return rows;
    };
    // A write to a pipe whose reader is gone must fail here, not end the test.
    const auto previous_sigpipe = std::signal(SIGPIPE, SIG_IGN);
    for (const auto& [signal, expected] : {std::pair{SIGINT, 130}, std::pair{SIGTERM, 143}}) {
      const int signal_number = signal;  // clang 14 cannot capture a structured binding
      CAPTURE(signal_number);
      TempDir dir;
      REQUIRE(data(dir, {"import", kGolden, "--symbol", "AAPL"}).exit_code == 0);
      const std::string before = data(dir, {"list"}).out;
      const fs::path fifo = dir / "bars.csv";
      REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
      trader::testing::ChildProcess child(
          {TRADER_DATA_BIN, "--db", (dir / "data/trading.db").string(), "import", fifo.string(),
           "--symbol", "AAPL"},
          {}, true);
      // The import has opened its input once a writer can open the FIFO (ENXIO before).
      int fd = -1;
      for (int i = 0; i < 600'000 && fd < 0; ++i) {
        fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd < 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
      REQUIRE(fd >= 0);
      REQUIRE(::fcntl(fd, F_SETFL, 0) == 0);
      const auto send = [&](const std::string& text) {
        return ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
      };
      CHECK(send("timestamp,open,high,low,close,volume\n" + session("2025-06-02")));
      // The signal arrives while the import reads: the rows after it cannot have been read.
      child.kill(signal);
      static_cast<void>(send(session("2025-06-03")));
      ::close(fd);
      const std::string said = child.read_rest();
      CHECK(child.wait() == expected);
      CHECK(has(said, "trader-data: interrupted: nothing was stored"));
      CHECK(data(dir, {"list"}).out == before);
    }
    std::signal(SIGPIPE, previous_sigpipe);
  }

  TEST_CASE("issue 11 item 21: bad arguments exit 2 with the usage hint") {
    TempDir dir;
    synth_june(dir);
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
        {{"synth", "--symbols", "AAPL", "--start", "2025-06-01", "--end", "2025-06-30", "--seed",
          "-1"},
         "expected a whole number >= 0 for --seed, got '-1'"},
        {{"import", "x.csv", "--symbol", "AAPL", "--tz", "Mars"}, "--tz: "},
        {{"sessions", "--start", "1900-01-01", "--end", "1900-01-02"},
         "(the calendar's range) for --start, got '1900-01-01'"},
        {{"export", "--symbols", "AAPL", "--start", "2025-06-01", "--end", "2200-01-01"},
         "for --end, got '2200-01-01'"},
        {{"list", "--symbols", "AAPL"}, "--symbols does not apply to list"},
        {{"sessions", "--start", "2025-06-01", "--end", "2025-06-30", "--output", "x"},
         "--output does not apply to sessions"},
        {{"rm", "AAPL", "--seed", "3"}, "--seed does not apply to rm"},
        {{"list", "extra"}, "unexpected argument 'extra'"},
        {{"rm", "AAPL", "MSFT"}, ""},
        {{"rm", "AA$L"}, "rm SYMBOL: "},
    };
    for (const auto& [args, message] : cases) {
      std::string command_line;
      for (const auto& arg : args) command_line += arg + " ";
      CAPTURE(command_line);
      const auto r = data(dir, args);
      CHECK(r.exit_code == 2);
      CHECK(has(r.err, message));
      CHECK(has(r.err, "(see trader-data --help)"));
    }
    CHECK(has(data(dir, {"list"}).out, "AAPL"));  // rm was refused
    // A file without a symbol column needs --symbol: a usage error too.
    write_file(dir / "nosymbol.csv",
               "timestamp,open,high,low,close,volume\n2025-06-02T13:30:00Z,1,1,1,1,1\n");
    const auto no_symbol = data(dir, {"import", "nosymbol.csv"});
    CHECK(no_symbol.exit_code == 2);
    CHECK(has(no_symbol.err,
              "no symbol column, and no symbol was given for the file: name it "
              "with --symbol\n(see trader-data --help)"));
    // A source named after a file with control characters is listed escaped.
    write_file(dir / "red\x1b[31m.csv",
               "timestamp,open,high,low,close,volume\n2025-07-01T13:30:00Z,1,1,1,1,1\n");
    REQUIRE(data(dir, {"import", "red\x1b[31m.csv", "--symbol", "MSFT"}).exit_code == 0);
    const auto listed = data(dir, {"list"});
    CHECK(has(listed.out, "csv:red\\x1b[31m.csv"));
    CHECK_FALSE(has(listed.out, "\x1b"));
  }

  TEST_CASE("issue 11 item 21: an export that matches nothing exits 1 and writes nothing") {
    TempDir dir;
    synth_june(dir);
    const auto none = data(dir, {"export", "--symbols", "AAPL", "--start", "2025-07-01", "--end",
                                 "2025-07-31", "--output", "none.csv"});
    CHECK(none.exit_code == 1);
    CHECK(has(none.err, "no stored bars for AAPL in 2025-07-01..2025-07-31; nothing written"));
    CHECK_FALSE(fs::exists(dir / "none.csv"));
    const auto to_stdout =
        data(dir, {"export", "--symbols", "TSLA", "--start", "2025-06-01", "--end", "2025-06-30"});
    CHECK(to_stdout.exit_code == 1);
    CHECK(to_stdout.out.empty());
    // Some symbols without bars: a warning, the others exported.
    const auto partial = data(
        dir, {"export", "--symbols", "AAPL,TSLA", "--start", "2025-06-02", "--end", "2025-06-02"});
    CHECK(partial.exit_code == 0);
    CHECK(has(partial.err, "warning: no stored bars for TSLA in 2025-06-02..2025-06-02"));
    CHECK(has(partial.out, "AAPL,2025-06-02T13:30:00Z,"));
  }

  // issue 11 item 1: the second half of a session imported from another file replaced the first.
  TEST_CASE("re-imports merge by minute and say what was added, replaced and kept") {
    TempDir dir;
    std::string first = "timestamp,open,high,low,close,volume\n";
    std::string second = first;
    for (int m = 0; m < 390; ++m) {
      const int h = 13 + (30 + m) / 60, min = (30 + m) % 60;
      char row[64];
      std::snprintf(row, sizeof row, "2025-06-02T%02d:%02d:00Z,10,11,9,10.5,%d\n", h, min, m);
      (m < 195 ? first : second) += row;
    }
    write_file(dir / "first.csv", first);
    write_file(dir / "second.csv", second);
    CHECK(data(dir, {"import", "first.csv", "--symbol", "AAPL"}).exit_code == 0);
    const auto again = data(dir, {"import", "second.csv", "--symbol", "AAPL"});
    CHECK(again.exit_code == 0);
    CHECK(has(again.out, "stored 195 bars in 1 session: 195 added, 0 replaced, 195 kept"));
    CHECK(has(again.out, "0 new sessions, 1 merged"));
    const auto list = data(dir, {"list"});
    CHECK(has(list.out, "390"));
    CHECK(has(list.out, "csv:first.csv+csv:second.csv"));
    const auto exported =
        data(dir, {"export", "--symbols", "AAPL", "--start", "2025-06-02", "--end", "2025-06-02"});
    CHECK(std::count(exported.out.begin(), exported.out.end(), '\n') == 391);
    // Both files again: every bar replaced, none added.
    const auto both = data(dir, {"import", "first.csv", "--symbol", "AAPL"});
    CHECK(has(both.out, "195 added") == false);
    CHECK(has(both.out, "0 added, 195 replaced, 195 kept"));
    // --replace-sessions: the old whole-session behaviour, on request.
    const auto replaced =
        data(dir, {"import", "first.csv", "--symbol", "AAPL", "--replace-sessions"});
    CHECK(has(replaced.out, "1 replaced whole (390 stored bars removed)"));
    CHECK(has(data(dir, {"list"}).out, "195"));
  }

  // issue 11 item 2: synth silently replaced imported bars.
  TEST_CASE("synth refuses sessions of real bars unless --replace-sessions") {
    TempDir dir;
    REQUIRE(data(dir, {"import", kGolden, "--symbol", "AAPL"}).exit_code == 0);
    const std::string before = data(dir, {"list"}).out;
    const auto refused = data(dir, {"synth", "--symbols", "AAPL,MSFT", "--start", "2026-02-01",
                                    "--end", "2026-02-28", "--seed", "5"});
    CHECK(refused.exit_code == 1);
    CHECK(has(refused.err, "synthetic bars would overwrite real bars; nothing was written"));
    CHECK(has(refused.err, "AAPL: 3 sessions"));
    CHECK(has(refused.err, "(csv:golden_scenario.csv)"));
    CHECK(has(refused.err, "--replace-sessions"));
    CHECK(data(dir, {"list"}).out == before);  // MSFT was not written either
    const auto forced = data(dir, {"synth", "--symbols", "AAPL", "--start", "2026-02-01", "--end",
                                   "2026-02-28", "--seed", "5", "--replace-sessions"});
    CHECK(forced.exit_code == 0);
    CHECK(has(data(dir, {"list"}).out, "synthetic:seed=5"));
  }

  // issue 11 item 11: `trader-data --db /nonexistent/dir/x.db list` created both.
  TEST_CASE("read-only commands never create a directory or a database") {
    TempDir dir;
    const auto list = data(dir, {"--db", "nonexistent/dir/x.db", "list"});
    CHECK(list.exit_code == 0);
    CHECK(has(list.out, "does not exist"));
    const auto exported = data(dir, {"--db", "nonexistent/dir/x.db", "export", "--symbols", "AAPL",
                                     "--start", "2025-06-02", "--end", "2025-06-02"});
    CHECK(exported.exit_code == 1);
    CHECK(has(exported.err, "no database at nonexistent/dir/x.db"));
    CHECK(data(dir, {"--db", "nonexistent/dir/x.db", "verify"}).exit_code == 1);
    CHECK_FALSE(fs::exists(dir / "nonexistent"));
    CHECK_FALSE(fs::exists(dir / "data"));
    for (const char* bad : {"", "/dev/null"}) {
      const auto r = data(dir, {"--db", bad, "list"});
      CHECK(r.exit_code == 1);
      CHECK_FALSE(has(r.err, "filesystem error"));
    }
  }

  // issue 11 item 19: damaged bars used to export as prices like -9409.
  TEST_CASE("verify checks every session; a damaged one is named on export and by verify") {
    TempDir dir;
    REQUIRE(data(dir, {"import", kGolden, "--symbol", "AAPL"}).exit_code == 0);
    const auto good = data(dir, {"verify"});
    CHECK(good.exit_code == 0);
    CHECK(has(good.out, "3 sessions, 436 bars checked; integrity_check ok; 0 damaged sessions"));
    // Bytes inside the first session's records change; its header and checksum stay.
    REQUIRE(run_process({"/usr/bin/sqlite3", (dir / "data/trading.db").string(),
                         "UPDATE bar_day SET bars = substr(bars, 1, 200) || x'00FF00FF' || "
                         "substr(bars, 205) WHERE session_date = (SELECT min(session_date) FROM "
                         "bar_day)"})
                .exit_code == 0);
    const auto bad = data(dir, {"verify"});
    CHECK(bad.exit_code == 1);
    CHECK(has(bad.out, "damaged: AAPL"));
    CHECK(has(bad.out, "checksum mismatch"));
    const auto exported =
        data(dir, {"export", "--symbols", "AAPL", "--start", "2020-01-01", "--end", "2030-12-31"});
    CHECK(exported.exit_code == 1);
    CHECK(has(exported.err, "are damaged (checksum mismatch)"));
  }
}
