#pragma once
// A table of configuration keys (issue 12 item 7). Each key binds a variable name to a field of
// a plain struct and declares its type, its default (the field's initial value), what it accepts
// and one line of help. libtrader's own settings (config::Settings) are one table; each strategy
// declares its parameters in another, so a library user adds a strategy with parameters without
// editing libtrader. A config::Schema (trader/config/load.hpp) combines tables for the
// environment, `.env`, `--param` and `trader-config`.
//
//   struct Parameters { int lookback = 10; };
//   config::KeyTable<Parameters> keys("ALGO_MOVING_AVERAGE", "Moving Average");
//   keys.integer({.name = "lookback", .label = "Lookback", .description = "Candles averaged"},
//                &Parameters::lookback, 2, 50);          // ALGO_MOVING_AVERAGE__LOOKBACK, 2..50

#include <any>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <trader/core/decimal.hpp>
#include <trader/core/error.hpp>

namespace trader::config {

class Schema;  // trader/config/load.hpp

// A value a key refuses. what() is the problem as shown after "ALGO_X=value: ", e.g. "must be an
// integer in 5..50": it says what the key accepts and never repeats the value.
class ValueError : public Error {
 public:
  using Error::Error;
};

// One key, whatever it writes to. A table's author gives the first fields; the table fills in
// the others from the declaration.
struct KeyInfo {
  std::string name{};         // sma_fast: lower case; the --param name of a strategy parameter
  std::string label{};        // "SMA Fast" (trader-config)
  std::string description{};  // one line (trader-config, .env.example, --list-strategies)
  bool parameter = true;      // false: a setting in a strategy's section that is no --param
  bool secret = false;        // shown masked (F12), never stored, never in an error
  bool sensitive = false;     // an error never shows the value (it may hold a secret)
  // Filled in by the table:
  std::string variable{};  // ALGO_VELEZ__SMA_FAST (ALGO_<NAME> when the section is "")
  std::string section{};   // ALGO_VELEZ; "" for a key outside any section (ALGO_DB_PATH)
  std::string group{};     // "Velez": the heading trader-config and .env.example show
  std::string allowed{};   // "5..50", "one of 1, 2, 5, 10"; "" only for free text and secrets
};

// The value parsers behind the typed keys: each trims blanks and throws ValueError naming what
// it accepts. For a key declared with KeyTable::custom.
[[nodiscard]] std::string trimmed(std::string_view text);
[[nodiscard]] int parse_integer(std::string_view text, int lo, int hi);  // "must be an integer in"
[[nodiscard]] int parse_integer_choice(std::string_view text, const std::vector<int>& choices,
                                       std::string_view name);
[[nodiscard]] double parse_real(std::string_view text);  // finite
[[nodiscard]] core::Decimal parse_decimal(std::string_view text, core::Decimal lo, core::Decimal hi,
                                          const std::string& range);
[[nodiscard]] bool parse_boolean(
    std::string_view text);  // true/false, 1/0, yes/no, on/off, t/f, y/n
// The choice as written in `choices` (compared in lower case, or upper case when `upper_case`).
[[nodiscard]] std::string parse_choice(std::string_view text,
                                       const std::vector<std::string>& choices, bool upper_case);
[[nodiscard]] std::string show_real(double value);  // "2.0", "0.5", "1e-07"
[[nodiscard]] std::string join(const std::vector<std::string>& parts, std::string_view separator);

// A key table with its value type erased: what a Schema holds and combines. The value is a
// std::any holding the table's struct.
class KeySet {
 public:
  struct Key {
    KeyInfo info;
    std::function<void(std::any& value, std::string_view text)> apply;  // throws ValueError
    std::function<std::string(const std::any& value)> show;
  };
  // A condition between keys: "" or the problem, reported against the key `variable`.
  struct Rule {
    std::string variable;
    std::function<std::string(const std::any& value)> check;
  };

  [[nodiscard]] const std::vector<Key>& keys() const noexcept { return keys_; }
  [[nodiscard]] const std::vector<Rule>& rules() const noexcept { return rules_; }
  // The struct with every default.
  [[nodiscard]] const std::any& defaults() const noexcept { return defaults_; }
  // The sections of its keys, in order of appearance ("" for keys outside a section).
  [[nodiscard]] std::vector<std::string> sections() const;
  [[nodiscard]] const Key* find(std::string_view variable) const noexcept;

 protected:
  KeySet(std::any defaults, std::string section, std::string group);
  void set_section(std::string section, std::string group);
  // Fills in variable, section, group and allowed; throws std::logic_error for a name that is
  // not lower-case [a-z0-9_] or is already declared.
  void add_key(KeyInfo info, std::string allowed,
               std::function<void(std::any&, std::string_view)> apply,
               std::function<std::string(const std::any&)> show);
  void add_rule(std::string_view name, std::function<std::string(const std::any&)> check);

 private:
  friend class Schema;  // marks the keys of a section that holds a secret as sensitive

