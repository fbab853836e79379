#include <trader/core/json_text.hpp>

#include <trader/core/text.hpp>

namespace trader::core {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_u_escape(std::string& out, char32_t code_point) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(code_point >> shift) & 0xFU];
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Printable ASCII other than '"' and '\\' is copied in runs (the common case).
    std::size_t run = i;
    while (run < text.size()) {
      const auto c = static_cast<unsigned char>(text[run]);
      if (c < 0x20 || c >= 0x7F || c == '"' || c == '\\') break;
      ++run;
    }
    out.append(text.substr(i, run - i));
    i = run;
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          append_u_escape(out, c);  // the other C0 controls, DEL
      }
      ++i;
      continue;
    }
    const Utf8Step step = decode_utf8(text.substr(i));
    if (!step.valid) {
      out += "\xEF\xBF\xBD";  // U+FFFD for each maximal invalid subpart
    } else if (step.code_point <= 0x9F || step.code_point == 0x2028 || step.code_point == 0x2029) {
      append_u_escape(out, step.code_point);  // C1 controls; line breaks to JavaScript
    } else {
      out.append(text.substr(i, step.length));
    }
    i += step.length;
  }
  out += '"';
}

std::string json_quote(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace trader::core
