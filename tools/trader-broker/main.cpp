// trader-broker: look at the Alpaca account the settings point to (account, positions, orders,
// clock) and, when needed, cancel every order or close every position. Also how a user checks
// that the keys work: `trader-broker account`.
#include <fmt/core.h>

#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

#include <trader/alpaca/broker.hpp>
#include <trader/config/load.hpp>
#include <trader/core/json_text.hpp>
#include <trader/core/timestamp.hpp>
#include <trader/log/log.hpp>
#include <trader/strategy/registry.hpp>

#include "common/output.hpp"

namespace {

namespace po = boost::program_options;
namespace alpaca = trader::alpaca;

constexpr const char* kUsage =
    "Usage: trader-broker [--json] COMMAND\n\n"
    "Commands:\n"
    "  account                  the account: number, paper or live, cash, equity, buying power\n"
    "  positions                open positions\n"
    "  orders [--status S]      orders: open (default), closed or all\n"
    "  clock                    the market clock: open now, next open and close\n"
    "  cancel-all               cancel every open order (asks first unless --yes)\n"
    "  close-all                close every position at market (asks first unless --yes)\n\n"
    "The account is ALGO_BROKER__API_KEY / ALGO_BROKER__SECRET_KEY at paper trading unless\n"
    "ALGO_BROKER__PAPER=false (live: cancel-all and close-all then also need --live);\n"
    "ALGO_BROKER__TRADING_URL overrides the endpoint. Amounts are shown exactly as the broker\n"
    "sent them.\n\nOptions";

struct Arguments {
  std::string command;
  std::string status = "open";
  bool json = false;
  bool yes = false;
  bool live = false;
};

Arguments parse_arguments(int argc, char** argv) {
  po::options_description options(kUsage);
  options.add_options()("help,h", "show this help")("json", "print JSON")(
      "status", po::value<std::string>(), "orders: open, closed or all")(
      "yes", "cancel-all, close-all: do not ask")(
      "live", "cancel-all, close-all: allowed on a live account (ALGO_BROKER__PAPER=false)");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  if (vm.count("help") || !vm.count("command")) {
    std::cout << options << "\n";
    std::exit(vm.count("help") ? 0 : 2);
  }
  Arguments args;
  args.command = vm["command"].as<std::string>();
  args.json = vm.count("json") != 0;
  args.yes = vm.count("yes") != 0;
  args.live = vm.count("live") != 0;
  const std::vector<std::string> commands{"account", "positions",  "orders",
                                          "clock",   "cancel-all", "close-all"};
  if (std::find(commands.begin(), commands.end(), args.command) == commands.end()) {
    throw po::error("unknown command '" + args.command +
                    "' (account, positions, orders, clock, cancel-all, close-all)");
  }
  if (vm.count("status")) {
    if (args.command != "orders") throw po::error("--status is for orders only");
    args.status = vm["status"].as<std::string>();
    if (args.status != "open" && args.status != "closed" && args.status != "all") {
      throw po::error("--status must be open, closed or all");
    }
  }
  return args;
}

// A small JSON object writer: strings quoted, amounts as the text the broker sent (a string).
class Object {
 public:
  Object& text(std::string_view key, std::string_view value) {
    name(key);
    trader::core::append_json_string(out_, value);
    return *this;
  }
  Object& flag(std::string_view key, bool value) {
    name(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  Object& number(std::string_view key, int value) {
    name(key);
    out_ += std::to_string(value);
    return *this;
  }
  Object& amount(std::string_view key, const std::optional<alpaca::Amount>& value) {
    if (!value) {
      name(key);
      out_ += "null";
      return *this;
    }
    return text(key, value->text);
  }
  [[nodiscard]] std::string str() const { return out_ + "}"; }

 private:
  void name(std::string_view key) {
    out_ += out_.size() > 1 ? ", " : "";
    trader::core::append_json_string(out_, key);
    out_ += ": ";
  }
  std::string out_ = "{";
};

std::string list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ",\n " : "") + items[i];
  return out + "]";
}

std::string when(trader::core::Timestamp ts) {
  return ts == trader::core::Timestamp{} ? "" : trader::core::format_timestamp(ts);
}

int show_account(alpaca::AlpacaBroker& broker, bool json) {
  const alpaca::AccountInfo a = broker.account_info();
  if (json) {
    fmt::print("{}\n", Object{}
                           .text("account_number", a.account_number)
                           .flag("is_paper", a.is_paper)
                           .text("status", a.status)
                           .text("currency", a.currency)
                           .amount("cash", a.cash)
                           .amount("equity", a.equity)
                           .amount("buying_power", a.buying_power)
                           .amount("portfolio_value", a.portfolio_value)
                           .amount("long_market_value", a.long_market_value)
                           .amount("short_market_value", a.short_market_value)
                           .flag("pattern_day_trader", a.pattern_day_trader)
                           .flag("trading_blocked", a.trading_blocked)
                           .str());
    return 0;
  }
  fmt::print("account          {} ({})\n", a.account_number, a.is_paper ? "paper" : "LIVE");
  fmt::print("status           {}\n", a.status);
  fmt::print("currency         {}\n", a.currency);
  fmt::print("cash             {}\n", a.cash.text);
  fmt::print("equity           {}\n", a.equity.text);
  fmt::print("buying power     {}\n", a.buying_power.text);
  fmt::print("portfolio value  {}\n", a.portfolio_value.text);
  fmt::print("pattern day trader  {}\n", a.pattern_day_trader ? "yes" : "no");
  if (a.trading_blocked) fmt::print("TRADING BLOCKED\n");
  return 0;
}

int show_positions(alpaca::AlpacaBroker& broker, bool json) {
  const auto positions = broker.position_infos();
  if (json) {
    std::vector<std::string> items;
    items.reserve(positions.size());
    for (const auto& p : positions) {
      items.push_back(Object{}
                          .text("symbol", p.symbol)
                          .text("side", p.side)
                          .amount("qty", p.qty)
                          .amount("avg_entry_price", p.avg_entry_price)
                          .amount("current_price", p.current_price)
                          .amount("market_value", p.market_value)
                          .amount("cost_basis", p.cost_basis)
                          .amount("unrealized_pl", p.unrealized_pl)
                          .str());
    }
    fmt::print("{}\n", list(items));
    return 0;
  }
  if (positions.empty()) fmt::print("no open positions\n");
  for (const auto& p : positions) {
    fmt::print("{:<8} {:<5} qty {}  avg {}  price {}  value {}  unrealized {}\n", p.symbol, p.side,
               p.qty.text, p.avg_entry_price.text, p.current_price.text, p.market_value.text,
               p.unrealized_pl.text);
  }
  return 0;
}

int show_orders(alpaca::AlpacaBroker& broker, const Arguments& args) {
  const auto filter = args.status == "all"      ? alpaca::OrderStatusFilter::all
                      : args.status == "closed" ? alpaca::OrderStatusFilter::closed
                                                : alpaca::OrderStatusFilter::open;
  const auto orders = broker.orders(filter);
  if (args.json) {
    std::vector<std::string> items;
    items.reserve(orders.size());
    for (const auto& o : orders) {
      items.push_back(Object{}
                          .text("id", o.id)
                          .text("client_order_id", o.client_order_id)
                          .text("symbol", o.symbol)
                          .text("side", o.side)
                          .text("type", o.type)
                          .text("time_in_force", o.time_in_force)
                          .text("status", o.status)
                          .amount("qty", o.qty)
                          .amount("filled_qty", o.filled_qty)
                          .amount("filled_avg_price", o.filled_avg_price)
                          .amount("limit_price", o.limit_price)
                          .amount("stop_price", o.stop_price)
                          .text("created_at", when(o.created_at))
                          .str());
    }
    fmt::print("{}\n", list(items));
    return 0;
  }
  if (orders.empty()) fmt::print("no {} orders\n", args.status);
  for (const auto& o : orders) {
    std::string prices;
    if (o.limit_price) prices += " limit " + o.limit_price->text;
    if (o.stop_price) prices += " stop " + o.stop_price->text;
    fmt::print("{}  {:<8} {:<4} {} {:<10} {}{}  {}  filled {}  {}\n", when(o.created_at), o.symbol,
               o.side, o.qty.text, o.type, o.time_in_force, prices, o.status, o.filled_qty.text,
               o.client_order_id);
  }
  return 0;
}

int show_clock(alpaca::AlpacaBroker& broker, bool json) {
  const alpaca::ClockInfo c = broker.clock();
  if (json) {
    fmt::print("{}\n", Object{}
                           .text("timestamp", c.timestamp_text)
                           .flag("is_open", c.is_open)
                           .text("next_open", c.next_open_text)
                           .text("next_close", c.next_close_text)
                           .str());
    return 0;
  }
  fmt::print("now         {}\nmarket      {}\nnext open   {}\nnext close  {}\n", c.timestamp_text,
             c.is_open ? "open" : "closed", c.next_open_text, c.next_close_text);
  return 0;
}

// F16: a command that changes a live account needs --live on top of ALGO_BROKER__PAPER=false,
// and a yes on the terminal unless --yes.
int change_everything(alpaca::AlpacaBroker& broker, const Arguments& args,
                      const trader::config::Settings& settings) {
  const bool live = !settings.broker.paper;
  if (live && !args.live) {
    fmt::print(stderr,
               "trader-broker: {} refused: ALGO_BROKER__PAPER=false is a live account; add "
               "--live to act on it\n",
               args.command);
    return 1;
  }
  // F16: the account reached must be of the mode the settings say, so a paper key under live
  // settings (or a live key left in a paper setup) never acts on the wrong money.
  const alpaca::AccountInfo account = broker.account_info();
  if (account.is_paper == live) {
    fmt::print(stderr,
               "trader-broker: {} refused: ALGO_BROKER__PAPER={} but account {} is a {} account; "
               "check ALGO_BROKER__API_KEY and ALGO_BROKER__TRADING_URL\n",
               args.command, live ? "false" : "true", account.account_number,
               account.is_paper ? "paper" : "live");
    return 1;
  }
  const bool cancel = args.command == "cancel-all";
  if (!args.yes) {
    fmt::print("{} on the {} account? Type yes to go on: ",
               cancel ? "Cancel every open order" : "Close every position at market",
               live ? "LIVE" : "paper");
    std::fflush(stdout);
    std::string answer;
    if (!std::getline(std::cin, answer) || (answer != "yes" && answer != "y")) {
      fmt::print(stderr, "trader-broker: {} not confirmed; nothing done\n", args.command);
      return 1;
    }
  }
  const int count = cancel ? broker.cancel_all_orders() : broker.close_all_positions();
  if (args.json) {
    fmt::print("{}\n", Object{}.number(cancel ? "canceled" : "closing", count).str());
  } else {
    fmt::print("{} {}\n", count, cancel ? "orders canceled" : "positions closing");
  }
  return 0;
}

int run(const Arguments& args, const trader::config::Settings& settings) {
  boost::asio::io_context io;
  alpaca::AlpacaBroker broker(io, alpaca::broker_options(settings));
  if (args.command == "account") return show_account(broker, args.json);
  if (args.command == "positions") return show_positions(broker, args.json);
  if (args.command == "orders") return show_orders(broker, args);
  if (args.command == "clock") return show_clock(broker, args.json);
  return change_everything(broker, args, settings);
}

}  // namespace

int main(int argc, char** argv) try {
  trader::tools::check_stdout_at_exit("trader-broker");
  const Arguments args = parse_arguments(argc, argv);
  const auto registry = trader::strategy::StrategyRegistry::with_builtins();
  const auto settings =
      registry.schema().load(trader::config::Sources::from_process(".", registry.schema()));
  trader::log::init(settings.log);
  const int code = run(args, settings);
  trader::tools::finish_stdout();
  return code;
} catch (const po::error& e) {
  fmt::print(stderr, "trader-broker: {}\n(see trader-broker --help)\n", e.what());
  return 2;
} catch (const std::exception& e) {
  fmt::print(stderr, "trader-broker: {}\n", trader::tools::error_text(e));
  return 1;
}
