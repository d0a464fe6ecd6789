// Hostile quantization parameters found by fuzz/fuzz_tflite: they must give an error or a
// defined result (TFLite's), never undefined behaviour. The test command runs these under
// AddressSanitizer and UndefinedBehaviorSanitizer too (suite names contain 'Corrupt').
#include <gtest/gtest.h>

#include <cstring>
#include <limits>

#include "backends/ref/quant_math.h"
#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::bytes_of;
using testing::TfModelSpec;
using testing::TfOperatorSpec;
using testing::TfTensorSpec;

constexpr int8_t kTfInt8 = 9, kTfInt32 = 2;

// One int8 CONV_2D (or DEPTHWISE_CONV_2D) on a 1x1x1x1 input: zero points 0, a weight of 1,
// scales 1 except the output's (2, so the requantization halves without a left shift), and the
// given bias, weight zero point and fused activation (TFLite's code: 0 none, 3 relu6).
TfModelSpec one_tap_conv(bool depthwise, int32_t bias, int64_t weight_zero_point,
                         float output_scale = 2.0f, int32_t activation = 0) {
  TfModelSpec spec;
  spec.tensors = {
      TfTensorSpec{{1, 1, 1, 1}, kTfInt8, 0, "x", {1.0f}, {0}},
      TfTensorSpec{{1, 1, 1, 1}, kTfInt8, 1, "w", {1.0f}, {weight_zero_point}},
      TfTensorSpec{{1}, kTfInt32, 2, "bias", {1.0f}, {0}},
      TfTensorSpec{{1, 1, 1, 1}, kTfInt8, 0, "y", {output_scale}, {0}},
  };
  spec.buffers = {{1}, bytes_of(std::vector<int32_t>{bias})};
  TfOperatorSpec op;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  if (depthwise) {
    op.builtin_code = 4;  // DEPTHWISE_CONV_2D: padding VALID, strides 1, multiplier 1
    op.options_type = 2;
    op.options = {{0, 1, 1}, {1, 4, 1}, {2, 4, 1}, {3, 4, 1}, {4, 1, activation}};
  } else {
    op.builtin_code = 3;  // CONV_2D: padding VALID, strides 1
    op.options_type = 1;
    op.options = {{0, 1, 1}, {1, 4, 1}, {2, 4, 1}, {3, 1, activation}};
  }
  spec.operators = {op};
  spec.inputs = {0};
  spec.outputs = {3};
  return spec;
}

struct Opened {
  std::shared_ptr<std::vector<uint8_t>> bytes;
  Result<std::unique_ptr<Session>> session;
};

Opened open_spec(const TfModelSpec& spec) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(testing::build_tflite(spec));
  return {bytes, Session::open_buffer(bytes->data(), bytes->size(), bytes, "hostile.tflite")};
}

// fuzz_tflite crash d8d47ae8: a bias near INT32_MAX overflowed the int32 accumulator (signed
// overflow, undefined). TFLite's `acc += bias` wraps on two's complement: 10 + (2^31 - 6) wraps
// to -2^31 + 4, halved and saturated to -128; we must give the same.
TEST(CorruptQuantizedModel, BiasNearInt32MaxWrapsLikeTflite) {
  for (bool depthwise : {false, true}) {
    SCOPED_TRACE(depthwise ? "depthwise" : "conv");
    auto opened = open_spec(one_tap_conv(depthwise, std::numeric_limits<int32_t>::max() - 5, 0));
    ASSERT_TRUE(opened.session.is_ok()) << opened.session.status().message();
    Session& s = **opened.session;
    s.input(0).data_as<int8_t>()[0] = 10;
    ASSERT_TRUE(s.run().is_ok());
    EXPECT_EQ(s.output(0).data_as<int8_t>()[0], -128);
  }
}

// A weight zero point far outside int8 would overflow the int32 products: refused at load (the
// quantized kernel declines it; the message is the float kernel's, the last one tried).
TEST(CorruptQuantizedModel, WeightZeroPointOutsideDtypeIsRefused) {
  for (bool depthwise : {false, true}) {
    SCOPED_TRACE(depthwise ? "depthwise" : "conv");
    auto opened = open_spec(one_tap_conv(depthwise, 0, int64_t{1} << 30));
    ASSERT_FALSE(opened.session.is_ok());
    EXPECT_EQ(opened.session.status().code(), StatusCode::kUnsupported)
        << opened.session.status().message();
  }
}

