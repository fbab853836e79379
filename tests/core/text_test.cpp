// Text helpers: UTF-8 decoding, values quoted into messages (issue 11 item 21) and JSON string
// escaping (issue 11 item 20).
#include <trader/core/text.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include <trader/core/error.hpp>
#include <trader/core/json_text.hpp>

using trader::core::decode_utf8;
using trader::core::escape_for_message;
using trader::core::is_valid_utf8;
using trader::core::json_quote;
using trader::core::quote_for_message;

namespace {

// Invalid UTF-8 of every kind, each with the number of U+FFFD a decoder following the Unicode
// recommendation (maximal subparts) produces for it.
struct Invalid {
  std::string_view bytes;
  int replacements;
};
constexpr Invalid kInvalid[] = {
    {"\x80", 1},              // a lone continuation byte
    {"\xBF\x80", 2},          // two of them
    {"\xC0\xAF", 2},          // overlong '/', C0 is never a lead
    {"\xC1\xBF", 2},          // overlong, C1 neither
    {"\xE0\x80\xAF", 3},      // overlong three-byte form: E0 needs A0..BF next
    {"\xF0\x80\x80\xAF", 4},  // overlong four-byte form: F0 needs 90..BF next
    {"\xED\xA0\x80", 3},      // UTF-16 surrogate U+D800 encoded
    {"\xED\xBF\xBF", 3},      // surrogate U+DFFF
    {"\xF4\x90\x80\x80", 4},  // U+110000, above the last code point
    {"\xF5\x80\x80\x80", 4},  // F5..FF never lead
    {"\xFF", 1},              //
    {"\xFE\xFF", 2},          // a UTF-16 byte-order mark is not UTF-8
    {"\xE2\x82", 1},          // a truncated euro sign: one maximal subpart
    {"\xF0\x9F\x98", 1},      // a truncated emoji
    {"\xC3", 1},              // a truncated two-byte sequence at the end
    {"\xE2\x82"
     "A",
     1},  // cut short by ASCII (the 'A' is kept)
    {"\xF0\x9F"
     "\xE2\x82\xAC",
     1},  // cut short by a valid euro sign (kept)
};

std::size_t count(const std::string& text, std::string_view part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++n;
  }
  return n;
}

}  // namespace

