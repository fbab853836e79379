#include <trader/core/text.hpp>

#include <algorithm>
#include <vector>

namespace trader::core {

std::string to_upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string closest(std::string_view name, std::span<const std::string> candidates) {
  std::string best;
  std::size_t best_distance = static_cast<std::size_t>(-1);
  for (const std::string& candidate : candidates) {
    const std::size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

}  // namespace trader::core

namespace trader::core {

Utf8Step decode_utf8(std::string_view text) noexcept {
  if (text.empty()) return {};
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1, true};
  // The length of the sequence and the range of its second byte (Unicode table 3-7); the
  // third and fourth bytes are always 80..BF.
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  char32_t code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1FU;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0FU;
    if (lead == 0xE0) low = 0xA0;   // no overlongs
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07U;
    if (lead == 0xF0) low = 0x90;   // no overlongs
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return {U'\uFFFD', 1, false};  // 80..C1 (continuations, overlong leads), F5..FF
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (i >= text.size()) return {U'\uFFFD', i, false};
    const unsigned char next = byte(i);
    if (next < low || next > high) return {U'\uFFFD', i, false};
    code_point = (code_point << 6) | (next & 0x3FU);
    low = 0x80;
    high = 0xBF;
  }
  return {code_point, length, true};
}

bool is_valid_utf8(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const Utf8Step step = decode_utf8(text.substr(i));
    if (!step.valid) return false;
    i += step.length;
  }
  return true;
}

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

void append_hex_byte(std::string& out, unsigned char byte) {
  out += "\\x";
  out += kHexDigits[byte >> 4];
  out += kHexDigits[byte & 0xF];
}

// A code point a terminal or a text renderer would act on rather than show.
bool is_hidden_control(char32_t c) noexcept {
  return (c >= 0x80 && c <= 0x9F) || c == 0x200E || c == 0x200F || (c >= 0x2028 && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

}  // namespace

std::string escape_for_message(std::string_view text, std::size_t max_chars) {
  std::string out;
  out.reserve(std::min(text.size(), max_chars == kNoLimit ? text.size() : max_chars * 4) + 3);
  std::size_t chars = 0;
  std::size_t i = 0;
  for (; i < text.size() && chars < max_chars; ++chars) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F) {
      if (byte == '\\') out += '\\';
      out += static_cast<char>(byte);
      ++i;
      continue;
    }
    if (byte < 0x80) {
      if (byte == '\n') {
        out += "\\n";
      } else if (byte == '\r') {
        out += "\\r";
      } else if (byte == '\t') {
        out += "\\t";
      } else {
        append_hex_byte(out, byte);  // other C0 controls, DEL
      }
      ++i;
      continue;
    }
    const Utf8Step step = decode_utf8(text.substr(i));
    if (!step.valid) {
      for (std::size_t k = 0; k < step.length; ++k) {
        append_hex_byte(out, static_cast<unsigned char>(text[i + k]));
      }
    } else if (is_hidden_control(step.code_point)) {
      out += "\\u";
      for (int shift = 12; shift >= 0; shift -= 4)
        out += kHexDigits[(step.code_point >> shift) & 0xF];
    } else {
      out.append(text.substr(i, step.length));
    }
    i += step.length;
  }
  if (i < text.size()) out += "...";
  return out;
}

std::string quote_for_message(std::string_view text, std::size_t max_chars) {
  std::string out = "'";
  out += escape_for_message(text, max_chars);
  out += '\'';
  return out;
}

}  // namespace trader::core
