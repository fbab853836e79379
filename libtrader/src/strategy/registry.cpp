#include <trader/strategy/registry.hpp>

#include <algorithm>
#include <stdexcept>

#include <trader/core/text.hpp>

#include <trader/strategy/sma_crossover.hpp>
#include <trader/strategy/velez.hpp>

namespace trader::strategy {
namespace {

std::string join_problems(const std::vector<std::string>& problems) {
  std::string out = "invalid strategy parameters:";
  for (const auto& p : problems) out += "\n  " + p;
  return out;
}

}  // namespace

ParameterError::ParameterError(std::vector<std::string> problems)
    : Error(join_problems(problems)), problems_(std::move(problems)) {}

StrategyBlueprint::StrategyBlueprint(std::string name, config::LoadResult configuration,
                                     std::any parameters, StrategyFactory factory,
                                     std::vector<ParameterInfo> parameter_infos)
    : name_(std::move(name)),
      configuration_(std::move(configuration)),
      parameters_(std::move(parameters)),
      factory_(std::move(factory)),
      parameter_infos_(std::move(parameter_infos)) {}

std::vector<std::pair<std::string, std::string>> StrategyBlueprint::parameters() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const ParameterInfo& p : parameter_infos_) {
    for (const auto& key : configuration_.keys) {
      if (key.variable == p.variable) out.emplace_back(p.name, key.shown_value);
    }
  }
  return out;
}

StrategyRegistry StrategyRegistry::with_builtins() {
  StrategyRegistry registry;
  registry.add("velez",
               "SMA 20/200 tightness + strong green candle; buy-stop at the high, stop below "
               "the low, 3-state trailing stop, exit after a run of strong candles",
               Velez::keys(), [](const VelezParameters& p) { return std::make_unique<Velez>(p); });
  registry.add("sma-crossover",
               "fast SMA crossing above the slow SMA; buy-stop at the high, ATR stop that trails "
               "below the close, exit when the fast SMA falls below the slow",
               SmaCrossover::keys(),
               [](const SmaCrossoverParameters& p) { return std::make_unique<SmaCrossover>(p); });
  return registry;
}

void StrategyRegistry::add(std::string name, std::string description,
                           std::function<std::unique_ptr<Strategy>()> make) {
  add_entry(std::move(name), std::move(description), nullptr,
            [make = std::move(make)](const std::any& /*no parameters*/) { return make(); });
}

void StrategyRegistry::add_entry(std::string name, std::string description,
                                 const config::KeySet* parameters, StrategyFactory factory) {
  if (name.empty() || std::any_of(entries_.begin(), entries_.end(),
                                  [&](const Entry& e) { return e.name == name; })) {
    throw std::logic_error("strategy '" + name + "' is already registered (or has no name)");
  }
  std::size_t table = 0;
  if (parameters != nullptr) {
    const auto sections = parameters->sections();
    if (sections.size() > 1) {
      throw std::logic_error("the parameters of strategy '" + name +
                             "' must be in one section, not " + config::join(sections, ", "));
    }
    for (const auto& key : parameters->keys()) {
      // Issue 11 item 17: a parameter without a declared range would take any value.
      if (key.info.parameter && key.info.allowed.empty()) {
        throw std::logic_error(key.info.variable +
                               " declares no range; every strategy parameter must");
      }
    }
    schema_.add(*parameters);  // std::logic_error for a section or variable already known
    table = schema_.tables().size() - 1;
  }
  entries_.push_back(Entry{std::move(name), std::move(description), table, std::move(factory)});
}

std::vector<std::string> StrategyRegistry::names() const {
  std::vector<std::string> out;
  for (const Entry& e : entries_) out.push_back(e.name);
  return out;
}

const StrategyRegistry::Entry& StrategyRegistry::find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) return e;
  }
  std::string available;
  for (const Entry& e : entries_) available += (available.empty() ? "" : ", ") + e.name;
  throw UnknownStrategyError("Unknown strategy: '" + std::string(name) +
                             "'. Available: " + available);
}

std::vector<ParameterInfo> StrategyRegistry::parameters_of(const Entry& entry) const {
  std::vector<ParameterInfo> out;
  if (entry.table == 0) return out;
  const config::KeySet& table = schema_.tables()[entry.table];
  for (const auto& key : table.keys()) {
    if (!key.info.parameter) continue;
    out.push_back(ParameterInfo{key.info.name, key.info.variable, key.info.description,
                                key.show(table.defaults()), key.info.allowed});
  }
  return out;
}

std::vector<StrategyInfo> StrategyRegistry::list() const {
  std::vector<StrategyInfo> out;
  for (const Entry& e : entries_)
    out.push_back(StrategyInfo{e.name, e.description, parameters_of(e)});
  return out;
}

StrategyBlueprint StrategyRegistry::configure(
    std::string_view name, const config::Sources& sources,
    const std::vector<std::pair<std::string, std::string>>& overrides) const {
  const Entry& entry = find(name);
  const std::vector<ParameterInfo> parameters = parameters_of(entry);
  std::vector<std::string> problems;
  config::Sources with_overrides = sources;
  std::vector<std::pair<std::string, std::string>> given;  // variable -> the name as written
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    const auto& [raw_name, value] = overrides[i];
    const std::string param = core::to_lower(raw_name);
    // Issue 11 item 21: a repeated --param is a mistake, not "the last one wins".
    const auto here = overrides.begin() + static_cast<std::ptrdiff_t>(i);
    const auto earlier = std::find_if(
        overrides.begin(), here, [&](const auto& o) { return core::to_lower(o.first) == param; });
    if (earlier != here) {
      problems.push_back("--param " + raw_name + "=" + value + ": " + param +
                         " is already given (" + earlier->first + "=" + earlier->second + ")");
      continue;
    }
    const auto it = std::find_if(parameters.begin(), parameters.end(),
                                 [&](const ParameterInfo& p) { return p.name == param; });
    if (it == parameters.end()) {
      std::vector<std::string> names;
      names.reserve(parameters.size());
      for (const auto& p : parameters) names.push_back(p.name);
      // Only a near miss is suggested (a typo), never an unrelated name.
      std::string nearest = core::closest(param, names);
      if (core::edit_distance(param, nearest) > std::max<std::size_t>(2, nearest.size() / 3)) {
        nearest.clear();
      }
      problems.push_back("--param " + raw_name + "=" + value + ": unknown parameter of " +
                         entry.name + (nearest.empty() ? "" : "; did you mean " + nearest + "?"));
      continue;
    }
    with_overrides.command_line.emplace_back(it->variable, value);
    given.emplace_back(it->variable, raw_name);
  }
  config::LoadResult result = schema_.inspect(with_overrides);
  std::vector<config::ConfigError> other_errors;
  for (const auto& error : result.errors) {
    const auto it = std::find_if(given.begin(), given.end(), [&](const auto& g) {
      return g.first == error.variable() || error.problem().find(g.first) != std::string::npos;
    });
    if (it != given.end()) {
      problems.push_back("--param " + it->second + "=" + error.shown_value() + ": " +
                         error.problem());
    } else {
      other_errors.push_back(error);
    }
  }
  if (!other_errors.empty()) throw config::ConfigErrors(std::move(other_errors));
  if (!problems.empty()) throw ParameterError(std::move(problems));
  std::any values = entry.table == 0 ? std::any() : result.values.at(entry.table - 1);
  // Reject a strategy that cannot be built with these values (e.g. an indicator period).
  static_cast<void>(entry.factory(values));
  return StrategyBlueprint(entry.name, std::move(result), std::move(values), entry.factory,
                           parameters);
}

}  // namespace trader::strategy
