// Quantized Softmax: hand-worked rows and agreement with a float softmax of the dequantized
// input (TFLite's float lookup table is accurate to well within one output step).
#include <gtest/gtest.h>

#include "backends/ref/quantized_test_util.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::make_typed;

Attributes beta(float b) {
  Attributes a;
  a.set("beta", b);
  return a;
}

TEST(SoftmaxQuantized, Uint8EqualInputsShareEvenly) {
  // Two equal logits: 0.5 each -> 0.5 * 256 = 128. Three: 85.33 -> 85.
  auto two = run_quantized<uint8_t>(OpKind::kSoftmax, beta(1.0f),
                                    {{make_typed<uint8_t>({1, 2}, {7, 7}, qp(0.1f, 0))}},
                                    qp(1.0f / 256, 0));
  EXPECT_EQ(two, (std::vector<uint8_t>{128, 128}));
  auto three = run_quantized<uint8_t>(OpKind::kSoftmax, beta(1.0f),
                                      {{make_typed<uint8_t>({1, 3}, {9, 9, 9}, qp(0.1f, 0))}},
                                      qp(1.0f / 256, 0));
  EXPECT_EQ(three, (std::vector<uint8_t>{85, 85, 85}));
}

TEST(SoftmaxQuantized, Uint8DominantLogitSaturates) {
  // 255 steps of 0.1 apart: the larger gets 1 / (1 + e^-25.5) ~ 1 -> 256 saturates to 255.
  auto y = run_quantized<uint8_t>(OpKind::kSoftmax, beta(1.0f),
                                  {{make_typed<uint8_t>({1, 2}, {0, 255}, qp(0.1f, 0))}},
                                  qp(1.0f / 256, 0));
  EXPECT_EQ(y, (std::vector<uint8_t>{0, 255}));
}

TEST(SoftmaxQuantized, Int8RowsAreIndependent) {
  // Output zp -128: row 1 equal -> 128 - 128 = 0 each; row 2 differs by ln(3) (scale ln3/10,
  // 10 steps): probabilities 1/4 and 3/4 -> 64 - 128 = -64, 192 - 128 = 64.
  const float step = std::log(3.0f) / 10;
  auto y = run_quantized<int8_t>(OpKind::kSoftmax, beta(1.0f),
                                 {{make_typed<int8_t>({2, 2}, {-3, -3, 20, 30}, qp(step, 5))}},
                                 qp(1.0f / 256, -128));
  EXPECT_EQ(y, (std::vector<int8_t>{0, 0, -64, 64}));
}

template <typename T>
void check_against_float(int64_t rows, int64_t depth, float in_scale, float b, uint32_t seed) {
  std::mt19937 rng(seed);
  const bool is_u8 = std::is_same_v<T, uint8_t>;
  const QuantParams xq = qp(in_scale, is_u8 ? 100 : -20);
  const QuantParams yq = qp(1.0f / 256, is_u8 ? 0 : -128);
  const auto x = random_values<T>(static_cast<size_t>(rows * depth), rng);
  auto y = run_quantized<T>(OpKind::kSoftmax, beta(b), {{make_typed<T>({rows, depth}, x, xq)}}, yq);
  std::vector<int> want;
  for (int64_t r = 0; r < rows; ++r) {
    double mx = -1e30, sum = 0;
    for (int64_t j = 0; j < depth; ++j)
      mx = std::max(mx, dequantize(x, static_cast<size_t>(r * depth + j), xq));
    for (int64_t j = 0; j < depth; ++j)
      sum += std::exp(b * (dequantize(x, static_cast<size_t>(r * depth + j), xq) - mx));
    for (int64_t j = 0; j < depth; ++j)
      want.push_back(expected_q<T>(
          std::exp(b * (dequantize(x, static_cast<size_t>(r * depth + j), xq) - mx)) / sum, yq));
  }
  expect_within(y, want);
}

TEST(SoftmaxQuantized, MatchesFloatWithinOneStep) {
  check_against_float<uint8_t>(4, 10, 0.1f, 1.0f, 1);
  check_against_float<uint8_t>(2, 1001, 0.0634f, 1.0f, 2);
  check_against_float<int8_t>(3, 17, 0.05f, 2.0f, 3);
  check_against_float<int8_t>(1, 1001, 0.0634f, 1.0f, 4);
}

}  // namespace
}  // namespace outpost
