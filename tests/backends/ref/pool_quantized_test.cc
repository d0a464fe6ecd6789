// Quantized AveragePool and MaxPool (NHWC, as TFLite imports): TFLite's integer rounding of the
// average, windows cut by SAME padding, and activation clamps.
#include <gtest/gtest.h>

#include "backends/ref/quantized_test_util.h"
#include "support/pool_attrs.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::make_typed;

Attributes pool_attrs(int64_t filter, int64_t stride, const std::string& padding,
                      const std::string& activation = "none") {
  return testing::nhwc_pool_attrs(filter, filter, stride, stride, padding, activation);
}

TEST(PoolQuantized, Uint8AverageRoundsHalfUp) {
  // Windows [1,2,3,5] -> 11 / 4 = 2.75 -> (11 + 2) / 4 = 3; [1,2,3,4] -> 10 / 4 = 2.5 -> 3.
  auto y = run_quantized<uint8_t>(
      OpKind::kAveragePool, pool_attrs(2, 2, "valid"),
      {{make_typed<uint8_t>({1, 2, 4, 1}, {1, 2, 1, 2, 3, 5, 3, 4}, qp(0.1f, 0))}}, qp(0.1f, 0));
  EXPECT_EQ(y, (std::vector<uint8_t>{3, 3}));
}

TEST(PoolQuantized, Int8AverageRoundsHalfAwayFromZero) {
  // [-1,-2,-3,-4] -> -10 / 4 = -2.5 -> (-10 - 2) / 4 = -3; [1,2,3,3] -> 9 / 4 = 2.25 -> 2.
  auto y = run_quantized<int8_t>(
      OpKind::kAveragePool, pool_attrs(2, 2, "valid"),
      {{make_typed<int8_t>({1, 2, 4, 1}, {-1, -2, 1, 2, -3, -4, 3, 3}, qp(0.1f, 0))}}, qp(0.1f, 0));
  EXPECT_EQ(y, (std::vector<int8_t>{-3, 2}));
}

TEST(PoolQuantized, AverageCountsOnlyTapsInsideTheInput) {
  // 3x3 input 10..90, 2x2 window stride 2 SAME: out 2x2, total pad 1, all after.
  // (0,0): 10,20,40,50 -> 30; (0,1): 30,60 -> 45; (1,0): 70,80 -> 75; (1,1): 90.
  auto y = run_quantized<uint8_t>(
      OpKind::kAveragePool, pool_attrs(2, 2, "same"),
      {{make_typed<uint8_t>({1, 3, 3, 1}, {10, 20, 30, 40, 50, 60, 70, 80, 90}, qp(0.1f, 0))}},
      qp(0.1f, 0));
  EXPECT_EQ(y, (std::vector<uint8_t>{30, 45, 75, 90}));
}

TEST(PoolQuantized, MaxPoolWithRelu6) {
  // scale 0.1, zp 10: relu6 keeps [10, 70]. Max of windows: [5,9,1,3] -> 9 -> clamped to 10;
  // [80,2,3,4] -> 80 -> clamped to 70.
  auto y = run_quantized<uint8_t>(
      OpKind::kMaxPool, pool_attrs(2, 2, "valid", "relu6"),
      {{make_typed<uint8_t>({1, 2, 4, 1}, {5, 9, 80, 2, 1, 3, 3, 4}, qp(0.1f, 10))}}, qp(0.1f, 10));
  EXPECT_EQ(y, (std::vector<uint8_t>{10, 70}));
}

TEST(PoolQuantized, Int8MaxPoolChannelsStaySeparate) {
  // Two channels interleaved: ch0 [-5, -3, -9, -100] -> -3; ch1 [7, -1, 0, 2] -> 7.
  auto y = run_quantized<int8_t>(
      OpKind::kMaxPool, pool_attrs(2, 1, "valid"),
      {{make_typed<int8_t>({1, 2, 2, 2}, {-5, 7, -3, -1, -9, 0, -100, 2}, qp(0.5f, -1))}},
      qp(0.5f, -1));
  EXPECT_EQ(y, (std::vector<int8_t>{-3, 7}));
}

TEST(PoolQuantized, RejectsDifferentOutputQuantization) {
  auto r = testing::run_op(OpKind::kMaxPool, pool_attrs(1, 1, "valid"),
                           {{make_typed<uint8_t>({1, 1, 1, 1}, {5}, qp(0.1f, 0))}},
                           {{DType::kUInt8, qp(0.2f, 0)}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
}

template <typename T>
void check_average(int64_t h, int64_t w, int64_t c, int64_t filter, int64_t stride,
                   const char* padding, uint32_t seed) {
  std::mt19937 rng(seed);
  const QuantParams q = std::is_same_v<T, uint8_t> ? qp(0.02f, 128) : qp(0.02f, 0);
  const auto x = random_values<T>(static_cast<size_t>(h * w * c), rng);
  Shape s;
  auto y = run_quantized<T>(OpKind::kAveragePool, pool_attrs(filter, stride, padding),
                            {{make_typed<T>({1, h, w, c}, x, q)}}, q, &s);
  const int64_t oh = s[1], ow = s[2];
  const bool same = std::string(padding) == "same";
  const int64_t pt = same ? std::max<int64_t>((oh - 1) * stride + filter - h, 0) / 2 : 0;
  const int64_t pl = same ? std::max<int64_t>((ow - 1) * stride + filter - w, 0) / 2 : 0;
  std::vector<int> want;
  for (int64_t oy = 0; oy < oh; ++oy)
    for (int64_t ox = 0; ox < ow; ++ox)
      for (int64_t ch = 0; ch < c; ++ch) {
        double sum = 0;
        int count = 0;
        for (int64_t ky = 0; ky < filter; ++ky)
          for (int64_t kx = 0; kx < filter; ++kx) {
            const int64_t iy = oy * stride - pt + ky, ix = ox * stride - pl + kx;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            sum += dequantize(x, static_cast<size_t>((iy * w + ix) * c + ch), q);
            ++count;
          }
        want.push_back(expected_q<T>(sum / count, q));
      }
  expect_within(y, want);
}

TEST(PoolQuantized, AverageMatchesFloatWithinOneStep) {
  check_average<uint8_t>(7, 7, 3, 3, 2, "same", 1);
  check_average<uint8_t>(8, 5, 2, 2, 2, "valid", 2);
  check_average<int8_t>(7, 7, 4, 3, 2, "same", 3);
  check_average<int8_t>(9, 9, 2, 7, 1, "valid", 4);
}

}  // namespace
}  // namespace outpost
