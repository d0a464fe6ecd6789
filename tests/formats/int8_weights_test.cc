// Weights stored as int8 by the optimizer's writers: symmetric scales per tensor or per output
// channel, ONNX's rounding (half to even), clamping, and weights that are not numbers.
#include "formats/int8_weights.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace outpost {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(Int8Weights, PerTensorScaleIsTheLargestFiniteMagnitudeOver127) {
  const std::vector<float> w = {0.5f, -12.7f, 3.0f, kNaN, kInf};
  const Int8Weights q = quantize_int8_weights(w.data(), {5}, -1);
  ASSERT_EQ(q.scales.size(), 1u);
  EXPECT_FLOAT_EQ(q.scales[0], 0.1f);
  const std::vector<float> zeros(8, 0.0f);
  const Int8Weights z = quantize_int8_weights(zeros.data(), {8}, -1);
  EXPECT_EQ(z.scales[0], kMinInt8Scale);
  EXPECT_EQ(z.values, std::vector<int8_t>(8, 0));
}

TEST(Int8Weights, RoundsHalfToEvenAndClampsNotANumberToZero) {
  // One channel whose largest magnitude is 127 * 0.25: the scale is exactly 0.25.
  const float s = 0.25f;
  const std::vector<float> w = {2.5f * s, 3.5f * s, -2.5f * s, -0.5f * s, 0.5f * s, 1.49f * s,
                                127.0f * s, -127.0f * s, kNaN, -126.5f * s};
  const Int8Weights q = quantize_int8_weights(w.data(), {static_cast<int64_t>(w.size())}, -1);
  ASSERT_FLOAT_EQ(q.scales[0], s);
  const std::vector<int8_t> want = {2, 4, -2, 0, 0, 1, 127, -127, 0, -126};
  EXPECT_EQ(q.values, want);
}

TEST(Int8Weights, PerChannelAlongAnyAxisUsesEachChannelsOwnRange) {
  // [2, 3, 2]: along axis 1 the channels are {w[i][c][j]}; channel c's largest is (c + 1).
  std::vector<float> w(12);
  for (int i = 0; i < 2; ++i)
    for (int c = 0; c < 3; ++c)
      for (int j = 0; j < 2; ++j) w[(i * 3 + c) * 2 + j] = (c + 1) * (j == 0 ? 1.0f : -0.5f) * (i == 0 ? 1.0f : 0.25f);
  const Int8Weights q = quantize_int8_weights(w.data(), {2, 3, 2}, 1);
  ASSERT_EQ(q.scales.size(), 3u);
  for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(q.scales[c], (c + 1) / 127.0f);
  for (int i = 0; i < 2; ++i)
    for (int c = 0; c < 3; ++c) EXPECT_EQ(q.values[(i * 3 + c) * 2], i == 0 ? 127 : 32) << i << " " << c;
}

TEST(Int8Weights, RoundTripsWithinHalfAStep) {
  std::mt19937 rng(5);
  std::normal_distribution<float> n(0.0f, 0.3f);
  std::vector<float> w(4 * 50);
  for (float& x : w) x = n(rng);
  const Int8Weights q = quantize_int8_weights(w.data(), {4, 50}, 0);
  for (size_t i = 0; i < w.size(); ++i) {
    const float scale = q.scales[i / 50];
    EXPECT_LE(std::fabs(q.values[i] * scale - w[i]), scale * 0.5001f) << i;
  }
}

}  // namespace
}  // namespace outpost