  std::vector<Key> keys_;
  std::vector<Rule> rules_;
  std::any defaults_;
  std::string section_, group_;
};

// Declares the keys of the struct T. A `field` is a pointer to a member of T (&T::lookback) or
// a callable returning a reference to the field ([](auto& s) -> auto& { return s.risk.x; }).
template <class T>
class KeyTable : public KeySet {
 public:
  // Keys named ALGO_<SECTION>__<NAME>, shown under `group`. `section` is "ALGO_" and upper-case
  // [A-Z0-9_] (std::logic_error otherwise), or "" for keys named ALGO_<NAME>.
  KeyTable(std::string section, std::string group, T defaults = T{})
      : KeySet(std::any(std::move(defaults)), std::move(section), std::move(group)) {}

  // The keys declared next belong to another section (a table of several, like Settings).
  KeyTable& begin_section(std::string section, std::string group) {
    set_section(std::move(section), std::move(group));
    return *this;
  }

  // An int in lo..hi: "must be an integer in 5..50".
  template <class Field>
  KeyTable& integer(KeyInfo info, Field field, int lo, int hi) {
    return typed(
        std::move(info), std::to_string(lo) + ".." + std::to_string(hi), field,
        [lo, hi](std::string_view text) { return parse_integer(text, lo, hi); },
        [](int value) { return std::to_string(value); });
  }
  // An int from a short list: "candle_interval_minutes must be one of [1, 2, 5, 10]".
  template <class Field>
  KeyTable& integer_choice(KeyInfo info, Field field, std::vector<int> choices) {
    std::vector<std::string> texts;
    texts.reserve(choices.size());
    for (const int c : choices) texts.push_back(std::to_string(c));
    std::string name = info.name;
    return typed(
        std::move(info), "one of " + join(texts, ", "), field,
        [choices = std::move(choices), name = std::move(name)](std::string_view text) {
          return parse_integer_choice(text, choices, name);
        },
        [](int value) { return std::to_string(value); });
  }
  // A double in lo..hi (inclusive): "must be between 0.5..5.0".
  template <class Field>
  KeyTable& real(KeyInfo info, Field field, double lo, double hi) {
    std::string range = show_real(lo) + ".." + show_real(hi);
    return typed(
        std::move(info), range, field,
        [lo, hi, range](std::string_view text) {
          const double value = parse_real(text);
          if (value < lo || value > hi) throw ValueError("must be between " + range);
          return value;
        },
        [](double value) { return show_real(value); });
  }
  // An exact Decimal in lo..hi (inclusive), the bounds as written: "0.05", "1.0".
  template <class Field>
  KeyTable& decimal(KeyInfo info, Field field, std::string_view lo, std::string_view hi) {
    std::string range = std::string(lo) + ".." + std::string(hi);
    return typed(
        std::move(info), range, field,
        [low = core::Decimal::parse(lo), high = core::Decimal::parse(hi),
         range](std::string_view text) { return parse_decimal(text, low, high, range); },
        [](core::Decimal value) { return value.to_string(); });
  }
  template <class Field>
  KeyTable& boolean(KeyInfo info, Field field) {
    return typed(
        std::move(info), "true/false", field,
        [](std::string_view text) { return parse_boolean(text); },
        [](bool value) { return std::string(value ? "True" : "False"); });
  }
  // A std::string from a list, stored as written in `choices`.
  template <class Field>
  KeyTable& choice(KeyInfo info, Field field, std::vector<std::string> choices,
                   bool upper_case = false) {
    std::string allowed = "one of " + join(choices, ", ");
    return typed(
        std::move(info), std::move(allowed), field,
        [choices = std::move(choices), upper_case](std::string_view text) {
          return parse_choice(text, choices, upper_case);
        },
        [](const std::string& value) { return value; });
  }
  // Any other type or rule: `apply` parses into the struct (throwing ValueError), `show` prints
  // the field. `allowed` says what it accepts.
  KeyTable& custom(KeyInfo info, std::string allowed,
                   std::function<void(T&, std::string_view)> apply,
                   std::function<std::string(const T&)> show) {
    add_key(
        std::move(info), std::move(allowed),
        [apply = std::move(apply)](std::any& value, std::string_view text) {
          apply(std::any_cast<T&>(value), text);
        },
        [show = std::move(show)](const std::any& value) {
          return show(std::any_cast<const T&>(value));
        });
    return *this;
  }
  // A condition between keys, checked after every value is read: `check` returns "" or the
  // problem ("must be below ALGO_X__SLOW (30)"), reported against the key `name`.
  KeyTable& rule(std::string_view name, std::function<std::string(const T&)> check) {
    add_rule(name, [check = std::move(check)](const std::any& value) {
      return check(std::any_cast<const T&>(value));
    });
    return *this;
  }

  // The struct a load produced for this table (see config::LoadResult::values).
  [[nodiscard]] static const T& value(const std::any& value) {
    return std::any_cast<const T&>(value);
  }

 private:
  template <class Field, class Parse, class Show>
  KeyTable& typed(KeyInfo info, std::string allowed, Field field, Parse parse, Show show) {
    add_key(
        std::move(info), std::move(allowed),
        [field, parse = std::move(parse)](std::any& value, std::string_view text) {
          std::invoke(field, std::any_cast<T&>(value)) = parse(text);
        },
        [field, show = std::move(show)](const std::any& value) {
          return show(std::invoke(field, std::any_cast<const T&>(value)));
        });
    return *this;
  }
};

}  // namespace trader::config
