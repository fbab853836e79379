// Loading: which value each key of a schema takes (defaults < .env < environment < --param,
// whole JSON sections), what is wrong with the others, and the report of every key (F12).
#include <trader/config/load.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include <trader/core/text.hpp>

#include "config/flat_json.hpp"
#include "config/names.hpp"

namespace trader::config {
namespace {

using core::to_lower;
using core::to_upper;
using Key = KeySet::Key;

// The error for a value `key` refuses: the value only when it cannot hold a secret. A value from
// a JSON section is part of that section's value, which may hold the keys (issue 11 item 3).
ConfigError value_error(const KeyInfo& key, std::string_view value, const std::string& section,
                        std::string problem) {
  if (!section.empty()) {
    return {
        key.variable,
        fmt::format("{} (field {} of {}; the value is not shown: {})", problem, key.name, section,
                    key.secret ? "it is a secret" : "a JSON section may hold secrets")};
  }
  if (!key.sensitive) return {key.variable, detail::shown(value), std::move(problem)};
  return {key.variable,
          std::move(problem) + (key.secret ? " (the value is not shown: it is a secret)"
                                           : " (the value is not shown: it may hold secrets)")};
}

struct Assignment {
  std::string value;
  Source source = Source::default_value;
  std::string section;  // ALGO_RISK when the value came from that JSON section, else ""
};

bool is_plain_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// One load: the values of every table, and what was wrong.
class Loader {
 public:
  explicit Loader(const Schema& schema) : schema_(schema) {}

  LoadResult run(const Sources& sources) {
    take(sources.dotenv, Source::dotenv);
    take(sources.environment, Source::environment);
    take(sources.command_line, Source::command_line);
    for (const KeySet& table : schema_.tables()) {
      std::any value = table.defaults();
      for (const Key& key : table.keys()) apply(key, value);
      for (const KeySet::Rule& rule : table.rules()) {
        std::string problem = rule.check(value);
        if (problem.empty()) continue;
        const Key* key = table.find(rule.variable);
        if (key->info.sensitive) {
          result_.errors.emplace_back(rule.variable, std::move(problem));
        } else {
          result_.errors.emplace_back(rule.variable, key->show(value), std::move(problem));
        }
      }
      if (&table == &schema_.tables().front()) {
        result_.settings = std::any_cast<const Settings&>(value);
      } else {
        result_.values.push_back(std::move(value));
      }
    }
    return std::move(result_);
  }

 private:
  void apply(const Key& key, std::any& value) {
    const KeyInfo& info = key.info;
    const Assignment* assignment = nullptr;
    if (const auto it = direct_.find(info.variable); it != direct_.end()) {
      assignment = &it->second;
    } else if (const auto s = sections_.find(info.variable); s != sections_.end()) {
      assignment = &s->second;
    }
    Source source = Source::default_value;
    if (assignment != nullptr) {
      try {
        key.apply(value, assignment->value);
        source = assignment->source;
      } catch (const ValueError& problem) {
        result_.errors.push_back(
            value_error(info, assignment->value, assignment->section, problem.what()));
      }
    }
    result_.keys.push_back(KeyReport{info.variable, info.group, info.label, key.show(value),
                                     info.allowed, info.description, source, info.secret});
  }

  // An unknown ALGO_ name, shown unless a value seems glued to a known name
  // (ALGO_BROKER__API_KEYPK...=, a missing '=' in the environment).
  [[nodiscard]] ConfigError unknown_name(const std::string& name) const {
    const std::string suggestion = schema_.closest_variable(name);
    const std::string hint = suggestion.empty()
                                 ? "; `trader-config --env-example` lists every setting"
                                 : "; did you mean " + suggestion + "?";
    for (const KeySet& table : schema_.tables()) {
      for (const Key& key : table.keys()) {
        const std::string& variable = key.info.variable;
        if (name.size() >= variable.size() + 8 && name.starts_with(variable)) {
          return {variable + "...",
                  fmt::format("unknown setting: {} followed by {} more characters (not shown: a "
                              "value may be joined to the name){}",
                              variable, name.size() - variable.size(), hint)};
        }
      }
    }
    return {name, "unknown setting" + hint};
  }

  // One JSON section value. It may hold both keys, so an error describes it by position only
  // (issue 11 item 3), and a field name is shown only when it is, or is near, a known field.
  void take_section(const std::string& name, const std::string& value, Source source) {
    std::vector<std::pair<std::string, std::string>> fields;
    try {
      fields = detail::parse_flat_object(value);
    } catch (const detail::JsonSyntaxError& e) {
      result_.errors.emplace_back(name, std::string("not a JSON object: ") + e.what() +
                                            " (the value is not shown: it may hold secrets)");
      return;
    }
    std::vector<std::string> seen;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      const auto& [field, field_value] = fields[i];
      const std::string variable = name + "__" + to_upper(field);
      if (schema_.find(variable) == nullptr) {
        const std::string nearest = is_plain_name(field) ? schema_.closest_variable(variable) : "";
        if (!nearest.empty() && nearest.starts_with(name + "__")) {
          result_.errors.emplace_back(
              name, fmt::format("field {} '{}' is not a setting; did you mean '{}'?", i + 1, field,
                                to_lower(std::string_view(nearest).substr(name.size() + 2))));
        } else {
          std::vector<std::string> known;
          for (const KeySet& table : schema_.tables()) {
            for (const Key& k : table.keys()) {
              if (k.info.section == name) known.push_back(k.info.name);
            }
          }
          result_.errors.emplace_back(
              name, fmt::format("field {} is not a setting of this section (its name is not "
                                "shown: it may hold secrets); the fields are {}",
                                i + 1, join(known, ", ")));
        }
        continue;
      }
      // Issue 11 item 21: {"api_key":"a","api_key":"b"} must not keep one silently.
      if (std::find(seen.begin(), seen.end(), variable) != seen.end()) {
        result_.errors.emplace_back(
            name, fmt::format("field '{}' appears twice (again as field {}); remove one",
                              to_lower(field), i + 1));
        continue;
      }
      seen.push_back(variable);
      sections_[variable] = Assignment{field_value, source, name};
    }
  }

