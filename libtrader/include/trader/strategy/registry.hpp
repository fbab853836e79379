#pragma once
// Strategies by name: what tools list (`--list-strategies`) and build (`--strategy velez
// --param sma_fast=10`). A strategy's parameters are its configuration section (ALGO_VELEZ__*,
// ALGO_SMA_CROSSOVER__*), so one set of bounds and one error style serve the environment, .env
// and --param alike; --param is the highest-precedence source. A registry is a plain value made
// by the tool, not a global.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trader/config/load.hpp>
#include <trader/core/error.hpp>
#include <trader/strategy/strategy.hpp>

namespace trader::strategy {

struct ParameterInfo {
  std::string name;      // sma_fast
  std::string variable;  // ALGO_VELEZ__SMA_FAST
  std::string description;
  std::string default_value;
  std::string allowed;  // "5..50": every parameter declares what it accepts (issue 11 item 17)
};

struct StrategyInfo {
  std::string name;
  std::string description;
  std::vector<ParameterInfo> parameters;
};

// One or more bad --param values or names; what() lists them all.
class ParameterError : public Error {
 public:
  explicit ParameterError(std::vector<std::string> problems);
  [[nodiscard]] const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

// A strategy name that is not registered: "Unknown strategy: 'x'. Available: velez, ...". A
// type of its own, so a tool treats it as a bad argument without reading the message.
class UnknownStrategyError : public Error {
 public:
  using Error::Error;
};

using StrategyFactory = std::function<std::unique_ptr<Strategy>(const config::Settings&)>;

// A strategy with its effective configuration: makes one instance per symbol.
class StrategyBlueprint {
 public:
  StrategyBlueprint(std::string name, config::LoadResult configuration, StrategyFactory factory,
                    std::vector<ParameterInfo> parameters);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::unique_ptr<Strategy> create() const { return factory_(settings()); }
  // Every effective setting (strategy, risk, execution...) with its source: F5 stores them.
  [[nodiscard]] const config::Settings& settings() const noexcept {
    return configuration_.settings;
  }
  [[nodiscard]] const std::vector<config::KeyReport>& keys() const noexcept {
    return configuration_.keys;
  }
  // This strategy's parameters, name -> effective value, in declaration order.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const;

 private:
  std::string name_;
  config::LoadResult configuration_;
  StrategyFactory factory_;
  std::vector<ParameterInfo> parameters_;
};

class StrategyRegistry {
 public:
  // velez and sma-crossover.
  [[nodiscard]] static StrategyRegistry with_builtins();

  // `section` is the configuration prefix of its parameters, e.g. "ALGO_VELEZ__".
  void add(std::string name, std::string description, std::string section, StrategyFactory factory,
           std::vector<std::string> excluded_keys = {});

  [[nodiscard]] std::vector<StrategyInfo> list() const;
  [[nodiscard]] std::vector<std::string> names() const;

  // UnknownStrategyError "Unknown strategy: 'x'. Available: velez, sma-crossover";
  // ParameterError for unknown, repeated or invalid --param values (each named as given, a value
  // outside its range with the range); config::ConfigErrors for other settings.
  [[nodiscard]] StrategyBlueprint configure(
      std::string_view name, const config::Sources& sources,
      const std::vector<std::pair<std::string, std::string>>& overrides) const;

 private:
  struct Entry {
    std::string name;
    std::string description;
    std::string section;
    StrategyFactory factory;
    std::vector<std::string> excluded_keys;
  };
  [[nodiscard]] const Entry& find(std::string_view name) const;
  [[nodiscard]] std::vector<ParameterInfo> parameters_of(const Entry& entry) const;

  std::vector<Entry> entries_;
};

}  // namespace trader::strategy