TEST_SUITE("core/text") {
  TEST_CASE("decode_utf8: well-formed sequences of every length and their code points") {
    CHECK(decode_utf8("A").code_point == U'A');
    CHECK(decode_utf8("\xC3\xA9").code_point == U'\u00E9');
    CHECK(decode_utf8("\xC3\xA9").length == 2);
    CHECK(decode_utf8("\xE2\x82\xAC").code_point == U'\u20AC');
    CHECK(decode_utf8("\xEF\xBF\xBD").code_point == U'\uFFFD');
    CHECK(decode_utf8("\xED\x9F\xBF").code_point == U'\uD7FF');  // just below the surrogates
    CHECK(decode_utf8("\xF0\x9F\x98\x80").code_point == U'\U0001F600');
    CHECK(decode_utf8("\xF4\x8F\xBF\xBF").code_point == U'\U0010FFFF');
    CHECK(decode_utf8("\xF4\x8F\xBF\xBF").length == 4);
    CHECK(decode_utf8("").length == 0);
    CHECK(is_valid_utf8("plain, caf\xC3\xA9, \xE2\x82\xAC 5, \xF0\x9F\x98\x80"));
    CHECK(is_valid_utf8(""));
  }

  TEST_CASE("decode_utf8: every kind of invalid sequence, one maximal subpart at a time") {
    for (const Invalid& c : kInvalid) {
      CAPTURE(std::string(c.bytes));
      CHECK_FALSE(is_valid_utf8(c.bytes));
      CHECK_FALSE(decode_utf8(c.bytes).valid);
    }
    CHECK(decode_utf8("\xE2\x82").length == 2);
    CHECK(decode_utf8("\xE0\x80\xAF").length == 1);
    CHECK(decode_utf8("\xED\xA0\x80").length == 1);
    CHECK(decode_utf8("\xF0\x9F\x98").length == 3);
    CHECK(decode_utf8("\xF4\x90\x80\x80").length == 1);
  }

  TEST_CASE("quote_for_message: plain text is kept, in single quotes") {
    CHECK(quote_for_message("AAPL") == "'AAPL'");
    CHECK(quote_for_message("") == "''");
    CHECK(quote_for_message("caf\xC3\xA9 \xE2\x82\xAC") == "'caf\xC3\xA9 \xE2\x82\xAC'");
    CHECK(escape_for_message("it's 5") == "it's 5");
  }

  TEST_CASE("issue 11 item 21: control characters and escape sequences are shown, not acted on") {
    CHECK(quote_for_message("\x1b[31mred\x1b[0m") == "'\\x1b[31mred\\x1b[0m'");
    CHECK(quote_for_message("a\nb\rc\td") == "'a\\nb\\rc\\td'");
    CHECK(quote_for_message(std::string_view("\0\x07\x08\x7f", 4)) == "'\\x00\\x07\\x08\\x7f'");
    CHECK(quote_for_message("back\\slash") == "'back\\\\slash'");  // \x1b typed is not ESC
    CHECK(quote_for_message("\xC2\x9B"
                            "2J") == "'\\u009b2J'");  // C1 CSI
    CHECK(quote_for_message("abc\xE2\x80\xAE"
                            "cba") == "'abc\\u202ecba'");  // right-to-left
    CHECK(quote_for_message("a\xE2\x80\xA8"
                            "b") == "'a\\u2028b'");  // line separator
  }

  TEST_CASE("issue 11 item 21: invalid UTF-8 is shown byte by byte, the result is valid UTF-8") {
    CHECK(quote_for_message("\xFF\xFE") == "'\\xff\\xfe'");
    CHECK(quote_for_message("x\xE2\x82"
                            "y") == "'x\\xe2\\x82y'");
    for (const Invalid& c : kInvalid) {
      CAPTURE(std::string(c.bytes));
      const std::string shown = escape_for_message(c.bytes);
      CHECK(is_valid_utf8(shown));
      CHECK(shown.find("\\x") != std::string::npos);
    }
  }

  TEST_CASE("issue 11 item 21: long values are cut after 40 characters, never inside one") {
    const std::string forty(40, 'a');
    CHECK(quote_for_message(forty) == "'" + forty + "'");
    CHECK(quote_for_message(forty + "b") == "'" + forty + "...'");
    CHECK(quote_for_message(std::string(100'000, 'z')).size() == 40 + 3 + 2);
    std::string euros;
    for (int i = 0; i < 50; ++i) euros += "\xE2\x82\xAC";
    const std::string cut = escape_for_message(euros);
    CHECK(cut.size() == 40 * 3 + 3);  // 40 whole characters
    CHECK(is_valid_utf8(cut));
    CHECK(escape_for_message("abcdef", 3) == "abc...");
    CHECK(escape_for_message(std::string(500, 'p'), trader::core::kNoLimit).size() == 500);
  }

  TEST_CASE("issue 11 item 21: ParseError quotes its input escaped and cut, input() stays whole") {
    const std::string input = "\x1b]0;owned\x07" + std::string(60, '9');
    const trader::ParseError e("a number", input);
    CHECK(std::string(e.what()) ==
          "expected a number, got '\\x1b]0;owned\\x07" + std::string(30, '9') + "...'");
    CHECK(e.input() == input);
  }
}

TEST_SUITE("core/json_text") {
  TEST_CASE("JSON strings: quotes, backslashes and control characters are escaped") {
    CHECK(json_quote("plain") == "\"plain\"");
    CHECK(json_quote("a\"b\\c") == R"("a\"b\\c")");
    CHECK(json_quote("l1\nl2\r\t") == R"("l1\nl2\r\t")");
    CHECK(json_quote(std::string_view("\0\x01\x1b\x1f", 4)) == R"("\u0000\u0001\u001b\u001f")");
    CHECK(json_quote("\x7f") == R"("\u007f")");
    CHECK(json_quote("\xC2\x85\xC2\x9B") == R"("\u0085\u009b")");  // C1 controls
    CHECK(json_quote("\xE2\x80\xA8\xE2\x80\xA9") == R"("\u2028\u2029")");
    CHECK(json_quote("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
          "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
    std::string appended = "[";
    trader::core::append_json_string(appended, "x");
    CHECK(appended == "[\"x\"");
  }

  TEST_CASE("issue 11 item 20: invalid UTF-8 becomes U+FFFD, one per maximal subpart") {
    for (const Invalid& c : kInvalid) {
      CAPTURE(std::string(c.bytes));
      const std::string quoted = json_quote(c.bytes);
      CHECK(is_valid_utf8(quoted));
      CHECK(count(quoted, "\xEF\xBF\xBD") == static_cast<std::size_t>(c.replacements));
    }
    CHECK(json_quote("bars-\xFF.csv") == "\"bars-\xEF\xBF\xBD.csv\"");
    CHECK(json_quote("\xE2\x82"
                     "A") ==
          "\"\xEF\xBF\xBD"
          "A\"");
    CHECK(json_quote("\xF0\x9F\xE2\x82\xAC") == "\"\xEF\xBF\xBD\xE2\x82\xAC\"");
    CHECK(json_quote("\xC3") == "\"\xEF\xBF\xBD\"");  // truncated at the end of the text
  }

  TEST_CASE("issue 11 item 20: any byte string gives valid UTF-8 JSON") {
    // Every byte value, alone and after each lead byte, and all pairs of bytes >= 0x80.
    std::string all;
    for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
    CHECK(is_valid_utf8(json_quote(all)));
    for (int a = 0x80; a < 256; ++a) {
      for (int b = 0; b < 256; b += 7) {
        const std::string pair{static_cast<char>(a), static_cast<char>(b), static_cast<char>(a)};
        REQUIRE(is_valid_utf8(json_quote(pair)));
        REQUIRE(is_valid_utf8(escape_for_message(pair)));
      }
    }
  }
}