  void take(const Variables& variables, Source source) {
    for (const auto& [raw_name, value] : variables) {
      const std::string name = to_upper(raw_name);
      if (name.rfind("ALGO_", 0) != 0) continue;  // not ours (a .env may hold other tools' keys)
      // The environment allows any name; one with, say, ':' may hold a key (ALGO_X:PK...=).
      const auto bad = std::find_if_not(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
      });
      if (bad != name.end()) {
        result_.errors.emplace_back(
            std::string(to_string(source)),
            fmt::format("a variable named ALGO_... has a character not allowed in names at "
                        "character {} (the name is not shown: it may hold secrets)",
                        bad - name.begin() + 1));
        continue;
      }
      if (schema_.find(name) != nullptr) {
        // An environment variable holding exactly its .env value came from the .env file
        // (a shell's `set -a; . .env`, Compose's env_file): report it as such.
        const auto earlier = direct_.find(name);
        if (source == Source::environment && earlier != direct_.end() &&
            earlier->second.source == Source::dotenv && earlier->second.value == value) {
          continue;
        }
        direct_[name] = Assignment{value, source, ""};
        continue;
      }
      if (schema_.is_setting_name(name)) {  // a section given as one JSON object
        if (source == Source::dotenv) dotenv_sections_[name] = value;
        const auto earlier = dotenv_sections_.find(name);
        if (source == Source::environment && earlier != dotenv_sections_.end() &&
            earlier->second == value) {
          continue;  // the .env value again: its errors are already listed
        }
        take_section(name, value, source);
        continue;
      }
      result_.errors.push_back(unknown_name(name));
    }
  }

  const Schema& schema_;
  LoadResult result_;
  std::map<std::string, Assignment> direct_;            // key variable -> value
  std::map<std::string, Assignment> sections_;          // key variable -> value from a section
  std::map<std::string, std::string> dotenv_sections_;  // section -> its value in .env
};

}  // namespace

Schema::Schema() { add(settings_keys()); }

void Schema::add(KeySet table) {
  const bool first = tables_.empty();
  for (const std::string& section : table.sections()) {
    if (section.empty() && !first) {
      throw std::logic_error("a key table added to a schema must name a section for every key");
    }
    for (const KeySet& other : tables_) {
      const auto others = other.sections();
      if (!section.empty() && std::find(others.begin(), others.end(), section) != others.end()) {
        throw std::logic_error("the section " + section + " is already in the schema");
      }
    }
  }
  // Errors never show a value of a section that holds a secret: a key pasted one line off lands
  // in a neighbour (issue 11 item 3).
  for (Key& key : table.keys_) {
    if (find(key.info.variable) != nullptr) {
      throw std::logic_error(key.info.variable + " is already in the schema");
    }
    if (key.info.section.empty()) continue;
    for (const Key& other : table.keys()) {
      if (other.info.secret && other.info.section == key.info.section) key.info.sensitive = true;
    }
  }
  tables_.push_back(std::move(table));
}

const KeySet::Key* Schema::find(std::string_view variable) const noexcept {
  for (const KeySet& table : tables_) {
    if (const Key* key = table.find(variable)) return key;
  }
  return nullptr;
}

bool Schema::is_setting_name(std::string_view name) const {
  const std::string upper = to_upper(name);
  if (find(upper) != nullptr) return true;
  for (const KeySet& table : tables_) {
    for (const Key& key : table.keys()) {
      if (!key.info.section.empty() && key.info.section == upper) return true;
    }
  }
  return false;
}

LoadResult Schema::inspect(const Sources& sources) const { return Loader(*this).run(sources); }

Settings Schema::load(const Sources& sources) const {
  LoadResult result = inspect(sources);
  if (!result.errors.empty()) throw ConfigErrors(std::move(result.errors));
  return std::move(result.settings);
}

std::string Schema::closest_variable(std::string_view name) const {
  const std::string upper = to_upper(name);
  std::vector<std::string> names;
  for (const KeySet& table : tables_) {
    for (const Key& key : table.keys()) names.push_back(key.info.variable);
  }
  std::string nearest = core::closest(upper, names);
  // ALGO_FOO is no typo of ALGO_DB_PATH: a suggestion must be within a quarter of the name, and
  // within 4 edits, so a name shown with its suggestion holds no long piece of anything else.
  const std::size_t stem = upper.starts_with("ALGO_") ? upper.size() - 5 : upper.size();
  const std::size_t limit = std::clamp<std::size_t>(stem / 4, 1, 4);
  if (nearest.empty() || core::edit_distance(upper, nearest) > limit) return "";
  return nearest;
}

const Schema& Schema::core() {
  static const Schema schema;  // immutable after first use
  return schema;
}

LoadResult inspect(const Sources& sources) { return Schema::core().inspect(sources); }

Settings load(const Sources& sources) { return Schema::core().load(sources); }

std::string closest_variable(std::string_view name) {
  return Schema::core().closest_variable(name);
}

}  // namespace trader::config