// An output scale so small that the requantization multiplier is 2^30 or more would shift the
// accumulator past 32 bits (undefined in the left shift): refused at load with the reason.
TEST(CorruptQuantizedModel, HugeRequantizationMultiplierIsRefused) {
  for (bool depthwise : {false, true}) {
    SCOPED_TRACE(depthwise ? "depthwise" : "conv");
    auto opened = open_spec(one_tap_conv(depthwise, 0, 0, 1e-30f));
    ASSERT_FALSE(opened.session.is_ok());
    EXPECT_EQ(opened.session.status().code(), StatusCode::kInvalidModel)
        << opened.session.status().message();
    EXPECT_NE(opened.session.status().message().find("out of range"), std::string::npos)
        << opened.session.status().message();
  }
}

// fuzz_tflite crash 94d76beb (seed 5): an int8 MEAN over one axis whose input scale / output
// scale (1 / 1e-38) gave a multiplier shift of 128: the left shift of an int32 by that much is
// undefined (TFLite's own kernel shifts as far). Refused at load, as the other kernels' are.
TEST(CorruptQuantizedModel, MeanWithAHugeRequantizationMultiplierIsRefused) {
  TfModelSpec spec;
  spec.tensors = {TfTensorSpec{{1, 2, 2, 1}, kTfInt8, 0, "x", {1.0f}, {0}},
                  TfTensorSpec{{1}, kTfInt32, 1, "axes"},
                  TfTensorSpec{{1, 1, 2, 1}, kTfInt8, 0, "y", {1e-38f}, {0}}};
  spec.buffers = {bytes_of(std::vector<int32_t>{1})};
  TfOperatorSpec op;
  op.builtin_code = 40;  // MEAN, keep_dims
  op.options_type = 27;
  op.options = {{0, 1, 1}};
  op.inputs = {0, 1};
  op.outputs = {2};
  spec.operators = {op};
  spec.inputs = {0};
  spec.outputs = {2};
  auto opened = open_spec(spec);
  ASSERT_FALSE(opened.session.is_ok());
  EXPECT_EQ(opened.session.status().code(), StatusCode::kInvalidModel)
      << opened.session.status().message();
  EXPECT_NE(opened.session.status().message().find("out of range"), std::string::npos)
      << opened.session.status().message();
}

// fuzz_tflite crash cbea90d6 (seed 4): a fused RELU6 over an output scale of 1e-37 made the
// activation bound 6 / scale = 6e37, whose conversion to int is undefined (TFLite's own cast
// too). The bound saturates; the model is then refused for its requantization multiplier.
TEST(CorruptQuantizedModel, ActivationBoundOfATinyScaleSaturates) {
  for (bool depthwise : {false, true}) {
    SCOPED_TRACE(depthwise ? "depthwise" : "conv");
    auto opened = open_spec(one_tap_conv(depthwise, 0, 0, 1e-37f, /*relu6=*/3));
    ASSERT_FALSE(opened.session.is_ok());
    EXPECT_EQ(opened.session.status().code(), StatusCode::kInvalidModel)
        << opened.session.status().message();
  }
  auto r = quant::activation_range("relu6", DType::kInt8, 1e-37f, 5);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->min, 5);
  EXPECT_EQ(r->max, 127);
  r = quant::activation_range("relu_n1_to_1", DType::kUInt8, 1e-37f, std::numeric_limits<int32_t>::max());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->min, 0);  // -1 / scale saturates to INT32_MIN, plus the zero point: -1
  EXPECT_EQ(r->max, 255);
}

// fuzz_tflite crash 1c0e7f30 (seed 4): a uint8 SOFTMAX with an output scale of 1e-30 made each
// probability / scale about 1e29, cast to int (UB, as TFLite's own cast). It saturates: 255.
TEST(CorruptQuantizedModel, SoftmaxOverATinyOutputScaleSaturates) {
  constexpr int8_t kTfUInt8 = 3;
  const float beta = 1.0f;
  int32_t beta_bits;
  std::memcpy(&beta_bits, &beta, sizeof beta);
  TfModelSpec spec;
  spec.tensors = {TfTensorSpec{{1, 4}, kTfUInt8, 0, "x", {1.0f}, {0}},
                  TfTensorSpec{{1, 4}, kTfUInt8, 0, "y", {1e-30f}, {0}}};
  TfOperatorSpec op;
  op.builtin_code = 25;  // SOFTMAX
  op.options_type = 9;
  op.options = {{0, 4, beta_bits}};
  op.inputs = {0};
  op.outputs = {1};
  spec.operators = {op};
  spec.inputs = {0};
  spec.outputs = {1};
  auto opened = open_spec(spec);
  ASSERT_TRUE(opened.session.is_ok()) << opened.session.status().message();
  Session& s = **opened.session;
  for (int i = 0; i < 4; ++i) s.input(0).data_as<uint8_t>()[i] = static_cast<uint8_t>(10 * i);
  ASSERT_TRUE(s.run().is_ok());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(s.output(0).data_as<uint8_t>()[i], 255) << i;
}

}  // namespace
}  // namespace outpost
