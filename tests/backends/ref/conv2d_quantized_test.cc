// Quantized Conv2D: hand-worked cases and agreement with a float convolution of the dequantized
// tensors (within one output step) on random shapes.
#include <gtest/gtest.h>

#include "backends/ref/float_factory_status.h"
#include "backends/ref/quantized_kernel_factories.h"
#include "backends/ref/quantized_test_util.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::absent_input;
using testing::make_typed;

TEST(Conv2DQuantized, Uint8HandWorked) {
  // x = [1,2,3,4] (scale 0.5, zp 1) -> real [0, 0.5, 1, 1.5]; in steps from zp: [0,1,2,3].
  // w = [3,5,7,9] (scale 0.25, zp 5) -> steps [-2,0,2,4].
  // acc = 0*-2 + 1*0 + 2*2 + 3*4 = 16, + bias 8 = 24 (units of 0.5*0.25 = 0.125: real 3.0).
  // Output scale 0.1, zp 10: multiplier 1.25 -> 24 * 1.25 = 30, + 10 = 40.
  auto y = run_quantized<uint8_t>(
      OpKind::kConv, window_attrs(1, 1, "valid"),
      {{make_typed<uint8_t>({1, 2, 2, 1}, {1, 2, 3, 4}, qp(0.5f, 1))},
       constant(make_typed<uint8_t>({1, 2, 2, 1}, {3, 5, 7, 9}, qp(0.25f, 5))),
       constant(make_typed<int32_t>({1}, {8}, qp(0.125f, 0)))},
      qp(0.1f, 10));
  EXPECT_EQ(y, (std::vector<uint8_t>{40}));
}

TEST(Conv2DQuantized, Uint8FusedActivationClampsInTheQuantizedDomain) {
  // The same 3.0 on output scale 0.02, zp 100 would be 250; relu_n1_to_1 caps it at
  // 100 + round(1 / 0.02) = 150.
  auto y = run_quantized<uint8_t>(
      OpKind::kConv, window_attrs(1, 1, "valid", "relu_n1_to_1"),
      {{make_typed<uint8_t>({1, 2, 2, 1}, {1, 2, 3, 4}, qp(0.5f, 1))},
       constant(make_typed<uint8_t>({1, 2, 2, 1}, {3, 5, 7, 9}, qp(0.25f, 5))),
       constant(make_typed<int32_t>({1}, {8}, qp(0.125f, 0)))},
      qp(0.02f, 100));
  EXPECT_EQ(y, (std::vector<uint8_t>{150}));
}

TEST(Conv2DQuantized, Int8PerChannelHandWorked) {
  // x = [10, -20] (scale 0.5, zp -2) -> steps [12, -18].
  // Channel 0: w [1, 2] (scale 0.1): acc = 12 - 36 = -24, + bias 10 = -14; multiplier
  //   0.5 * 0.1 / 0.1 = 0.5 -> -7, + zp 5 = -2.
  // Channel 1: w [-3, 4] (scale 0.2): acc = -36 - 72 = -108, + bias 100 = -8; multiplier
  //   0.5 * 0.2 / 0.1 = 1.0 -> -8, + 5 = -3.
  auto y = run_quantized<int8_t>(
      OpKind::kConv, window_attrs(1, 1, "valid"),
      {{make_typed<int8_t>({1, 1, 1, 2}, {10, -20}, qp(0.5f, -2))},
       constant(make_typed<int8_t>({2, 1, 1, 2}, {1, 2, -3, 4}, per_channel({0.1f, 0.2f}, 0))),
       constant(make_typed<int32_t>({2}, {10, 100}, per_channel({0.05f, 0.1f}, 0)))},
      qp(0.1f, 5));
  EXPECT_EQ(y, (std::vector<int8_t>{-2, -3}));
}

TEST(Conv2DQuantized, Int8RoundsTiesLikeTflite) {
  // Channel 0 with bias 11: acc = -13, times 0.5 = -6.5. TFLite's high multiply breaks the tie
  // upward (-6), where a float round would give -7: output -6 + 5 = -1.
  auto y = run_quantized<int8_t>(
      OpKind::kConv, window_attrs(1, 1, "valid"),
      {{make_typed<int8_t>({1, 1, 1, 2}, {10, -20}, qp(0.5f, -2))},
       constant(make_typed<int8_t>({1, 1, 1, 2}, {1, 2}, per_channel({0.1f}, 0))),
       constant(make_typed<int32_t>({1}, {11}))},
      qp(0.1f, 5));
  EXPECT_EQ(y, (std::vector<int8_t>{-1}));
}

