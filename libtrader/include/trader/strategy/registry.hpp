#pragma once
// Strategies by name: what tools list (`--list-strategies`) and build (`--strategy velez
// --param sma_fast=10`). Each strategy declares its parameters in a config::KeyTable (its own
// section, ALGO_VELEZ__*), and the registry combines them with libtrader's settings into one
// config::Schema, so one set of bounds and one error style serve the environment, .env and
// --param alike; --param is the highest-precedence source. A project using libtrader registers
// its own strategies the same way, without editing libtrader (issue 12 item 7). A registry is a
// plain value made by the tool, not a global.

#include <any>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <trader/config/key_table.hpp>
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

// Makes one instance per symbol from the strategy's parameters (its KeyTable's struct, erased).
using StrategyFactory = std::function<std::unique_ptr<Strategy>(const std::any& parameters)>;

// A strategy with its effective configuration: makes one instance per symbol.
class StrategyBlueprint {
 public:
  StrategyBlueprint(std::string name, config::LoadResult configuration, std::any parameters,
                    StrategyFactory factory, std::vector<ParameterInfo> parameter_infos);

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] std::unique_ptr<Strategy> create() const { return factory_(parameters_); }
  // Every effective setting (risk, execution...) with its source: F5 stores them.
  [[nodiscard]] const config::Settings& settings() const noexcept {
    return configuration_.settings;
  }
  // Every key of the schema (libtrader's settings and every strategy's parameters) with its
  // effective value and source.
  [[nodiscard]] const std::vector<config::KeyReport>& keys() const noexcept {
    return configuration_.keys;
  }
  // This strategy's parameters, name -> effective value, in declaration order.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> parameters() const;

 private:
  std::string name_;
  config::LoadResult configuration_;
  std::any parameters_;
  StrategyFactory factory_;
  std::vector<ParameterInfo> parameter_infos_;
};

class StrategyRegistry {
 public:
  StrategyRegistry() = default;  // no strategy yet; the schema knows libtrader's settings
  // velez and sma-crossover.
  [[nodiscard]] static StrategyRegistry with_builtins();

  // A strategy whose parameters are the struct P, declared by `parameters`: keys in one section
  // of their own (ALGO_<NAME>__*), each --param with a range. `make` builds an instance from
  // their values. Throws std::logic_error for a name already registered, a section or variable
  // already known, or a parameter without a range (issue 11 item 17).
  template <class P>
  void add(const std::string& name, const std::string& description,
           const config::KeyTable<P>& parameters,
           std::type_identity_t<std::function<std::unique_ptr<Strategy>(const P&)>> make) {
    add_entry(name, description, &parameters, [make = std::move(make)](const std::any& values) {
      return make(std::any_cast<const P&>(values));
    });
  }
  // A strategy without parameters.
  void add(std::string name, std::string description,
           std::function<std::unique_ptr<Strategy>()> make);

  [[nodiscard]] std::vector<StrategyInfo> list() const;
  [[nodiscard]] std::vector<std::string> names() const;
  // libtrader's settings and every registered strategy's parameters: what a tool loads its
  // configuration with (`registry.schema().load(sources)`), what trader-config lists.
  [[nodiscard]] const config::Schema& schema() const noexcept { return schema_; }

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
    std::size_t table = 0;  // its parameters are schema_.tables()[table]; 0: none
    StrategyFactory factory;
  };
  void add_entry(std::string name, std::string description, const config::KeySet* parameters,
                 StrategyFactory factory);
  [[nodiscard]] const Entry& find(std::string_view name) const;
  [[nodiscard]] std::vector<ParameterInfo> parameters_of(const Entry& entry) const;

  config::Schema schema_;
  std::vector<Entry> entries_;
};

}  // namespace trader::strategy
