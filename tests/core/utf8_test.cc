// UTF-8 checks and the backslash escape of invalid bytes used for JSON output.
#include "core/utf8.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(Utf8, ValidTextPassesUnchanged) {
  for (const char* s : {"", "plain.tflite", "caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
                        "\xf0\x9f\x98\x80 emoji"}) {
    EXPECT_TRUE(is_valid_utf8(s)) << s;
    EXPECT_EQ(escape_invalid_utf8(s), s);
  }
}

TEST(Utf8, InvalidBytesBecomeBackslashX) {
  // Latin-1, a lone continuation byte, a truncated sequence, an overlong '/', a surrogate,
  // and a code point above U+10FFFF: what Python's backslashreplace gives for each.
  const std::pair<std::string, std::string> cases[] = {
      {"caf\xe9.png", "caf\\xe9.png"},
      {"\x80", "\\x80"},
      {"ab\xe6\x97", "ab\\xe6\\x97"},
      {"\xc0\xaf", "\\xc0\\xaf"},
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},
      {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},
      {"\xff\xc3\xa9", "\\xff\xc3\xa9"},
  };
  for (const auto& [in, out] : cases) {
    EXPECT_FALSE(is_valid_utf8(in)) << out;
    EXPECT_EQ(escape_invalid_utf8(in), out);
    EXPECT_TRUE(is_valid_utf8(escape_invalid_utf8(in)));
  }
}

}  // namespace
}  // namespace outpost