// `requantize` real (an ONNX QLinearConv lowered at import) is ONNX's arithmetic: the real
// multiplier, ties to even. The general kernel runs it NCHW; TFLite's kernels decline it, so a
// channels-last one has no kernel rather than TFLite's rounding.
TEST(Conv2DQuantized, RequantizeRealRoundsAsOnnxAndIsNotTflitesKernels) {
  const std::vector<testing::OpInput> nchw = {
      {make_typed<int8_t>({1, 1, 1, 1}, {-6}, qp(0.5f, 0))},
      constant(make_typed<int8_t>({1, 1, 1, 1}, {1}, per_channel({0.125f}, 0)))};
  Attributes onnx;
  onnx.set("kernel_shape", std::vector<int64_t>{1, 1});
  onnx.set("requantize", std::string("real"));
  // -6 * 0.25 = -1.5: -2 to even (TFLite's int8 gives -1, EachDtypeRoundsAsItsTfliteGemm).
  EXPECT_EQ(run_quantized<int8_t>(OpKind::kConv, onnx, nchw, qp(0.25f, 0)),
            (std::vector<int8_t>{-2}));
  const std::vector<testing::OpInput> nhwc_inputs = {
      {make_typed<int8_t>({1, 1, 1, 1}, {-6}, qp(0.5f, 0))},
      constant(make_typed<int8_t>({1, 1, 1, 1}, {1}, per_channel({0.125f}, 0)))};
  Attributes nhwc = window_attrs(1, 1, "valid");
  ASSERT_TRUE(testing::factory_status(make_conv2d_quantized, OpKind::kConv, nhwc, nhwc_inputs,
                                      {{DType::kInt8, qp(0.25f, 0)}})
                  .is_ok());
  nhwc.set("requantize", std::string("real"));
  const Status declined = testing::factory_status(make_conv2d_quantized, OpKind::kConv, nhwc,
                                                  nhwc_inputs, {{DType::kInt8, qp(0.25f, 0)}});
  ASSERT_FALSE(declined.is_ok());
  EXPECT_NE(declined.message().find("requantize 'real'"), std::string::npos)
      << declined.message();
}

TEST(Conv2DQuantized, EachDtypeRoundsAsItsTfliteGemm) {
  // acc = -6 * 1 = -6, multiplier 0.5 * 0.125 / 0.25 = 0.25: -1.5 exactly. TFLite runs int8 on
  // ruy (ties toward +infinity: -1) and uint8 on gemmlowp (ties away from zero: -2).
  auto s8 = run_quantized<int8_t>(
      OpKind::kConv, window_attrs(1, 1, "valid"),
      {{make_typed<int8_t>({1, 1, 1, 1}, {-6}, qp(0.5f, 0))},
       constant(make_typed<int8_t>({1, 1, 1, 1}, {1}, per_channel({0.125f}, 0)))},
      qp(0.25f, 0));
  EXPECT_EQ(s8, (std::vector<int8_t>{-1}));
  auto u8 = run_quantized<uint8_t>(
      OpKind::kConv, window_attrs(1, 1, "valid"),
      {{make_typed<uint8_t>({1, 1, 1, 1}, {4}, qp(0.5f, 10))},
       constant(make_typed<uint8_t>({1, 1, 1, 1}, {129}, qp(0.125f, 128)))},
      qp(0.25f, 10));
  EXPECT_EQ(u8, (std::vector<uint8_t>{8}));
}

TEST(Conv2DQuantized, RejectsFloatSoTheFloatKernelRuns) {
  auto r = testing::run_op(OpKind::kConv, window_attrs(1, 1, "valid"),
                           {{testing::make_tensor({1, 1, 1, 1}, {1})},
                            constant(testing::make_tensor({1, 1, 1, 1}, {2})),
                            absent_input()},
                           {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].data_as<float>()[0], 2.0f);
}

