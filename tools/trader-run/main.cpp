// trader-run: the live and paper trading runtime (trader::runtime::Runtime) as a process, the
// seed's Docker default command. Paper trading unless both opt-ins of live trading are given
// (F16); a dry run (--broker sim: live bars, simulated fills); a replay of stored days
// (--replay). This file only parses arguments and wires the runtime.
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <trader/config/load.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/log/log.hpp>
#include <trader/marketdata/bar_supply.hpp>
#include <trader/runtime/replay_feed.hpp>
#include <trader/runtime/runtime.hpp>
#include <trader/runtime/status_client.hpp>
#include <trader/store/bar_store.hpp>
#include <trader/store/database.hpp>
#include <trader/strategy/registry.hpp>

#include "common/cli.hpp"
#include "common/output.hpp"

namespace {

namespace po = boost::program_options;
namespace rt = trader::runtime;

constexpr const char* kUsage =
    "Usage: trader-run [OPTIONS]            run the trading runtime (paper by default)\n"
    "       trader-run status [--health]    the running runtime's state (its HTTP endpoint)\n"
    "       trader-run stop                 ask the running runtime to shut down gracefully\n\n"
    "Paper trading on the account of ALGO_BROKER__API_KEY unless ALGO_BROKER__PAPER=false AND\n"
    "--live are both given (live trading: real money). The symbols are the watchlist\n"
    "(ALGO_WATCHLIST). SIGTERM or SIGINT (or trader-run stop) shuts down gracefully: pending\n"
    "entries cancelled, positions left with their broker-side stops; a second signal exits at\n"
    "once.\n\nOptions";

struct Arguments {
  std::string command = "run";
  bool live = false;
  std::string broker = "alpaca";
  std::string strategy = "velez";
  std::vector<std::pair<std::string, std::string>> params;
  bool replay = false;
  std::optional<trader::core::Date> start_date;
  std::optional<trader::core::Date> end_date;
  double speed = 0;  // 0: max
  std::string clock_start;
  std::optional<int> clock_speed;
  bool health = false;
};

Arguments parse_arguments(int argc, char** argv) {
  po::options_description options(kUsage);
  options.add_options()("help,h", "show this help")(
      "live", "trade real money (needs ALGO_BROKER__PAPER=false as well)")(
      "broker", po::value<std::string>(), "alpaca (default) or sim (a dry run: simulated fills)")(
      "strategy", po::value<std::string>(), "the strategy (default velez)")(
      "param", po::value<std::vector<std::string>>()->composing(),
      "strategy parameter NAME=VALUE (repeatable)")(
      "replay", "replay stored days (--start-date, --end-date) with simulated fills; no keys")(
      "start-date", po::value<std::string>(), "replay: the first day, YYYY-MM-DD")(
      "end-date", po::value<std::string>(), "replay: the last day, YYYY-MM-DD")(
      "speed", po::value<std::string>(), "replay: N times real time, or max (default)")(
      "clock-start", po::value<std::string>(),
      "a simulated clock from this UTC instant (ALGO_ENGINE__CLOCK_START)")(
      "clock-speed", po::value<int>(),
      "the simulated clock's speed, N x (ALGO_ENGINE__CLOCK_SPEED)")(
      "health", "status: exit 0 when healthy, 1 otherwise, printing one word");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  if (vm.count("help")) {
    std::cout << options << "\n";
    std::exit(0);
  }
  Arguments a;
  if (vm.count("command")) {
    a.command = vm["command"].as<std::string>();
    if (a.command != "status" && a.command != "stop") {
      throw po::error("unknown command '" + a.command + "' (status, stop; none to run)");
    }
  }
  a.health = vm.count("health") != 0;
  if (a.health && a.command != "status") throw po::error("--health is for status only");
  a.live = vm.count("live") != 0;
  if (vm.count("broker")) {
    a.broker = vm["broker"].as<std::string>();
    if (a.broker != "alpaca" && a.broker != "sim")
      throw po::error("--broker must be alpaca or sim");
  }
  if (vm.count("strategy")) a.strategy = vm["strategy"].as<std::string>();
  if (vm.count("param")) {
    for (const auto& p : vm["param"].as<std::vector<std::string>>()) {
      const auto equals = p.find('=');
      if (equals == std::string::npos || equals == 0) {
        throw po::error("--param " + p + ": expected NAME=VALUE");
      }
      a.params.emplace_back(p.substr(0, equals), p.substr(equals + 1));
    }
  }
  a.replay = vm.count("replay") != 0;
  if (vm.count("start-date")) {
    a.start_date =
        trader::tools::parse_date_option(vm["start-date"].as<std::string>(), "--start-date");
  }
  if (vm.count("end-date")) {
    a.end_date = trader::tools::parse_date_option(vm["end-date"].as<std::string>(), "--end-date");
  }
  if (vm.count("speed")) {
    const std::string speed = vm["speed"].as<std::string>();
    if (speed != "max") {
      a.speed = static_cast<double>(trader::tools::parse_unsigned_option(speed, "--speed", 1));
    }
  }
  if (a.replay) {
    if (!a.start_date || !a.end_date) throw po::error("--replay needs --start-date and --end-date");
    if (*a.end_date < *a.start_date) throw po::error("--end-date is before --start-date");
    if (a.broker == "alpaca" && vm.count("broker")) {
      throw po::error("--replay fills are simulated: --broker alpaca does not apply");
    }
    a.broker = "sim";
  } else if (a.start_date || a.end_date || vm.count("speed")) {
    throw po::error("--start-date, --end-date and --speed are for --replay");
  }
  if (vm.count("clock-start")) {
    a.clock_start = vm["clock-start"].as<std::string>();
    static_cast<void>(trader::core::parse_timestamp(a.clock_start));  // a ParseError: exit 2
  }
  if (vm.count("clock-speed")) {
    a.clock_speed = vm["clock-speed"].as<int>();
    if (*a.clock_speed < 1) throw po::error("--clock-speed must be at least 1");
  }
  if (a.replay && (!a.clock_start.empty() || a.clock_speed)) {
    throw po::error("--replay runs its own clock (--speed); --clock-start does not apply");
  }
  return a;
}

std::string replay_description(const Arguments& a) {
  return trader::core::format_date(*a.start_date) + ".." + trader::core::format_date(*a.end_date) +
         (a.speed > 0 ? fmt::format(" at {}x", a.speed) : std::string(" at max speed"));
}

// `trader-run status [--health]` and `trader-run stop`: the running runtime's HTTP endpoint
// (ALGO_WEB__HOST:ALGO_WEB__PORT). Not running: a message and exit 1.
int client(const Arguments& a) {
  const auto registry = trader::strategy::StrategyRegistry::with_builtins();
  const auto settings =
      registry.schema().load(trader::config::Sources::from_process(".", registry.schema()));
  const std::string host = rt::reachable_host(settings.web.host);
  const int port = settings.web.port;
  try {
    if (a.command == "stop") {
      const rt::StatusReply reply = rt::request_shutdown(host, port);
      if (!reply.ok()) {
        fmt::print(stderr, "trader-run: stop: the runtime answered {}: {}\n", reply.status,
                   reply.body);
        return 1;
      }
      fmt::print("Shutdown requested.\n");
      return 0;
    }
    if (a.health) {
      const rt::StatusReply reply = rt::fetch_health(host, port);
      fmt::print("{}\n", reply.ok() ? std::string("healthy") : "unhealthy: " + reply.body);
      return reply.ok() ? 0 : 1;
    }
    const rt::StatusReply reply = rt::fetch_status(host, port);
    fmt::print("{}\n", reply.body);
    return reply.ok() ? 0 : 1;
  } catch (const rt::StatusClientError& e) {
    fmt::print(stderr, "trader-run: {}\n", e.what());
    return 1;
  }
}

int run(const Arguments& a) {
  if (a.command != "run") return client(a);
  const auto registry = trader::strategy::StrategyRegistry::with_builtins();
  const auto sources = trader::config::Sources::from_process(".", registry.schema());
  const trader::strategy::StrategyBlueprint blueprint =
      registry.configure(a.strategy, sources, a.params);
  rt::RuntimeOptions options;
  options.settings = blueprint.settings();
  trader::log::init(options.settings.log);
  if (!a.clock_start.empty()) options.settings.engine.clock_start = a.clock_start;
  if (a.clock_speed) options.settings.engine.clock_speed = *a.clock_speed;
  options.strategy_name = blueprint.name();
  options.make_strategy = [&blueprint] { return blueprint.create(); };
  options.live = a.live;
  options.broker = a.broker == "sim" ? rt::BrokerKind::sim : rt::BrokerKind::alpaca;
  options.print = [](std::string_view line) { fmt::print("{}\n", line); };

  // A replay reads the store through its own connection, kept open for the whole run.
  std::optional<trader::store::Database> bars_db;
  std::optional<trader::store::BarStore> store;
  if (a.replay) {
    const trader::store::DatabaseOptions db_options =
        trader::store::database_options(options.settings);
    bars_db.emplace(trader::store::Database::open(db_options, trader::store::OpenMode::use));
    store.emplace(*bars_db);
    const trader::core::Date first = *a.start_date;
    const trader::core::Date last = *a.end_date;
    const double speed = a.speed;
    const auto start = trader::core::start_of_day(first);
    rt::ReplaySource replay;
    replay.description = replay_description(a);
    replay.make_clock = [speed, start](boost::asio::io_context& io) -> std::unique_ptr<rt::Clock> {
      if (speed > 0) return rt::simulated_clock(io, start, speed);
      return std::make_unique<rt::VirtualClock>(io, start);
    };
    const trader::config::Settings settings = options.settings;
    replay.make_feed = [&store, settings, first, last](boost::asio::io_context& io,
                                                       const trader::data::SymbolTable& symbols,
                                                       rt::Clock& clock) {
      trader::marketdata::BarRequest request;
      request.symbols = settings.watchlist;
      request.first = first;
      request.last = last;
      request.mode = trader::marketdata::DataMode::store;
      auto supply = trader::marketdata::stored_bars(*store, settings, request);
      if (supply.symbols.size() != symbols.size()) {
        throw trader::Error("trader-run: the replay's symbols differ from the watchlist");
      }
      for (const auto& warning : supply.warnings) {
        trader::log::warning("replay_data", {{"warning", warning}});
      }
      return std::unique_ptr<rt::BarFeed>(
          std::make_unique<rt::ReplayFeed>(io, clock, std::move(supply.source)));
    };
    options.replay = std::move(replay);
  }
  rt::Runtime runtime(std::move(options));
  return runtime.run();
}

}  // namespace

int main(int argc, char** argv) try {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  trader::tools::check_stdout_at_exit("trader-run");
  const Arguments args = parse_arguments(argc, argv);
  const int code = run(args);
  trader::tools::finish_stdout();
  return code;
} catch (const po::error& e) {
  fmt::print(stderr, "trader-run: {}\n(see trader-run --help)\n", e.what());
  return 2;
} catch (const trader::ParseError& e) {
  fmt::print(stderr, "trader-run: {}\n(see trader-run --help)\n", e.what());
  return 2;
} catch (const std::exception& e) {
  fmt::print(stderr, "trader-run: {}\n", trader::tools::error_text(e));
  return 1;
}
