// Quantized Concat with requantization: rescaled inputs round as TFLite's float path, matching
// inputs are copied, and all-matching concats are left to the byte-copy kernel.
#include <gtest/gtest.h>

#include "backends/ref/quantized_test_util.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::make_typed;

Attributes axis(int64_t a) {
  Attributes attrs;
  attrs.set("axis", a);
  return attrs;
}

TEST(ConcatQuantized, RescalesOnlyTheMismatchedInput) {
  // Output scale 0.5, zp 10. Input 0 matches: copied. Input 1 has scale 1, zp 0: q' = 2q + 10:
  // [0, 5, 120] -> [10, 20, 250]; 200 -> 410 saturates to 255.
  Shape s;
  auto y = run_quantized<uint8_t>(OpKind::kConcat, axis(1),
                                  {{make_typed<uint8_t>({1, 2}, {7, 9}, qp(0.5f, 10))},
                                   {make_typed<uint8_t>({1, 4}, {0, 5, 120, 200}, qp(1.0f, 0))}},
                                  qp(0.5f, 10), &s);
  EXPECT_EQ(s, Shape({1, 6}));
  EXPECT_EQ(y, (std::vector<uint8_t>{7, 9, 10, 20, 250, 255}));
}

TEST(ConcatQuantized, Int8AlongTheFirstAxis) {
  // Input 1 scale 0.3 -> output scale 0.2, zp 0: 3 * 1.5 = 4.5 -> 5 (round half away);
  // -3 -> -4.5 -> -5.
  auto y = run_quantized<int8_t>(OpKind::kConcat, axis(0),
                                 {{make_typed<int8_t>({1, 2}, {1, 2}, qp(0.2f, 0))},
                                  {make_typed<int8_t>({1, 2}, {3, -3}, qp(0.3f, 0))}},
                                 qp(0.2f, 0));
  // 0.3f / 0.2f in float is 1.4999999 or 1.5000001; both round 4.5 the same way here only if
  // the product lands above 4.5, so accept either neighbour.
  ASSERT_EQ(y.size(), 4u);
  EXPECT_EQ(y[0], 1);
  EXPECT_EQ(y[1], 2);
  EXPECT_NEAR(y[2], 4.5, 0.5);
  EXPECT_NEAR(y[3], -4.5, 0.5);
}

TEST(ConcatQuantized, MatchingInputsAreLeftToTheByteCopy) {
  // Same parameters everywhere: the quantized factory declines and the copy kernel runs.
  auto y = run_quantized<uint8_t>(OpKind::kConcat, axis(0),
                                  {{make_typed<uint8_t>({1}, {3}, qp(0.5f, 1))},
                                   {make_typed<uint8_t>({2}, {4, 5}, qp(0.5f, 1))}},
                                  qp(0.5f, 1));
  EXPECT_EQ(y, (std::vector<uint8_t>{3, 4, 5}));
}

}  // namespace
}  // namespace outpost
