#include "core/json_write.hpp"

#include <fmt/core.h>

#include <charconv>
#include <cmath>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <trader/core/error.hpp>
#include <trader/core/json_text.hpp>

namespace trader::core::detail {
namespace {

bool all_objects(const boost::json::array& array) {
  for (const auto& element : array) {
    if (!element.is_object()) return false;
  }
  return !array.empty();
}

void newline(std::string& out, int depth) {
  out += '\n';
  out.append(static_cast<std::size_t>(depth), ' ');
}

void write(std::string& out, const boost::json::value& value, JsonLayout layout, int depth) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out += "null";
      return;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::int64:
      out += fmt::format("{}", value.get_int64());
      return;
    case boost::json::kind::uint64:
      out += fmt::format("{}", value.get_uint64());
      return;
    case boost::json::kind::double_: {
      const double d = value.get_double();
      out += std::isfinite(d) ? fmt::format("{}", d) : std::string("null");
      return;
    }
    case boost::json::kind::string: {
      const auto& s = value.get_string();
      append_json_string(out, std::string_view(s.data(), s.size()));
      return;
    }
    case boost::json::kind::array: {
      const auto& array = value.get_array();
      const bool lines = layout == JsonLayout::records && all_objects(array);
      out += '[';
      bool first = true;
      for (const auto& element : array) {
        if (!first) out += lines ? "," : ", ";
        first = false;
        if (lines) newline(out, depth + 1);
        write(out, element, layout, depth + 1);
      }
      if (lines) newline(out, depth);
      out += ']';
      return;
    }
    case boost::json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& member : value.get_object()) {
        if (!first) out += ", ";
        first = false;
        append_json_string(out, std::string_view(member.key().data(), member.key().size()));
        out += ": ";
        write(out, member.value(), layout, depth + 1);
      }
      out += '}';
      return;
    }
  }
}

// basic_parser's handler: Boost.JSON's own value building (value_stack), except that a double is
// read from its text with std::from_chars, correctly rounded. Boost 1.81's parser may miss by an
// ulp ("1.8823529411764706" would read back as ...703), and a stored metric must read back as
// the number that was written.
class PreciseBuilder {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
  using error_code = boost::json::error_code;
  using string_view = boost::json::string_view;

  bool on_document_begin(error_code&) {
    stack_.reset();
    return true;
  }
  bool on_document_end(error_code&) { return true; }
  bool on_array_begin(error_code&) { return true; }
  bool on_array_end(std::size_t n, error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_object_begin(error_code&) { return true; }
  bool on_object_end(std::size_t n, error_code&) {
    stack_.push_object(n);
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    stack_.push_key(s);
    return true;
  }
  bool on_number_part(string_view s, error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t v, string_view, error_code&) {
    number_.clear();
    stack_.push_int64(v);
    return true;
  }
  bool on_uint64(std::uint64_t v, string_view, error_code&) {
    number_.clear();
    stack_.push_uint64(v);
    return true;
  }
  bool on_double(double v, string_view s, error_code&) {
    number_.append(s.data(), s.size());
    double exact = v;
    const auto [end, error] =
        std::from_chars(number_.data(), number_.data() + number_.size(), exact);
    if (error != std::errc{} || end != number_.data() + number_.size()) exact = v;
    number_.clear();
    stack_.push_double(exact);
    return true;
  }
  bool on_bool(bool v, error_code&) {
    stack_.push_bool(v);
    return true;
  }
  bool on_null(error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

  [[nodiscard]] boost::json::value release() { return stack_.release(); }

 private:
  boost::json::value_stack stack_;
  std::string number_;
};

}  // namespace

void append_json(std::string& out, const boost::json::value& value, JsonLayout layout) {
  write(out, value, layout, 0);
}

std::string to_json(const boost::json::value& value, JsonLayout layout) {
  std::string out;
  append_json(out, value, layout);
  return out;
}

boost::json::value parse_json(std::string_view text, std::string_view what) {
  boost::json::basic_parser<PreciseBuilder> parser{boost::json::parse_options{}};
  boost::json::error_code error;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), error);
  if (error) {
    throw Error(
        fmt::format("{} is not valid JSON ({} at character {})", what, error.message(), used + 1));
  }
  if (used != text.size()) {
    throw Error(
        fmt::format("{} is not valid JSON (more after the value at character {})", what, used + 1));
  }
  return parser.handler().release();
}

}  // namespace trader::core::detail
