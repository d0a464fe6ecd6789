// Quantize: float -> uint8/int8 with TFLite's rounding and saturation, and requantization
// between 8-bit types (the uint8 <-> int8 edges of int8 models).
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "backends/ref/quantized_test_util.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::make_tensor;
using testing::make_typed;

// TFLite's QUANTIZE as the importer makes it.
Attributes tflite_rounding() {
  Attributes a;
  a.set("rounding", std::string("half_away_from_zero"));
  return a;
}

TEST(QuantizeQuantized, FloatToUint8RoundsHalfAwayAndSaturates) {
  // scale 0.5, zp 10: -1 -> -2 + 10 = 8; 0 -> 10; 0.25 -> 0.5 -> 1 -> 11; 0.75 -> 1.5 -> 2 -> 12;
  // -0.25 -> -0.5 -> -1 -> 9; 100 -> 210; 1000 -> 255; -1000 -> 0; inf -> 255.
  auto y = run_quantized<uint8_t>(
      OpKind::kQuantize, tflite_rounding(),
      {{make_tensor({9}, {-1.0f, 0.0f, 0.25f, 0.75f, -0.25f, 100.0f, 1000.0f, -1000.0f,
                          std::numeric_limits<float>::infinity()})}},
      qp(0.5f, 10));
  EXPECT_EQ(y, (std::vector<uint8_t>{8, 10, 11, 12, 9, 210, 255, 0, 255}));
}

TEST(QuantizeQuantized, FloatToInt8) {
  // scale 1/128, zp 0: 0.5 -> 64; -1 -> -128; 1 -> 128 saturates to 127; -0.00390625 -> -0.5 -> -1.
  auto y = run_quantized<int8_t>(OpKind::kQuantize, tflite_rounding(),
                                 {{make_tensor({4}, {0.5f, -1.0f, 1.0f, -0.00390625f})}},
                                 qp(1.0f / 128, 0));
  EXPECT_EQ(y, (std::vector<int8_t>{64, -128, 127, -1}));
}

TEST(QuantizeQuantized, Uint8ToInt8SameScaleShiftsTheZeroPoint) {
  // The tf2 model's input: zp 127 -> -1 at the same scale: q - 128.
  auto y = run_quantized<int8_t>(
      OpKind::kQuantize, tflite_rounding(),
      {{make_typed<uint8_t>({4}, {0, 127, 128, 255}, qp(0.0078431377f, 127))}},
      qp(0.0078431377f, -1));
  EXPECT_EQ(y, (std::vector<int8_t>{-128, -1, 0, 127}));
}

TEST(QuantizeQuantized, Int8ToUint8SameScale) {
  // The tf2 model's output: softmax zp -128 -> 0: q + 128.
  auto y = run_quantized<uint8_t>(OpKind::kQuantize, tflite_rounding(),
                                  {{make_typed<int8_t>({3}, {-128, 0, 127}, qp(1.0f / 256, -128))}},
                                  qp(1.0f / 256, 0));
  EXPECT_EQ(y, (std::vector<uint8_t>{0, 128, 255}));
}

TEST(QuantizeQuantized, SameScaleSaturatesEveryValueAsTheGeneralRequantization) {
  // At equal scales the multiplier is exactly one: q - zp + zp', saturated, for all 256 inputs,
  // with zero points that push both ends past the int8 range.
  std::vector<uint8_t> all(256);
  for (int q = 0; q < 256; ++q) all[static_cast<size_t>(q)] = static_cast<uint8_t>(q);
  auto y = run_quantized<int8_t>(OpKind::kQuantize, tflite_rounding(),
                                 {{make_typed<uint8_t>({256}, all, qp(0.02f, 3))}}, qp(0.02f, 100));
  ASSERT_EQ(y.size(), 256u);
  for (int q = 0; q < 256; ++q)
    EXPECT_EQ(y[static_cast<size_t>(q)], std::clamp(q - 3 + 100, -128, 127)) << "q " << q;
}

TEST(QuantizeQuantized, RequantizeToADifferentScale) {
  // uint8 scale 0.5 zp 128 -> int8 scale 0.25 zp 0: (q - 128) * 2, saturated:
  // 130 -> 4; 100 -> -56; 255 -> 254 -> 127; 0 -> -256 -> -128. Ties: scale 0.5 -> 1.0 with
  // zp 0: 131 - 128 = 3 -> 1.5 -> 2; 125 -> -1.5 -> -1 (the fixed-point multiply breaks ties
  // toward +infinity, as TFLite's does; a float round would give -2).
  auto y = run_quantized<int8_t>(OpKind::kQuantize, tflite_rounding(),
                                 {{make_typed<uint8_t>({4}, {130, 100, 255, 0}, qp(0.5f, 128))}},
                                 qp(0.25f, 0));
  EXPECT_EQ(y, (std::vector<int8_t>{4, -56, 127, -128}));
  auto halves = run_quantized<int8_t>(
      OpKind::kQuantize, tflite_rounding(), {{make_typed<uint8_t>({2}, {131, 125}, qp(0.5f, 128))}}, qp(1.0f, 0));
  EXPECT_EQ(halves, (std::vector<int8_t>{2, -1}));
}

TEST(QuantizeQuantized, FloatMatchesRoundingOfRandomValues) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-3.0f, 3.0f);
  std::vector<float> x(500);
  for (auto& v : x) v = dist(rng);
  const QuantParams q = qp(0.0173f, 131);
  auto y = run_quantized<uint8_t>(OpKind::kQuantize, tflite_rounding(), {{make_tensor({500}, x)}}, q);
  std::vector<int> want;
  for (float v : x) want.push_back(expected_q<uint8_t>(v, q));
  expect_within(y, want, 0);
}

TEST(QuantizeQuantized, TheRoundingSaysWhichTiesGoWhere) {
  // 0.25 / 0.5 = 0.5 and 0.75 / 0.5 = 1.5: TFLite's QUANTIZE rounds them away from zero (1, 2),
  // ONNX's QuantizeLinear, the same op with operands, to even (0, 2).
  auto tflite = run_quantized<uint8_t>(OpKind::kQuantize, tflite_rounding(),
                                       {{make_tensor({2}, {0.25f, 0.75f})}}, qp(0.5f, 0));
  EXPECT_EQ(tflite, (std::vector<uint8_t>{1, 2}));
  testing::OpInput scale{make_tensor({}, {0.5f})};
  scale.constant = true;
  testing::OpInput zero_point{make_typed<uint8_t>({}, {0})};
  zero_point.constant = true;
  auto onnx = testing::run_op(OpKind::kQuantize, {}, {{make_tensor({2}, {0.25f, 0.75f})}, scale, zero_point}, {{}});
  ASSERT_TRUE(onnx.is_ok()) << onnx.status().message();
  const uint8_t* y = onnx.value()[0].data_as<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(y, y + 2), (std::vector<uint8_t>{0, 2}));
}

}  // namespace
}  // namespace outpost
