// The .env reader. A .env file holds the API keys, so an error names the file, the line and what
// is wrong, and quotes nothing from the line but a known setting name (issue 11 items 4, 16, 21).
#include <fmt/core.h>

#include <map>

#include <trader/config/load.hpp>
#include <trader/core/text.hpp>

namespace trader::config {
namespace {

constexpr std::string_view kNotShown = " (the line is not shown: it may hold secrets)";

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

// One character of a line, described without quoting anything but punctuation.
std::string describe(char c) {
  if (c == ' ') return "a space";
  if (c == '\t') return "a tab";
  if (c == '"') return "a double quote";
  if (c == '\'') return "a single quote";
  const auto byte = static_cast<unsigned char>(c);
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return "a letter or digit";
  }
  if (byte > 0x20 && byte < 0x7f) return fmt::format("'{}'", c);
  return fmt::format("the byte 0x{:02X}", byte);
}

class LineReader {
 public:
  LineReader(std::string_view line, std::string where, const Schema& schema)
      : line_(line), where_(std::move(where)), schema_(schema) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw ConfigError(where_, problem + std::string(kNotShown));
  }

  // NAME=VALUE after an optional `export`.
  std::pair<std::string, std::string> assignment() {
    if (line_.starts_with("export") && line_.size() > 6 && is_blank(line_[6])) {
      pos_ = 6;
      skip_blanks();
    }
    const std::size_t start = pos_;
    if (pos_ >= line_.size() || !is_name_start(line_[pos_])) {
      fail("expected NAME=VALUE; the line does not start with a variable name");
    }
    while (pos_ < line_.size() && is_name_char(line_[pos_])) ++pos_;
    std::string name(line_.substr(start, pos_ - start));
    const std::size_t after_name = pos_;
    skip_blanks();
    if (pos_ >= line_.size() || line_[pos_] != '=') {
      // The name is shown only when it is one of ours: a key glued to its name must not be.
      const std::string after =
          schema_.is_setting_name(name) ? "after " + core::to_upper(name) : "after the name";
      if (after_name >= line_.size()) fail("expected NAME=VALUE; no '=' " + after);
      fail(fmt::format("expected NAME=VALUE; {} at character {} {} where '=' belongs",
                       describe(line_[after_name]), after_name + 1, after));
    }
    ++pos_;
    skip_blanks();
    return {std::move(name), value()};
  }

 private:
  void skip_blanks() {
    while (pos_ < line_.size() && is_blank(line_[pos_])) ++pos_;
  }

  std::string value() {
    if (pos_ < line_.size() && (line_[pos_] == '"' || line_[pos_] == '\'')) return quoted();
    std::string_view text = line_.substr(pos_);
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (text[i] == '#' && is_blank(text[i - 1])) {
        text = text.substr(0, i);
        break;
      }
    }
    while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
    if (!text.empty() && (text.back() == '"' || text.back() == '\'')) {
      fail(fmt::format("unbalanced quotes: the value ends with {} but does not start with one",
                       describe(text.back())));
    }
    return std::string(text);
  }

  // '...' is literal; "..." knows \\ \" \n \t \r. Both close on the same line, and only blanks
  // or a comment may follow: `"PK"SECRET"` would otherwise lose everything after the second quote.
  std::string quoted() {
    const char quote = line_[pos_];
    const std::size_t open = pos_ + 1;
    ++pos_;
    std::string out;
    while (pos_ < line_.size() && line_[pos_] != quote) {
      char c = line_[pos_++];
      if (quote == '"' && c == '\\' && pos_ < line_.size()) {
        switch (const char e = line_[pos_]; e) {
          case '\\':
          case '"':
            c = e;
            ++pos_;
            break;
          case 'n':
            c = '\n';
            ++pos_;
            break;
          case 't':
            c = '\t';
            ++pos_;
            break;
          case 'r':
            c = '\r';
            ++pos_;
            break;
          default:
            break;  // any other backslash stays as written
        }
      }
      out += c;
    }
    if (pos_ >= line_.size()) {
      fail(fmt::format("unbalanced quotes: {} opened at character {} is not closed on this line",
                       describe(quote), open));
    }
    ++pos_;
    skip_blanks();
    if (pos_ < line_.size() && line_[pos_] != '#') {
      fail(fmt::format(
          "unbalanced quotes: text follows {} that closes the value (at character {}; quote the "
          "whole value once)",
          describe(quote), pos_ + 1));
    }
    return out;
  }

  std::string_view line_;
  std::string where_;
  const Schema& schema_;
  std::size_t pos_ = 0;
};

}  // namespace

Variables parse_dotenv(std::string_view text, const std::string& file_name) {
  return parse_dotenv(text, file_name, Schema::core());
}

Variables parse_dotenv(std::string_view text, const std::string& file_name, const Schema& schema) {
  // A UTF-8 byte order mark (Windows editors write one) is no part of the first name.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF")) {
    throw ConfigError(file_name + ":1", "the file is UTF-16; save it as UTF-8");
  }
  Variables out;
  std::map<std::string, std::size_t> first_line;  // ALGO_ name in upper case -> line
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (!line.empty() && is_blank(line.front())) line.remove_prefix(1);
    while (!line.empty() && is_blank(line.back())) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const std::string where = file_name + ":" + std::to_string(line_number);
    auto [name, value] = LineReader(line, where, schema).assignment();
    const std::string upper = core::to_upper(name);
    if (upper.starts_with("ALGO_")) {
      const auto [earlier, added] = first_line.emplace(upper, line_number);
      if (!added) {
        const std::string what = schema.is_setting_name(upper) ? upper : "the same variable";
        throw ConfigError(where, fmt::format("{} is set twice in this file (first on line {}); "
                                             "remove one",
                                             what, earlier->second));
      }
    }
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace trader::config
