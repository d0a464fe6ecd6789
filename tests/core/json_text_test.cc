// JSON text from names that are not UTF-8: each invalid byte becomes the text \xNN, valid
// UTF-8 (any length) stays, and the result always parses back.
#include "core/json_text.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(JsonText, InvalidBytesAreEscapedValidTextKept) {
  EXPECT_EQ(escape_invalid_utf8("plain.png"), "plain.png");
  EXPECT_EQ(escape_invalid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");         // 2-, 3- and 4-byte sequences
  EXPECT_EQ(escape_invalid_utf8("caf\xe9.png"), "caf\\xe9.png");  // Latin-1
  EXPECT_EQ(escape_invalid_utf8("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(escape_invalid_utf8("end\xc3"), "end\\xc3");                       // cut sequence
  EXPECT_EQ(escape_invalid_utf8("\xc0\xaf"), "\\xc0\\xaf");                    // overlong '/'
  EXPECT_EQ(escape_invalid_utf8("\xed\xa0\x80"), "\\xed\\xa0\\x80");           // a surrogate
  EXPECT_EQ(escape_invalid_utf8("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
  EXPECT_EQ(escape_invalid_utf8(std::string("a\0b", 3)), std::string("a\0b", 3));
}

TEST(JsonText, AnEventWithABadNameStillDumpsAndParses) {
  nlohmann::json event{{"frame", 3},
                       {"source", "dir/caf\xe9.png"},
                       {"nested", {{"list", {"ok", "\xff"}}}},
                       {"k\xe9y", 1}};
  EXPECT_THROW(event.dump(), nlohmann::json::type_error);  // what the pipeline used to abort on
  const std::string line = json_line(event);
  const auto back = nlohmann::json::parse(line);
  EXPECT_EQ(back["source"], "dir/caf\\xe9.png");
  EXPECT_EQ(back["nested"]["list"][1], "\\xff");
  EXPECT_EQ(back["k\\xe9y"], 1);
  EXPECT_EQ(back["frame"], 3);
  const nlohmann::json fine{{"source", "a.png"}};
  EXPECT_EQ(json_line(fine), fine.dump());
}

}  // namespace
}  // namespace outpost
