// Quantized Mean: both of TFLite's paths (4-D keep_dims over H and W; anything else), hand-worked,
// and agreement with a float mean of the dequantized input.
#include <gtest/gtest.h>

#include "backends/ref/quantized_test_util.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::make_typed;

// ReduceMean as TFLite's MEAN imports: axes as the attribute.
Attributes mean_attrs(const std::vector<int32_t>& axes, bool keep_dims) {
  Attributes a;
  a.set("axes", std::vector<int64_t>(axes.begin(), axes.end()));
  a.set("keepdims", static_cast<int64_t>(keep_dims));
  a.set("noop_with_empty_axes", int64_t{1});
  return a;
}

TEST(MeanQuantized, Uint8GlobalPoolHandWorked) {
  // [1,2,3,5], scale 0.5, zp 1 -> real [0, 0.5, 1, 2], mean 0.875 -> 0.875 / 0.5 + 1 = 2.75.
  // Global-pool path: raw sum 11 times 0.5 / (4 * 0.5) = 0.25 -> 2.75 -> 3 (the high multiply
  // gives 5.5 -> 6, then 6 / 2 = 3); bias 1 - round(1 * 0.5 / 0.5) = 0 -> 3.
  Shape s;
  auto y = run_quantized<uint8_t>(OpKind::kReduceMean, mean_attrs({1, 2}, true),
                                  {{make_typed<uint8_t>({1, 2, 2, 1}, {1, 2, 3, 5}, qp(0.5f, 1))}},
                                  qp(0.5f, 1), &s);
  EXPECT_EQ(s, Shape({1, 1, 1, 1}));
  EXPECT_EQ(y, (std::vector<uint8_t>{3}));
}

TEST(MeanQuantized, Int8GeneralPathHandWorked) {
  // keep_dims false: (sum - zp * n) = (-1 - 2 + 3 + 8) - (-1 * 4) = 12, times 1 / 4 folded into
  // the multiplier = 3, + output zp 2 = 5. Output shape [1, 1].
  Shape s;
  auto y = run_quantized<int8_t>(
      OpKind::kReduceMean, mean_attrs({1, 2}, false),
      {{make_typed<int8_t>({1, 2, 2, 1}, {-1, -2, 3, 8}, qp(0.25f, -1))}}, qp(0.25f, 2), &s);
  EXPECT_EQ(s, Shape({1, 1}));
  EXPECT_EQ(y, (std::vector<int8_t>{5}));
}

TEST(MeanQuantized, LastAxisWithNegativeIndex) {
  // Rows [10, 20, 30] and [0, 0, 3], scale 1, zp 0, axis -1: means 20 and 1.
  auto y = run_quantized<uint8_t>(
      OpKind::kReduceMean, mean_attrs({-1}, false),
      {{make_typed<uint8_t>({2, 3}, {10, 20, 30, 0, 0, 3}, qp(1.0f, 0))}}, qp(1.0f, 0));
  EXPECT_EQ(y, (std::vector<uint8_t>{20, 1}));
}

template <typename T>
void check_against_float(const Shape& shape, std::vector<int32_t> axes, bool keep_dims,
                         uint32_t seed) {
  std::mt19937 rng(seed);
  const bool is_u8 = std::is_same_v<T, uint8_t>;
  const QuantParams xq = qp(0.0235f, is_u8 ? 0 : -128);
  const QuantParams yq = qp(0.019f, is_u8 ? 3 : -120);
  const auto x = random_values<T>(static_cast<size_t>(*shape.num_elements()), rng);
  const size_t rank = shape.rank();
  std::vector<bool> reduced(rank, false);
  for (int32_t a : axes)
    reduced[static_cast<size_t>(a < 0 ? a + static_cast<int32_t>(rank) : a)] = true;
  auto y = run_quantized<T>(OpKind::kReduceMean, mean_attrs(axes, keep_dims),
                            {{make_typed<T>(shape, x, xq)}}, yq);
  // Accumulate per output index (row-major over the kept dimensions).
  std::vector<double> sums;
  std::vector<int> counts;
  for (int64_t i = 0; i < *shape.num_elements(); ++i) {
    int64_t rem = i, out = 0, stride = 1;
    for (size_t k = rank; k-- > 0;) {
      const int64_t coord = rem % shape[k];
      rem /= shape[k];
      if (!reduced[k]) {
        out += coord * stride;
        stride *= shape[k];
      }
    }
    if (sums.empty()) {
      sums.assign(static_cast<size_t>(stride), 0.0);
      counts.assign(static_cast<size_t>(stride), 0);
    }
    sums[static_cast<size_t>(out)] += dequantize(x, static_cast<size_t>(i), xq);
    ++counts[static_cast<size_t>(out)];
  }
  std::vector<int> want;
  for (size_t o = 0; o < sums.size(); ++o) want.push_back(expected_q<T>(sums[o] / counts[o], yq));
  expect_within(y, want);
}

TEST(MeanQuantized, PlainUint8IsTheGeneralKernels) {
  // uint8 without quantization parameters (ONNX's integers): declined here, the general kernel
  // (onnx_reduce.cc) takes an integer mean, truncated: [1.5, 11.5] -> [1, 11].
  auto y = run_quantized<uint8_t>(OpKind::kReduceMean, mean_attrs({1}, false),
                                  {{make_typed<uint8_t>({2, 2}, {1, 2, 10, 13})}}, QuantParams{});
  EXPECT_EQ(y, (std::vector<uint8_t>{1, 11}));
}

TEST(MeanQuantized, MatchesFloatWithinOneStep) {
  check_against_float<uint8_t>({1, 7, 7, 32}, {1, 2}, true, 1);
  check_against_float<int8_t>({1, 7, 7, 40}, {2, 1}, true, 2);
  check_against_float<int8_t>({2, 5, 6, 3}, {1, 2}, false, 3);
  check_against_float<uint8_t>({3, 4, 5}, {0, 2}, false, 4);
  check_against_float<int8_t>({2, 300}, {1}, true, 5);
}

}  // namespace
}  // namespace outpost
