// trader-migrate: inspect and move the database schema (backing the file up first).
#include <fmt/core.h>

#include <boost/program_options.hpp>
#include <cstdint>
#include <iostream>
#include <limits>
#include <optional>

#include <trader/config/load.hpp>
#include <trader/core/text.hpp>
#include <trader/log/log.hpp>
#include <trader/store/database.hpp>
#include <trader/store/migrations.hpp>
#include <trader/strategy/registry.hpp>

#include "common/cli.hpp"
#include "common/output.hpp"

namespace {

namespace po = boost::program_options;
namespace store = trader::store;

constexpr const char* kUsage =
    "Usage: trader-migrate [--db PATH] COMMAND\n\n"
    "Commands:\n"
    "  upgrade [VERSION]   apply pending steps up to VERSION (default: latest); the file is\n"
    "                      backed up into <db dir>/backups first and the backup path printed\n"
    "  downgrade VERSION   reverse steps down to VERSION, only where no data would be lost\n"
    "  current             the schema version of the database\n"
    "  history             the steps applied, with their times\n"
    "  status              current and latest version, and the pending steps\n\n"
    "The database is ALGO_DB_PATH (default data/trading.db) unless --db is given.\n\nOptions";

struct Arguments {
  std::string command;
  std::optional<int> version;
  std::optional<std::string> db;
};

// Issue 12 item 8: only a ParseError means "not a version"; any other error is not hidden.
int parse_version(const std::string& text) {
  try {
    const std::uint64_t v = trader::tools::parse_unsigned_option(text, "VERSION");
    if (v <= static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
      return static_cast<int>(v);
    }
  } catch (const trader::ParseError&) {
  }
  throw po::error("VERSION must be a whole number >= 0, got " +
                  trader::core::quote_for_message(text));
}

Arguments parse_arguments(int argc, char** argv) {
  po::options_description options(kUsage);
  options.add_options()("help,h", "show this help")("db", po::value<std::string>(),
                                                    "database file (overrides ALGO_DB_PATH)");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("version", po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("version", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  if (vm.count("help") || !vm.count("command")) {
    std::cout << options << "\n";
    std::exit(vm.count("help") ? 0 : 2);
  }
  Arguments args;
  args.command = vm["command"].as<std::string>();
  if (vm.count("version")) args.version = parse_version(vm["version"].as<std::string>());
  if (vm.count("db")) args.db = vm["db"].as<std::string>();
  const bool takes_version = args.command == "upgrade" || args.command == "downgrade";
  if (args.command != "upgrade" && args.command != "downgrade" && args.command != "current" &&
      args.command != "history" && args.command != "status") {
    throw po::error("unknown command '" + args.command +
                    "' (upgrade, downgrade, current, history, status)");
  }
  if (args.version && !takes_version) throw po::error(args.command + " takes no VERSION");
  if (args.command == "downgrade" && !args.version) throw po::error("downgrade needs a VERSION");
  return args;
}

std::filesystem::path backup_directory(const store::Database& db) {
  const auto parent = db.path().has_parent_path() ? db.path().parent_path() : ".";
  return parent / "backups";
}

// current/history/status of a file that does not exist yet: version 0, every step pending,
// and nothing created.
int describe_missing(const Arguments& args, const std::filesystem::path& path) {
  const int latest = store::latest_version();
  if (args.command == "current") {
    fmt::print("0\n");
  } else if (args.command == "history") {
    fmt::print("no migrations applied ({} does not exist yet)\n", path.string());
  } else {
    fmt::print("database: {} (does not exist yet)\ncurrent version: 0\nlatest version: {}\n",
               path.string(), latest);
    fmt::print("pending:\n");
    for (const auto& m : store::builtin_migrations()) fmt::print("{:>3}  {}\n", m.version, m.name);
  }
  return 0;
}

int run(const Arguments& args, const trader::config::Settings& settings) {
  store::DatabaseOptions options = store::database_options(settings);
  options.path = args.db.value_or(settings.db_path);
  const bool changes = args.command == "upgrade" || args.command == "downgrade";
  if (!changes && !std::filesystem::exists(options.path) && !options.path.empty()) {
    return describe_missing(args, options.path);
  }
  // Looking never changes the file: read-only commands open it read-only.
  store::Database db = store::Database::open(
      options, changes ? store::OpenMode::maintain : store::OpenMode::inspect);
  const int current = db.schema_version();
  const int latest = store::latest_version();

  if (args.command == "current") {
    fmt::print("{}\n", current);
  } else if (args.command == "history") {
    const auto applied = store::applied_migrations(db);
    if (applied.empty()) fmt::print("no migrations applied ({} is empty)\n", db.path().string());
    for (const auto& m : applied) fmt::print("{:>3}  {}  {}\n", m.version, m.applied_at, m.name);
  } else if (args.command == "status") {
    fmt::print("database: {}\ncurrent version: {}\nlatest version: {}\n", db.path().string(),
               current, latest);
    const auto pending = store::pending_migrations(db);
    if (pending.empty()) {
      fmt::print("up to date\n");
    } else {
      fmt::print("pending:\n");
      for (const auto& m : pending) fmt::print("{:>3}  {}\n", m.version, m.name);
    }
  } else {
    // Validate first: a refused or no-op command writes nothing, not even a backup.
    const bool up = args.command == "upgrade";
    const auto steps =
        up ? store::plan_upgrade(db, args.version) : store::plan_downgrade(db, *args.version);
    if (steps.empty()) {
      fmt::print("{} is already at version {}; nothing to do\n", db.path().string(), current);
      return 0;
    }
    if (current > 0) {
      fmt::print("backup: {}\n", store::backup(db, backup_directory(db)).string());
    }
    if (up) {
      for (const auto& m : store::upgrade(db, args.version)) {
        fmt::print("applied {:>3}  {}\n", m.version, m.name);
      }
    } else {
      for (const auto& m : store::downgrade(db, *args.version)) {
        fmt::print("reversed {:>3}  {}\n", m.version, m.name);
      }
    }
    fmt::print("{} is at version {}\n", db.path().string(), db.schema_version());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  trader::tools::check_stdout_at_exit("trader-migrate");
  const Arguments args = parse_arguments(argc, argv);
  // The schema knows every strategy's parameters: ALGO_VELEZ__* in .env is checked, not unknown.
  const auto registry = trader::strategy::StrategyRegistry::with_builtins();
  const auto settings =
      registry.schema().load(trader::config::Sources::from_process(".", registry.schema()));
  trader::log::init(settings.log);
  const int code = run(args, settings);
  trader::tools::finish_stdout();  // issue 11 item 6: a failed write to stdout is an error
  return code;
} catch (const po::error& e) {
  fmt::print(stderr, "trader-migrate: {}\n(see trader-migrate --help)\n", e.what());
  return 2;
} catch (const std::exception& e) {
  fmt::print(stderr, "trader-migrate: {}\n", trader::tools::error_text(e));
  return 1;
}
