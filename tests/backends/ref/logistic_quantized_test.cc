// Quantized Logistic: the table gives the rounded sigmoid of every input value.
#include <gtest/gtest.h>

#include "backends/ref/quantized_test_util.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::make_typed;

TEST(LogisticQuantized, Uint8HandWorked) {
  // Input scale 0.1, zp 128; output 1/256, zp 0. 128 -> sigmoid(0) = 0.5 -> 128;
  // 0 -> sigmoid(-12.8) ~ 2.8e-6 -> 0; 255 -> sigmoid(12.7) -> 256 saturates to 255.
  auto y = run_quantized<uint8_t>(OpKind::kLogistic, {},
                                  {{make_typed<uint8_t>({3}, {128, 0, 255}, qp(0.1f, 128))}},
                                  qp(1.0f / 256, 0));
  EXPECT_EQ(y, (std::vector<uint8_t>{128, 0, 255}));
}

TEST(LogisticQuantized, Int8EveryValueMatchesFloat) {
  std::vector<int8_t> x;
  for (int v = -128; v <= 127; ++v) x.push_back(static_cast<int8_t>(v));
  const QuantParams xq = qp(0.0625f, -5), yq = qp(1.0f / 256, -128);
  auto y = run_quantized<int8_t>(OpKind::kLogistic, {}, {{make_typed<int8_t>({256}, x, xq)}}, yq);
  std::vector<int> want;
  for (size_t i = 0; i < x.size(); ++i)
    want.push_back(expected_q<int8_t>(1.0 / (1.0 + std::exp(-dequantize(x, i, xq))), yq));
  expect_within(y, want);
}

}  // namespace
}  // namespace outpost
