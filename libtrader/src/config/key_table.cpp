// The key table: value parsers (each names what it accepts) and the checks every declaration
// passes (issue 12 item 7).
#include <trader/config/key_table.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include <trader/core/text.hpp>

namespace trader::config {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// ALGO_ and upper-case letters, digits and '_' (a section), or lower-case ones (a key's name).
bool is_section_name(std::string_view section) {
  return section.size() > 5 && section.starts_with("ALGO_") && !section.ends_with("_") &&
         section.find("__") == std::string_view::npos &&
         std::all_of(section.begin(), section.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
         });
}

bool is_key_name(std::string_view name) {
  return !name.empty() && name.front() != '_' && name.back() != '_' &&
         name.find("__") == std::string_view::npos &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
         });
}

}  // namespace

// ---- value parsers --------------------------------------------------------------------------

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return std::string(text);
}

int parse_integer(std::string_view text, int lo, int hi) {
  const std::string clean = trimmed(text);
  int value = 0;
  const auto* end = clean.data() + clean.size();
  const auto [ptr, ec] = std::from_chars(clean.data(), end, value);
  if (clean.empty() || ec != std::errc{} || ptr != end || value < lo || value > hi) {
    throw ValueError(fmt::format("must be an integer in {}..{}", lo, hi));
  }
  return value;
}

int parse_integer_choice(std::string_view text, const std::vector<int>& choices,
                         std::string_view name) {
  std::vector<std::string> texts;
  texts.reserve(choices.size());
  for (const int c : choices) texts.push_back(std::to_string(c));
  const std::string problem = std::string(name) + " must be one of [" + join(texts, ", ") + "]";
  const std::string clean = trimmed(text);
  int value = 0;
  const auto* end = clean.data() + clean.size();
  const auto [ptr, ec] = std::from_chars(clean.data(), end, value);
  if (clean.empty() || ec != std::errc{} || ptr != end ||
      std::find(choices.begin(), choices.end(), value) == choices.end()) {
    throw ValueError(problem);
  }
  return value;
}

double parse_real(std::string_view text) {
  const std::string clean = trimmed(text);
  char* end = nullptr;
  const double value = std::strtod(clean.c_str(), &end);
  if (clean.empty() || end != clean.c_str() + clean.size() || !std::isfinite(value)) {
    throw ValueError("must be a number");
  }
  return value;
}

core::Decimal parse_decimal(std::string_view text, core::Decimal lo, core::Decimal hi,
                            const std::string& range) {
  core::Decimal value;
  try {
    value = core::Decimal::parse(trimmed(text));
  } catch (const ParseError&) {
    throw ValueError("must be a decimal number between " + range);
  }
  if (value < lo || value > hi) throw ValueError("must be between " + range);
  return value;
}

bool parse_boolean(std::string_view text) {
  const std::string v = core::to_lower(trimmed(text));
  if (v == "true" || v == "1" || v == "yes" || v == "on" || v == "t" || v == "y") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off" || v == "f" || v == "n") return false;
  throw ValueError("must be a boolean (true/false, 1/0, yes/no, on/off, t/f, y/n)");
}

std::string parse_choice(std::string_view text, const std::vector<std::string>& choices,
                         bool upper_case) {
  const std::string value =
      upper_case ? core::to_upper(trimmed(text)) : core::to_lower(trimmed(text));
  for (const auto& choice : choices) {
    if ((upper_case ? core::to_upper(choice) : core::to_lower(choice)) == value) return choice;
  }
  throw ValueError("must be one of " + join(choices, ", "));
}

std::string show_real(double value) {
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

// ---- the erased table -------------------------------------------------------------------------

KeySet::KeySet(std::any defaults, std::string section, std::string group)
    : defaults_(std::move(defaults)) {
  set_section(std::move(section), std::move(group));
}

void KeySet::set_section(std::string section, std::string group) {
  if (!section.empty() && !is_section_name(section)) {
    throw std::logic_error(
        "a key table section is ALGO_ and upper-case letters, digits and '_' "
        "without '__': '" +
        section + "'");
  }
  section_ = std::move(section);
  group_ = std::move(group);
}

void KeySet::add_key(KeyInfo info, std::string allowed,
                     std::function<void(std::any&, std::string_view)> apply,
                     std::function<std::string(const std::any&)> show) {
  if (!is_key_name(info.name)) {
    throw std::logic_error("a key's name is lower-case letters, digits and '_' without '__': '" +
                           info.name + "'");
  }
  info.section = section_;
  info.group = group_;
  info.variable = (section_.empty() ? "ALGO_" : section_ + "__") + core::to_upper(info.name);
  info.allowed = std::move(allowed);
  if (info.secret) info.sensitive = true;
  if (find(info.variable) != nullptr) {
    throw std::logic_error(info.variable + " is declared twice in one key table");
  }
  keys_.push_back(Key{std::move(info), std::move(apply), std::move(show)});
}

void KeySet::add_rule(std::string_view name, std::function<std::string(const std::any&)> check) {
  const std::string variable =
      (section_.empty() ? "ALGO_" : section_ + "__") + core::to_upper(name);
  if (find(variable) == nullptr) {
    throw std::logic_error("a rule names " + variable + ", which is not declared before it");
  }
  rules_.push_back(Rule{variable, std::move(check)});
}

std::vector<std::string> KeySet::sections() const {
  std::vector<std::string> out;
  for (const Key& key : keys_) {
    if (std::find(out.begin(), out.end(), key.info.section) == out.end()) {
      out.push_back(key.info.section);
    }
  }
  return out;
}

const KeySet::Key* KeySet::find(std::string_view variable) const noexcept {
  for (const Key& key : keys_) {
    if (key.info.variable == variable) return &key;
  }
  return nullptr;
}

}  // namespace trader::config
