#include "alpaca/exact_json.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <charconv>
#include <utility>

#include <trader/core/error.hpp>

namespace trader::alpaca::detail {
namespace {

using Kind = JsonValue::Kind;
using boost::json::error_code;

std::string_view view(boost::json::string_view s) noexcept { return {s.data(), s.size()}; }

// The first 200 characters: an error quotes enough of a body to recognise it, not a whole page.
std::string excerpt(std::string_view text) {
  constexpr std::size_t kMax = 200;
  return text.size() <= kMax ? std::string(text) : std::string(text.substr(0, kMax)) + "...";
}

// basic_parser's handler: builds a JsonValue tree, keeping every number's text. Strings, keys
// and numbers may arrive in parts (only when the input is split, but cheap to support).
class Builder {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return open(Kind::array); }
  bool on_array_end(std::size_t, error_code&) { return close(); }
  bool on_object_begin(error_code&) { return open(Kind::object); }
  bool on_object_end(std::size_t, error_code&) { return close(); }
  bool on_string_part(boost::json::string_view s, std::size_t, error_code&) { return part(s); }
  bool on_string(boost::json::string_view s, std::size_t, error_code&) {
    return finish(Kind::string, s);
  }
  bool on_key_part(boost::json::string_view s, std::size_t, error_code&) { return part(s); }
  bool on_key(boost::json::string_view s, std::size_t, error_code&) {
    part_.append(view(s));
    stack_.back().add_key(std::exchange(part_, {}));
    return true;
  }
  bool on_number_part(boost::json::string_view s, error_code&) { return part(s); }
  bool on_int64(std::int64_t, boost::json::string_view s, error_code&) {
    return finish(Kind::number, s);
  }
  bool on_uint64(std::uint64_t, boost::json::string_view s, error_code&) {
    return finish(Kind::number, s);
  }
  bool on_double(double, boost::json::string_view s, error_code&) {
    return finish(Kind::number, s);
  }
  bool on_bool(bool value, error_code&) {
    add(JsonValue(Kind::boolean, value ? "true" : "false"));
    return true;
  }
  bool on_null(error_code&) {
    add(JsonValue{});
    return true;
  }
  // Comments are off in the parse options; these only satisfy the interface.
  bool on_comment_part(boost::json::string_view, error_code&) { return true; }
  bool on_comment(boost::json::string_view, error_code&) { return true; }

  [[nodiscard]] JsonValue take_result() { return std::move(root_); }

 private:
  bool open(Kind kind) {
    stack_.emplace_back(kind, std::string{});
    return true;
  }
  bool close() {
    JsonValue done = std::move(stack_.back());
    stack_.pop_back();
    add(std::move(done));
    return true;
  }
  bool part(boost::json::string_view s) {
    part_.append(view(s));
    return true;
  }
  bool finish(Kind kind, boost::json::string_view last) {
    part_.append(view(last));
    add(JsonValue(kind, std::exchange(part_, {})));
    return true;
  }
  void add(JsonValue value) {
    if (stack_.empty()) {
      root_ = std::move(value);
    } else {
      stack_.back().add_item(std::move(value));
    }
  }

  std::vector<JsonValue> stack_;  // the open arrays and objects, innermost last
  JsonValue root_;
  std::string part_;
};

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

}  // namespace

const JsonValue* JsonValue::find(std::string_view key) const noexcept {
  if (kind_ != Kind::object) return nullptr;
  // The last one wins for a duplicated key, as in most parsers.
  for (std::size_t i = keys_.size(); i-- > 0;) {
    if (keys_[i] == key) return &items_[i];
  }
  return nullptr;
}

JsonValue parse_json(std::string_view text) {
  boost::json::basic_parser<Builder> parser{boost::json::parse_options{}};
  error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (ec) {
    throw ParseError("JSON (" + ec.message() + " at offset " + std::to_string(used) + ")",
                     excerpt(text));
  }
  if (used != text.size()) {
    throw ParseError("JSON with nothing after it (offset " + std::to_string(used) + ")",
                     excerpt(text));
  }
  return parser.handler().take_result();
}

core::Decimal decimal_from_json_number(std::string_view text) {
  const auto fail = [&]() -> core::Decimal {
    throw ParseError("a JSON number", std::string(text));
  };
  std::size_t i = 0;
  const bool negative = i < text.size() && text[i] == '-';
  if (negative) ++i;
  std::string digits;
  while (i < text.size() && is_digit(text[i])) digits += text[i++];
  const auto whole_digits = static_cast<long>(digits.size());
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) digits += text[i++];
  }
  long exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && text[i] == '+') ++i;
    const auto [end, error] = std::from_chars(text.data() + i, text.data() + text.size(), exponent);
    if (error != std::errc{} || end == text.data() + i) return fail();
    i = static_cast<std::size_t>(end - text.data());
  }
  // A Decimal holds at most 11 whole digits; past +-400 the text cannot be a price at all.
  if (i != text.size() || digits.empty() || exponent < -400 || exponent > 400) return fail();

  // Plain notation "whole.fraction" from the digits and where the decimal point falls.
  const long point = whole_digits + exponent;
  std::string whole;
  std::string fraction;
  if (point <= 0) {
    whole = "0";
    fraction = std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else if (point >= static_cast<long>(digits.size())) {
    whole = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    whole = digits.substr(0, static_cast<std::size_t>(point));
    fraction = digits.substr(static_cast<std::size_t>(point));
  }
  bool round_away = false;
  if (fraction.size() > static_cast<std::size_t>(core::Decimal::kFractionDigits)) {
    const std::string_view dropped =
        std::string_view(fraction).substr(core::Decimal::kFractionDigits);
    const bool above_half =
        dropped.front() > '5' ||
        (dropped.front() == '5' &&
         std::any_of(dropped.begin() + 1, dropped.end(), [](char c) { return c != '0'; }));
    const bool tie = dropped.front() == '5' && !above_half;
    const bool last_kept_odd = (fraction[core::Decimal::kFractionDigits - 1] - '0') % 2 == 1;
    round_away = above_half || (tie && last_kept_odd);
    fraction.resize(core::Decimal::kFractionDigits);
  }
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size() - 1));
  if (whole.size() > 12) return fail();
  const std::string plain =
      (negative ? "-" : "") + whole + (fraction.empty() ? "" : "." + fraction);
  core::Decimal value;
  try {
    value = core::Decimal::parse(plain);
  } catch (const ParseError&) {
    return fail();
  }
  if (!round_away) return value;
  const auto unit = core::Decimal::from_units(1);
  return negative ? value - unit : value + unit;
}

}  // namespace trader::alpaca::detail