TEST(Conv2DQuantized, RejectsMissingQuantization) {
  auto r = testing::run_op(OpKind::kConv, window_attrs(1, 1, "valid"),
                           {{make_typed<uint8_t>({1, 1, 1, 1}, {1})},
                            constant(make_typed<uint8_t>({1, 1, 1, 1}, {2}, qp(1.0f, 0))),
                            absent_input()},
                           {{DType::kUInt8, qp(1.0f, 0)}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
}

struct ConvCase {
  int64_t h, w, cin, cout, k, stride, dilation;
  const char* padding;
  const char* activation;
};

// Float convolution of the dequantized tensors, quantized to the output's parameters.
template <typename T>
void check_against_float(const ConvCase& c, bool per_channel_weights, uint32_t seed) {
  std::mt19937 rng(seed);
  const QuantParams xq = std::is_same_v<T, uint8_t> ? qp(0.05f, 120) : qp(0.05f, -7);
  std::vector<float> w_scales(static_cast<size_t>(c.cout));
  std::uniform_real_distribution<float> scale_dist(0.002f, 0.01f);
  for (auto& s : w_scales) s = per_channel_weights ? scale_dist(rng) : 0.006f;
  QuantParams wq = per_channel_weights ? per_channel(w_scales, 0)
                                       : qp(0.006f, std::is_same_v<T, uint8_t> ? 131 : 0);
  const QuantParams yq = std::is_same_v<T, uint8_t> ? qp(0.04f, 100) : qp(0.04f, 3);

  const auto x = random_values<T>(static_cast<size_t>(c.h * c.w * c.cin), rng);
  const auto w = random_values<T>(static_cast<size_t>(c.cout * c.k * c.k * c.cin), rng);
  std::vector<int32_t> bias(static_cast<size_t>(c.cout));
  std::uniform_int_distribution<int32_t> bias_dist(-3000, 3000);
  for (auto& b : bias) b = bias_dist(rng);

  Attributes attrs = window_attrs(c.stride, c.dilation, c.padding, c.activation);
  Shape shape;
  auto y = run_quantized<T>(OpKind::kConv, attrs,
                            {{make_typed<T>({1, c.h, c.w, c.cin}, x, xq)},
                             constant(make_typed<T>({c.cout, c.k, c.k, c.cin}, w, wq)),
                             constant(make_typed<int32_t>({c.cout}, bias))},
                            yq, &shape);
  ASSERT_EQ(shape.rank(), 4u);
  const int64_t oh = shape[1], ow = shape[2];
  // SAME pads (out - 1) * stride + effective - in, the smaller half before.
  const int64_t eff = (c.k - 1) * c.dilation + 1;
  const int64_t pad_top = std::string(c.padding) == "same"
                              ? std::max<int64_t>((oh - 1) * c.stride + eff - c.h, 0) / 2
                              : 0;
  const int64_t pad_left = std::string(c.padding) == "same"
                               ? std::max<int64_t>((ow - 1) * c.stride + eff - c.w, 0) / 2
                               : 0;
  std::vector<int> want;
  for (int64_t oy = 0; oy < oh; ++oy)
    for (int64_t ox = 0; ox < ow; ++ox)
      for (int64_t oc = 0; oc < c.cout; ++oc) {
        const double w_scale = wq.scale[wq.scale.size() > 1 ? static_cast<size_t>(oc) : 0];
        double acc = bias[static_cast<size_t>(oc)] * static_cast<double>(xq.scale[0]) * w_scale;
        for (int64_t ky = 0; ky < c.k; ++ky)
          for (int64_t kx = 0; kx < c.k; ++kx) {
            const int64_t iy = oy * c.stride - pad_top + ky * c.dilation;
            const int64_t ix = ox * c.stride - pad_left + kx * c.dilation;
            if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
            for (int64_t ic = 0; ic < c.cin; ++ic) {
              const size_t xi = static_cast<size_t>((iy * c.w + ix) * c.cin + ic);
              const size_t wi = static_cast<size_t>(((oc * c.k + ky) * c.k + kx) * c.cin + ic);
              acc += dequantize(x, xi, xq) * dequantize(w, wi, wq, c.cout, c.k * c.k * c.cin);
            }
          }
        want.push_back(expected_q<T>(acc, yq, c.activation));
      }
  expect_within(y, want);
}

const ConvCase kCases[] = {
    {7, 6, 3, 4, 3, 2, 1, "same", "none"},  {8, 8, 5, 3, 3, 2, 1, "valid", "relu"},
    {5, 7, 4, 6, 1, 1, 1, "same", "relu6"}, {9, 9, 2, 3, 3, 1, 2, "same", "none"},
    {6, 5, 8, 2, 2, 2, 1, "same", "relu6"}, {4, 4, 16, 8, 3, 1, 1, "valid", "none"},
};

TEST(Conv2DQuantized, Uint8MatchesFloatWithinOneStep) {
  uint32_t seed = 1;
  for (const auto& c : kCases) check_against_float<uint8_t>(c, false, seed++);
}

TEST(Conv2DQuantized, Int8PerChannelMatchesFloatWithinOneStep) {
  uint32_t seed = 100;
  for (const auto& c : kCases) check_against_float<int8_t>(c, true, seed++);
}

}  // namespace
}  // namespace outpost
