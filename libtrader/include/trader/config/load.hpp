#pragma once
// Settings from code defaults < `.env` in the working directory < process environment (F12).
// Names: `ALGO_` prefix, `__` between section and field, matched case-insensitively. A section
// may also be one JSON object (ALGO_RISK='{"max_open_positions":3}'); the single variable wins.
// Which names exist is a Schema: libtrader's settings plus further key tables (a strategy's
// parameters, trader/config/key_table.hpp).

#include <any>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trader/config/key_table.hpp>
#include <trader/config/settings.hpp>
#include <trader/core/error.hpp>

namespace trader::config {

// One invalid or unknown variable (F12). what() is "ALGO_X=value: must be ..." when the value
// may be shown, and "ALGO_X: must be ..." when it is not: no error ever carries a secret's value
// (issue 11 items 3, 4). A value that is a secret or may hold one (a key, a URL, any value of a
// section holding keys, a JSON section, an unknown variable, a .env line that failed to parse) is
// described by position only; `variable` is then a safe name or "file:line".
class ConfigError : public Error {
 public:
  // The value may be shown: `shown_value` is the value as the user should see it (escaped, cut).
  ConfigError(std::string variable, std::string shown_value, std::string problem);
  // The value is not shown.
  ConfigError(std::string variable, std::string problem);
  [[nodiscard]] const std::string& variable() const noexcept { return variable_; }
  // "" when the value is not shown.
  [[nodiscard]] const std::string& shown_value() const noexcept { return shown_value_; }
  [[nodiscard]] bool value_shown() const noexcept { return value_shown_; }
  [[nodiscard]] const std::string& problem() const noexcept { return problem_; }
  // The error with `name` in place of the variable (a tool's option for it):
  // "name=value: problem", or "name: problem" when the value is not shown.
  [[nodiscard]] std::string describe(std::string_view name) const;

 private:
  std::string variable_, shown_value_, problem_;
  bool value_shown_ = true;
};

// Every problem of one load, so a user fixes them all in one go.
class ConfigErrors : public Error {
 public:
  explicit ConfigErrors(std::vector<ConfigError> errors);
  [[nodiscard]] const std::vector<ConfigError>& errors() const noexcept { return errors_; }

 private:
  std::vector<ConfigError> errors_;
};

enum class Source : std::uint8_t { default_value, dotenv, environment, command_line };
// "default", ".env", "env", "--param"
[[nodiscard]] std::string_view to_string(Source source) noexcept;

using Variables = std::vector<std::pair<std::string, std::string>>;

class Schema;

// Where settings come from. Tests build one by hand; tools use from_process().
struct Sources {
  Variables dotenv;         // from the .env file, in file order
  std::string dotenv_path;  // for messages; empty when there was no file
  Variables environment;    // the process environment (only ALGO_* names matter)
  Variables command_line;   // highest: a tool's overrides (e.g. --param) as ALGO_* names

  // The process environment plus `<dir>/.env` (or the file named by TRADER_DOTENV) when it
  // exists. A malformed .env line is a ConfigError naming the file and line (and the variable
  // when `schema` knows it). A variable that holds exactly its .env value is reported with the
  // source .env.
  [[nodiscard]] static Sources from_process(const std::filesystem::path& dir = ".");
  [[nodiscard]] static Sources from_process(const std::filesystem::path& dir, const Schema& schema);
};

// Reads NAME=VALUE lines: optional `export`, # comments (a whole line, or after a blank), a value
// in '...' (literal) or "..." (escapes \\ \" \n \t \r) on one line; a UTF-8 byte order mark is
// skipped. Throws ConfigError naming `file_name`:line and what is wrong, never quoting the line
// (it may hold a key): no '=' after the name, a name that is not NAME, an unclosed or unbalanced
// quote, text after a closing quote, an ALGO_ variable set twice (issue 11 items 4, 16, 21). A
// name is shown only when `schema` knows it (libtrader's settings when none is given).
[[nodiscard]] Variables parse_dotenv(std::string_view text, const std::string& file_name);
[[nodiscard]] Variables parse_dotenv(std::string_view text, const std::string& file_name,
                                     const Schema& schema);

// What one key resolved to, for `trader-config`.
struct KeyReport {
  std::string variable;     // ALGO_RISK__MAX_OPEN_POSITIONS
  std::string group;        // Risk
  std::string label;        // Max Open Positions
  std::string shown_value;  // masked for secrets
  std::string allowed;      // "1..20", "one of iex, sip", ""
  std::string description;
  Source source = Source::default_value;
  bool secret = false;
};

struct LoadResult {
  Settings settings;                // defaults where a value was invalid
  std::vector<KeyReport> keys;      // every key, in display order
  std::vector<ConfigError> errors;  // empty when the configuration is valid
  // The value of each further table of the schema (after libtrader's settings), in its order:
  // values[i] is the struct of schema.tables()[i + 1] (KeyTable<T>::value reads it).
  std::vector<std::any> values;
};

// libtrader's own settings as a key table (every key of config::Settings).
[[nodiscard]] const KeyTable<Settings>& settings_keys();

// Every known key: libtrader's settings first, then each added table. A tool that reads the
// environment loads through the schema that knows every strategy's parameters
// (strategy::StrategyRegistry::schema()), so ALGO_VELEZ__SMA_FAST is neither unknown nor
// unchecked.
class Schema {
 public:
  Schema();  // libtrader's settings only

  // Adds a table (e.g. a strategy's parameters). Throws std::logic_error when one of its
  // sections or variables is already known, or when it has keys outside a section.
  void add(KeySet table);

  [[nodiscard]] const std::vector<KeySet>& tables() const noexcept { return tables_; }
  [[nodiscard]] const KeySet::Key* find(std::string_view variable) const noexcept;  // upper case
  // A name (any case) of a known variable or of a section that may be given as one JSON object:
  // a name safe to show in an error whatever surrounds it.
  [[nodiscard]] bool is_setting_name(std::string_view name) const;

  // Never throws for bad values: collects them.
  [[nodiscard]] LoadResult inspect(const Sources& sources) const;
  // The settings, or ConfigErrors listing every problem.
  [[nodiscard]] Settings load(const Sources& sources) const;
  // The known variable name nearest to `name` when it is near enough to be a typo (an edit
  // distance of at most a quarter of the name after ALGO_, at least 1 and at most 4), else ""
  // (for "did you mean"; issue 11 item 21: ALGO_FOO suggests nothing).
  [[nodiscard]] std::string closest_variable(std::string_view name) const;

  // The schema of libtrader's settings alone (what the free functions below use).
  [[nodiscard]] static const Schema& core();

 private:
  std::vector<KeySet> tables_;
};

// Schema::core().inspect(sources), .load(sources), .closest_variable(name): libtrader's settings
// only, so an ALGO_<STRATEGY>__* variable is unknown to them.
[[nodiscard]] LoadResult inspect(const Sources& sources);
[[nodiscard]] Settings load(const Sources& sources);
[[nodiscard]] std::string closest_variable(std::string_view name);

}  // namespace trader::config
