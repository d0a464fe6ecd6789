// Quantized FULLY_CONNECTED (a Gemm of fully_connected_form): hand-worked uint8 and int8 per-channel rows, and agreement with a
// float matrix product of the dequantized tensors.
#include <gtest/gtest.h>

#include "backends/ref/quantized_test_util.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::make_typed;

// TFLite's FULLY_CONNECTED as the importer gives it: a Gemm with weights [O, I] (transB).
Attributes fc_attrs(const std::string& activation = "none") {
  Attributes a;
  a.set("transB", int64_t{1});
  a.set("activation", activation);
  return a;
}

TEST(FullyConnectedQuantized, Uint8HandWorked) {
  // x = [130, 126] (zp 128) -> [2, -2]; w rows [129, 131] and [127, 128] (zp 128) -> [1, 3],
  // [-1, 0]; acc = [2 - 6, -2 + 0] = [-4, -2], + bias [10, 0] = [6, -2]; multiplier
  // 0.5 * 0.5 / 0.25 = 1 -> + zp 50 = [56, 48].
  auto y = run_quantized<uint8_t>(
      OpKind::kGemm, fc_attrs(),
      {{make_typed<uint8_t>({1, 2}, {130, 126}, qp(0.5f, 128))},
       constant(make_typed<uint8_t>({2, 2}, {129, 131, 127, 128}, qp(0.5f, 128))),
       constant(make_typed<int32_t>({2}, {10, 0}))},
      qp(0.25f, 50));
  EXPECT_EQ(y, (std::vector<uint8_t>{56, 48}));
}

TEST(FullyConnectedQuantized, Int8PerChannelWithRelu) {
  // x = [4, -2] (zp 0, scale 1); row 0 [1, 1] scale 0.5 -> acc 2 * 0.5 = 1; row 1 [1, 3]
  // scale 0.25 -> acc -2 * 0.25 = -0.5 -> relu -> zp 0. Output scale 1, zp 0.
  auto y = run_quantized<int8_t>(
      OpKind::kGemm, fc_attrs("relu"),
      {{make_typed<int8_t>({1, 2}, {4, -2}, qp(1.0f, 0))},
       constant(make_typed<int8_t>({2, 2}, {1, 1, 1, 3}, per_channel({0.5f, 0.25f}, 0))),
       testing::absent_input()},
      qp(1.0f, 0));
  EXPECT_EQ(y, (std::vector<int8_t>{1, 0}));
}

TEST(FullyConnectedQuantized, Int8RoundsTiesAsRuyOnX86) {
  // acc = -6, multiplier 0.5 * 0.125 / 0.25 = 0.25: -1.5, which ruy's x86 kernels (TFLite's int8
  // GEMM) round to -1 where gemmlowp's arithmetic gives -2.
  auto y = run_quantized<int8_t>(
      OpKind::kGemm, fc_attrs(),
      {{make_typed<int8_t>({1, 1}, {-6}, qp(0.5f, 0))},
       constant(make_typed<int8_t>({1, 1}, {1}, per_channel({0.125f}, 0))),
       testing::absent_input()},
      qp(0.25f, 0));
  EXPECT_EQ(y, (std::vector<int8_t>{-1}));
}

template <typename T>
void check_against_float(int64_t rows, int64_t depth, int64_t units, bool per_ch, uint32_t seed) {
  std::mt19937 rng(seed);
  const bool is_u8 = std::is_same_v<T, uint8_t>;
  const QuantParams xq = qp(0.05f, is_u8 ? 127 : 3);
  std::vector<float> scales(static_cast<size_t>(units));
  std::uniform_real_distribution<float> sd(0.002f, 0.006f);
  for (auto& s : scales) s = sd(rng);
  const QuantParams wq = per_ch ? per_channel(scales, 0) : qp(0.004f, is_u8 ? 140 : 0);
  const QuantParams yq = qp(0.06f, is_u8 ? 120 : -4);
  const auto x = random_values<T>(static_cast<size_t>(rows * depth), rng);
  const auto w = random_values<T>(static_cast<size_t>(units * depth), rng);
  std::vector<int32_t> bias(static_cast<size_t>(units));
  std::uniform_int_distribution<int32_t> bd(-5000, 5000);
  for (auto& b : bias) b = bd(rng);
  auto y = run_quantized<T>(OpKind::kGemm, fc_attrs(),
                            {{make_typed<T>({rows, depth}, x, xq)},
                             constant(make_typed<T>({units, depth}, w, wq)),
                             constant(make_typed<int32_t>({units}, bias))},
                            yq);
  std::vector<int> want;
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t u = 0; u < units; ++u) {
      const double ws = wq.scale[wq.scale.size() > 1 ? static_cast<size_t>(u) : 0];
      double acc = bias[static_cast<size_t>(u)] * static_cast<double>(xq.scale[0]) * ws;
      for (int64_t k = 0; k < depth; ++k)
        acc += dequantize(x, static_cast<size_t>(r * depth + k), xq) *
               dequantize(w, static_cast<size_t>(u * depth + k), wq, units, depth);
      want.push_back(expected_q<T>(acc, yq));
    }
  expect_within(y, want);
}

TEST(FullyConnectedQuantized, MatchesFloatWithinOneStep) {
  check_against_float<uint8_t>(3, 40, 7, false, 1);
  check_against_float<int8_t>(2, 64, 9, true, 2);
  check_against_float<int8_t>(4, 17, 5, false, 3);
}

}  // namespace
}  // namespace outpost
