#include "config/flat_json.hpp"

#include <string>

namespace trader::config::detail {

JsonSyntaxError::JsonSyntaxError(std::string expected, std::size_t character)
    : Error("expected " + expected + " at character " + std::to_string(character)),
      expected_(std::move(expected)),
      character_(character) {}

namespace {

class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  void skip_blanks() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool take(char c) {
    skip_blanks();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("'") + c + "'");
  }
  [[nodiscard]] bool at_end() {
    skip_blanks();
    return pos_ >= text_.size();
  }
  [[noreturn]] void fail(const std::string& expected) const {
    throw JsonSyntaxError(expected, pos_ + 1);
  }

  std::string string_value() {
    skip_blanks();
    if (pos_ >= text_.size() || text_[pos_] != '"') fail("a string");
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\\') {
        if (pos_ >= text_.size()) fail("an escape");
        const char e = text_[pos_++];
        switch (e) {
          case 'n':
            c = '\n';
            break;
          case 't':
            c = '\t';
            break;
          case 'r':
            c = '\r';
            break;
          case 'b':
            c = '\b';
            break;
          case 'f':
            c = '\f';
            break;
          case '"':
          case '\\':
          case '/':
            c = e;
            break;
          default:
            fail("a simple escape (\\u is not supported in settings)");
        }
      }
      out += c;
    }
    if (pos_ >= text_.size()) fail("a closing quote");
    ++pos_;
    return out;
  }

  // A scalar as text: strings unquoted, numbers and literals verbatim.
  std::string scalar() {
    skip_blanks();
    if (pos_ < text_.size() && text_[pos_] == '"') return string_value();
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}' && text_[pos_] != ']' &&
           text_[pos_] != ' ' && text_[pos_] != '\n') {
      if (text_[pos_] == '{' || text_[pos_] == '[')
        fail("a scalar (nested values are not settings)");
      ++pos_;
    }
    if (pos_ == start) fail("a value");
    return std::string(text_.substr(start, pos_ - start));
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_flat_object(std::string_view text) {
  Reader in(text);
  std::vector<std::pair<std::string, std::string>> out;
  in.expect('{');
  if (!in.take('}')) {
    do {
      std::string key = in.string_value();
      in.expect(':');
      out.emplace_back(std::move(key), in.scalar());
    } while (in.take(','));
    in.expect('}');
  }
  if (!in.at_end()) in.fail("the end of the object");
  return out;
}

std::vector<std::string> parse_string_array(std::string_view text) {
  Reader in(text);
  std::vector<std::string> out;
  in.expect('[');
  if (!in.take(']')) {
    do {
      out.push_back(in.string_value());
    } while (in.take(','));
    in.expect(']');
  }
  if (!in.at_end()) in.fail("the end of the array");
  return out;
}

}  // namespace trader::config::detail
